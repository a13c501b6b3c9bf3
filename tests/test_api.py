"""The library front, as the package docstring shows it to course tooling."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import grader
from tests.conftest import PROBLEMS, SUBMISSIONS

NOW = datetime(2023, 3, 20, 12, tzinfo=timezone.utc)


def test_the_documented_example():
    problems = grader.load_problems(PROBLEMS)
    key = grader.compute_key(problems["lstm-states-2"])
    assert key.tolist() == [1, -1, 0, 1, -1]
    result = grader.grade_answer(problems["lstm-states-2"], "[1,-1,0,0,1]", key)
    assert result.status is grader.Status.INCORRECT
    assert (result.score, result.max_score) == (0, 1)
    report = grader.grade_directory(problems, SUBMISSIONS, now=NOW)
    assert [s.student for s in report.students] == ["alice", "bob", "carol", "dave", "erin"]
    assert report.errors == []


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("[1, -1, 0, 1, -1]", grader.Status.CORRECT),
        ("1 -1 0 1 -1", grader.Status.CORRECT),
        ([1, -1, 0, 1, -1], grader.Status.CORRECT),
        ("[1, -1, 0, 1]", grader.Status.INCORRECT),
        ("[1,,-1]", grader.Status.INVALID),
        ("banana", grader.Status.INVALID),
        ("NaN", grader.Status.INVALID),
    ],
)
def test_grade_one_answer(raw, status):
    problem = grader.load_problem(PROBLEMS / "lstm-states-2.yaml")
    result = grader.grade_answer(problem, raw, grader.compute_key(problem))
    assert result.status is status
    if status is grader.Status.INVALID:
        assert result.score == 0 and result.feedback


def test_errors_share_one_base():
    for error in (grader.SpecError, grader.SubmissionError, grader.UsageError):
        assert issubclass(error, grader.GraderError)
    assert issubclass(grader.InvalidAnswer, ValueError)


def test_a_spec_error_carries_file_line_and_field(write_spec):
    path = write_spec("id: p\ntitle: P\nstatement: s\nanswer: {kind: choice, choices: []}\n")
    with pytest.raises(grader.SpecError) as caught:
        grader.load_problem(path)
    error = caught.value
    assert (error.file, error.line, error.field) == (str(path), 4, "answer.choices")
    assert str(error) == f"{path}:4: answer.choices: expected at least 2 item(s); got none"
