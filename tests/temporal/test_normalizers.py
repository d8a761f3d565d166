"""The rulebook's built-in normalizers that read the language's tables."""

from __future__ import annotations

import pytest

from app.temporal.rulebook import RULES_ROOT, _builtin_normalizers, _read_yaml


@pytest.fixture(scope="module")
def ordinal_number():
    tables = _read_yaml(RULES_ROOT / "en" / "normalization.yaml")
    return _builtin_normalizers(tables)["ordinal_number"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("first", "1"),
        ("Third", "3"),
        ("twentieth", "20"),
        ("twenty-fifth", "25"),
        ("forty second", "42"),
        ("80th", "80"),
        ("1st", "1"),
        ("hundredth", "100"),
    ],
)
def test_ordinal_number_reads_words_and_digits(ordinal_number, text: str, value: str) -> None:
    assert ordinal_number(text) == value


@pytest.mark.parametrize("text", ["final", "umpteenth", "twenty-foo", "last"])
def test_ordinal_number_is_unknown_rather_than_wrong(ordinal_number, text: str) -> None:
    assert ordinal_number(text) == "X"
