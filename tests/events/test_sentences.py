"""Sentence segmentation of news text: abbreviations, quotes, parentheses, datelines, offsets."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.events.sentences import dateline_spans, split_paragraphs, split_sentences

SEED = Path(__file__).resolve().parents[2] / "seeds" / "kursk-ceasefire-2025-03-12.txt"


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_seed_article_has_sixteen_sentences_with_the_expected_edges():
    text = SEED.read_text(encoding="utf-8")
    found = sentences(text)
    assert len(found) == 16
    assert found[0].startswith("Russian President Vladimir Putin arrived")
    assert found[0].endswith("last August.")
    assert found[2] == "The Kremlin released footage of the meeting this evening (Wednesday)."
    assert found[5].startswith('"We need to completely liberate')
    assert found[5].endswith("Putin told the commanders.")
    assert found[7] == "Moscow says it has now recovered 86% of the area."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Gen. Valery Gerasimov met Mr. Smith and Dr. Jones in St. Petersburg. They talked.",
            [
                "Gen. Valery Gerasimov met Mr. Smith and Dr. Jones in St. Petersburg.",
                "They talked.",
            ],
        ),
        (
            "The truce began on Feb. 24 at noon. It held.",
            ["The truce began on Feb. 24 at noon.", "It held."],
        ),
        (
            "The U.S. said it would help. Aid resumed.",
            ["The U.S. said it would help.", "Aid resumed."],
        ),
        (
            "He spoke to U.S. President Donald Trump. Talks followed.",
            ["He spoke to U.S. President Donald Trump.", "Talks followed."],
        ),
        (
            "Kyiv sent aid to the U.S. The Kremlin objected.",
            ["Kyiv sent aid to the U.S.", "The Kremlin objected."],
        ),
        (
            "Donald J. Trump spoke. J. D. Vance listened.",
            ["Donald J. Trump spoke.", "J. D. Vance listened."],
        ),
        (
            "Inflation hit 3.5 percent and 1,300 square km were lost. Prices rose 2.7%.",
            ["Inflation hit 3.5 percent and 1,300 square km were lost.", "Prices rose 2.7%."],
        ),
        (
            '"We will not retreat. We will fight," he said. The talks ended.',
            ['"We will not retreat. We will fight," he said.', "The talks ended."],
        ),
        (
            '"Is it over?" he asked. Nobody answered.',
            ['"Is it over?" he asked.', "Nobody answered."],
        ),
        (
            "He said: “We are ready.” The Kremlin disagreed.",
            ["He said: “We are ready.”", "The Kremlin disagreed."],
        ),
        (
            "The meeting (held in Jeddah. It lasted hours) ended. Then they left.",
            ["The meeting (held in Jeddah. It lasted hours) ended.", "Then they left."],
        ),
        (
            "(The talks were held in Jeddah.) Next came the vote.",
            ["(The talks were held in Jeddah.)", "Next came the vote."],
        ),
        (
            "Talks resumed... Nobody expected it. Really?! Yes.",
            ["Talks resumed...", "Nobody expected it.", "Really?!", "Yes."],
        ),
    ],
)
def test_sentence_boundaries(text, expected):
    assert sentences(text) == expected


def test_dateline_is_not_part_of_the_first_sentence():
    text = "KYIV, March 12 (Reuters) - Russian forces advanced. Ukraine denied it."
    assert sentences(text) == ["Russian forces advanced.", "Ukraine denied it."]
    assert dateline_spans(text) == [(0, len("KYIV, March 12 (Reuters) - "))]


@pytest.mark.parametrize(
    "dateline",
    [
        "GAZA CITY (AP) — ",
        "JERUSALEM — ",
        "WASHINGTON, D.C., Feb. 24, 2025 -- ",
        "TEL AVIV, Israel (Reuters) - ",
    ],
)
def test_dateline_forms(dateline):
    text = dateline + "Israel struck Gaza. Hamas said so."
    assert sentences(text) == ["Israel struck Gaza.", "Hamas said so."]
    assert dateline_spans(text) == [(0, len(dateline))]


def test_a_capitalised_first_word_with_a_hyphen_is_not_a_dateline():
    assert dateline_spans("Putin-Trump talks ended.") == []


def test_paragraphs_always_end_sentences():
    text = "Talks ended without a statement\n\nThe Kremlin said nothing"
    assert sentences(text) == ["Talks ended without a statement", "The Kremlin said nothing"]
    assert split_paragraphs(text) == [(0, 31), (33, 57)]


def test_headline_lines_end_but_wrapped_lines_do_not():
    text = (
        "Putin visits Kursk\n"
        "Russian President Vladimir Putin arrived today. He met\n"
        "Gerasimov there."
    )
    assert sentences(text) == [
        "Putin visits Kursk",
        "Russian President Vladimir Putin arrived today.",
        "He met\nGerasimov there.",
    ]


def test_spans_are_offsets_into_the_original_text_and_trimmed():
    text = "  First one.   Second one!\n\n  Third?  "
    spans = split_sentences(text)
    assert spans == [(2, 12), (15, 26), (30, 36)]


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="xx"):
        split_sentences("Hello.", language="xx")


_WORDS = st.sampled_from(
    ["Putin", "said", "the", "U.S.", "Gen.", "talks", "3.5", '"', "(", ")", "Feb.", "24", "J."]
)
_PUNCTUATION = st.sampled_from(["", "", ".", ",", "?", "!", ".\n", "\n\n"])


@given(st.lists(st.tuples(_WORDS, _PUNCTUATION), max_size=40))
def test_spans_are_ordered_trimmed_and_cover_every_character(pieces):
    text = " ".join(word + mark for word, mark in pieces)
    spans = split_sentences(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace()
        assert not text[end - 1].isspace()
        previous_end = end
    covered = set()
    for start, end in spans:
        covered.update(range(start, end))
    # No generated text starts with a dateline, so every visible character is in a sentence.
    assert all(index in covered for index, char in enumerate(text) if not char.isspace())
