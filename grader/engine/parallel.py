"""Hashing students' variant seeds in a second process while this one reads and grades.

A variant costs one SHAKE-256 call per student and varying problem (`variants.uniform_picks`):
for a class, about as long as reading their JSONL takes (figures: docs/course-operations.md,
"Speed"). Only the hashing moves: student ids go to the worker, `picks_for` runs there, and
the picks (small integer arrays) come back; mapping picks to variants, keys and grading stay
here, so results are the same with or without the worker.

The worker is one process (a second core is all the machines we target have spare), started on
the first batch large enough to be worth it, with `fork` where the process has no other thread
(cheap: numpy is already loaded) and `forkserver` or `spawn` otherwise. If it dies, its batches
are hashed here instead: a missing worker costs time, never a grade.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from grader.engine.variants import PickRequest, picks_for

__all__ = ["MIN_PARALLEL_BATCH", "PickHasher", "can_parallelize"]

Picks = list[NDArray[np.int64]]

#: Smallest batch of students sent to the worker: below it, starting a process costs more than
#: the hashing it takes off this one (figures: docs/course-operations.md, "Speed").
MIN_PARALLEL_BATCH = 2048


def can_parallelize() -> bool:
    """True when a second process can run beside this one (two or more usable cores)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores > 1


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    # fork from a process with threads may deadlock in the child (and Python 3.12 warns)
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _ignore_interrupts() -> None:
    """In the worker: Ctrl-C is the parent's to handle (it stops the worker), not a traceback here."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class PickHasher:
    """`picks_for` of batches of students, in a worker process when `parallel`.

    `submit(students)` returns a function that gives the batch's picks (one array per request,
    as `picks_for`); call it when they are needed, so that the worker hashes meanwhile.
    Use as a context manager: leaving it stops the worker.
    """

    def __init__(self, salt: str, requests: Sequence[PickRequest], *, parallel: bool = False):
        self.salt = salt
        self.requests = list(requests)
        # a daemonic process (a multiprocessing.Pool's worker) may not start one: hash here
        self.parallel = parallel and bool(self.requests) and not multiprocessing.current_process().daemon
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False

    def __enter__(self) -> PickHasher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker (waiting for it, so that its CPU time is accounted to this process)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, students: Sequence[str]) -> Callable[[], Picks]:
        """The picks of `students`, hashed in the worker when it is worth it, else here."""
        if not self.requests:
            return lambda: []
        if not self.parallel or self._broken or len(students) < MIN_PARALLEL_BATCH:
            picks = picks_for(self.salt, self.requests, students)
            return lambda: picks
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=_context(), initializer=_ignore_interrupts
                )
            future = self._pool.submit(picks_for, self.salt, self.requests, list(students))
        except (BrokenProcessPool, OSError, RuntimeError):
            self._broken = True
            return self.submit(students)
        return lambda: self._result(future, students)

    def _result(self, future: Future[Picks], students: Sequence[str]) -> Picks:
        try:
            return future.result()
        except (BrokenProcessPool, OSError):  # the worker died (killed, out of memory): hash here
            self._broken = True
            return picks_for(self.salt, self.requests, students)
