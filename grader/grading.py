"""Grading: one answer, one student, a whole class. The library functions the fronts call."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from grader.compare.answers import compare_choices, compare_sequence
from grader.compare.results import InputIssue, ProblemResult, Report, Status, StudentReport
from grader.compare.scoring import score_fraction
from grader.engine.keybook import KeyBook
from grader.engine.keys import Key
from grader.errors import SubmissionError
from grader.feedback.messages import MISSING_FEEDBACK, feedback_for, invalid_feedback
from grader.parse import InvalidAnswer, parse_choices, parse_sequence
from grader.spec.loader import ProblemSet
from grader.spec.models import ChoiceAnswer, Problem
from grader.submissions.files import read_submission_directory
from grader.submissions.models import Submission

__all__ = ["grade_answer", "grade_submission", "grade_submissions", "grade_directory", "missing_result"]


def _status(fraction: float) -> Status:
    if fraction >= 1.0:
        return Status.CORRECT
    return Status.PARTIAL if fraction > 0.0 else Status.INCORRECT


def grade_answer(problem: Problem, raw: Any, key: Key) -> ProblemResult:
    """Parse, compare and score one answer against `key`; feedback at the problem's reveal level."""
    expected_length = None if isinstance(key, tuple) else len(key)
    try:
        if isinstance(problem.answer, ChoiceAnswer):
            assert isinstance(key, tuple)
            comparison: Any = compare_choices(problem.answer, parse_choices(raw, problem.answer))
        else:
            assert problem.model is not None and not isinstance(key, tuple)
            vector_size = None if problem.model.scalar else problem.model.size
            given = parse_sequence(raw, vector_size=vector_size)
            comparison = compare_sequence(problem, np.asarray(key), given)
    except InvalidAnswer as error:
        return ProblemResult(
            problem=problem.id,
            status=Status.INVALID,
            score=0.0,
            max_score=problem.points,
            feedback=invalid_feedback(problem, error.message, expected_length),
            max_attempts=problem.max_attempts,
        )
    fraction = score_fraction(problem.scoring, comparison)
    return ProblemResult(
        problem=problem.id,
        status=_status(fraction),
        score=round(fraction * problem.points, 6),
        max_score=problem.points,
        feedback=feedback_for(problem, comparison),
        attempts_used=1,
        max_attempts=problem.max_attempts,
    )


def missing_result(problem: Problem) -> ProblemResult:
    """The result for a problem a student did not answer."""
    return ProblemResult(
        problem=problem.id,
        status=Status.MISSING,
        score=0.0,
        max_score=problem.points,
        feedback=MISSING_FEEDBACK,
        max_attempts=problem.max_attempts,
    )


def grade_submission(problems: ProblemSet, submission: Submission, keys: KeyBook) -> StudentReport:
    """Grade every problem for one student; the last attempt counts."""
    results = []
    for problem in problems:
        attempts = submission.attempts.get(problem.id)
        if not attempts:
            results.append(missing_result(problem))
            continue
        key = keys.key_for(problem.id, submission.student)
        results.append(grade_answer(problem, attempts[-1].answer, key))
    return StudentReport(
        student=submission.student,
        score=round(sum(r.score for r in results), 6),
        max_score=sum(r.max_score for r in results),
        results=results,
    )


def _unknown_problem_issues(problems: ProblemSet, submission: Submission) -> Iterator[InputIssue]:
    for problem_id, attempts in submission.attempts.items():
        if problem_id not in problems.problems:
            first = attempts[0] if attempts else None
            yield InputIssue(
                file=submission.source or submission.student,
                line=None if first is None else first.line,
                field=f"answers.{problem_id}",
                message=f"unknown problem {problem_id!r}; known: {', '.join(problems.ids)}",
            )


def grade_submissions(
    problems: ProblemSet, submissions: Iterable[Submission | SubmissionError]
) -> Report:
    """Grade a class; unreadable submissions become report errors and the rest is graded."""
    keys = KeyBook.build(problems)
    students: list[StudentReport] = []
    errors: list[InputIssue] = []
    seen: dict[str, str] = {}
    for item in submissions:
        if isinstance(item, SubmissionError):
            errors.append(
                InputIssue(file=item.file or "?", line=item.line, field=item.field, message=item.message)
            )
            continue
        if item.student in seen:
            errors.append(
                InputIssue(
                    file=item.source or "?",
                    field="student",
                    message=f"student {item.student!r} already submitted in {seen[item.student]}; this file was skipped",
                )
            )
            continue
        seen[item.student] = item.source or "?"
        errors.extend(_unknown_problem_issues(problems, item))
        students.append(grade_submission(problems, item, keys))
    return Report(problems=problems.ids, students=students, errors=errors)


def grade_directory(problems: ProblemSet, directory: Path) -> Report:
    """Grade every per-student file in a directory."""
    return grade_submissions(problems, read_submission_directory(directory))
