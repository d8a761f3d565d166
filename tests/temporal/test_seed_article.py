"""The seed article (published Wednesday 2025-03-12 20:00, Asia/Jerusalem): every expression.

Span decisions (TimeML): prepositions stay outside ("in the near future" -> "the near future",
"In the last five days" -> "the last five days", "on Wednesday" -> "Wednesday",
"(Wednesday)" -> "Wednesday"); modifiers that change the meaning stay inside
("more than eight hours", "almost a year"); "a 30-day ceasefire" is the duration "30-day".
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from app.temporal import resolve

SEED = Path(__file__).parents[2] / "seeds" / "kursk-ceasefire-2025-03-12.txt"
PUBLISHED = datetime(2025, 3, 12, 20, 0, tzinfo=ZoneInfo("Asia/Jerusalem"))
MARCH_12 = date(2025, 3, 12)
MARCH_11 = date(2025, 3, 11)

# (text, type, value, date_start, date_end, granularity, mod), in text order.
EXPECTED = [
    ("today", "DATE", "2025-03-12", MARCH_12, MARCH_12, "day", None),
    ("last August", "DATE", "2024-08", date(2024, 8, 1), date(2024, 8, 31), "month", None),
    ("this evening", "TIME", "2025-03-12TEV", MARCH_12, MARCH_12, "part_of_day", None),
    ("Wednesday", "DATE", "2025-03-12", MARCH_12, MARCH_12, "day", None),
    ("the last five days", "DURATION", "P5D", date(2025, 3, 8), MARCH_12, "range", None),
    ("the near future", "DATE", "FUTURE_REF", None, None, None, None),
    ("August", "DATE", "2024-08", date(2024, 8, 1), date(2024, 8, 31), "month", None),
    ("now", "DATE", "PRESENT_REF", None, None, None, None),
    ("Wednesday", "DATE", "2025-03-12", MARCH_12, MARCH_12, "day", None),
    ("today", "DATE", "2025-03-12", MARCH_12, MARCH_12, "day", None),
    ("Yesterday", "DATE", "2025-03-11", MARCH_11, MARCH_11, "day", None),
    ("more than eight hours", "DURATION", "PT8H", None, None, None, "MORE_THAN"),
    ("30-day", "DURATION", "P30D", None, None, None, None),
    ("yesterday", "DATE", "2025-03-11", MARCH_11, MARCH_11, "day", None),
    ("earlier this month", "DATE", "2025-03", date(2025, 3, 1), MARCH_12, "month", "START"),
    ("yesterday", "DATE", "2025-03-11", MARCH_11, MARCH_11, "day", None),
    ("today", "DATE", "2025-03-12", MARCH_12, MARCH_12, "day", None),
    ("almost a year", "DURATION", "P1Y", None, None, None, "APPROX"),
]


def _seed_expressions():
    text = SEED.read_text(encoding="utf-8")
    return text, resolve(text, PUBLISHED, "Asia/Jerusalem")


def test_seed_article_lists_every_expression_with_its_value() -> None:
    text, found = _seed_expressions()
    observed = [
        (e.text, e.type, e.value, e.date_start, e.date_end, e.granularity, e.mod) for e in found
    ]
    assert observed == EXPECTED
    for expression in found:
        assert text[expression.start : expression.end] == expression.text


def test_seed_article_non_dates_stay_undated() -> None:
    text, found = _seed_expressions()
    dated_spans = [(e.start, e.end) for e in found if e.is_dated]
    for word in ("We", "86%", "430", "1,300", "259 square kilometres", "30-day"):
        occurrence = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)
        assert occurrence is not None, word
        start, end = occurrence.span()
        assert not any(s < end and start < e for s, e in dated_spans), word
