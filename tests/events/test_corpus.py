"""The events benchmark's corpus meets its targets: scores computed here, not copied."""

import pytest

from benchmarks.events import TARGETS, bcubed, load_corpus, measure_quality


@pytest.fixture(scope="module")
def quality():
    return measure_quality()


def test_corpus_is_big_and_varied_enough():
    corpus = load_corpus()
    assert len(corpus.reports) >= 20
    told: dict[str, set[str]] = {}
    for report in corpus.reports:
        for annotation in report.annotations:
            told.setdefault(annotation.happening, set()).add(report.file)
    assert sum(1 for files in told.values() if len(files) >= 3) >= 6
    assert any(not report.annotations for report in corpus.reports)  # noise reports
    assert len({report.source for report in corpus.reports}) >= 3


def test_bcubed_scorer():
    gold = {1: "a", 2: "a", 3: "b"}
    assert bcubed({1: "x", 2: "x", 3: "y"}, gold) == (1.0, 1.0)
    precision, recall = bcubed({1: "x", 2: "y", 3: "z"}, gold)
    assert precision == 1.0 and recall == pytest.approx(2 / 3)
    precision, recall = bcubed({1: "x", 2: "x", 3: "x"}, gold)
    assert recall == 1.0 and precision == pytest.approx((2 / 3 + 2 / 3 + 1 / 3) / 3)


def test_event_dates_are_right(quality):
    assert quality.mention_recall >= 0.9, quality.misses
    assert quality.date_accuracy >= TARGETS["date_accuracy"], quality.wrong_dates


def test_mentions_cluster_into_the_true_happenings(quality):
    assert quality.bcubed_f1 >= TARGETS["bcubed_f1"]


def test_extracted_events_are_real_happenings(quality):
    assert quality.events_real >= TARGETS["events_real"], quality.unreal
