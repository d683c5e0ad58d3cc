"""Python steps of reconciliation spread over the cores of one machine."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")


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
        self.pool = ProcessPoolExecutor(workers, mp_context=spawn) if workers > 1 else None
        self.in_flight = 2 * workers
        self._owned = True

    @classmethod
    def of(cls, workers: int | Workers) -> Workers:
        """``workers`` itself when already started (its owner shuts it down), else a new pool of that many."""
        if isinstance(workers, Workers):
            shared = cls.__new__(cls)
            shared.pool, shared.in_flight, shared._owned = workers.pool, workers.in_flight, False
            return shared
        return cls(workers)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None and self._owned:
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
