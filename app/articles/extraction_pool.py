"""Extraction in worker processes, for bulk ingest (`app.articles.service.ingest_many`).

Extraction (temporal resolution, sentences, clauses, gazetteer) is pure CPU work on one article
at a time, so it runs in a pool of processes while the parent writes what the workers return.
The workers get the gazetteer once, when they start (curators' actors merged in by the parent,
which reads them from the database), and return the drafts of each article in order.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from app.events.extraction import EventDraft
from app.events.gazetteer import Gazetteer

# Articles per task: enough to amortise the round trip, few enough to keep the workers even.
CHUNK_SIZE = 4


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


def _extract_chunk(jobs: Sequence[Job]) -> list[Extracted]:
    return [extract(job) for job in jobs]


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
        if workers > 0:
            # fork where there is one: the workers start with the parent's compiled rules and
            # gazetteer instead of importing and compiling them again.
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(gazetteers,),
            )

    def submit(self, jobs: Sequence[Job]) -> list[Future | list[Extracted]]:
        if self._pool is None:
            return [[extract(job, self._gazetteers) for job in jobs]]
        return [
            self._pool.submit(_extract_chunk, jobs[index : index + CHUNK_SIZE])
            for index in range(0, len(jobs), CHUNK_SIZE)
        ]

    @staticmethod
    def results(submitted: list[Future | list[Extracted]]) -> Iterator[Extracted]:
        for part in submitted:
            yield from part.result() if isinstance(part, Future) else part

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
