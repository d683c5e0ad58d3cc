"""Python steps of reconciliation spread over the cores of one machine."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")


# Reconciliation makes millions of small objects that live to the end of a step (features, pairs, rows),
# so the collector's default of a young collection every 700 allocations, and a full one as the heap
# grows by a quarter, scans them again and again for nothing to free. Cycles are still collected, only
# less often.
_FEWER_COLLECTIONS = (50_000, 20, 20)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's garbage collector run less often inside the block, and not over what already exists (it is
    frozen, and released after). A caller that froze objects itself (a server before it forks) keeps them
    frozen: then only the thresholds change."""
    thresholds = gc.get_threshold()
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    gc.set_threshold(*_FEWER_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freezing:
            gc.unfreeze()


def _start_worker() -> None:
    # A worker process lives only for reconciliation: tune its collector for good.
    gc.freeze()
    gc.set_threshold(*_FEWER_COLLECTIONS)


def all_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Workers:
    """``map`` in this process (``workers`` 1), or over a pool of ``workers`` processes with a bounded number
    of chunks in flight (results in order), so that a large query streams through without being held whole.

    Written with the standard library rather than a task framework: the work is a few CPU-bound Python
    functions over Arrow tables on one machine. The processes are spawned, so a script that uses more than
    one worker needs the ``if __name__ == "__main__":`` guard, as with any multiprocessing.
    """

    def __init__(self, workers: int):
        # Spawned, not forked: this process runs DuckDB's threads, and a fork copies locks they may hold.
        spawn = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(workers, mp_context=spawn, initializer=_start_worker) if workers > 1 else None
        self.in_flight = 2 * workers

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def map(self, fn: Callable[[Task], Result], chunks: Iterable[Task]) -> Iterator[Result]:
        if self.pool is None:
            yield from map(fn, chunks)
            return
        pending: deque[Future[Result]] = deque()
        for chunk in chunks:
            pending.append(self.pool.submit(fn, chunk))
            if len(pending) >= self.in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
