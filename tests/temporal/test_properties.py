"""Properties that hold for any text and any aware reference time (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.temporal import resolve
from app.temporal.extract import extract
from app.temporal.model import GRANULARITIES, TIMEX_TYPES
from app.temporal.resolve import is_wellformed_timex_value
from app.temporal.rulebook import load_rulebook
from app.temporal.tense import _quote_marks

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


# The words rules are triggered and anchored by (rules.yaml `trigger`, `anchor`), in the
# spellings and company that make the look-arounds work: an anchored rule is tried only where
# its anchor words start, and a rule with a narrow `reach` only close to its triggers, which
# must find what a scan of the whole text finds.
ANCHOR_WORDS = st.sampled_from(
    [
        *("Monday", "Friday's", "Sept.", "March", "mid-March", "June", "May", "summer"),
        *("today", "tomorrow", "morning", "evenings", "Christmas", "New", "Year's", "Day"),
        *("the", "a", "an", "in", "of", "by", "for", "over", "since", "until", "at", "on"),
        *("last", "past", "next", "coming", "this", "previous", "following", "same", "that"),
        *("every", "each", "earlier", "later", "before", "after", "ago", "recent", "ahead"),
        *("day", "days", "week", "months", "year", "years", "quarter", "decades", "hours"),
        *("one", "two", "twenty-five", "a couple of", "several", "few", "3", "3rd", "2024"),
        *("1990s", "2 1/2", "2.5", "30-day", "14:30", "GMT", "local time", "p.m.", "2pm"),
        *("now", "as", "the near future", "the coming months", "end of", "its", "people"),
        *(",", ".", "-", "–", "'", "’s", "(", "\n", "  ", "$2", "86%", "²", "\u0301"),
        # The words of the rules added for current news (stamps, feasts, the story's days).
        *("00:20", "23:35", "—", ":", "1300", "from", "between", "midnight", "going", "into"),
        *("dawn", "first", "light", "tonight", "That", "spring", "In", "During", "2026.03.02"),
        *("dated", "3/11", "9/11", "Sat", "20th", "1-3", "eve", "Orthodox", "Easter", "Ramadan"),
        *("Passover", "Victory", "VE", "Ukrainians", "anniversary", "Oct.", "attack", "80th"),
        *("fortnight", "hourlong", "twice", "times", "within", "soon", "will", "Resolution"),
        *("1701", "daily", "Haaretz", "Tuesday", "after", "meant", "to", "resume", "Wednesday"),
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(ANCHOR_WORDS, max_size=40), separators=st.sampled_from([" ", "", "-"]))
def test_anchored_rules_find_what_a_full_scan_finds(words, separators) -> None:
    rulebook = load_rulebook("en")
    text = separators.join(words)
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
        "the",
        "a",
        "still",
        "proposed",
        "Announced",
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
        if cue.group("neutral") is None  # "the proposed": no cue, and hides "proposed"
    ]
    assert rulebook.tense_lexicon.find(text) == expected


QUOTE_REGEX = regex.compile(r"``|''|[\"“”]")


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="`'\"“”a \n", max_size=40))
def test_quotation_marks_are_found_as_the_regex_finds_them(text) -> None:
    assert sorted(_quote_marks(text)) == [mark.span() for mark in QUOTE_REGEX.finditer(text)]
