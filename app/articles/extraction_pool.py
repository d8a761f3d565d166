"""Extraction in worker processes, for bulk ingest (`app.articles.service.ingest_many`).

Extraction (temporal resolution, sentences, clauses, gazetteer) is pure CPU work on one article
at a time, so it runs in a pool of processes while the parent writes what the workers return.
The workers get the gazetteer once, when they start (curators' actors merged in by the parent,
which reads them from the database), and return the drafts of each article in order.

This module imports no database code, so `timeline ingest` can start the workers before it
imports SQLAlchemy and the models (~0.4 s): the workers begin on the first articles
(`Extractor.speculate`) while the parent imports, connects and checks which articles are new.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import multiprocessing
import operator
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from app.events.extraction import EventDraft, drafts_from_text
from app.events.gazetteer import Gazetteer, load_gazetteer
from app.temporal.model import TemporalExpression

# Articles per task: enough to amortise the round trip, few enough to keep the workers even.
# Eight rather than four: half the tasks to hand over, ~0.17 ms less CPU per article over both
# sides in `timeline ingest` (8 paired runs), and at most ~40 ms of one worker's work left when
# the other has none.
CHUNK_SIZE = 8
# Batches a bulk ingest has extracting while it writes an earlier one. Four rather than two:
# the writer is faster than the workers on average but not at every moment (a batch that
# commits, a slow start while it imports and connects), and with only two batches ahead the
# workers ran out of work then and left a core idle (gaps of 0.05-0.17 s, the first while the
# writer wrote its first batch); drafts of 200 articles are a few MB.
IN_FLIGHT_BATCHES = 4
# What the parent extracts before forking, so that the workers inherit everything compiled.
_WARM_UP_TEXT = "On Tuesday, 11 March 2025, Ukraine said it accepted the proposal."
_WARM_UP_TIME = datetime(2025, 3, 12, tzinfo=UTC)
# Allocations between two young-generation collections in the workers and in a bulk writer
# (Python: 700). Most of what an article allocates is freed by reference counting long before
# a collection would look at it.
YOUNG_THRESHOLD = 10_000


@dataclass(frozen=True, slots=True)
class Job:
    text: str
    published_at: datetime
    timezone: str
    language: str

    @classmethod
    def of(cls, article) -> Job:
        """The job of an `ArticleCreate` (any object with its four fields)."""
        return cls(article.text, article.published_at, article.timezone, article.language)


@dataclass(frozen=True, slots=True)
class Extracted:
    drafts: list[EventDraft]
    seconds: float  # time the extraction took, in whichever process ran it


_gazetteers: dict[str, Gazetteer] = {}


def _start_worker(gazetteers: dict[str, Gazetteer]) -> None:
    _gazetteers.clear()
    _gazetteers.update(gazetteers)
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])


def extract(job: Job, gazetteers: dict[str, Gazetteer] | None = None) -> Extracted:
    started = time.perf_counter()
    drafts = drafts_from_text(
        job.text,
        published_at=job.published_at,
        timezone=job.timezone,
        language=job.language,
        gazetteer=(gazetteers if gazetteers is not None else _gazetteers).get(job.language),
    )
    return Extracted(drafts, time.perf_counter() - started)


def _extract_chunk(jobs: Sequence[Job]) -> list[tuple[float, list[tuple]]]:
    return [_packed(extract(job)) for job in jobs]


# The hand-over from a worker to the writer, in plain tuples: pickle stores a frozen, slotted
# dataclass through Python-level __getstate__/__setstate__ (a call of `dataclasses.fields`
# per object), which made the hand-over cost ~0.33 ms of CPU per article (both sides); tuples
# and the constructors cost ~0.13 ms. Rebuilt, the drafts are equal to the worker's.
_DRAFT_FIELDS = tuple(field.name for field in dataclasses.fields(EventDraft))
_EXPRESSION_AT = _DRAFT_FIELDS.index("expression")
_draft_values = operator.attrgetter(*_DRAFT_FIELDS)
_expression_values = operator.attrgetter(
    *(field.name for field in dataclasses.fields(TemporalExpression))
)


def _packed(extracted: Extracted) -> tuple[float, list[tuple]]:
    # Drafts continuing a sentence share its expression: packed once, so once rebuilt.
    expressions: dict[int, tuple] = {}
    drafts = []
    for draft in extracted.drafts:
        values = _draft_values(draft)
        values = (*values[:_EXPRESSION_AT], None, *values[_EXPRESSION_AT + 1 :])
        expression = draft.expression
        packed = expressions.get(id(expression))
        if packed is None:
            packed = expressions[id(expression)] = _expression_values(expression)
        drafts.append((values, packed))
    return extracted.seconds, drafts


def _unpacked(seconds: float, drafts: list[tuple]) -> Extracted:
    expressions: dict[int, TemporalExpression] = {}
    rebuilt = []
    for values, packed in drafts:
        expression = expressions.get(id(packed))
        if expression is None:
            expression = expressions[id(packed)] = TemporalExpression(*packed)
        fields = list(values)
        fields[_EXPRESSION_AT] = expression
        rebuilt.append(EventDraft(*fields))
    return Extracted(rebuilt, seconds)


def default_workers() -> int:
    """One worker per usable CPU."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def yaml_gazetteers(languages: Iterable[str]) -> dict[str, Gazetteer]:
    """The gazetteers of the data files: what `app.actors.service.gazetteer_for` returns (the
    very objects) while no curator has added an actor, known without the database."""
    return {language: load_gazetteer(language) for language in languages}


@contextlib.contextmanager
def heap_frozen() -> Iterator[None]:
    """Keep what exists now (the modules, and once the first jobs are submitted the compiled
    rules and gazetteers: see `Extractor._submit_chunks`) out of the garbage collector's sight
    for the run, as the server does after its start-up (app.main).

    A bulk writer allocates rows and facts by the hundred thousand, so the collector runs
    often, and each full collection walked every object the imports built: ~0.6 ms per article
    of the writer's CPU; frozen before the fork, the workers' collections skip them too.
    Objects made during the run are collected as usual; the frozen ones go back at the end,
    unless someone had frozen the heap before (then it stays as they left it)."""
    already = gc.get_freeze_count() > 0
    thresholds = gc.get_threshold()
    gc.freeze()
    # Young collections less often: most of what a batch allocates is freed by reference
    # counting long before a collection would look at it.
    gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not already:
            gc.unfreeze()


# A submitted job: its result, or where a worker's answer holds it (the task, and the job's
# place in the task's chunk).
_Handle = Extracted | tuple[Future, int]


class Extractor:
    """Runs extraction for a stream of jobs, in `workers` processes (0: in this process).

    `submit` returns at once; `results` of a submitted batch are in the order of its jobs.
    `speculate` starts on jobs before the caller knows it wants them, and `use` switches to the
    gazetteers the caller found in the database (see `timeline ingest`, which starts the workers
    before it has imported the database code).
    """

    def __init__(self, gazetteers: dict[str, Gazetteer], workers: int) -> None:
        self._gazetteers = gazetteers
        self._pool: ProcessPoolExecutor | None = None
        self._warm_up_before_fork = False
        # Jobs started ahead by `speculate`, until `submit` claims them.
        self._ahead: dict[Job, tuple[Future, int]] = {}
        if workers > 0:
            self._start_pool(workers)

    def _start_pool(self, workers: int) -> None:
        # fork where there is one: the workers start with the parent's compiled rules and
        # gazetteer instead of importing and compiling them again.
        methods = multiprocessing.get_all_start_methods()
        forking = "fork" in methods
        context = multiprocessing.get_context("fork" if forking else None)
        # The temporal rulebook and the extraction data are compiled on first use (~0.3 s):
        # with fork, once in this process before the workers start (they start at the first
        # submit), rather than once in every worker.
        self._warm_up_before_fork = forking
        self._workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self._gazetteers,),
        )

    def use(self, gazetteers: dict[str, Gazetteer]) -> None:
        """Extract with `gazetteers` from now on. When they are not the ones the workers
        started with (a curator has added actors since the data files), the workers are
        replaced and what they extracted ahead is dropped."""
        if gazetteers.keys() == self._gazetteers.keys() and all(
            gazetteers[language] is self._gazetteers[language] for language in gazetteers
        ):
            return
        self._gazetteers = gazetteers
        self._ahead.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._start_pool(self._workers)

    def speculate(self, jobs: Sequence[Job]) -> None:
        """Start on `jobs` now, before the caller knows whether it wants them (it has not
        checked which articles are stored yet): a later `submit` of an equal job takes the
        result (extraction is a function of the job and the gazetteer), the others are dropped.
        Only with workers: in this process it would only delay the caller."""
        if self._pool is None or not jobs:
            return
        for handle, job in zip(self._submit_chunks(jobs), jobs, strict=True):
            self._ahead[job] = handle

    def submit(self, jobs: Sequence[Job]) -> list[_Handle]:
        if self._pool is None:
            return [extract(job, self._gazetteers) for job in jobs]
        handles: list[_Handle | None] = [self._ahead.pop(job, None) for job in jobs]
        missing = [index for index, handle in enumerate(handles) if handle is None]
        if missing:
            started = self._submit_chunks([jobs[index] for index in missing])
            for index, handle in zip(missing, started, strict=True):
                handles[index] = handle
        return handles  # type: ignore[return-value]

    def _submit_chunks(self, jobs: Sequence[Job]) -> list[tuple[Future, int]]:
        assert self._pool is not None
        if jobs and self._warm_up_before_fork:
            self._warm_up_before_fork = False
            for language in dict.fromkeys(job.language for job in jobs):
                extract(Job(_WARM_UP_TEXT, _WARM_UP_TIME, "UTC", language), self._gazetteers)
            if gc.get_freeze_count():
                # The caller keeps start-up out of the collector's sight (`heap_frozen`): the
                # rules just compiled are start-up too, and frozen before the fork the
                # workers' collections never walk (nor copy) the pages they share with us.
                gc.freeze()
        handles = []
        for first in range(0, len(jobs), CHUNK_SIZE):
            future = self._pool.submit(_extract_chunk, jobs[first : first + CHUNK_SIZE])
            handles.extend((future, index) for index in range(min(CHUNK_SIZE, len(jobs) - first)))
        return handles

    @staticmethod
    def results(submitted: list[_Handle]) -> Iterator[Extracted]:
        for handle in submitted:
            if isinstance(handle, Extracted):
                yield handle
            else:
                future, index = handle
                yield _unpacked(*future.result()[index])

    def close(self) -> None:
        self._ahead.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
