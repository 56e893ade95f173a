"""Reading ads in worker processes: the reading stage's wall time divided by the cores it may use.

Why processes: reading is pure Python and CPU-bound, so threads would share one core; each ad is
independent, so worker processes scale with the cores while the parent keeps the database session and
writes. Workers are forked where the OS can (Linux): they inherit the loaded lexicons, pipelines and language
models (loading them again costs ~2-3 s per worker) and touch nothing but the reader; elsewhere they are
spawned and load them once. Output equals the serial stage's (tested).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from classifiers.gc_policy import YOUNG_THRESHOLD
from classifiers.reading import AdReading, Resources, load_resources, read_batch
from config.settings import AppSettings

log = logging.getLogger(__name__)
# Ads per task: large enough that pickling and scheduling cost little against ~1 ms of reading per ad, and that
# reading the chunk step by step (``read_batch``) keeps each step's tables hot (the gain levels off at ~64).
CHUNK = 64
# Below this many ads the workers' start-up (loading spaCy, lingua's models) costs more than it saves.
MIN_ADS = 2_000

Row = tuple[int, Any, Any, Any]  # (version id, title, text, raw fields)
Result = tuple[int, AdReading, float]  # (version id, reading, milliseconds)

_worker: tuple[AppSettings, Resources] | None = None


def resolve_jobs(jobs: int) -> int:
    """resolve_jobs (int): worker processes for ``jobs`` (0 = one per available core)."""
    if jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def read_rows(rows: Sequence[Row], settings: AppSettings, res: Resources) -> list[Result]:
    """read_rows: (version id, reading, ms) of each row, in order; the serial path and the workers share it.

    The rows are read as one batch (``read_batch``: step by step over all of them, faster than ad by ad); ms is
    the CPU time spent on that ad's own reading.
    """
    done = read_batch([(title, text, raw or {}) for _vid, title, text, raw in rows], settings=settings, resources=res)
    return [(row[0], reading, seconds * 1000) for row, (reading, seconds) in zip(rows, done, strict=True)]


def _init(settings: AppSettings) -> None:
    global _worker
    _worker = (settings, load_resources(settings))  # a forked worker finds them loaded (cached)
    # A forked worker inherits the stage's garbage collector settings (gc_policy); a spawned one sets its own,
    # for its whole life (it only reads).
    if gc.get_freeze_count() == 0:
        gc.freeze()
    gc.set_threshold(max(gc.get_threshold()[0], YOUNG_THRESHOLD), *gc.get_threshold()[1:])


def _read_chunk(rows: list[Row]) -> list[Result]:
    assert _worker is not None, "worker not initialised"
    return read_rows(rows, *_worker)


class ReadingPool:
    """ReadingPool: ``jobs`` worker processes; ``submit`` a batch now, ``results`` of it later (in order).

    Use as a context manager. Submitting the next batch before writing the previous one keeps the workers
    busy while the parent writes.
    """

    def __init__(self, settings: AppSettings, jobs: int) -> None:
        self.broken = False  # set by the stage when a worker died: no more submits, workers killed on exit
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self._pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                                         initializer=_init, initargs=(settings,))

    def __enter__(self) -> ReadingPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None and not self.broken:
            self._pool.shutdown(wait=True)
            return
        # After an error or a dead worker, joining can hang (CPython's executor waits on a worker that never
        # answers): stop the workers first, then leave without waiting.
        for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
            proc.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def submit(self, rows: Sequence[Row]) -> list[Future[list[Result]]]:
        """submit: the batch split into chunks, each queued for a worker."""
        return [self._pool.submit(_read_chunk, list(rows[i:i + CHUNK])) for i in range(0, len(rows), CHUNK)]

    @staticmethod
    def results(futures: list[Future[list[Result]]]) -> Iterator[Result]:
        """results: the batch's readings in row order; raises what a worker raised (e.g. BrokenProcessPool)."""
        for fut in futures:
            yield from fut.result()
