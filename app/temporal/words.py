r"""Which regex engine may split a text into words.

The rules read words as `regex`'s `\w` finds them. The standard library's `re` splits faster,
but its `\w` differs from regex's for a few characters beyond ASCII (combining marks, "²",
"¼"), so it may split only texts without such characters. Extraction (word stretches) and the
tense cues (word-by-word lexicon) both ask here.
"""

from __future__ import annotations

import functools
import re

import regex

_REGEX_WORD = regex.compile(r"\w")
_RE_NON_WORD = re.compile(r"\W")
# Characters (beyond ASCII) on whose \w both engines agree, by block: Latin, Greek, Cyrillic,
# punctuation and currency signs, what news text holds.
CHECKED_BLOCKS = ((0x80, 0x530), (0x2000, 0x20D0))


@functools.cache
def foreign_character() -> re.Pattern[str]:
    r"""Matches a character on whose \w the standard library and regex may disagree."""
    agreed = [
        char
        for first, last in CHECKED_BLOCKS
        for char in map(chr, range(first, last))
        if (_REGEX_WORD.match(char) is None) == (_RE_NON_WORD.match(char) is not None)
    ]
    return re.compile("[^\\x00-\\x7f" + "".join(map(re.escape, agreed)) + "]")


def splits_alike(text: str) -> bool:
    r"""True when `re` and `regex` find the same `\w` words in `text`."""
    return text.isascii() or foreign_character().search(text) is None
