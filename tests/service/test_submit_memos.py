"""What `Checker.submit` computes once rather than per request, and that it changes no outcome."""

from __future__ import annotations

from typing import Any

import pytest

import grader.record as record
import grader.service.checking as checking
from grader.grading import GradedAnswers
from grader.service import Checker
from grader.spec.loader import ProblemSet
from grader.storage import Storage
from tests.service.conftest import NOW


def test_a_problem_with_fixed_inputs_draws_no_variant_per_submission(
    course: ProblemSet, sqlite_storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    checker = Checker(course, sqlite_storage)
    fresh = Checker(course, sqlite_storage)
    drawn: list[str] = []
    real = checking.variant_for

    def counting(problem: Any, student: str, salt: str) -> Any:
        drawn.append(student)
        return real(problem, student, salt)

    monkeypatch.setattr(checking, "variant_for", counting)
    # the same outcome as the variant's own inputs give (grade() called with them directly)
    problem = checker.problem("lstm-states-2")
    expected = fresh.grade(
        problem, real(problem, "nia", course.course.salt).inputs, "[1, -1, 0.5, 1, -1]", "diagnosis"
    )
    drawn.clear()
    outcome = checker.submit("lstm-states-2", "nia", "[1, -1, 0.5, 1, -1]", now=NOW)
    assert drawn == []
    assert (outcome.status, outcome.score, outcome.feedback) == (
        expected.status.value,
        expected.score,
        expected.feedback,
    )


def test_an_answer_sent_again_is_graded_once_in_the_memo_batch_grading_keeps(
    course: ProblemSet, sqlite_storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    real = checking.grade_and_read

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(checking, "grade_and_read", counting)
    checker = Checker(course, sqlite_storage)
    problem = checker.problem("lstm-states-2")
    inputs = checker.variant(problem, "").inputs
    first = checker.grade(problem, inputs, "[1, -1, 0, 1, 1]", "diagnosis")
    assert checker.grade(problem, inputs, "[1, -1, 0, 1, 1]", "diagnosis") is first
    assert len(calls) == 1
    assert isinstance(checker.graded, GradedAnswers)
    assert len(checker.graded) == 1
    # another reveal level is another result
    checker.grade(problem, inputs, "[1, -1, 0, 1, 1]", "positions")
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("problem", "answer", "stored"),
    [
        ("lstm-states-2", "1, -1, 0, 0, 1", [1.0, -1.0, 0.0, 0.0, 1.0]),
        ("lstm-states-2", [1, -1, 0.5, 1, -1], [1.0, -1.0, 0.5, 1.0, -1.0]),
        ("lstm-info", "c", ["c"]),
        ("lstm-states-2", "[1, -1, zero]", None),
    ],
)
def test_a_new_answer_is_read_once_and_stored_as_read(
    course: ProblemSet,
    sqlite_storage: Storage,
    monkeypatch: pytest.MonkeyPatch,
    problem: str,
    answer: Any,
    stored: Any,
) -> None:
    import grader.grading.answer as answer_module

    reads: list[Any] = []
    real = answer_module.parse_answer

    def counting(*args: Any) -> Any:
        reads.append(args)
        return real(*args)

    monkeypatch.setattr(answer_module, "parse_answer", counting)
    monkeypatch.setattr(record, "parse_answer", counting)  # new_submission reads there
    checker = Checker(course, sqlite_storage)
    checker.submit(problem, "ana", answer, now=NOW)
    assert len(reads) == 1  # graded and stored from one reading
    checker.submit(problem, "ben", answer, now=NOW)  # graded from the memo: read to be stored
    assert len(reads) == (1 if stored is None else 2)
    assert [s.parsed for s in sqlite_storage.submissions(problem=problem)] == [stored, stored]
