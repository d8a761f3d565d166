"""The TempEval-3 benchmark's reader and scorer (benchmarks/tempeval.py), on hand-made cases.

The scorer decides every figure we publish, so it is pinned here on cases small enough to check
by hand. Only the last test reads the shared TBAQ data, and it skips when the folder is absent.

This folder's `__init__.py` relies on `tests/__init__.py`: together they make this module
`tests.benchmarks.…`. Without the outer one pytest would import this folder as a top-level
package named `benchmarks` and shadow the `benchmarks` package under test.
"""

from __future__ import annotations

import random
import sys
import types
from datetime import UTC, datetime

import pytest

from benchmarks import common
from benchmarks.tempeval import (
    Counts,
    EngineMissing,
    Span,
    align,
    default_data_dir,
    extract_text,
    load_corpus,
    load_engine,
    locate_substrings,
    match_relaxed,
    micro,
    overlap,
    parse_dct,
    parse_timeml,
    score,
)


def span(start: int, end: int, value: str = "1998-01-14", type_: str = "DATE") -> Span:
    return Span(start, end, type_, value)


# ---------------------------------------------------------------------------------------------
# Reading TimeML
# ---------------------------------------------------------------------------------------------

TINY_TIMEML = """<?xml version="1.0" ?>
<TimeML>
<DOCID>TINY001</DOCID>
<DCT><TIMEX3 tid="t0" type="TIME" value="1998-12-05T09:42" temporalFunction="false" \
functionInDocument="CREATION_TIME">12/05/98 09:42 </TIMEX3></DCT>
<TITLE>Not part of the text <TIMEX3 tid="t9" type="DATE" value="1998">1998</TIMEX3></TITLE>
<TEXT>
AT&amp;T <EVENT eid="e1" class="OCCURRENCE">said</EVENT> <TIMEX3 tid="t1" type="DATE" \
value="1998-12-04" temporalFunction="true" functionInDocument="NONE">Friday</TIMEX3> that \
<s>profits &lt;rose&gt; <TIMEX3 tid="t2" type="DURATION" value="P3Q">three quarters</TIMEX3> \
<SIGNAL sid="s1">in</SIGNAL> a row</s>.

<TIMEX3 tid="t3" type="DATE" value="PRESENT_REF">Now</TIMEX3> &#233;t&#233;.
</TEXT>
</TimeML>
"""


def test_extract_text_removes_tags_decodes_entities_and_keeps_newlines() -> None:
    doc = parse_timeml(TINY_TIMEML, corpus="tiny")
    assert doc.text == (
        "\nAT&T said Friday that profits <rose> three quarters in a row.\n\nNow été.\n"
    )
    assert doc.doc_id == "TINY001"
    assert doc.corpus == "tiny"


def test_gold_offsets_point_into_the_decoded_text_even_inside_nested_tags() -> None:
    doc = parse_timeml(TINY_TIMEML)
    assert [(g.text, g.type, g.value) for g in doc.gold] == [
        ("Friday", "DATE", "1998-12-04"),
        ("three quarters", "DURATION", "P3Q"),
        ("Now", "DATE", "PRESENT_REF"),
    ]
    for g in doc.gold:
        assert doc.text[g.start : g.end] == g.text
    # "AT&T" is 4 characters once decoded, not the 8 of "AT&amp;T": offsets are after decoding.
    assert doc.gold[0].start == len("\nAT&T said ")


def test_timex_outside_text_is_not_gold_and_dct_is_utc() -> None:
    doc = parse_timeml(TINY_TIMEML)
    assert "1998" not in [g.value for g in doc.gold]
    assert doc.dct == datetime(1998, 12, 5, 9, 42, tzinfo=UTC)


def test_extract_text_reports_marked_elements_in_text_order() -> None:
    import xml.etree.ElementTree as ET

    element = ET.fromstring("<T>a <X>b <Y>c</Y></X> <Y>d</Y>e</T>")
    text, marked = extract_text(element, tag="Y")
    assert text == "a b c de"
    assert [(text[s:e], s, e) for _, s, e in marked] == [("c", 4, 5), ("d", 6, 7)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1998-01-14", datetime(1998, 1, 14, tzinfo=UTC)),
        ("1998-12-05T09:42", datetime(1998, 12, 5, 9, 42, tzinfo=UTC)),
        ("1998-12-05T09:42:07 ", datetime(1998, 12, 5, 9, 42, 7, tzinfo=UTC)),
    ],
)
def test_parse_dct(value: str, expected: datetime) -> None:
    assert parse_dct(value) == expected


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


def test_overlap_is_shared_characters_and_touching_spans_do_not_overlap() -> None:
    assert overlap(span(0, 10), span(5, 20)) == 5
    assert overlap(span(0, 10), span(10, 20)) == 0
    assert overlap(span(3, 4), span(0, 10)) == 1


def test_strict_needs_equal_spans_relaxed_needs_overlap() -> None:
    gold = [span(10, 20), span(30, 40), span(50, 60)]
    pred = [span(10, 20), span(32, 45), span(60, 70)]  # exact, overlapping, only touching
    counts = score(gold, pred)
    assert (counts.strict, counts.relaxed) == (1, 2)
    assert counts.strict_precision == pytest.approx(1 / 3)
    assert counts.relaxed_recall == pytest.approx(2 / 3)


def test_largest_overlap_is_matched_first() -> None:
    # P1 overlaps G1 by 2 and G2 by 8; P2 overlaps G1 by 9. Largest first pairs G1-P2 (9) and
    # G2-P1 (8). Matching in text order would give G1 to P1 and leave G2 unmatched.
    gold = [span(0, 10), span(10, 20)]
    pred = [span(8, 18), span(0, 9)]
    assert match_relaxed(gold, pred) == [(0, 1), (1, 0)]
    assert score(gold, pred).relaxed == 2


def test_one_prediction_covering_two_gold_counts_once_for_the_larger_overlap() -> None:
    gold = [span(0, 5), span(6, 20)]
    pred = [span(0, 20)]
    alignment = align(gold, pred)
    assert alignment.relaxed == ((1, 0),)
    assert alignment.missed == (0,)
    assert alignment.false_positives == ()
    assert alignment.counts.relaxed_precision == 1.0
    assert alignment.counts.relaxed_recall == 0.5


def test_two_predictions_on_one_gold_leave_one_false_positive() -> None:
    gold = [span(10, 20)]
    pred = [span(8, 12), span(12, 22)]
    alignment = align(gold, pred)
    assert alignment.relaxed == ((0, 1),)  # 8 shared characters beat 2
    assert alignment.false_positives == (0,)
    assert alignment.counts.relaxed_precision == 0.5


def test_duplicate_predictions_match_once_even_strictly() -> None:
    gold = [span(0, 6)]
    pred = [span(0, 6), span(0, 6)]
    counts = score(gold, pred)
    assert (counts.pred, counts.strict, counts.relaxed) == (2, 1, 1)


def test_score_does_not_depend_on_prediction_order() -> None:
    gold = [span(0, 10), span(10, 20), span(25, 30), span(40, 44)]
    pred = [span(8, 18), span(0, 9), span(26, 41), span(29, 45), span(50, 51)]
    expected = score(gold, pred)
    rng = random.Random(7)
    for _ in range(20):
        shuffled = pred[:]
        rng.shuffle(shuffled)
        assert score(gold, shuffled) == expected


# ---------------------------------------------------------------------------------------------
# Attributes and averaging
# ---------------------------------------------------------------------------------------------


def test_type_and_value_accuracy_are_over_relaxed_matches_only() -> None:
    gold = [
        span(0, 6, "1998-01-14"),
        span(10, 17, "P3D", "DURATION"),
        span(20, 25, "1998-W03"),
        span(40, 45, "1998"),  # missed: must not count against the accuracies
    ]
    pred = [
        span(0, 6, "1998-01-14"),  # right type and value, strict
        span(10, 15, "P3D", "DATE"),  # right value, wrong type, relaxed only
        span(20, 25, "1998-01-14"),  # right type, wrong value
        span(60, 65, "1999"),  # false positive: must not count either
    ]
    counts = score(gold, pred)
    assert counts == Counts(gold=4, pred=4, strict=2, relaxed=3, type_ok=2, value_ok=2)
    assert counts.type_accuracy == pytest.approx(2 / 3)
    assert counts.value_accuracy == pytest.approx(2 / 3)
    assert counts.relaxed_f1 == pytest.approx(0.75)
    assert counts.value_f1 == pytest.approx(0.75 * 2 / 3)


def test_micro_average_pools_counts_before_dividing() -> None:
    doc1 = score([span(0, 5)], [span(0, 5)])  # P = R = 1
    doc2 = score([span(0, 5), span(10, 15), span(20, 25)], [span(30, 35)])  # P = R = 0
    total = micro([doc1, doc2])
    assert total == Counts(gold=4, pred=2, strict=1, relaxed=1, type_ok=1, value_ok=1)
    assert total.relaxed_precision == 0.5
    # 1 of 4 gold found; averaging the two documents' recalls (1 and 0) would say 0.5.
    assert total.relaxed_recall == 0.25
    assert total.relaxed_f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)


def test_empty_system_and_empty_gold_score_zero_instead_of_dividing_by_zero() -> None:
    assert micro([]) == Counts()
    nothing = score([span(0, 5)], [])
    assert (nothing.relaxed_precision, nothing.relaxed_f1, nothing.value_f1) == (0.0, 0.0, 0.0)
    false_alarm = score([], [span(0, 5)])
    assert (false_alarm.pred, false_alarm.relaxed_precision) == (1, 0.0)


# ---------------------------------------------------------------------------------------------
# Baseline plumbing and error handling
# ---------------------------------------------------------------------------------------------


def test_locate_substrings_walks_forward_through_repeats() -> None:
    text = "may I say in May that may is may"
    assert locate_substrings(text, ["may", "May", "may", "may", "nowhere"]) == [
        (0, 3),
        (13, 16),
        (22, 25),
        (29, 32),
        None,
    ]
    # Out of order: searched again from the start rather than lost.
    assert locate_substrings("May 3 and May 4", ["May 4", "May 3"]) == [(10, 15), (0, 5)]


def test_dateparser_baseline_emits_day_dates_at_their_offsets() -> None:
    from benchmarks.tempeval import dateparser_system

    system = dateparser_system()
    text = "Talks resumed on January 5, 1998 in Geneva."
    spans = system.convert(text, system.call(text, datetime(1998, 1, 14, tzinfo=UTC)))
    # dateparser takes neighbouring words into its match ("on January 5, 1998 in"); the
    # baseline reports the span it returned, as the README's reference rows did.
    assert [(s.type, s.value) for s in spans] == [("DATE", "1998-01-05")]
    assert "January 5, 1998" in spans[0].text
    assert text[spans[0].start : spans[0].end] == spans[0].text


def test_missing_engine_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "app.temporal", types.ModuleType("app.temporal"))
    # Otherwise `from app.temporal import resolve` would find an already imported submodule.
    monkeypatch.delitem(sys.modules, "app.temporal.resolve", raising=False)
    with pytest.raises(EngineMissing, match=r"app\.temporal\.resolve is not available"):
        load_engine()


def test_a_resolve_submodule_is_not_mistaken_for_the_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "app.temporal", types.ModuleType("app.temporal"))
    monkeypatch.setitem(
        sys.modules, "app.temporal.resolve", types.ModuleType("app.temporal.resolve")
    )
    with pytest.raises(EngineMissing, match="must export it"):
        load_engine()


def test_markdown_table_escapes_pipes_and_right_aligns_numbers() -> None:
    table = common.markdown_table(["name", "n"], [["a|b", "1,234"], ["c", None]])
    assert table.splitlines() == ["| name | n |", "|---|---:|", "| a\\|b | 1,234 |", "| c | – |"]


# ---------------------------------------------------------------------------------------------
# The shared data, when present
# ---------------------------------------------------------------------------------------------


def test_shared_tbaq_data_matches_the_readme() -> None:
    data_dir = default_data_dir()
    if not data_dir.is_dir():
        pytest.skip(
            f"TempEval-3 data not found at {data_dir} (set TEMPEVAL_DATA to its tbaq/ folder); "
            "see ../shared/data/tempeval3/README.md"
        )
    documents = load_corpus(data_dir)
    by_corpus = {
        corpus: [d for d in documents if d.corpus == corpus] for corpus in ("TimeBank", "AQUAINT")
    }
    assert len(documents) == 256
    assert {c: len(docs) for c, docs in by_corpus.items()} == {"TimeBank": 183, "AQUAINT": 73}
    assert sum(len(d.gold) for d in documents) == 1822
    assert {c: sum(len(d.gold) for d in docs) for c, docs in by_corpus.items()} == {
        "TimeBank": 1243,
        "AQUAINT": 579,
    }
    assert sum(d.words for d in documents) == 86_034
    for doc in documents:
        for g in doc.gold:
            # g.text is the TIMEX3 element's own text, read independently of the offsets.
            assert doc.text[g.start : g.end] == g.text, (doc.doc_id, g)
            # The README promises this; a reader bug that shifts offsets would break it.
            assert g.text, (doc.doc_id, g)
            assert g.text == g.text.strip(), (doc.doc_id, g)
