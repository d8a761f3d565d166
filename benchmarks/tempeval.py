"""TempEval-3 benchmark for the temporal engine (`app.temporal.resolve`).

Owns, for the TBAQ-cleaned development data (TimeBank + AQUAINT, see
`../shared/data/tempeval3/README.md`):

* reading a TimeML document the way that README defines it (DCT, de-tagged `<TEXT>`, gold TIMEX3
  spans as offsets into that text): `parse_timeml`, `extract_text`, `load_corpus`;
* the TempEval-3 scorer (strict / relaxed spans, type and value accuracy, value F1, micro-averaged):
  `align`, `score`, `micro`, `Counts` -- pure functions, unit-tested in
  `tests/benchmarks/test_tempeval_scoring.py`;
* running our engine and the dateparser baseline on the same documents, timing only the system
  call, and printing a Markdown block for BENCHMARKS.md;
* robustness figures for our engine: seconds on 1 MB adversarial inputs and peak RSS growth while
  resolving many megabytes of news text (both in a fresh child process, see below).

Run from the repo root:

    .venv/bin/python benchmarks/tempeval.py                   # everything, ~20 MB memory run
    .venv/bin/python benchmarks/tempeval.py --limit 10 --skip-baseline --memory-mb 0  # quick look
    .venv/bin/python benchmarks/tempeval.py --baseline-only   # validate the scorer, no engine
    .venv/bin/python benchmarks/tempeval.py --errors errors.jsonl --json results.json
    .venv/bin/python benchmarks/tempeval.py --memory-mb 100    # the release memory figure

`--errors` writes one JSON object per line: `kind` (missed, false_positive, wrong_value,
wrong_type, exception), the document, gold and predicted text/span/type/value, the engine's
`rule` and some context. Exit status: 0, 1 if the engine raised on some document (the others are
still scored), 2 if the engine or the data is missing.

The adversarial inputs (1 MB each) and the memory run (`--memory-mb` million characters of
corpus text, default 20, ~1.5 minutes at current speed) each run in a fresh child process: a hang
becomes "timeout" (`--adversarial-timeout`), and peak RSS is the child's own (Linux VmHWM).

The data is read in place (`--data DIR`, env `TEMPEVAL_DATA`, default
`<repo>/../shared/data/tempeval3/tbaq`) and is never copied into the repository.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import multiprocessing
import os
import resource
import sys
import time
import traceback
import types
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:
    from benchmarks import common
except ModuleNotFoundError:  # run by path from a venv without the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks import common

CORPORA = ("TimeBank", "AQUAINT")
ALL = "both"
DEFAULT_DATA = common.REPO_ROOT.parent / "shared" / "data" / "tempeval3" / "tbaq"
ENGINE = "ours"
BASELINE = "dateparser"

# How the README's reference rows were produced: English only (language detection on whole news
# articles is slow and unstable), RELATIVE_BASE = the DCT, and PREFER_DATES_FROM="past" (news
# mostly reports what already happened). With exactly these settings the baseline reproduces
# every figure of the README's dateparser rows, which is what validates the scorer; dateparser's
# default ("current_period") would score higher on values (value F1 19.7 on both) and no longer
# be comparable with the README. Keep the two in step.
DATEPARSER_LANGUAGES = ("en",)
DATEPARSER_SETTINGS: dict[str, Any] = {"PREFER_DATES_FROM": "past"}

# Large enough that one document never trips it, small enough that a regex with catastrophic
# backtracking shows up as "timeout" instead of hanging the benchmark.
DEFAULT_ADVERSARIAL_TIMEOUT = 120.0
ADVERSARIAL_SIZE = 1_000_000


# --------------------------------------------------------------------------------------------
# Reading TimeML
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """A gold or predicted TIMEX; `start`/`end` are offsets into the text, end exclusive."""

    start: int
    end: int
    type: str
    value: str
    text: str = ""
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str
    corpus: str
    dct: datetime
    text: str
    gold: tuple[Span, ...]

    @property
    def words(self) -> int:
        # Whitespace-separated tokens: this is how the README counts 54,865 + 31,169 words.
        return len(self.text.split())


class DataError(Exception):
    """The data folder is missing or a document does not follow the README's conventions."""


def extract_text(
    element: ET.Element, tag: str = "TIMEX3"
) -> tuple[str, list[tuple[ET.Element, int, int]]]:
    """The element's text with every tag removed, and the offsets of each descendant `tag`.

    ElementTree has already decoded entities (`&amp;` -> `&`), so offsets are code points into
    the decoded text, which is what the engine sees. Text is `.text`, then for each child its
    own text (recursively) and its `.tail` -- the README's reading rule.
    """
    parts: list[str] = []
    length = 0
    marked: list[tuple[ET.Element, int, int]] = []

    def walk(node: ET.Element) -> None:
        nonlocal length
        if node.text:
            parts.append(node.text)
            length += len(node.text)
        for child in node:
            start = length
            walk(child)
            if child.tag == tag:
                marked.append((child, start, length))
            if child.tail:
                parts.append(child.tail)
                length += len(child.tail)

    walk(element)
    # A post-order walk would list an outer element after its inner ones; sort into text order.
    marked.sort(key=lambda item: (item[1], -item[2]))
    return "".join(parts), marked


def parse_dct(value: str) -> datetime:
    """A DCT value (`1998-01-14` or `1998-12-05T09:42[:00]`) as an aware UTC datetime."""
    parsed = datetime.fromisoformat(value.strip())
    # The corpus has no time zones; the README says to read every DCT as UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_timeml(source: str | bytes, doc_id: str = "", corpus: str = "") -> Document:
    """One TimeML document: its DCT, the de-tagged `<TEXT>` and the gold TIMEX3s inside it."""
    root = ET.fromstring(source)
    dct_timex = root.find("DCT/TIMEX3[@functionInDocument='CREATION_TIME']")
    if dct_timex is None or not dct_timex.get("value"):
        raise DataError(f"{doc_id or 'document'}: no CREATION_TIME TIMEX3 inside <DCT>")
    text_element = root.find("TEXT")
    if text_element is None:
        raise DataError(f"{doc_id or 'document'}: no <TEXT> element")
    text, timexes = extract_text(text_element)
    gold = tuple(
        Span(
            start=start,
            end=end,
            type=element.get("type", ""),
            value=element.get("value", ""),
            # The element's own text, not text[start:end], so that comparing the two checks
            # the offsets.
            text="".join(element.itertext()),
        )
        for element, start, end in timexes
    )
    return Document(
        doc_id=doc_id or (root.findtext("DOCID") or "").strip(),
        corpus=corpus,
        dct=parse_dct(dct_timex.get("value", "")),
        text=text,
        gold=gold,
    )


def default_data_dir() -> Path:
    return Path(os.environ.get("TEMPEVAL_DATA") or DEFAULT_DATA)


def load_corpus(
    data_dir: Path, corpora: Sequence[str] = CORPORA, limit: int | None = None
) -> list[Document]:
    """Every `*.tml` of each corpus folder, in file-name order; `limit` applies per corpus."""
    documents: list[Document] = []
    for corpus in corpora:
        folder = data_dir / corpus
        if not folder.is_dir():
            raise DataError(
                f"{folder} does not exist. Point --data (or TEMPEVAL_DATA) at the folder that "
                f"holds {' and '.join(c + '/' for c in corpora)} "
                "(see ../shared/data/tempeval3/README.md)."
            )
        paths = sorted(folder.glob("*.tml"))
        if limit is not None:
            paths = paths[:limit]
        documents += [parse_timeml(p.read_bytes(), doc_id=p.stem, corpus=corpus) for p in paths]
    return documents


# --------------------------------------------------------------------------------------------
# Scoring (TempEval-3 style)
# --------------------------------------------------------------------------------------------


def _ratio(numerator: int, denominator: int) -> float:
    # Zero predictions or zero matches score 0, not "undefined": an empty system is a bad system.
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@dataclass(frozen=True, slots=True)
class Counts:
    """Raw counts; every metric is derived from them so that micro-averaging is just addition."""

    gold: int = 0
    pred: int = 0
    strict: int = 0
    relaxed: int = 0
    type_ok: int = 0
    value_ok: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            gold=self.gold + other.gold,
            pred=self.pred + other.pred,
            strict=self.strict + other.strict,
            relaxed=self.relaxed + other.relaxed,
            type_ok=self.type_ok + other.type_ok,
            value_ok=self.value_ok + other.value_ok,
        )

    @property
    def strict_precision(self) -> float:
        return _ratio(self.strict, self.pred)

    @property
    def strict_recall(self) -> float:
        return _ratio(self.strict, self.gold)

    @property
    def strict_f1(self) -> float:
        return _f1(self.strict_precision, self.strict_recall)

    @property
    def relaxed_precision(self) -> float:
        return _ratio(self.relaxed, self.pred)

    @property
    def relaxed_recall(self) -> float:
        return _ratio(self.relaxed, self.gold)

    @property
    def relaxed_f1(self) -> float:
        return _f1(self.relaxed_precision, self.relaxed_recall)

    @property
    def type_accuracy(self) -> float:
        return _ratio(self.type_ok, self.relaxed)

    @property
    def value_accuracy(self) -> float:
        return _ratio(self.value_ok, self.relaxed)

    @property
    def value_f1(self) -> float:
        # TempEval-3's attribute F1: the share of gold expressions found *and* valued right,
        # balanced against precision. This is the headline number.
        return self.relaxed_f1 * self.value_accuracy

    def metrics(self) -> dict[str, float | int]:
        return {
            "gold": self.gold,
            "pred": self.pred,
            "strict_precision": self.strict_precision,
            "strict_recall": self.strict_recall,
            "strict_f1": self.strict_f1,
            "relaxed_precision": self.relaxed_precision,
            "relaxed_recall": self.relaxed_recall,
            "relaxed_f1": self.relaxed_f1,
            "type_accuracy": self.type_accuracy,
            "value_accuracy": self.value_accuracy,
            "value_f1": self.value_f1,
        }


def overlap(a: Span, b: Span) -> int:
    """Characters two spans share; 0 when they only touch (`end` is exclusive)."""
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def match_strict(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[int, int]]:
    """(gold index, prediction index) pairs with identical spans, each item used at most once."""
    waiting: dict[tuple[int, int], list[int]] = defaultdict(list)
    for p_index, p in enumerate(pred):
        waiting[(p.start, p.end)].append(p_index)
    pairs = []
    for g_index, g in enumerate(gold):
        candidates = waiting.get((g.start, g.end))
        if candidates:
            # A duplicated prediction matches once; the copy stays a false positive.
            pairs.append((g_index, candidates.pop(0)))
    return pairs


def match_relaxed(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[int, int]]:
    """Overlapping (gold index, prediction index) pairs, largest overlap first, each used once.

    Greedy on overlap size: a long prediction covering two gold expressions is credited to the one
    it covers most, and the other gold expression stays a miss. Ties go to text order, so the
    result does not depend on the order a system happens to return its spans in.
    """
    candidates = [
        (shared, g.start, p.start, g_index, p_index)
        for g_index, g in enumerate(gold)
        for p_index, p in enumerate(pred)
        if (shared := overlap(g, p)) > 0
    ]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2], c[3], c[4]))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for _shared, _g_start, _p_start, g_index, p_index in candidates:
        if g_index in used_gold or p_index in used_pred:
            continue
        used_gold.add(g_index)
        used_pred.add(p_index)
        pairs.append((g_index, p_index))
    return sorted(pairs)


@dataclass(frozen=True, slots=True)
class Alignment:
    """The scorer's verdict on one document, detailed enough to list the errors."""

    counts: Counts
    relaxed: tuple[tuple[int, int], ...]
    missed: tuple[int, ...]
    false_positives: tuple[int, ...]


def align(gold: Sequence[Span], pred: Sequence[Span]) -> Alignment:
    relaxed = match_relaxed(gold, pred)
    matched_gold = {g for g, _ in relaxed}
    matched_pred = {p for _, p in relaxed}
    counts = Counts(
        gold=len(gold),
        pred=len(pred),
        strict=len(match_strict(gold, pred)),
        relaxed=len(relaxed),
        type_ok=sum(gold[g].type == pred[p].type for g, p in relaxed),
        value_ok=sum(gold[g].value == pred[p].value for g, p in relaxed),
    )
    return Alignment(
        counts=counts,
        relaxed=tuple(relaxed),
        missed=tuple(g for g in range(len(gold)) if g not in matched_gold),
        false_positives=tuple(p for p in range(len(pred)) if p not in matched_pred),
    )


def score(gold: Sequence[Span], pred: Sequence[Span]) -> Counts:
    """Counts for one document; add the results of several documents to micro-average."""
    return align(gold, pred).counts


def micro(counts: Iterable[Counts]) -> Counts:
    """Micro-average = pool the counts of every document, then compute the ratios once."""
    return sum(counts, Counts())


# --------------------------------------------------------------------------------------------
# Systems
# --------------------------------------------------------------------------------------------


class EngineMissing(Exception):
    pass


@dataclass(frozen=True, slots=True)
class System:
    """`call` is the only part that is timed; `convert` turns its raw output into spans."""

    name: str
    label: str
    call: Callable[[str, datetime], Any]
    convert: Callable[[str, Any], list[Span]]


def load_engine() -> Callable[..., Any]:
    common.ensure_repo_on_path()
    try:
        from app.temporal import resolve
    except ImportError as exc:
        raise EngineMissing(
            "app.temporal.resolve is not available yet "
            f"({type(exc).__name__}: {exc}).\n"
            "The engine lives in app/temporal/ and must export "
            "resolve(text, reference_time, timezone='UTC', language='en').\n"
            "Use --baseline-only to score just the dateparser baseline."
        ) from exc
    # `from package import name` falls back to the submodule `package.name`: a package that has
    # a resolve.py but does not export the function would otherwise "import" a module here.
    if isinstance(resolve, types.ModuleType) or not callable(resolve):
        raise EngineMissing(
            f"app.temporal.resolve is {resolve!r}, not the resolve() function; "
            "app/temporal/__init__.py must export it."
        )
    return resolve


def engine_system(resolve: Callable[..., Any]) -> System:
    def call(text: str, dct: datetime) -> Any:
        return resolve(text, dct, "UTC")

    def convert(_text: str, expressions: Any) -> list[Span]:
        # Every expression the engine returns is a prediction, including vague ones: the engine
        # decides what it reports, the scorer does not filter.
        return [
            Span(e.start, e.end, e.type, e.value, text=e.text, rule=e.rule) for e in expressions
        ]

    return System(ENGINE, "ours (`app.temporal.resolve`)", call, convert)


def locate_substrings(text: str, substrings: Iterable[str]) -> list[tuple[int, int] | None]:
    """Offsets of substrings returned in text order (dateparser gives strings, not offsets).

    Each one is searched from the end of the previous find so that a repeated "may" lands on
    successive occurrences; if it is not found after the cursor it is searched from the start.
    None when it does not occur at all.
    """
    cursor = 0
    located: list[tuple[int, int] | None] = []
    for substring in substrings:
        index = text.find(substring, cursor)
        if index < 0:
            index = text.find(substring)
        if index < 0 or not substring:
            located.append(None)
            continue
        located.append((index, index + len(substring)))
        cursor = index + len(substring)
    return located


def dateparser_system() -> System:
    from dateparser.search import search_dates

    def call(text: str, dct: datetime) -> Any:
        settings = {**DATEPARSER_SETTINGS, "RELATIVE_BASE": dct.replace(tzinfo=None)}
        return search_dates(text, languages=list(DATEPARSER_LANGUAGES), settings=settings) or []

    def convert(text: str, found: Any) -> list[Span]:
        # The README's convention for library baselines: every date found is a DATE at day
        # granularity, whatever the library thinks it is.
        spans = []
        offsets = locate_substrings(text, [substring for substring, *_ in found])
        for (substring, when, *_), where in zip(found, offsets, strict=True):
            if where is not None:
                value = when.date().isoformat()
                spans.append(Span(where[0], where[1], "DATE", value, substring, "search_dates"))
        return spans

    version = importlib.metadata.version("dateparser")
    return System(BASELINE, f"dateparser {version} `search_dates`", call, convert)


@dataclass(slots=True)
class DocRun:
    doc: Document
    predictions: list[Span]
    seconds: float
    alignment: Alignment
    error: str | None = None


@dataclass(slots=True)
class SystemRun:
    system: System
    docs: list[DocRun] = field(default_factory=list)

    def summary(self, corpus: str) -> dict[str, Any]:
        runs = [r for r in self.docs if corpus in (ALL, r.doc.corpus)]
        counts = micro(r.alignment.counts for r in runs)
        words = sum(r.doc.words for r in runs)
        seconds = sum(r.seconds for r in runs)
        return {
            **counts.metrics(),
            "documents": len(runs),
            "words": words,
            "seconds": seconds,
            "words_per_second": words / seconds if seconds else None,
            "failed_documents": sum(r.error is not None for r in runs),
        }


WARM_UP_TEXT = "On Tuesday, two weeks after the March 3, 1998 talks, officials met again."


def run_system(system: System, documents: Sequence[Document], progress: bool = True) -> SystemRun:
    # One untimed call first: lazy imports, rule compilation and dateparser's language data would
    # otherwise be charged to whichever document happens to come first.
    system.call(WARM_UP_TEXT, datetime(1998, 3, 17, tzinfo=UTC))
    run = SystemRun(system)
    for index, doc in enumerate(documents, 1):
        error = None
        started = time.perf_counter()
        try:
            raw = system.call(doc.text, doc.dct)
            seconds = time.perf_counter() - started
            predictions = system.convert(doc.text, raw)
        except Exception:
            # Keep scoring the other documents; the failure is reported and sets the exit code.
            seconds = time.perf_counter() - started
            predictions = []
            error = traceback.format_exc()
        run.docs.append(DocRun(doc, predictions, seconds, align(doc.gold, predictions), error))
        if progress and (index % 25 == 0 or index == len(documents)):
            print(f"  {system.name}: {index}/{len(documents)} documents", file=sys.stderr)
    return run


def error_records(run: SystemRun, context: int = 40) -> list[dict[str, Any]]:
    """False positives, misses and wrong type/value, per document, for the engine's authors."""
    records: list[dict[str, Any]] = []
    for doc_run in run.docs:
        doc, pred, alignment = doc_run.doc, doc_run.predictions, doc_run.alignment
        base = {"doc": doc.doc_id, "corpus": doc.corpus, "dct": doc.dct.isoformat()}

        def around(start: int, end: int, doc: Document = doc) -> str:
            return " ".join(doc.text[max(0, start - context) : end + context].split())

        if doc_run.error is not None:
            records.append({**base, "kind": "exception", "traceback": doc_run.error})
        items: list[tuple[int, dict[str, Any]]] = []
        for g_index, p_index in alignment.relaxed:
            g, p = doc.gold[g_index], pred[p_index]
            if g.type == p.type and g.value == p.value:
                continue
            items.append(
                (
                    g.start,
                    {
                        "kind": "wrong_value" if g.value != p.value else "wrong_type",
                        "gold_text": g.text,
                        "pred_text": doc.text[p.start : p.end],
                        "gold_span": [g.start, g.end],
                        "pred_span": [p.start, p.end],
                        "gold_type": g.type,
                        "gold_value": g.value,
                        "pred_type": p.type,
                        "pred_value": p.value,
                        "rule": p.rule,
                        "context": around(min(g.start, p.start), max(g.end, p.end)),
                    },
                )
            )
        for g_index in alignment.missed:
            g = doc.gold[g_index]
            items.append(
                (
                    g.start,
                    {
                        "kind": "missed",
                        "gold_text": g.text,
                        "gold_span": [g.start, g.end],
                        "gold_type": g.type,
                        "gold_value": g.value,
                        "context": around(g.start, g.end),
                    },
                )
            )
        for p_index in alignment.false_positives:
            p = pred[p_index]
            items.append(
                (
                    p.start,
                    {
                        "kind": "false_positive",
                        "pred_text": doc.text[p.start : p.end],
                        "pred_span": [p.start, p.end],
                        "pred_type": p.type,
                        "pred_value": p.value,
                        "rule": p.rule,
                        "context": around(p.start, p.end),
                    },
                )
            )
        records += [{**base, **item} for _, item in sorted(items, key=lambda i: i[0])]
    return records


def span_text_mismatches(run: SystemRun) -> int:
    """Predictions whose `text` is not text[start:end]: an offset bug in the system."""
    return sum(
        1
        for r in run.docs
        for p in r.predictions
        if p.text and r.doc.text[p.start : p.end] != p.text
    )


# --------------------------------------------------------------------------------------------
# Robustness: adversarial input and memory, each in a fresh child process
# --------------------------------------------------------------------------------------------


def adversarial_texts(size: int = ADVERSARIAL_SIZE) -> dict[str, str]:
    """Inputs that break naive regexes (backtracking, quadratic scans), `size` characters each."""
    units = {
        "digit runs (10,000 digits)": "9" * 10_000 + " ",
        "repeated month names": (
            "January February March April May June July August September October "
            "November December Jan. Feb. Mar. Sept. "
        ),
        '"the the the …"': "the ",
        # 100,000 nested parentheses around a real date, repeated to fill the size.
        "100,000 parentheses": "(" * 100_000 + " on March 3, 1999 " + ")" * 100_000,
        "date-like punctuation": "12/31/1999-12-31T23:59:59.9 1-2-3-4-5/6/7/8 ",
    }
    return {name: (unit * (size // len(unit) + 1))[:size] for name, unit in units.items()}


class PeakMemory:
    """Resident memory of this process, and its high-water mark since `reset()`, in MB.

    Linux `/proc/self/status` (VmRSS, VmHWM) rather than `ru_maxrss`: a child started by
    multiprocessing inherits the parent's ru_maxrss through fork-then-exec (measured: a child of
    a 500 MB parent reports 500 MB), whereas VmHWM belongs to the child's own address space and
    can be reset by writing 5 to /proc/self/clear_refs. Elsewhere it falls back to ru_maxrss.
    RSS rather than tracemalloc: tracemalloc slows allocation-heavy code several times over and
    does not see memory held by C extensions such as `regex`.
    """

    def __init__(self) -> None:
        self.method = "VmHWM" if self._status("VmRSS") is not None else "ru_maxrss"
        self.reset()

    @staticmethod
    def _status(key: str) -> float | None:
        try:
            with open("/proc/self/status", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith(key + ":"):
                        return int(line.split()[1]) / 1e3  # kB
        except (OSError, ValueError):
            pass
        return None

    def current(self) -> float:
        rss = self._status("VmRSS")
        return rss if rss is not None else float("nan")

    def reset(self) -> None:
        self.start = self.current()
        self.reset_ok = False
        if self.method == "VmHWM":
            try:
                with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
                    handle.write("5")
                self.reset_ok = True
            except OSError:
                # Without a reset the mark may include a peak from before; report it as such.
                pass
        else:
            self.start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3

    def peak_growth(self) -> float:
        if self.method == "VmHWM":
            return (self._status("VmHWM") or float("nan")) - self.start
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3 - self.start

    def describe(self) -> str:
        if self.method == "VmHWM":
            return "VmHWM, reset after warm-up" if self.reset_ok else "VmHWM, not resettable"
        return "ru_maxrss (may include the parent's RSS)"


def _run_in_child(target: Callable[..., None], args: tuple[Any, ...], timeout: float) -> dict:
    """Run `target(*args, connection)` in a fresh interpreter and return what it sends.

    A fresh process (spawn, not fork) so that memory figures are the engine's alone and a
    catastrophic regex, which cannot be interrupted from inside the interpreter, can be ended
    after `timeout` seconds instead of hanging the benchmark.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=target, args=(*args, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if receiver.poll(timeout):
            return receiver.recv()
        return {"error": f"timeout after {timeout:.0f} s"}
    except EOFError:
        return {"error": f"child process died (exit code {child.exitcode})"}
    finally:
        child.join(5)
        if child.is_alive():
            child.terminate()
            child.join()


def _adversarial_child(text: str, connection: Any) -> None:
    try:
        resolve = load_engine()
        reference = datetime(1999, 3, 17, tzinfo=UTC)
        resolve(WARM_UP_TEXT, reference, "UTC")
        memory = PeakMemory()
        started = time.perf_counter()
        found = resolve(text, reference, "UTC")
        seconds = time.perf_counter() - started
        connection.send(
            {
                "seconds": seconds,
                "expressions": len(found),
                "peak_rss_growth_mb": memory.peak_growth(),
            }
        )
    except BaseException:
        connection.send({"error": traceback.format_exc(limit=5)})


def run_adversarial(timeout: float, size: int = ADVERSARIAL_SIZE) -> list[dict[str, Any]]:
    """Seconds (and peak RSS growth) for one call of our engine on each adversarial input."""
    results = []
    for name, text in adversarial_texts(size).items():
        row: dict[str, Any] = {"input": name, "chars": len(text)}
        row.update(_run_in_child(_adversarial_child, (text,), timeout))
        results.append(row)
        outcome = f"{row['seconds']:.2f} s" if "seconds" in row else row["error"].splitlines()[-1]
        print(f"  adversarial: {name}: {outcome}", file=sys.stderr)
    return results


def _memory_child(texts: list[tuple[str, datetime]], target_chars: int, connection: Any) -> None:
    try:
        resolve = load_engine()
        # Warm up on real text so that compiled rules and lazily built tables count as the
        # starting point, not as growth: what we look for is memory that grows with the input.
        for text, dct in texts[:5]:
            resolve(text, dct, "UTC")
        memory = PeakMemory()
        processed = expressions = 0
        checkpoints = []
        next_checkpoint = target_chars / 10
        started = time.perf_counter()
        while processed < target_chars:
            for text, dct in texts:
                # Results are dropped at once: a service resolves an article and stores the
                # result elsewhere, so anything still held afterwards is the engine's doing.
                expressions += len(resolve(text, dct, "UTC"))
                processed += len(text)
                if processed >= next_checkpoint:
                    # RSS after each tenth: a steady climb is a leak (an unbounded cache),
                    # a plateau is a working set.
                    checkpoints.append(round(memory.current() - memory.start, 1))
                    next_checkpoint += target_chars / 10
                if processed >= target_chars:
                    break
        seconds = time.perf_counter() - started
        connection.send(
            {
                "chars": processed,
                "expressions": expressions,
                "seconds": seconds,
                "rss_start_mb": memory.start,
                "peak_rss_growth_mb": memory.peak_growth(),
                "rss_growth_mb": memory.current() - memory.start,
                "rss_growth_per_tenth_mb": checkpoints,
                "peak_method": memory.describe(),
            }
        )
    except BaseException:
        connection.send({"error": traceback.format_exc(limit=5)})


def run_memory(documents: Sequence[Document], megabytes: float, timeout: float) -> dict[str, Any]:
    """Peak RSS growth while our engine resolves `megabytes` million characters of corpus text.

    The corpus documents (about 0.5 MB in all) are cycled with their own DCTs, one call per
    document as the service would make them.
    """
    texts = [(d.text, d.dct) for d in documents if d.text.strip()]
    target = int(megabytes * 1_000_000)
    return {"target_chars": target, **_run_in_child(_memory_child, (texts, target), timeout)}


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _p_r_f(precision: float, recall: float, f1: float) -> str:
    return f"{100 * precision:.1f} / {100 * recall:.1f} / {100 * f1:.1f}"


def _mb(value: float | None) -> str | None:
    return None if value is None else f"{value:.1f} MB"


def results_table(runs: Sequence[SystemRun]) -> str:
    headers = [
        "system",
        "data",
        "gold",
        "pred",
        "strict P / R / F1",
        "relaxed P / R / F1",
        "type acc",
        "value acc",
        "value F1",
        "words/s",
    ]
    rows = []
    for run in runs:
        for index, corpus in enumerate((*CORPORA, ALL)):
            s = run.summary(corpus)
            rows.append(
                [
                    run.system.label if index == 0 else "",
                    corpus,
                    s["gold"],
                    s["pred"],
                    _p_r_f(s["strict_precision"], s["strict_recall"], s["strict_f1"]),
                    _p_r_f(s["relaxed_precision"], s["relaxed_recall"], s["relaxed_f1"]),
                    common.pct(s["type_accuracy"]),
                    common.pct(s["value_accuracy"]),
                    f"**{common.pct(s['value_f1'])}**",
                    common.thousands(s["words_per_second"]),
                ]
            )
    return common.markdown_table(headers, rows)


def speed_ratios(runs: Sequence[SystemRun]) -> dict[str, float | None]:
    by_name = {run.system.name: run for run in runs}
    if ENGINE not in by_name or BASELINE not in by_name:
        return {}
    ratios: dict[str, float | None] = {}
    for corpus in (*CORPORA, ALL):
        ours = by_name[ENGINE].summary(corpus)["words_per_second"]
        theirs = by_name[BASELINE].summary(corpus)["words_per_second"]
        ratios[corpus] = ours / theirs if ours and theirs else None
    return ratios


def report_markdown(
    *,
    command: str,
    data_dir: Path,
    documents: Sequence[Document],
    runs: Sequence[SystemRun],
    adversarial: list[dict[str, Any]] | None,
    memory: dict[str, Any] | None,
    machine: dict[str, Any],
) -> str:
    words = sum(d.words for d in documents)
    gold = sum(len(d.gold) for d in documents)
    out = [
        "### TempEval-3 TBAQ-cleaned (TimeBank + AQUAINT)",
        "",
        f"Command: `{command}`  ",
        f"Data: `{data_dir}`: {len(documents)} documents, {gold:,} gold TIMEX3, {words:,} words. "
        "Micro-averaged; value F1 = relaxed F1 × value accuracy; words/s counts only the time "
        "spent inside the system call, after one warm-up call.",
        "",
        results_table(runs),
    ]
    ratios = speed_ratios(runs)
    if ratios:
        parts = [f"{c} {r:.1f}×" if r else f"{c} –" for c, r in ratios.items()]
        out += ["", "Speed ratio ours / dateparser (words/s): " + ", ".join(parts) + "."]
    for run in runs:
        failed = run.summary(ALL)["failed_documents"]
        mismatched = span_text_mismatches(run)
        if failed:
            out += ["", f"**{run.system.name}: {failed} documents raised an exception.**"]
        if mismatched:
            out += [
                "",
                f"**{run.system.name}: {mismatched} predictions with text != text[start:end].**",
            ]
    if adversarial is not None:
        rows = []
        for row in adversarial:
            seconds = row.get("seconds")
            # A hang or a crash on hostile input is a finding, so it stands out in the table.
            failure = f"**{row.get('error', '').splitlines()[-1]}**" if seconds is None else None
            rows.append(
                [
                    row["input"],
                    f"{row['chars']:,}",
                    f"{seconds:.2f}" if seconds is not None else failure,
                    common.thousands(row.get("expressions")),
                    f"{row['chars'] / seconds / 1e6:.2f}" if seconds else None,
                    _mb(row.get("peak_rss_growth_mb")),
                ]
            )
        headers = ["input", "chars", "seconds", "expressions", "MB/s", "peak RSS growth"]
        out += [
            "",
            "Adversarial input, ours: one call on each 1 MB input, in a fresh process:",
            "",
            common.markdown_table(headers, rows),
        ]
    if memory is not None:
        out += [""]
        if "error" in memory:
            out.append(f"**Memory run failed: {memory['error'].splitlines()[-1]}**")
        else:
            mb = memory["chars"] / 1e6
            out += [
                "Memory, ours: corpus documents resolved one call each, in a fresh process "
                f"(peak from {memory['peak_method']}; MB = million characters):",
                "",
                common.markdown_table(
                    [
                        "text resolved",
                        "seconds",
                        "MB/s",
                        "peak RSS growth",
                        "RSS growth at end",
                        "RSS growth after each tenth",
                    ],
                    [
                        [
                            f"{mb:.1f} MB",
                            f"{memory['seconds']:.1f}",
                            f"{mb / memory['seconds']:.2f}",
                            _mb(memory["peak_rss_growth_mb"]),
                            _mb(memory["rss_growth_mb"]),
                            " ".join(str(x) for x in memory["rss_growth_per_tenth_mb"]) + " MB",
                        ]
                    ],
                ),
            ]
    out += ["", common.machine_markdown(machine)]
    return "\n".join(out)


def report_json(
    *,
    command: str,
    data_dir: Path,
    runs: Sequence[SystemRun],
    adversarial: list[dict[str, Any]] | None,
    memory: dict[str, Any] | None,
    machine: dict[str, Any],
) -> dict[str, Any]:
    return {
        "benchmark": "tempeval3-tbaq",
        "command": command,
        "data": str(data_dir),
        "machine": machine,
        "systems": {
            run.system.name: {
                "label": run.system.label,
                **{corpus: run.summary(corpus) for corpus in (*CORPORA, ALL)},
                "span_text_mismatches": span_text_mismatches(run),
            }
            for run in runs
        },
        "speed_ratio_ours_over_baseline": speed_ratios(runs),
        "adversarial": adversarial,
        "memory": memory,
    }


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Score app.temporal.resolve and the dateparser baseline on TempEval-3 TBAQ.",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder holding TimeBank/ and AQUAINT/ (default: $TEMPEVAL_DATA or "
        "<repo>/../shared/data/tempeval3/tbaq)",
    )
    parser.add_argument("--limit", type=int, default=None, help="first N documents per corpus")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument(
        "--errors",
        type=Path,
        default=None,
        help="write our engine's misses, false positives and wrong type/value as JSON Lines, "
        "one object per error in document order, with the rule and some context",
    )
    parser.add_argument("--skip-baseline", action="store_true", help="do not run dateparser")
    parser.add_argument(
        "--baseline-only",
        action="store_true",
        help="run only dateparser (validates the scorer against the README; no engine needed)",
    )
    parser.add_argument(
        "--memory-mb",
        type=float,
        default=20.0,
        help="million characters of corpus text for the memory run; 100 for the release figure, "
        "0 to skip (default: 20)",
    )
    parser.add_argument(
        "--skip-adversarial", action="store_true", help="skip the 1 MB adversarial inputs"
    )
    parser.add_argument(
        "--adversarial-timeout",
        type=float,
        default=DEFAULT_ADVERSARIAL_TIMEOUT,
        help=f"seconds per adversarial input before it counts as a hang "
        f"(default: {DEFAULT_ADVERSARIAL_TIMEOUT:.0f})",
    )
    args = parser.parse_args(argv)
    if args.skip_baseline and args.baseline_only:
        parser.error("--skip-baseline and --baseline-only leave nothing to run")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    command = common.command_line(None if argv is None else ["benchmarks/tempeval.py", *argv])
    data_dir = args.data or default_data_dir()

    systems: list[System] = []
    if not args.baseline_only:
        try:
            systems.append(engine_system(load_engine()))
        except EngineMissing as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if not args.skip_baseline:
        systems.append(dateparser_system())

    try:
        documents = load_corpus(data_dir, limit=args.limit)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(documents)} documents from {data_dir}", file=sys.stderr)

    runs = [run_system(system, documents) for system in systems]
    engine_run = next((r for r in runs if r.system.name == ENGINE), None)

    adversarial = memory = None
    if engine_run is not None and not args.skip_adversarial:
        adversarial = run_adversarial(args.adversarial_timeout)
    if engine_run is not None and args.memory_mb > 0:
        # Generous: the memory run is throughput-bound, 10 s per MB is far below any sane speed.
        memory = run_memory(documents, args.memory_mb, timeout=max(300.0, 10 * args.memory_mb))

    machine = common.machine_description()
    print(
        report_markdown(
            command=command,
            data_dir=data_dir,
            documents=documents,
            runs=runs,
            adversarial=adversarial,
            memory=memory,
            machine=machine,
        )
    )
    if args.json:
        payload = report_json(
            command=command,
            data_dir=data_dir,
            runs=runs,
            adversarial=adversarial,
            memory=memory,
            machine=machine,
        )
        args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    if args.errors and runs:
        # The engine's errors are the ones worth reading; the baseline's only with --baseline-only.
        with args.errors.open("w", encoding="utf-8") as handle:
            for record in error_records(engine_run or runs[0]):
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    failed = any(r.error is not None for run in runs for r in run.docs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
