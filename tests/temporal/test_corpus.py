"""The executable example corpus: every rule has an example, every example resolves exactly."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.temporal import resolve
from app.temporal.rulebook import load_rulebook
from tests.temporal.conftest import NEGATIVE_CORPUS, corpus_examples, load_corpus_file

CASES = corpus_examples()


def _observed(expression, expected: dict) -> dict:
    """The fields of `expression` that the corpus entry names, in the corpus's spelling."""
    observed = {
        "text": expression.text,
        "rule": expression.rule,
        "type": expression.type,
        "value": expression.value,
        "mod": expression.mod,
        "granularity": expression.granularity,
        "date_start": expression.date_start.isoformat() if expression.date_start else None,
        "date_end": expression.date_end.isoformat() if expression.date_end else None,
        "dated": expression.is_dated,
    }
    return {key: observed[key] for key in expected}


@pytest.mark.parametrize(
    ("case_id", "example", "reference", "zone"), CASES, ids=[c[0] for c in CASES]
)
def test_corpus_example(case_id: str, example: dict, reference: datetime, zone: str) -> None:
    found = resolve(example["sentence"], reference, zone)
    expected = example["expect"]
    assert [_observed(e, wanted) for e, wanted in zip(found, expected, strict=False)] == expected
    assert len(found) == len(expected), [(e.text, e.value, e.rule) for e in found]
    for expression, wanted in zip(found, expected, strict=True):
        # A corpus entry without `mod` asserts that there is none.
        if "mod" not in wanted:
            assert expression.mod is None, (expression.text, expression.mod)


def test_every_rule_has_a_corpus_example() -> None:
    exercised = set()
    for _, example, reference, zone in CASES:
        exercised.update(e.rule for e in resolve(example["sentence"], reference, zone))
    rule_names = {rule.name for rule in load_rulebook("en").rules}
    assert sorted(rule_names - exercised) == []


NEGATIVE = load_corpus_file(NEGATIVE_CORPUS)


@pytest.mark.parametrize("example", NEGATIVE["examples"], ids=lambda e: e["sentence"][:40])
def test_negative_corpus_has_no_dates(example: dict) -> None:
    reference = datetime.fromisoformat(NEGATIVE["reference_time"])
    found = resolve(example["sentence"], reference, NEGATIVE["timezone"])
    assert [e.text for e in found if e.is_dated] == []
    if example["nothing"]:
        assert [e.text for e in found] == []
