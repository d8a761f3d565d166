"""The reported-speech cues (modals, readiness, expectations) found word by word as by the regex."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.temporal.rulebook import load_rulebook

# Words that begin, end or block the multi-word cues, some of them behind a look-behind ("nor
# ... could", "had expected"), which the word-by-word search must see as the plain regex does.
REPORTED_SPEECH_WORDS = st.sampled_from(
    [
        "may",
        "May",
        "might",
        "can",
        "cannot",
        "could",
        "Could",
        "not",
        "have",
        "been",
        "be",
        "held",
        "hear",
        "ready",
        "prepared",
        "hoping",
        "to",
        "for",
        "expected",
        "expects",
        "talks",
        "had",
        "nor",
        "neither",
        "no",
        "one",
        "possible",
        "runs",
        "from",
        "said",
        "resume",
        ",",
        ".",
        "\n",
    ]
)
TEXTS = st.lists(st.one_of(REPORTED_SPEECH_WORDS, st.text(max_size=3)), max_size=30).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_reported_speech_cues_found_word_by_word_as_by_the_regex(text) -> None:
    rulebook = load_rulebook("en")
    expected = [
        (cue.start(), cue.end(), "future" if cue.group("future") is not None else "past")
        for cue in rulebook.tense_cues.finditer(text)
        if cue.group("neutral") is None
    ]
    assert rulebook.tense_lexicon.find(text) == expected


def _cues(text: str) -> list[tuple[str, str]]:
    return [
        (text[start:end], tense)
        for start, end, tense in load_rulebook("en").tense_lexicon.find(text)
    ]


def test_modal_with_its_verb_is_one_future_cue() -> None:
    assert _cues("elections could be held in September") == [("could be held", "future")]
    assert _cues("talks may resume") == [("may resume", "future")]


def test_past_guess_and_negated_could_are_no_future() -> None:
    assert _cues("he may have been killed") == [("may have been", "past"), ("killed", "past")]
    assert _cues("they could not reach a deal") == []
    assert _cues("neither envoy could be reached") == [("reached", "past")]


def test_the_month_may_is_no_modal() -> None:
    # "resume" is a cue of its own (a present that schedules); "May resume" is none.
    assert _cues("talks in May resume") == [("resume", "future")]
    assert _cues("talks in May ended") == [("ended", "past")]


def test_an_overdue_plan_takes_its_verb() -> None:
    # The verb after "had been scheduled to" is part of the past cue, not a present tense.
    assert _cues("it had been scheduled to expire") == [("had been scheduled to expire", "past")]


def test_cues_split_words_as_the_cue_regex_does() -> None:
    # "¼" is a word character to the standard library, not to regex: "¼A" is no article "A"
    # there, and "aa0ed" after it was taken for a past participle (found by hypothesis).
    rulebook = load_rulebook("en")
    text = "¼A aa0ed"
    expected = [
        (cue.start(), cue.end())
        for cue in rulebook.tense_cues.finditer(text)
        if cue.group("neutral") is None
    ]
    assert expected == []
    assert [(start, end) for start, end, _ in rulebook.tense_lexicon.find(text)] == expected
