"""The memo of graded answers (`grading.memo`): kept under exactly its four parts, bounded, shared
by batch grading and the service's checker."""

from __future__ import annotations

from typing import Any

import pytest

import grader.grading.classes as classes
from grader.compare.results import ProblemResult, Status
from grader.grading import ClassGrader, GradedAnswers
from grader.submissions.models import Attempt, Submission


def result(problem: str = "p", score: float = 1.0) -> ProblemResult:
    return ProblemResult(problem=problem, status=Status.CORRECT, score=score, max_score=1.0, feedback="")


KEPT = ("p", 0, "[1, 2]", "positions")


@pytest.mark.parametrize(
    "asked",
    [
        ("q", 0, "[1, 2]", "positions"),  # another problem
        ("p", 1, "[1, 2]", "positions"),  # another variant
        ("p", 0, "[1,2]", "positions"),  # another answer
        ("p", 0, "[1, 2]", "solution"),  # another reveal level
    ],
)
def test_a_result_is_found_under_exactly_its_problem_variant_answer_and_level(asked: tuple[Any, ...]) -> None:
    memo = GradedAnswers()
    kept = result()
    memo.put(*KEPT, kept)
    assert memo.get(*KEPT) is kept
    assert KEPT in memo
    assert memo.get(*asked) is None
    assert asked not in memo


def test_the_tables_of_a_problem_and_level_hold_its_results_by_variant() -> None:
    memo = GradedAnswers()
    first, second = result(score=1.0), result(score=0.5)
    memo.put("p", 0, "a", "positions", first)
    memo.put("p", 3, "b", "positions", second)
    tables = memo.tables("p", "positions")
    assert tables[0] == {"a": first}
    assert tables[3] == {"b": second}
    assert tables[7] == {}  # a variant not met yet
    memo.put("p", 7, "c", "positions", first)
    assert tables[7] == {"c": first}  # the same tables, filled as results come


def test_past_its_limit_the_memo_starts_again_empty() -> None:
    memo = GradedAnswers(limit=2)
    memo.put("p", 0, "a", "positions", result())
    memo.put("p", 0, "b", "positions", result())
    assert len(memo) == 2
    memo.put("p", 0, "c", "positions", result())
    assert len(memo) == 1
    assert memo.get("p", 0, "a", "positions") is None
    assert memo.get("p", 0, "c", "positions") is not None


def test_answers_longer_than_the_longest_kept_are_not_kept() -> None:
    memo = GradedAnswers(longest=3)
    memo.put("p", 0, "abc", "positions", result())
    memo.put("p", 0, b"abcd", "positions", result())
    assert memo.get("p", 0, "abc", "positions") is not None
    assert memo.get("p", 0, b"abcd", "positions") is None
    assert len(memo) == 1


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="limit: expected at least 1 result; got 0"):
        GradedAnswers(limit=0)


def counting_grader(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[Any]:
    """Count the calls to `module.name` (a grading function) and pass them on."""
    calls: list[Any] = []
    real = getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def test_a_class_grades_an_answer_many_students_typed_once(
    problems: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting_grader(monkeypatch, classes, "grade_answers")
    grader = ClassGrader(problems)
    typed = "[1, -1, 0, 1, 1]"
    grader.add(
        [Submission(student, {"lstm-states-2": [Attempt(typed)]}) for student in ("ana", "ben", "cleo")]
    )
    assert [len(batch) for _, batch in calls] == [1]
    assert isinstance(grader.memo, GradedAnswers)
    scores = {grader.student_report(s).results[1].score for s in ("ana", "ben", "cleo")}
    assert len(scores) == 1
