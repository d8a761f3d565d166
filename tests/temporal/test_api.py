"""The public contract of `app.temporal.resolve`: arguments, time zones, language folders."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import regex

from app.temporal import TemporalExpression, UnknownTimezoneError, resolve
from app.temporal.extract import _to_word_ends, extract
from app.temporal.rulebook import load_rulebook
from tests.temporal.conftest import corpus_examples

WEDNESDAY_EVENING = datetime(2025, 3, 12, 20, 0, tzinfo=UTC)


def test_naive_reference_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        resolve("today", datetime(2025, 3, 12, 20, 0))


def test_unknown_timezone_is_a_value_error() -> None:
    with pytest.raises(UnknownTimezoneError):
        resolve("today", WEDNESDAY_EVENING, "Mars/Olympus_Mons")
    assert issubclass(UnknownTimezoneError, ValueError)


def test_unknown_language_is_rejected() -> None:
    with pytest.raises(ValueError, match="language"):
        resolve("today", WEDNESDAY_EVENING, language="xx")


def test_reference_time_is_converted_into_the_zone_first() -> None:
    late_utc = datetime(2025, 3, 12, 23, 30, tzinfo=UTC)
    [in_kyiv] = resolve("Strikes are expected tonight.", late_utc, "Europe/Kyiv")
    assert (in_kyiv.value, in_kyiv.date_start) == ("2025-03-13TNI", date(2025, 3, 13))
    [in_utc] = resolve("Strikes are expected tonight.", late_utc, "UTC")
    assert in_utc.date_start == date(2025, 3, 12)


def test_any_aware_tzinfo_is_accepted() -> None:
    offset = datetime(2025, 3, 12, 1, 0, tzinfo=timezone(timedelta(hours=5)))
    [today] = resolve("It happened today.", offset, "UTC")
    assert today.date_start == date(2025, 3, 11)


def test_results_are_public_value_objects() -> None:
    [found] = resolve("Talks resumed yesterday.", WEDNESDAY_EVENING)
    assert isinstance(found, TemporalExpression)
    assert found.to_dict()["date_start"] == "2025-03-11"
    assert 0 < found.confidence <= 1


def test_narrative_anchor_falls_back_to_the_reference_time() -> None:
    [next_day] = resolve("The next day, both sides walked out.", WEDNESDAY_EVENING)
    assert next_day.value == "2025-03-13"


def test_coarse_narrative_anchor_gives_no_date() -> None:
    found = resolve("The war began in 2022. The next day, markets fell.", WEDNESDAY_EVENING)
    assert [(e.text, e.value, e.is_dated) for e in found][1] == (
        "The next day",
        "XXXX-XX-XX",
        False,
    )


def test_a_scanned_stretch_never_ends_inside_a_word() -> None:
    """The engine reads the end of a stretch as the end of the text: "May" cut from "Mayor"
    would be a month."""
    text = "Talks on Friday went well, said Mayor Lee, and on Monday too."
    mayor = text.index("Mayor")
    monday = text.index("Monday")
    stretches = [(0, mayor + 3), (mayor + 4, monday + 2)]
    assert _to_word_ends(text, stretches) == [(0, monday + 6)]


def test_ascii_words_are_the_same_for_both_regex_engines() -> None:
    """ASCII texts are split into words by the standard library (faster), others by regex."""
    for character in map(chr, range(128)):
        assert (re.match(r"\w", character) is None) == (regex.match(r"\w", character) is None)


def test_anchored_rules_find_what_a_full_scan_finds() -> None:
    """An anchored rule (rules.yaml `anchor`) is tried only where its anchor words start."""
    rulebook = load_rulebook("en")
    anchored = [rule.name for rule in rulebook.rules if rule.anchor is not None]
    assert anchored, "no rule declares an anchor: drop this test or the feature"
    text = (
        "On Monday morning, in mid-March, talks began; by Sept. 3, 2024 and in the last five "
        "days, a couple of hours a day at 14:30 local time, every Tuesday, twenty-five years "
        "after the war. March 3² too, and a week from now; the coming days, since August."
    )
    assert extract(text, rulebook) == extract(text, rulebook, use_triggers=False)


def test_rules_with_a_narrow_reach_find_what_a_full_scan_finds() -> None:
    """A rule's `reach` must cover its matches and the text its look-arounds read."""
    rulebook = load_rulebook("en")
    narrow = [rule.name for rule in rulebook.rules if rule.reach != (64, 96)]
    assert narrow, "no rule declares a reach: drop this test or the feature"
    text = (
        "It lasted 2 1/2 more years, up from a couple of more hours; several quarters of those "
        "losses, and twenty-seven more days\n  of talks, a 30-day truce, $2 million a year."
    )
    assert extract(text, rulebook) == extract(text, rulebook, use_triggers=False)


def test_triggers_never_change_what_is_found() -> None:
    """Rules run only near their trigger words; that must equal scanning the whole text."""
    rulebook = load_rulebook("en")
    for _, example, _, _ in corpus_examples():
        text = example["sentence"]
        assert extract(text, rulebook) == extract(text, rulebook, use_triggers=False)


@pytest.mark.parametrize(
    ("utc_time", "kyiv_day"),
    [
        # Kyiv moves from +02:00 to +03:00 at 01:00 UTC on 2025-03-30.
        (datetime(2025, 3, 29, 21, 59, tzinfo=UTC), date(2025, 3, 29)),
        (datetime(2025, 3, 29, 22, 0, tzinfo=UTC), date(2025, 3, 30)),
        (datetime(2025, 3, 30, 20, 59, tzinfo=UTC), date(2025, 3, 30)),
        (datetime(2025, 3, 30, 21, 0, tzinfo=UTC), date(2025, 3, 31)),
        # ... and back to +02:00 at 01:00 UTC on 2025-10-26.
        (datetime(2025, 10, 25, 20, 59, tzinfo=UTC), date(2025, 10, 25)),
        (datetime(2025, 10, 25, 21, 0, tzinfo=UTC), date(2025, 10, 26)),
        (datetime(2025, 10, 26, 21, 59, tzinfo=UTC), date(2025, 10, 26)),
        (datetime(2025, 10, 26, 22, 0, tzinfo=UTC), date(2025, 10, 27)),
    ],
)
def test_kyiv_daylight_saving_edges(utc_time: datetime, kyiv_day: date) -> None:
    found = resolve(
        "Drones struck tonight; officials spoke today and yesterday.", utc_time, "Europe/Kyiv"
    )
    assert [(e.text, e.date_start) for e in found] == [
        ("tonight", kyiv_day),
        ("today", kyiv_day),
        ("yesterday", kyiv_day - timedelta(days=1)),
    ]


def test_fixed_offset_zone_matches_the_named_zone() -> None:
    evening = datetime(2025, 3, 12, 21, 30, tzinfo=UTC)
    by_offset = resolve("It happened today.", evening, "+03:00")
    by_name = resolve("It happened today.", evening, "Europe/Moscow")
    assert by_offset[0].date_start == by_name[0].date_start == date(2025, 3, 13)


def test_reporting_quarter_is_remembered_across_sentences() -> None:
    text = (
        "The exporter posted a third-quarter loss. Sales fell 8% from a year earlier. "
        "In the year-ago quarter, it had earned $2 million."
    )
    found = resolve(text, datetime(2025, 10, 28, 9, 0, tzinfo=UTC))
    assert [(e.text, e.value) for e in found] == [
        ("third-quarter", "2025-Q3"),
        ("a year earlier", "2024-Q3"),
        ("the year-ago quarter", "2024-Q3"),
    ]
