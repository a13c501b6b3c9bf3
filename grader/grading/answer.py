"""Grading one answer: parse, compare, score, and feedback at a reveal level (`grade_answer`), for
one answer or many to one problem at once (`grade_answers`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.compare.answers import ArrayComparison, compare_answer, compare_choices
from grader.compare.results import ProblemResult, Status
from grader.compare.scoring import score_fraction, status_of
from grader.engine.keys import Key, answer_layout, answer_symbol, answer_vector_size, fixed_inputs
from grader.feedback.follow_through import FollowThrough, follow_through_batch
from grader.feedback.messages import invalid_feedback, reveals, teach
from grader.feedback.mistakes import Match, diagnose_batch
from grader.parse import InvalidAnswer, parse_choices, parse_sequence, read_array
from grader.spec.models import ChoiceAnswer, Problem

__all__ = ["grade_and_read", "grade_answer", "grade_answers", "may_diagnose", "parse_answer", "read_answer"]

Array = NDArray[np.float64]


def grade_answer(
    problem: Problem,
    raw: Any,
    key: Key,
    *,
    level: str | None = None,
    inputs: Array | None = None,
    mistakes: dict[str, Array] | None = None,
) -> ProblemResult:
    """Parse, compare and score one answer against `key`, with feedback at reveal `level`.

    `level` defaults to the problem's base reveal level; `inputs` are the student's own inputs
    (their variant), for feedback that re-runs the model on them; `mistakes` the catalogued
    mistakes' answers for those inputs when computed for a class at once (else computed here).
    """
    return grade_and_read(problem, raw, key, level=level, inputs=inputs, mistakes=mistakes)[0]


def grade_and_read(
    problem: Problem,
    raw: Any,
    key: Key,
    *,
    level: str | None = None,
    inputs: Array | None = None,
    mistakes: dict[str, Array] | None = None,
) -> tuple[ProblemResult, Any]:
    """`grade_answer`, and the answer as `parse_answer` read it (None when it could not be read):
    for a caller that stores the parsed answer too, so that it is not parsed twice."""
    read = _read(problem, raw, key)
    if isinstance(read, ProblemResult):
        return read, None
    given, comparison = read
    return _scored(problem, key, given, comparison, level, inputs, mistakes), given


def grade_answers(
    problem: Problem,
    answers: Sequence[tuple[Any, Key, Array | None, dict[str, Array] | None]],
    *,
    level: str | None = None,
) -> list[ProblemResult]:
    """`grade_answer` for many answers to one problem: (raw, key, inputs, mistakes) each.

    The same results, faster: the follow-through and the diagnosis of every wrong answer of one
    shape run together (`follow_through_batch`, `diagnose_batch`), one engine pass per step for
    all of them rather than one per answer.
    """
    reads = [_read(problem, raw, key) for raw, key, _, _ in answers]
    analyses: dict[int, FollowThrough] = {}
    diagnoses: dict[int, tuple[Match, ...]] = {}
    if problem.model is not None and not isinstance(problem.answer, ChoiceAnswer):
        shown = level or problem.reveal.show
        groups: dict[tuple[int, ...], list[int]] = {}
        for position, read in enumerate(reads):
            if isinstance(read, ProblemResult):
                continue
            given, comparison = read
            if comparison.correct or not _same_shape(comparison):
                continue
            groups.setdefault(np.shape(given), []).append(position)
        for positions in groups.values():
            key_block = np.stack([np.asarray(answers[p][1], dtype=np.float64) for p in positions])
            given_block = np.stack([np.asarray(reads[p][0], dtype=np.float64) for p in positions])  # type: ignore[index]
            inputs_block = np.stack([_inputs(problem, answers[p][2]) for p in positions])
            if not isinstance(reads[positions[0]][1], ArrayComparison):  # type: ignore[index]
                # nothing of an array answer is carried forward from an earlier entry
                found = follow_through_batch(problem, key_block, given_block, inputs_block)
                if found is not None:
                    analyses.update(zip(positions, found, strict=True))
            rows = [answers[p][3] for p in positions]
            if reveals(shown, "diagnosis") and all(row is not None for row in rows):
                matches = diagnose_batch(problem, key_block, given_block, inputs_block, rows)  # type: ignore[arg-type]
                diagnoses.update(zip(positions, matches, strict=True))
    results = []
    for position, (read, (_, key, inputs, mistakes)) in enumerate(zip(reads, answers, strict=True)):
        if isinstance(read, ProblemResult):
            results.append(read)
            continue
        given, comparison = read
        results.append(
            _scored(
                problem, key, given, comparison, level, inputs, mistakes,
                analyses.get(position), diagnoses.get(position),
            )
        )
    return results


def _inputs(problem: Problem, inputs: Array | None) -> Array:
    return fixed_inputs(problem) if inputs is None else np.asarray(inputs, dtype=np.float64)


def _same_shape(comparison: Any) -> bool:
    if isinstance(comparison, ArrayComparison):
        return comparison.shape_matches
    return bool(comparison.length_matches)


def parse_answer(problem: Problem, raw: Any) -> Any:
    """How `problem` reads a raw answer: choice ids, or an array; raise InvalidAnswer if malformed.

    The one home of that rule. A sequence's length is free (a wrong one is graded and
    diagnosed); an array answer (a gradient, a feature map, the outputs of points: the kind's
    `answer_layout`) is read with the key's rank and the sizes the student gave, so that a wrong
    size is graded too and feedback says the expected shape.
    """
    if isinstance(problem.answer, ChoiceAnswer):
        return parse_choices(raw, problem.answer)
    assert problem.model is not None
    layout = answer_layout(problem)
    if layout is not None:
        return read_array(raw, layout.shape)
    return parse_sequence(raw, vector_size=answer_vector_size(problem), symbol=answer_symbol(problem))


def read_answer(problem: Problem, raw: Any, key: Key) -> tuple[Any, Any]:
    """(the parsed answer, its comparison with `key`); raise InvalidAnswer if malformed."""
    given: Any = parse_answer(problem, raw)
    if isinstance(problem.answer, ChoiceAnswer):
        assert isinstance(key, tuple)
        return given, compare_choices(problem.answer, given)
    assert not isinstance(key, tuple)
    return given, compare_answer(problem, np.asarray(key), given)


def _read(problem: Problem, raw: Any, key: Key) -> ProblemResult | tuple[Any, Any]:
    """(the parsed answer, its comparison with `key`), or the result of an unreadable answer."""
    try:
        return read_answer(problem, raw, key)
    except InvalidAnswer as error:
        return ProblemResult(
            problem=problem.id,
            status=Status.INVALID,
            score=0.0,
            max_score=problem.points,
            feedback=invalid_feedback(
                problem, error.message, None if isinstance(key, tuple) else np.shape(key)
            ),
            max_attempts=problem.max_attempts,
        )


def _scored(
    problem: Problem,
    key: Key,
    given: Any,
    comparison: Any,
    level: str | None,
    inputs: Array | None,
    mistakes: dict[str, Array] | None,
    analysis: FollowThrough | None = None,
    matches: tuple[Match, ...] | None = None,
) -> ProblemResult:
    lesson = teach(
        problem, key, given, comparison, level, inputs, mistakes=mistakes, analysis=analysis, matches=matches,
        # below `diagnosis` only `follow_through` scoring reads the follow-through
        analyse=problem.scoring == "follow_through",
    )
    fraction = score_fraction(problem.scoring, lesson.comparison)
    return ProblemResult(
        problem=problem.id,
        status=status_of(fraction),
        score=round(fraction * problem.points, 6),
        max_score=problem.points,
        feedback=lesson.text,
        attempts_used=1,
        max_attempts=problem.max_attempts,
    )


def may_diagnose(problem: Problem) -> bool:
    """True when some reveal level of the problem shows the diagnosis of a sequence answer."""
    if problem.model is None or isinstance(problem.answer, ChoiceAnswer):
        return False
    policy = problem.reveal
    levels = [policy.show, policy.after_due, policy.after_last_attempt]
    return any(level is not None and reveals(level, "diagnosis") for level in levels)
