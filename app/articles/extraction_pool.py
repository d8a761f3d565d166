"""Extraction in worker processes, for bulk ingest (`app.articles.service.ingest_many`).

Extraction (temporal resolution, sentences, clauses, gazetteer) is pure CPU work on one article
at a time, so it runs in a pool of processes while the parent writes what the workers return.
The workers get the gazetteer once, when they start (curators' actors merged in by the parent,
which reads them from the database), and return the drafts of each article in order.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import operator
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from app.events.extraction import EventDraft
from app.events.gazetteer import Gazetteer
from app.temporal.model import TemporalExpression

# Articles per task: enough to amortise the round trip, few enough to keep the workers even.
CHUNK_SIZE = 4
# What the parent extracts before forking, so that the workers inherit everything compiled.
_WARM_UP_TEXT = "On Tuesday, 11 March 2025, Ukraine said it accepted the proposal."
_WARM_UP_TIME = datetime(2025, 3, 12, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Job:
    text: str
    published_at: datetime
    timezone: str
    language: str


@dataclass(frozen=True, slots=True)
class Extracted:
    drafts: list[EventDraft]
    seconds: float  # time the extraction took, in whichever process ran it


_gazetteers: dict[str, Gazetteer] = {}


def _start_worker(gazetteers: dict[str, Gazetteer]) -> None:
    _gazetteers.clear()
    _gazetteers.update(gazetteers)


def extract(job: Job, gazetteers: dict[str, Gazetteer] | None = None) -> Extracted:
    from app.events import service as event_service

    started = time.perf_counter()
    drafts = event_service.drafts_from_text(
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


class Extractor:
    """Runs extraction for a stream of jobs, in `workers` processes (0: in this process).

    `submit` returns at once; `results` of a submitted batch are in the order of its jobs.
    """

    def __init__(self, gazetteers: dict[str, Gazetteer], workers: int) -> None:
        self._gazetteers = gazetteers
        self._pool: ProcessPoolExecutor | None = None
        self._warm_up_before_fork = False
        if workers > 0:
            # fork where there is one: the workers start with the parent's compiled rules and
            # gazetteer instead of importing and compiling them again.
            methods = multiprocessing.get_all_start_methods()
            forking = "fork" in methods
            context = multiprocessing.get_context("fork" if forking else None)
            # The temporal rulebook and the extraction data are compiled on first use (~0.5 s):
            # with fork, once in this process before the workers start (they start at the
            # first submit), rather than once in every worker.
            self._warm_up_before_fork = forking
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(gazetteers,),
            )

    def submit(self, jobs: Sequence[Job]) -> list[Future | list[Extracted]]:
        if self._pool is None:
            return [[extract(job, self._gazetteers) for job in jobs]]
        if jobs and self._warm_up_before_fork:
            self._warm_up_before_fork = False
            for language in dict.fromkeys(job.language for job in jobs):
                extract(Job(_WARM_UP_TEXT, _WARM_UP_TIME, "UTC", language), self._gazetteers)
            if gc.get_freeze_count():
                # The caller keeps start-up out of the collector's sight (`gc.freeze`): the
                # rules just compiled are start-up too, and frozen before the fork the
                # workers' collections never walk (nor copy) the pages they share with us.
                gc.freeze()
        return [
            self._pool.submit(_extract_chunk, jobs[index : index + CHUNK_SIZE])
            for index in range(0, len(jobs), CHUNK_SIZE)
        ]

    @staticmethod
    def results(submitted: list[Future | list[Extracted]]) -> Iterator[Extracted]:
        for part in submitted:
            if isinstance(part, Future):
                for seconds, drafts in part.result():
                    yield _unpacked(seconds, drafts)
            else:
                yield from part

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
