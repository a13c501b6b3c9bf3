"""Feedback for a comparison, never showing more of the key than the reveal level allows.

Levels, least to most revealing: `verdict` (right or wrong), `count` (how many entries are wrong,
never which), `positions` (which entries), `diagnosis` (plus the catalogued mistake that explains
the answer and the follow-through of an earlier slip), `solution` (plus the worked table).
`teach` is the one entry point grading calls.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.compare.answers import (
    ArrayComparison,
    ChoiceComparison,
    Comparison,
    SequenceComparison,
    entries_for,
)
from grader.compare.entries import EntryNames, plural, step_names
from grader.compare.policy import reveals
from grader.engine.keys import Key, answer_symbol, answer_vector_size
from grader.feedback.explain import render_solution, worked_solution
from grader.feedback.follow_through import FollowThrough, follow_through
from grader.feedback.mistakes import Match, diagnose
from grader.parse import describe_shape
from grader.spec.models import ChoiceAnswer, Problem

__all__ = [
    "MISSING_FEEDBACK",
    "Lesson",
    "feedback_for",
    "invalid_feedback",
    "reveals",
    "without_worked_solution",
    "symbol_of",
    "teach",
]

Array = NDArray[np.float64]

MISSING_FEEDBACK = "No answer was submitted."
#: Between the lesson and the worked table that `teach` appends at the `solution` level.
_WORKED_SOLUTION = "\n\nWorked solution:\n"


def without_worked_solution(feedback: str) -> str:
    """The feedback without the text table `teach` appends (a page shows the table as HTML)."""
    return feedback.partition(_WORKED_SOLUTION)[0]


def symbol_of(problem: Problem) -> str:
    """The letter of the reported quantity: h, c, …"""
    return answer_symbol(problem)


def _sequence_feedback(problem: Problem, comparison: SequenceComparison, level: str) -> str:
    symbol = symbol_of(problem)
    if comparison.correct:
        return "Correct."
    if not comparison.length_matches:
        last = comparison.expected_length - 1
        listed = f"[{symbol}_0, …, {symbol}_{last}]"
        if problem.answer.kind == "sequence":
            what = f"values {listed}, one per time step"
        else:  # a network's outputs: a map's entries, or its rows
            width = answer_vector_size(problem)
            what = f"values {listed}" if width is None else f"rows {listed} of {width} values each"
        return f"Expected {comparison.expected_length} {what}; you gave {comparison.given_length}."
    if not reveals(level, "count"):
        return "Not correct."
    wrong = comparison.wrong_positions
    verb = "is" if len(wrong) == 1 else "are"
    if not reveals(level, "positions"):
        # how many, never which: naming entries lets a student find the key by elimination
        return f"Not correct: {len(wrong)} of {comparison.expected_length} entries {verb} wrong."
    if len(wrong) == comparison.expected_length:
        return f"Not correct: every entry is wrong ({step_names(symbol, wrong)})."
    return f"Not correct: {step_names(symbol, wrong)} {verb} wrong; the other entries are right."


def _whole(entries: EntryNames, shape: tuple[int, ...]) -> str:
    """An answer of `shape`, named as `entries` names the expected one, in the words of
    `describe_shape`: '∂L/∂W_1 as <shape>', or for outputs '<shape>, one row of outputs per
    point'."""
    if entries.layout != "points":
        return f"{entries.label} as {describe_shape(shape)}"
    per_point = f"one {entries.label}" if len(shape) < 2 else f"one row of {plural(entries.label)}"
    return f"{describe_shape(shape)}, {per_point} per point"


def _array_feedback(comparison: ArrayComparison, level: str) -> str:
    """As `_sequence_feedback`, for an answer of any shape: entries named by `comparison.entries`."""
    entries = comparison.entries
    if comparison.correct:
        return "Correct."
    if not comparison.shape_matches:
        if entries.layout == "sequence":
            steps, given = entries.shape[0], comparison.given_shape
            if given[:1] == (steps,):  # every step, each of the wrong size
                return (
                    f"Expected each {entries.label}_t as {describe_shape(entries.shape[1:])}; "
                    f"you gave {describe_shape(given[1:])}."
                )
            return (
                f"Expected {steps} values [{entries.label}_0, …, {entries.label}_{steps - 1}], "
                f"one per time step; you gave {given[0] if given else 1}."
            )
        given_words = describe_shape(comparison.given_shape)
        return f"Expected {_whole(entries, entries.shape)}; you gave {given_words}."
    if not reveals(level, "count"):
        return "Not correct."
    wrong = comparison.wrong_entries
    verb = "is" if len(wrong) == 1 else "are"
    if not reveals(level, "positions"):
        return f"Not correct: {len(wrong)} of {comparison.entry_count} entries {verb} wrong."
    if len(wrong) == comparison.entry_count:
        if entries.layout != "sequence" and len(wrong) > 1:
            return "Not correct: every entry is wrong."  # a list of every row and column says no more
        return f"Not correct: every entry is wrong ({entries.names(wrong)})."
    return f"Not correct: {entries.names(wrong)} {verb} wrong; the other entries are right."


def _choice_feedback(answer: ChoiceAnswer, comparison: ChoiceComparison, level: str) -> str:
    if comparison.correct:
        return "Correct."
    if not answer.multiple:
        return "That choice is not correct."
    if not reveals(level, "count"):
        return "Not correct."
    parts = []
    wrong, missed = len(comparison.wrongly_selected), len(comparison.missed)
    if wrong:
        parts.append(f"{wrong} of your selections {'is' if wrong == 1 else 'are'} not correct")
    if missed:
        parts.append(f"you missed {missed} correct choice{'s' if missed > 1 else ''}")
    return "Not correct: " + " and ".join(parts) + "."


def feedback_for(problem: Problem, comparison: Comparison, level: str | None = None) -> str:
    """What the student is told about a well-formed answer, at the given reveal level."""
    shown = level or problem.reveal.show
    if isinstance(comparison, SequenceComparison):
        return _sequence_feedback(problem, comparison, shown)
    if isinstance(comparison, ArrayComparison):
        return _array_feedback(comparison, shown)
    assert isinstance(problem.answer, ChoiceAnswer)
    return _choice_feedback(problem.answer, comparison, shown)


def invalid_feedback(problem: Problem, message: str, shape: tuple[int, ...] | None) -> str:
    """Why an answer could not be read, and what a readable one looks like (without the key);
    `shape` is the key's, when known."""
    if isinstance(problem.answer, ChoiceAnswer):
        ids = ", ".join(choice.id for choice in problem.answer.choices)
        how = "one or more of" if problem.answer.multiple else "one of"
        return f"Could not read your answer: {message}. Enter {how} {ids}. This used no attempt."
    entries = None if shape is None else entries_for(problem, shape)
    if entries is not None and shape is not None:
        if len(shape) == 2:
            how = "each row in brackets, [[…], […]], or rows apart by ';' or new lines"
        else:
            how = "separated by commas" if shape and shape[0] > 1 else ""
        return (
            f"Could not read your answer: {message}. Enter {_whole(entries, shape)}"
            + (f": {how}" if how else "")
            + ". This used no attempt."
        )
    expected_length = shape[0] if shape else None
    symbol = symbol_of(problem)
    count = f"{expected_length} numbers" if expected_length else "numbers"
    width = None if problem.model is None else answer_vector_size(problem)
    shape_words = "" if width is None else f", each a list of {width}"
    first_last = f"[{symbol}_0, …, {symbol}_{expected_length - 1}]" if expected_length else ""
    return (
        f"Could not read your answer: {message}. Enter {count}{shape_words} {first_last}, "
        "separated by commas. This used no attempt."
    ).replace("  ", " ").replace(" ,", ",")


@dataclass(frozen=True)
class Lesson:
    """What grading needs from the feedback stage: the text, and the comparison to score."""

    text: str
    #: the comparison, with `carried_forward` filled in for sequence answers
    comparison: Comparison
    mistakes: tuple[Match, ...] = ()
    #: which wrong entries follow from the student's earlier ones; None when not analysed
    follow_through: FollowThrough | None = None


def _follow_through_sentence(problem: Problem, analysis: FollowThrough) -> str:
    follows: tuple[int, ...] = analysis.follows
    if not follows:
        return ""
    symbol = symbol_of(problem)
    verb = "follows" if len(follows) == 1 else "follow"
    slips = [p for p in analysis.independent if p < follows[0]]
    if len(slips) == 1 and len(analysis.independent) == 1 and not analysis.unknown:
        return (
            f"Your {step_names(symbol, follows)} {verb} correctly from your own {symbol}_{slips[0]}: "
            "one slip, carried forward, not repeated."
        )
    text = (
        f"Your {step_names(symbol, follows)} {verb} correctly from your own earlier entries "
        "(an error carried forward)"
    )
    others = [p for p in analysis.independent if p not in follows]
    if others:
        text += f"; {step_names(symbol, tuple(others))} {'does' if len(others) == 1 else 'do'} not"
    return text + "."


def teach(
    problem: Problem,
    key: Key,
    given: Any,
    comparison: Comparison,
    level: str | None = None,
    inputs: Array | None = None,
    *,
    mistakes: dict[str, Array] | None = None,
    analysis: FollowThrough | None = None,
    matches: tuple[Match, ...] | None = None,
    analyse: bool = True,
) -> Lesson:
    """Feedback for one well-formed answer at reveal `level` (default: the problem's base level).

    For a wrong sequence answer this also finds which entries follow from the student's own
    earlier ones (always, so that `scoring: follow_through` can use it); for a wrong answer of
    either kind, a sequence or an array (nothing of which is carried forward), from `diagnosis`
    on, which catalogued mistakes explain it; from `solution` on it appends the worked table.
    `inputs` (T, d) are the student's own inputs when they differ from the problem's; `mistakes`
    their row of `mistakes.mistake_answers`, when a class was computed in one batch; `analysis`
    and `matches` this answer's `follow_through` and `diagnose` when the caller computed them
    for many answers at once (`follow_through_batch`, `diagnose_batch`). A correct answer costs
    nothing beyond the comparison. `analyse=False` skips the follow-through below the `diagnosis`
    level (its `follow_through` is then None), for a caller whose scoring does not read it.
    """
    shown = level or problem.reveal.show
    base = feedback_for(problem, comparison, shown)
    if not isinstance(comparison, SequenceComparison | ArrayComparison):
        return Lesson(base, comparison)
    if comparison.correct:
        return Lesson(base, dataclasses.replace(comparison, carried_forward=()))
    assert not isinstance(key, tuple)
    key_array = np.asarray(key, dtype=np.float64)
    given_array = np.asarray(given, dtype=np.float64)
    if isinstance(comparison, ArrayComparison):
        # follow-through is a sequence's: nothing of an array answer is carried forward
        analysis = None
    elif analysis is None and (analyse or reveals(shown, "diagnosis")):
        analysis = follow_through(problem, key_array, given_array, inputs)
    carried = () if analysis is None else analysis.follows
    scored = dataclasses.replace(comparison, carried_forward=carried)
    if not reveals(shown, "diagnosis"):
        return Lesson(base, scored, (), analysis)
    if matches is None:
        matches = diagnose(problem, key_array, given_array, inputs, mistakes=mistakes)
    parts = [base]
    if matches:
        parts.append(matches[0].sentence)
        if len(matches) > 1:
            others = "; ".join(m.label for m in matches[1:])
            parts.append(f"(The same answer also comes from {others}.)")
    elif analysis is not None:
        parts.append(_follow_through_sentence(problem, analysis))
    text = " ".join(part for part in parts if part)
    if reveals(shown, "solution"):
        text += _WORKED_SOLUTION + render_solution(worked_solution(problem, inputs))
    return Lesson(text, scored, matches, analysis)
