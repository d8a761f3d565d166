"""The extraction's faster forms find exactly what the plain ones they replaced find.

* Categories: the patterns of `categories.yaml` as one alternation bucketed by first character
  (`_combined_categories`) against the plain alternation with a named group per category.
* Gazetteer: "after a locative word" read from the reversed text against the end-anchored
  regexes it replaced.
* Titles: the spacing rules of `_render`.
"""

import random
import re
from pathlib import Path

import pytest

from app.events.extraction import (
    _NO_SPACE_AFTER,
    _NO_SPACE_BEFORE,
    DATA_DIR,
    _combined_categories,
    _first_characters,
    _load_categories,
    read_yaml,
)
from app.events.gazetteer import load_gazetteer
from app.events.sentences import split_sentences

REPORTS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "reports"

_ARTICLE = re.compile(r"(?:the|a|an)\s+$", re.IGNORECASE)
_WORD_BEFORE = re.compile(r"([\w'’-]+)\s+$")


def _plain_categories() -> tuple[re.Pattern[str], list[str]]:
    data = read_yaml(DATA_DIR / "en" / "categories.yaml")
    groups = (
        f"(?P<c{index}>" + "|".join(f"(?:{p.lower()})" for p in entry["patterns"]) + ")"
        for index, entry in enumerate(data["categories"])
    )
    return re.compile(r"\b(?:" + "|".join(groups) + r")\b"), [
        entry["name"] for entry in data["categories"]
    ]


def _plain_best(pattern: re.Pattern[str], names: list[str], text: str) -> str | None:
    best_index = None
    for match in pattern.finditer(text.lower()):
        index = int(match.lastgroup[1:])
        if best_index is None or index < best_index:
            best_index = index
            if index == 0:
                break
    return None if best_index is None else names[best_index]


def _texts() -> list[str]:
    texts = []
    for path in sorted(REPORTS_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts.extend(text[start:end] for start, end in split_sentences(text))
    rng = random.Random(11)
    words = " ".join(texts).split()
    # Shuffled words: matches at places no report puts them, and near-misses.
    texts.extend(" ".join(rng.sample(words, 40)) for _ in range(400))
    return texts


def test_bucketed_categories_match_the_plain_alternation():
    plain, names = _plain_categories()
    categories = _load_categories("en")
    assert list(categories.names) == names
    for text in _texts():
        lowered = text.lower()
        assert [m.span() for m in categories.combined.finditer(lowered)] == [
            m.span() for m in plain.finditer(lowered)
        ], text
        assert categories.best(text) == _plain_best(plain, names, text), text


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("talks", {"t"}),
        ("(?:ceasefire|truce) held", {"c", "t"}),
        ("[a-c]x", {"a", "b", "c"}),
        ("(?:re)?sumed", None),  # optional first element
        (r"\w+ talks", None),
        ("(?i:talks)", None),
        ("(?=a)a", None),
    ],
)
def test_first_characters(pattern, expected):
    found = _first_characters(pattern)
    assert (None if found is None else set(found)) == expected


def test_unknown_first_character_keeps_the_alternation_plain():
    combined, groups = _combined_categories([(0, "talks"), (1, r"\w+ truce"), (2, "truce")])
    assert "(?=" not in combined.pattern
    assert [groups[m.lastindex] for m in combined.finditer("the truce talks")] == [1, 0]


def _plain_after_locative_word(gazetteer, text: str, position: int) -> bool:
    before = text[max(0, position - 24) : position]
    before = _ARTICLE.sub("", before) if _ARTICLE.search(before) else before
    match = _WORD_BEFORE.search(before)
    return match is not None and match.group(1).lower() in gazetteer._locative_words


def test_locative_word_read_backwards_is_the_same():
    gazetteer = load_gazetteer("en")
    rng = random.Random(5)
    pieces = ["in", "In", "the", "THE", "a", "an", "at", "to", "Ukraina", "talks", "x-in", "in's"]
    spaces = [" ", "  ", "\n", " \n", "\t", "\u00a0", ""]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) + rng.choice(spaces) for _ in range(rng.randint(0, 8)))
        text += "Moscow"
        position = len(text) - len("Moscow")
        assert gazetteer._after_locative_word(text, position) == _plain_after_locative_word(
            gazetteer, text, position
        ), repr(text)


def test_render_spacing_is_the_same():
    """`_render` removes the space before closing punctuation and after an opening bracket
    with lookarounds and a plain replacement; the group-and-template forms it replaced."""
    before = re.compile(r" ([,.;:!?%)\]’])")
    after = re.compile(r"([(\[]) ")
    rng = random.Random(3)
    pieces = ["a", "Kyiv", " ", "  ", ",", ".", ";", ")", "(", "[", "]", "’", "%", "!", "-", "–"]
    for _ in range(5000):
        words = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))) for _ in range(8)]
        title = " ".join(words)
        expected = after.sub(r"\1", before.sub(r"\1", title))
        assert _NO_SPACE_AFTER.sub("", _NO_SPACE_BEFORE.sub("", title)) == expected, title
