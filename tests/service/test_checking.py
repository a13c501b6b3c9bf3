"""Checker.submit: what happens while an attempt is claimed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from grader.parse import arrays, choices
from grader.service import Checker
from grader.spec.loader import ProblemSet
from grader.storage import Storage
from tests.service.conftest import NOW


@pytest.mark.parametrize(
    ("problem", "answers", "last_reveal"),
    [
        # 3 attempts; the last escalates to the solution, so the answer is graded again at that level
        ("exact-states", [f"[{first}, 0, 0]" for first in range(3)], "solution"),
        ("lstm-info", ["a", "b"], "positions"),
    ],
)
def test_no_answer_is_read_while_an_attempt_is_claimed(
    course: ProblemSet,
    sqlite_storage: Storage,
    monkeypatch: pytest.MonkeyPatch,
    problem: str,
    answers: list[str],
    last_reveal: str,
) -> None:
    # the claim holds the database's write lock: reading an answer then would hold up every writer
    claiming = False
    reads: list[bool] = []  # for each reading of an answer: was an attempt claimed meanwhile?
    claim_attempt = sqlite_storage.claim_attempt

    @contextmanager
    def watched_claim(*args: Any, **options: Any) -> Iterator[Any]:
        nonlocal claiming
        with claim_attempt(*args, **options) as claimed:
            claiming = True
            try:
                yield claimed
            finally:
                claiming = False

    def watched(read: Any) -> Any:
        def reading(*args: Any) -> Any:
            reads.append(claiming)
            return read(*args)

        return reading

    monkeypatch.setattr(sqlite_storage, "claim_attempt", watched_claim)
    monkeypatch.setattr(arrays, "_from_data", watched(arrays._from_data))
    monkeypatch.setattr(choices, "_read", watched(choices._read))
    checker = Checker(course, sqlite_storage)
    outcomes = [checker.submit(problem, "nia", answer, now=NOW) for answer in answers]
    assert [outcome.counted for outcome in outcomes] == [True] * len(answers)
    assert outcomes[-1].reveal == last_reveal
    assert reads and not any(reads)
