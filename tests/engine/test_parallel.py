"""The variant worker hashes exactly what `picks_for` hashes here, and a dead worker costs no grade."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import grader.engine.parallel as parallel
from grader.engine.parallel import PickHasher
from grader.engine.variants import picks_for

REQUESTS = [("lstm-states-1", 6, 2), ("pick-one", 1, 3)]
STUDENTS = [f"student{i}" for i in range(50)]


def same(left: list[np.ndarray], right: list[np.ndarray]) -> bool:
    return len(left) == len(right) and all(np.array_equal(a, b) for a, b in zip(left, right, strict=True))


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BATCH", 1)


@pytest.mark.parametrize("use_worker", [False, True])
def test_the_worker_hashes_what_this_process_would(small_batches, use_worker):
    expected = picks_for("salt", REQUESTS, STUDENTS)
    with PickHasher("salt", REQUESTS, parallel=use_worker) as hasher:
        results = [hasher.submit(STUDENTS[i : i + 10]) for i in range(0, 50, 10)]
        got = [result() for result in results]
        assert (hasher._pool is not None) == use_worker
    assert same([np.concatenate([batch[k] for batch in got]) for k in range(2)], expected)


def test_small_batches_stay_in_this_process():
    with PickHasher("salt", REQUESTS, parallel=True) as hasher:
        assert same(hasher.submit(STUDENTS)(), picks_for("salt", REQUESTS, STUDENTS))
        assert hasher._pool is None  # 50 students are far below MIN_PARALLEL_BATCH


def test_a_killed_worker_is_replaced_by_hashing_here(small_batches):
    with PickHasher("salt", REQUESTS, parallel=True) as hasher:
        assert same(hasher.submit(STUDENTS[:5])(), picks_for("salt", REQUESTS, STUDENTS[:5]))
        assert hasher._pool is not None
        for pid in list(hasher._pool._processes):  # type: ignore[union-attr]
            os.kill(pid, signal.SIGKILL)
        late = hasher.submit(STUDENTS[5:])
        assert same(late(), picks_for("salt", REQUESTS, STUDENTS[5:]))
        assert same(hasher.submit(STUDENTS)(), picks_for("salt", REQUESTS, STUDENTS))


def test_no_varying_problem_needs_no_hashing():
    with PickHasher("salt", [], parallel=True) as hasher:
        assert hasher.submit(STUDENTS)() == []
        assert hasher._pool is None


def _hash_in_this_process() -> bool:
    parallel.MIN_PARALLEL_BATCH = 1
    with PickHasher("salt", REQUESTS, parallel=True) as hasher:
        return same(hasher.submit(STUDENTS)(), picks_for("salt", REQUESTS, STUDENTS))


def test_a_daemonic_process_hashes_itself():
    # a multiprocessing.Pool's workers are daemonic, and a daemonic process may start no child:
    # grading a class inside one must not fail on the worker it cannot have
    with parallel._context().Pool(1) as pool:
        assert pool.apply(_hash_in_this_process)
