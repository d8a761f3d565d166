"""The news probe (benchmarks/news_probe.py): its data file and its classifier.

The classifier decides which class every disagreement is counted in, so it is pinned on made-up
engine outputs small enough to check by hand; no test here calls the engine.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from benchmarks import news_probe
from benchmarks.news_probe import Case, DataError, Expected, classify, load_cases, parse_cases

REFERENCE = datetime(2025, 3, 12, 14, 30, tzinfo=UTC)
HELD_OUT_FILE = news_probe.DATA_FILE.with_name("news_heldout.yaml")
HELD_OUT_2_FILE = news_probe.DATA_FILE.with_name("news_heldout_2.yaml")
HELD_OUT_ARTICLES_FILE = news_probe.DATA_FILE.with_name("news_heldout_articles.yaml")
HELD_OUT_ARTICLES_2_FILE = news_probe.DATA_FILE.with_name("news_heldout_articles_2.yaml")
HELD_OUT_ARTICLES_3_FILE = news_probe.DATA_FILE.with_name("news_heldout_articles_3.yaml")
HELD_OUT_ARTICLES_4_FILE = news_probe.DATA_FILE.with_name("news_heldout_articles_4.yaml")


@dataclass(frozen=True)
class Fake:
    """Just the fields of a TemporalExpression the classifier reads."""

    text: str
    start: int
    value: str
    dated: bool = True
    type: str = "DATE"
    granularity: str | None = "day"
    mod: str | None = None
    rule: str = "fake"

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def date_start(self) -> date | None:
        return date(2025, 3, 1) if self.dated else None

    @property
    def date_end(self) -> date | None:
        return self.date_start

    @property
    def is_dated(self) -> bool:
        return self.dated


def case(sentence: str, expect: list[tuple[str, str | None]], tolerated: tuple[str, ...] = ()):
    return Case(
        index=0,
        line=1,
        section="test",
        sentence=sentence,
        reference_time=REFERENCE,
        timezone="UTC",
        expect=tuple(Expected(text, value) for text, value in expect),
        tolerated=tolerated,
    )


def found(sentence: str, text: str, value: str, **kwargs: object) -> Fake:
    return Fake(text, sentence.index(text), value, **kwargs)  # type: ignore[arg-type]


def kinds(result: list[news_probe.Disagreement]) -> list[tuple[str, str, str | None]]:
    return [(d.klass, d.kind, d.expected_text or d.got_text) for d in result]


# --------------------------------------------------------------------------------------------
# The data file
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "count", "held_out"),
    [
        (news_probe.DATA_FILE, 400, False),
        (HELD_OUT_FILE, 240, True),
        (HELD_OUT_2_FILE, 200, True),
        (HELD_OUT_ARTICLES_FILE, 45, True),
        (HELD_OUT_ARTICLES_2_FILE, 40, True),
        (HELD_OUT_ARTICLES_3_FILE, 40, True),
        (HELD_OUT_ARTICLES_4_FILE, 40, True),
    ],
    ids=[
        "probe",
        "held-out",
        "held-out-2",
        "held-out-articles",
        "held-out-articles-2",
        "held-out-articles-3",
        "held-out-articles-4",
    ],
)
def test_data_file_loads_and_every_case_is_well_formed(path, count: int, held_out: bool) -> None:
    cases = load_cases(path)
    # Cases may be added to either file (never edited to pass): `count` is what each started with.
    assert len(cases) >= count
    assert news_probe.describe_data(path.read_text(encoding="utf-8"))[1] is held_out
    assert all(c.section for c in cases), "every case sits under a section comment"
    for c in cases:
        assert c.reference_time.utcoffset() is not None, c.sentence
        ZoneInfo(c.timezone)
        for expected in c.expect:
            assert expected.text in c.sentence
            if not expected.absent:
                re.compile(expected.value or "")
        for text in c.tolerated:
            assert text.lower() in c.sentence.lower(), (text, c.sentence)


GOOD = """\
# ---- a section
- sentence: Talks resume on Friday.
  reference_time: '2025-03-12T14:30:00+00:00'
  timezone: UTC
  expect:
    - {text: Friday, value: '2025-03-14'}
  tolerated: []
"""


def test_a_well_formed_case_parses_with_its_section() -> None:
    (parsed,) = parse_cases(GOOD)
    assert parsed.section == "a section"
    assert parsed.expect == (Expected("Friday", "2025-03-14"),)
    assert parsed.reference_time == REFERENCE


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("'2025-03-12T14:30:00+00:00'", "'2025-03-12T14:30:00'"),  # no offset
        ("timezone: UTC", "timezone: Europe/Atlantis"),
        ("value: '2025-03-14'", "value: '2025-03-(14'"),  # not a regex
        ("text: Friday", "text: Saturday"),  # not in the sentence
        ("{text: Friday, value: '2025-03-14'}", "{text: Friday, absent: false}"),
        ("  tolerated: []\n", ""),
    ],
)
def test_a_malformed_case_is_refused(old: str, new: str) -> None:
    assert old in GOOD
    with pytest.raises(DataError):
        parse_cases(GOOD.replace(old, new))


def test_the_held_out_sentences_are_new() -> None:
    held_out = [c.sentence for c in load_cases(HELD_OUT_FILE)]
    assert len(set(held_out)) == len(held_out), "no sentence twice"
    probe = {c.sentence for c in load_cases()}
    assert not [s for s in held_out if s in probe], "none copied from the probe"


def test_missing_data_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(news_probe, "DATA_FILE", tmp_path / "absent.yaml")
    assert news_probe.main([]) == 2
    assert news_probe.main(["--data", str(tmp_path / "also-absent.yaml")]) == 2


def test_describe_data_reads_the_header_title_and_held_out_mark() -> None:
    header = "# Tiny set: two cases.\n#\n# HELD OUT. Never tuned on.\n\n"
    assert news_probe.describe_data(header + GOOD) == ("Tiny set", True)
    # The mark counts only in the header, not in a later comment.
    later = "# Tiny set: x\n" + GOOD + "# HELD OUT\n"
    assert news_probe.describe_data(later) == ("Tiny set", False)
    assert news_probe.describe_data(GOOD) == ("", False)


def test_data_option_runs_the_given_file_and_names_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "tiny_heldout.yaml"
    data.write_text("# Tiny held-out set: one case.\n# HELD OUT. Never tuned on.\n\n" + GOOD)
    seen: list[str] = []

    def resolve(sentence: str, reference: datetime, **kwargs: object) -> list[Fake]:
        seen.append(sentence)
        return [found(sentence, "Friday", "2025-03-21")]  # a week late: one wrong value

    monkeypatch.setattr(news_probe, "load_engine", lambda: (resolve, "fake engine"))
    out_json = tmp_path / "out.json"
    assert news_probe.main(["--data", str(data), "--list", "--json", str(out_json)]) == 0
    assert seen == ["Talks resume on Friday."]
    report = capsys.readouterr().out
    data_line = next(line for line in report.splitlines() if line.startswith("Data:"))
    assert str(data) in data_line and "Tiny held-out set; held out" in data_line
    assert "1 cases" in data_line
    assert "wrong value for 'Friday'" in report
    payload = json.loads(out_json.read_text())
    assert payload["data"] == str(data) and payload["held_out"] is True
    assert payload["disagreements"]["a"] == 1


# --------------------------------------------------------------------------------------------
# The classifier
# --------------------------------------------------------------------------------------------


def test_agreement_gives_nothing() -> None:
    s = "Hamas must respond by Friday, within 72 hours."
    c = case(s, [("Friday", "2025-03-14"), ("72 hours", "PT72H")])
    out = [found(s, "Friday", "2025-03-14"), found(s, "72 hours", "PT72H", dated=False)]
    assert classify(c, out) == []


def test_wrong_value_and_span_only() -> None:
    s = "The army said on Tuesday that it had struck targets overnight on the 20th of March."
    c = case(s, [("overnight", "2025-03-10TNI"), ("the 20th of March", "2025-03-20")])
    out = [
        found(s, "overnight", "2025-03-11TNI"),
        # Shorter span, right value: only the span is wrong.
        found(s, "20th of March", "2025-03-20"),
    ]
    assert kinds(classify(c, out)) == [
        ("a", "wrong_value", "overnight"),
        ("d", "span", "the 20th of March"),
    ]


def test_a_same_text_expression_beats_an_earlier_overlapping_one() -> None:
    s = "Talks began at 10 a.m. on Tuesday."
    c = case(s, [("Tuesday", "2025-03-11")])
    out = [found(s, "10 a.m. on Tuesday", "2025-03-11T10:00"), found(s, "Tuesday", "2025-03-11")]
    assert kinds(classify(c, out)) == [("b", "extra", "10 a.m. on Tuesday")]


def test_missed_and_extras() -> None:
    s = "A memo dated 3/11 said the pause runs for 30 days from Friday 7 March."
    c = case(s, [("3/11", "2025-03-11"), ("Friday 7 March", "2025-03-07")], ("Friday",))
    out = [
        found(s, "30 days", "P30D", dated=False),  # undated and not expected: tolerated
        found(s, "Friday", "2025-03-07"),  # overlaps the expectation: span only
        found(s, "7 March", "2025-03-07"),  # dated, not expected, not tolerated
    ]
    assert kinds(classify(c, out)) == [
        ("c", "missed", "3/11"),
        ("d", "span", "Friday 7 March"),
        ("b", "extra", "7 March"),
    ]
    # A tolerated text is no extra, whatever case it is in.
    tolerant = case(s, [], ("7 MARCH",))
    assert kinds(classify(tolerant, [found(s, "7 March", "2025-03-07")])) == []


def test_absent_texts_and_sentences_that_expect_nothing() -> None:
    s = "The UN Security Council adopted Resolution 2334 in 2016."
    c = case(s, [("2016", "2016"), ("2334", None)])
    out = [found(s, "2334", "2334"), found(s, "2016", "2016")]
    assert kinds(classify(c, out)) == [("b", "false_positive", "2334")]
    # Only the very text is refused: a longer undated span around it is someone else's business.
    around = [found(s, "Resolution 2334", "XXXX", dated=False), found(s, "2016", "2016")]
    assert classify(c, around) == []
    # With nothing expected, even an undated expression is an extra.
    nothing = "The war is now in its fourth year."
    now = [found(nothing, "now", "PRESENT_REF", dated=False)]
    assert kinds(classify(case(nothing, []), now)) == [("b", "extra", "now")]
    assert classify(case(nothing, [], ("now",)), now) == []


def test_one_long_span_cannot_satisfy_two_expectations() -> None:
    s = "Talks are due to resume on March 20-21 in Riyadh."
    c = case(s, [("March 20", "2025-03-20"), ("21", "2025-03-21")])
    out = [found(s, "March 20-21", "2025-03-20")]
    assert kinds(classify(c, out)) == [("d", "span", "March 20"), ("c", "missed", "21")]
