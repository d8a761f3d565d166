"""News probe for the temporal engine (`app.temporal.resolve`): a careful editor's expectations.

Measures how often the engine disagrees with a careful editor on 400 sentences written in the
wording of current reporting on ceasefire talks, wars and diplomacy. The sentences and
expectations are `benchmarks/data/news_probe.yaml`, written for this project: one editor's
reading, not gold annotations from a corpus, so the figures are counts of disagreements to read
one by one, not an accuracy to compare with TempEval-3.

Every case is one sentence, resolved alone against its reference time and newsroom zone. Each
disagreement falls in one class:

* (a) wrong value: the expression was found but its TIMEX3 value does not fully match the
  expected regular expression;
* (b) extra expression: the engine returned a text that is neither expected nor tolerated -- a
  dated expression, anything at all in a sentence that expects nothing, or a text the case marks
  `absent` (it only looks like a date);
* (c) missed: no returned expression has the expected text or overlaps it;
* (d) span only: the value is right but the returned text differs from the expected one.

An expectation is matched to a returned expression with the same text (case-insensitive) if there
is one, else to the first not yet matched expression overlapping the expected text's first
occurrence in the sentence. Undated extras (a bare duration, a set) count only in sentences that
expect nothing: a duration next to a date is a matter of taste, a date is not.

Run from the repo root:

    .venv/bin/python benchmarks/news_probe.py                 # the Markdown block for BENCHMARKS.md
    .venv/bin/python benchmarks/news_probe.py --list          # ... and every disagreement, by class
    .venv/bin/python benchmarks/news_probe.py --json probe.json
    .venv/bin/python benchmarks/news_probe.py --data benchmarks/data/news_heldout.yaml --list

`--data` runs another file of the same format; `benchmarks/data/news_heldout.yaml` is the held-out
set (written without looking at the engine, never edited to make it pass), the fair measure now
that the engine's rules have been tuned on `news_probe.yaml`. The report names the file used and
the title of its header comment, and says whether the header marks it held out.

Exit status: 0 whatever the engine does (a case on which it raises is reported as such), 2 if the
data file is missing or not well-formed, or the engine cannot be imported.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

try:
    from benchmarks import common
except ModuleNotFoundError:  # run by path from a venv without the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks import common
from benchmarks.tempeval import EngineMissing
from benchmarks.tempeval import load_engine as load_resolve

# Beside this file rather than under common.REPO_ROOT: with another checkout first on PYTHONPATH
# (to probe an older engine) `benchmarks.common` may come from there, the data must not.
DATA_FILE = Path(__file__).resolve().parent / "data" / "news_probe.yaml"
LANGUAGE = "en"

CLASSES = {
    "a": "wrong value",
    "b": "extra expression",
    "c": "missed",
    "d": "span only (right value)",
}
KIND_CLASS = {
    "wrong_value": "a",
    "false_positive": "b",
    "extra": "b",
    "missed": "c",
    "span": "d",
}
SECTION_MARK = "# ----"
# A header comment line starting with this marks a data file as held out (never tuned on).
HELD_OUT_MARK = "# HELD OUT"


class DataError(Exception):
    """The data file is missing or a case is not well-formed."""


@dataclass(frozen=True, slots=True)
class Expected:
    text: str
    # None: the text must not be returned at all (`absent: true` in the data).
    value: str | None

    @property
    def absent(self) -> bool:
        return self.value is None


@dataclass(frozen=True, slots=True)
class Case:
    index: int
    line: int
    section: str
    sentence: str
    reference_time: datetime
    timezone: str
    expect: tuple[Expected, ...]
    tolerated: tuple[str, ...]

    def describe_reference(self) -> str:
        local = self.reference_time.astimezone(ZoneInfo(self.timezone))
        return (
            f"{self.reference_time.isoformat()} {self.timezone} (local {local:%a %d %b %Y %H:%M})"
        )


class Found(Protocol):
    """The fields of `app.temporal.TemporalExpression` the classifier reads."""

    text: str
    start: int
    end: int
    type: str
    value: str
    date_start: Any
    date_end: Any
    granularity: str | None
    mod: str | None
    rule: str

    @property
    def is_dated(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Disagreement:
    kind: str
    expected_text: str | None
    expected_value: str | None
    got_text: str | None = None
    got_value: str | None = None
    got_detail: str | None = None

    @property
    def klass(self) -> str:
        return KIND_CLASS[self.kind]

    def message(self) -> str:
        if self.kind == "wrong_value":
            return (
                f"wrong value for {self.expected_text!r}: got {self.got_text!r} = "
                f"{self.got_value} [{self.got_detail}], expected {self.expected_value}"
            )
        if self.kind == "false_positive":
            return (
                f"{self.expected_text!r} should not be returned: got {self.got_value} "
                f"[{self.got_detail}]"
            )
        if self.kind == "extra":
            return f"extra {self.got_text!r} = {self.got_value} [{self.got_detail}]"
        if self.kind == "missed":
            return f"missed {self.expected_text!r}, expected {self.expected_value}"
        return (
            f"span for {self.expected_text!r}: got {self.got_text!r} = {self.got_value} "
            f"[{self.got_detail}]"
        )


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def _reference_time(raw: Any, where: str) -> datetime:
    # Unquoted in YAML, an ISO timestamp arrives already parsed; quoted, as text.
    if isinstance(raw, datetime):
        parsed = raw
    elif isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise DataError(f"{where}: reference_time {raw!r} is not ISO 8601") from exc
    else:
        raise DataError(f"{where}: reference_time must be an ISO 8601 string, not {raw!r}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise DataError(f"{where}: reference_time {raw!r} has no UTC offset")
    return parsed


def _text(raw: Any, where: str, field: str) -> str:
    if not isinstance(raw, str) or not raw:
        raise DataError(f"{where}: {field} must be a non-empty string, not {raw!r}")
    return raw


def _expected(raw: Any, sentence: str, where: str) -> Expected:
    if not isinstance(raw, dict) or set(raw) not in ({"text", "value"}, {"text", "absent"}):
        raise DataError(f"{where}: each expectation is {{text, value}} or {{text, absent: true}}")
    text = _text(raw["text"], where, "expect text")
    # The span an expectation stands for is the text's first occurrence in the sentence.
    if text not in sentence:
        raise DataError(f"{where}: expected text {text!r} is not in the sentence")
    if "absent" in raw:
        if raw["absent"] is not True:
            raise DataError(f"{where}: absent must be true for {text!r}")
        return Expected(text, None)
    value = _text(raw["value"], where, "expect value")
    try:
        re.compile(value)
    except re.error as exc:
        raise DataError(f"{where}: value {value!r} of {text!r} is not a regex: {exc}") from exc
    return Expected(text, value)


def parse_cases(source: str) -> list[Case]:
    """The cases of a news probe YAML document, validated; section = the comment above a case."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise DataError(f"not valid YAML: {exc}") from exc
    if not isinstance(data, list) or not data or not isinstance(root, yaml.SequenceNode):
        raise DataError("the file must be a non-empty list of cases")
    lines = source.splitlines()
    sections = {n: line for n, line in enumerate(lines) if line.startswith(SECTION_MARK)}
    cases = []
    for index, (raw, node) in enumerate(zip(data, root.value, strict=True)):
        line = node.start_mark.line
        where = f"case {index + 1} (line {line + 1})"
        if not isinstance(raw, dict):
            raise DataError(f"{where}: a case is a mapping")
        keys = {"sentence", "reference_time", "timezone", "expect", "tolerated"}
        if set(raw) != keys:
            raise DataError(f"{where}: keys must be {sorted(keys)}, got {sorted(raw)}")
        sentence = _text(raw["sentence"], where, "sentence")
        zone = _text(raw["timezone"], where, "timezone")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise DataError(f"{where}: unknown time zone {zone!r}") from exc
        if not isinstance(raw["expect"], list) or not isinstance(raw["tolerated"], list):
            raise DataError(f"{where}: expect and tolerated must be lists")
        section_lines = [n for n in sections if n < line]
        cases.append(
            Case(
                index=index,
                line=line + 1,
                section=sections[max(section_lines)].removeprefix(SECTION_MARK).strip()
                if section_lines
                else "",
                sentence=sentence,
                reference_time=_reference_time(raw["reference_time"], where),
                timezone=zone,
                expect=tuple(_expected(e, sentence, where) for e in raw["expect"]),
                tolerated=tuple(_text(t, where, "tolerated text") for t in raw["tolerated"]),
            )
        )
    return cases


def load_cases(path: Path = DATA_FILE) -> list[Case]:
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    return parse_cases(source)


def describe_data(source: str) -> tuple[str, bool]:
    """The title of a data file (its first header comment line up to a colon, e.g. "News
    probe") and whether its header marks it held out."""
    header = []
    for line in source.splitlines():
        if not line.startswith("#") or line.startswith(SECTION_MARK):
            break
        header.append(line)
    title = header[0].lstrip("#").strip().split(":")[0].strip() if header else ""
    return title, any(line.startswith(HELD_OUT_MARK) for line in header)


# --------------------------------------------------------------------------------------------
# Classifier
# --------------------------------------------------------------------------------------------


def _detail(found: Found) -> str:
    return (
        f"{found.type} {found.date_start}..{found.date_end} {found.granularity} "
        f"mod={found.mod} rule={found.rule}"
    )


def classify(case: Case, found: Sequence[Found]) -> list[Disagreement]:
    """The disagreements between the engine's output for `case.sentence` and the expectations."""
    result: list[Disagreement] = []
    used: set[int] = set()
    for expected in case.expect:
        start = case.sentence.find(expected.text)
        end = start + len(expected.text)
        # A same-text expression may be claimed twice (two expectations with the same text);
        # an overlapping one only once, so that one long span cannot satisfy two expectations.
        exact = [k for k, e in enumerate(found) if e.text.lower() == expected.text.lower()]
        overlapping = [
            k for k, e in enumerate(found) if e.start < end and e.end > start and k not in used
        ]
        if expected.absent:
            # Only the very text is wrong: "2334" must not be a year, but "Resolution 2334 in
            # 2016" overlapping it is no false positive.
            if exact:
                used.update(exact)
                hit = found[exact[0]]
                result.append(
                    Disagreement(
                        "false_positive", expected.text, None, hit.text, hit.value, _detail(hit)
                    )
                )
            continue
        candidates = exact or overlapping
        if not candidates:
            result.append(Disagreement("missed", expected.text, expected.value))
            continue
        k = candidates[0]
        hit = found[k]
        used.add(k)
        if not re.fullmatch(expected.value or "", hit.value or ""):
            result.append(
                Disagreement(
                    "wrong_value",
                    expected.text,
                    expected.value,
                    hit.text,
                    hit.value,
                    _detail(hit),
                )
            )
        elif hit.text.lower() != expected.text.lower():
            result.append(
                Disagreement(
                    "span", expected.text, expected.value, hit.text, hit.value, _detail(hit)
                )
            )
    tolerated = {t.lower() for t in case.tolerated}
    for k, hit in enumerate(found):
        if k in used or hit.text.lower() in tolerated:
            continue
        # An undated extra (a duration, a set) next to expected dates is a matter of taste; in
        # a sentence that expects nothing (`absent` entries count as expecting), anything is wrong.
        if hit.is_dated or not case.expect:
            result.append(Disagreement("extra", None, None, hit.text, hit.value, _detail(hit)))
    return result


# --------------------------------------------------------------------------------------------
# Running the engine
# --------------------------------------------------------------------------------------------


def load_engine() -> tuple[Callable[..., Any], str]:
    """`resolve` (loaded and checked as the TempEval benchmark does) and the file it was
    imported from (which checkout's engine is measured)."""
    resolve = load_resolve()
    return resolve, str(sys.modules["app.temporal"].__file__)


@dataclass(slots=True)
class CaseResult:
    case: Case
    found: list[Any]
    disagreements: list[Disagreement]
    error: str | None = None


def run_cases(resolve: Callable[..., Any], cases: Sequence[Case]) -> tuple[list[CaseResult], float]:
    results = []
    seconds = 0.0
    for case in cases:
        started = time.perf_counter()
        try:
            found = list(
                resolve(
                    case.sentence, case.reference_time, timezone=case.timezone, language=LANGUAGE
                )
            )
        except Exception:
            seconds += time.perf_counter() - started
            results.append(CaseResult(case, [], [], traceback.format_exc(limit=3)))
            continue
        seconds += time.perf_counter() - started
        results.append(CaseResult(case, found, classify(case, found)))
    return results, seconds


def summary(results: Sequence[CaseResult]) -> dict[str, Any]:
    counts = dict.fromkeys(CLASSES, 0)
    cases_per_class = dict.fromkeys(CLASSES, 0)
    for result in results:
        classes = [d.klass for d in result.disagreements]
        for c in CLASSES:
            counts[c] += classes.count(c)
            cases_per_class[c] += c in classes
    return {
        "cases": len(results),
        "disagreements": counts,
        "cases_per_class": cases_per_class,
        "cases_with_disagreements": sum(bool(r.disagreements) for r in results),
        "cases_raised": sum(r.error is not None for r in results),
    }


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _found_line(found: Sequence[Any]) -> str:
    if not found:
        return "nothing"
    return "; ".join(f"`{e.text}` = {e.value} [{e.rule}]" for e in found)


def report_markdown(
    *,
    command: str,
    data_file: Path,
    results: Sequence[CaseResult],
    seconds: float,
    machine: dict[str, Any],
    listing: bool,
    data_title: str = "",
    held_out: bool = False,
) -> str:
    s = summary(results)
    rows = [
        [f"({c}) {name}", s["disagreements"][c], s["cases_per_class"][c]]
        for c, name in CLASSES.items()
    ]
    rows.append(["any", sum(s["disagreements"].values()), s["cases_with_disagreements"]])
    try:
        shown = data_file.relative_to(common.REPO_ROOT)
    except ValueError:
        shown = data_file
    kind = (
        "held out: written without looking at the engine, expectations fixed before its first run"
        if held_out
        else "not marked held out"
    )
    out = [
        "### News probe (a careful editor's expectations)",
        "",
        f"Command: `{command}`  ",
        f"Data: `{shown}` ({data_title or shown.name}; {kind}): {s['cases']} cases "
        "(one sentence each, with its reference time and "
        "zone), written for this project; the expectations are one editor's, not corpus gold. "
        f"Engine time {seconds:.2f} s in all.",
        "",
        common.markdown_table(["class", "disagreements", "cases"], rows),
        "",
        f"Cases with at least one disagreement: {s['cases_with_disagreements']} of {s['cases']}.",
    ]
    if s["cases_raised"]:
        out += ["", f"**The engine raised on {s['cases_raised']} cases.**"]
    out += ["", common.machine_markdown(machine)]
    if listing:
        out += _listing(results)
    return "\n".join(out)


def _listing(results: Sequence[CaseResult]) -> list[str]:
    out: list[str] = []
    for c, name in CLASSES.items():
        entries = [(r, d) for r in results for d in r.disagreements if d.klass == c]
        out += ["", f"#### ({c}) {name}: {len(entries)}", ""]
        for result, disagreement in entries:
            case = result.case
            out += [
                f"- {disagreement.message()}  ",
                f"  sentence (line {case.line}, {case.section}): {case.sentence}  ",
                f"  reference: {case.describe_reference()}  ",
                f"  engine: {_found_line(result.found)}",
            ]
    raised = [r for r in results if r.error is not None]
    if raised:
        out += ["", f"#### engine raised: {len(raised)}", ""]
        for result in raised:
            out += [
                f"- line {result.case.line}: {result.case.sentence}  ",
                f"  {result.error.strip().splitlines()[-1]}",
            ]
    return out


def report_json(
    *,
    command: str,
    data_file: Path,
    engine_file: str,
    results: Sequence[CaseResult],
    seconds: float,
    machine: dict[str, Any],
    data_title: str = "",
    held_out: bool = False,
) -> dict[str, Any]:
    return {
        "benchmark": "news-probe",
        "command": command,
        "data": str(data_file),
        "data_title": data_title,
        "held_out": held_out,
        "engine": engine_file,
        "machine": machine,
        "engine_seconds": seconds,
        **summary(results),
        "details": [
            {
                "class": d.klass,
                **asdict(d),
                "line": r.case.line,
                "section": r.case.section,
                "sentence": r.case.sentence,
                "reference_time": r.case.reference_time.isoformat(),
                "timezone": r.case.timezone,
                "engine": [{"text": e.text, "value": e.value, "rule": e.rule} for e in r.found],
            }
            for r in results
            for d in r.disagreements
        ],
        "raised": [
            {"line": r.case.line, "sentence": r.case.sentence, "error": r.error}
            for r in results
            if r.error is not None
        ],
    }


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Count where app.temporal.resolve disagrees with a careful editor on "
        "a news probe data file (wrong value, extra, missed, span only).",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA_FILE,
        metavar="PATH",
        help=f"the cases to run (default: {DATA_FILE.name}; the held-out set is "
        "benchmarks/data/news_heldout.yaml)",
    )
    parser.add_argument(
        "--list", action="store_true", help="also print every disagreement, grouped by class"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    command = common.command_line(None if argv is None else ["benchmarks/news_probe.py", *argv])
    data_file = args.data.resolve()
    try:
        cases = load_cases(data_file)
    except DataError as exc:
        print(f"error: {data_file}: {exc}", file=sys.stderr)
        return 2
    data_title, held_out = describe_data(data_file.read_text(encoding="utf-8"))
    try:
        resolve, engine_file = load_engine()
    except EngineMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Which checkout's engine ran is not in the Markdown, but matters when comparing runs.
    print(f"{len(cases)} cases from {data_file}; engine {engine_file}", file=sys.stderr)
    results, seconds = run_cases(resolve, cases)
    machine = common.machine_description()
    print(
        report_markdown(
            command=command,
            data_file=data_file,
            results=results,
            seconds=seconds,
            machine=machine,
            listing=args.list,
            data_title=data_title,
            held_out=held_out,
        )
    )
    if args.json:
        payload = report_json(
            command=command,
            data_file=data_file,
            engine_file=engine_file,
            results=results,
            seconds=seconds,
            machine=machine,
            data_title=data_title,
            held_out=held_out,
        )
        args.json.write_text(
            json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
