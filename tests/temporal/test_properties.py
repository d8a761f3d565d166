"""Properties that hold for any text and any aware reference time (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.temporal import resolve
from app.temporal.extract import extract
from app.temporal.model import GRANULARITIES, TIMEX_TYPES
from app.temporal.resolve import is_wellformed_timex_value
from app.temporal.rulebook import load_rulebook

# Text that is likely to contain temporal expressions, mixed with arbitrary Unicode.
TEMPORAL_WORDS = st.sampled_from(
    [
        "today",
        "yesterday",
        "last",
        "next",
        "the",
        "past",
        "five",
        "a",
        "30-day",
        "days",
        "week",
        "March",
        "May",
        "Wednesday",
        "2024",
        "2025-03-11",
        "3/11/2025",
        "in",
        "since",
        "early",
        "mid-",
        "late",
        "ago",
        "later",
        "every",
        "Tuesday",
        "at",
        "2",
        "p.m.",
        "14:00",
        "1990s",
        "summer",
        "third",
        "quarter",
        "almost",
        "more than",
        "now",
        "year",
        "(",
        ")",
        ",",
        ".",
        "\n",
        "1,300",
        "86%",
        "F-16",
        "tonight",
        "the next day",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(TEMPORAL_WORDS, st.text(max_size=5)), max_size=60).map(" ".join),
)
ZONES = st.sampled_from(
    ["UTC", "Asia/Jerusalem", "Europe/Kyiv", "America/New_York", "Pacific/Kiritimati"]
)
REFERENCE_TIMES = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, reference=REFERENCE_TIMES, zone=ZONES)
def test_any_text_resolves_to_wellformed_ordered_expressions(text, reference, zone) -> None:
    found = resolve(text, reference, zone)
    previous_end = 0
    for expression in found:
        assert 0 <= expression.start < expression.end <= len(text)
        assert expression.start >= previous_end  # sorted and non-overlapping
        previous_end = expression.end
        assert expression.text == text[expression.start : expression.end]
        assert expression.type in TIMEX_TYPES
        assert is_wellformed_timex_value(expression.value), expression.value
        assert 0 <= expression.confidence <= 1
        assert (expression.date_start is None) == (expression.date_end is None)
        if expression.is_dated:
            assert expression.date_start <= expression.date_end
            assert expression.granularity in GRANULARITIES


@settings(max_examples=150, deadline=None)
@given(text=TEXTS)
def test_trigger_windows_find_what_a_full_scan_finds(text) -> None:
    rulebook = load_rulebook("en")
    assert extract(text, rulebook) == extract(text, rulebook, use_triggers=False)


TENSE_WORDS = st.sampled_from(
    [
        "will",
        "won't",
        "they'll",
        "would",
        "be",
        "paid",
        "expected",
        "to",
        "is",
        "was",
        "had",
        "been",
        "scheduled",
        "said",
        "hundred",
        "needed",
        "Diversified's",
        "as",
        "early",
        "of",
        "record",
        "plans",
        "due",
        "its",
        "\n",
        "  ",
    ]
)
TENSE_TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(TENSE_WORDS, st.text(max_size=4)), max_size=40).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(text=TENSE_TEXTS)
def test_tense_lexicon_finds_what_the_cue_regex_finds(text) -> None:
    """Word-by-word cue matching is an optimisation: it must equal the plain regex of all cues."""
    rulebook = load_rulebook("en")
    expected = [
        (cue.start(), cue.end(), "future" if cue.group("future") is not None else "past")
        for cue in rulebook.tense_cues.finditer(text)
    ]
    assert rulebook.tense_lexicon.find(text) == expected
