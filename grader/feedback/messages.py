"""Feedback sentences for a comparison, never leaking the values of the key."""

from __future__ import annotations

from grader.compare.answers import ChoiceComparison, Comparison, SequenceComparison
from grader.spec.models import REVEAL_LEVELS, ChoiceAnswer, Problem, SequenceAnswer

__all__ = ["feedback_for", "invalid_feedback", "MISSING_FEEDBACK", "reveals", "symbol_of"]

MISSING_FEEDBACK = "No answer was submitted."


def reveals(level: str, at_least: str) -> bool:
    """True when reveal level `level` shows at least as much as `at_least`."""
    return REVEAL_LEVELS.index(level) >= REVEAL_LEVELS.index(at_least)


def symbol_of(problem: Problem) -> str:
    """The letter of the reported state: h or c."""
    return problem.answer.of if isinstance(problem.answer, SequenceAnswer) else "h"


def _names(symbol: str, positions: tuple[int, ...]) -> str:
    names = [f"{symbol}_{p}" for p in positions]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _sequence_feedback(problem: Problem, comparison: SequenceComparison, level: str) -> str:
    symbol = symbol_of(problem)
    if comparison.correct:
        return "Correct."
    if not comparison.length_matches:
        last = comparison.expected_length - 1
        return (
            f"Expected {comparison.expected_length} values [{symbol}_0, …, {symbol}_{last}], "
            f"one per time step; you gave {comparison.given_length}."
        )
    if not reveals(level, "positions"):
        return "Not correct."
    wrong = comparison.wrong_positions
    verb = "is" if len(wrong) == 1 else "are"
    if len(wrong) == comparison.expected_length:
        return f"Not correct: every entry is wrong ({_names(symbol, wrong)})."
    return f"Not correct: {_names(symbol, wrong)} {verb} wrong; the other entries are right."


def _choice_feedback(answer: ChoiceAnswer, comparison: ChoiceComparison, level: str) -> str:
    if comparison.correct:
        return "Correct."
    if not answer.multiple:
        return "That choice is not correct."
    if not reveals(level, "positions"):
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
    assert isinstance(problem.answer, ChoiceAnswer)
    return _choice_feedback(problem.answer, comparison, shown)


def invalid_feedback(problem: Problem, message: str, expected_length: int | None) -> str:
    """Why an answer could not be read, and what a readable one looks like (without the key)."""
    if isinstance(problem.answer, ChoiceAnswer):
        ids = ", ".join(choice.id for choice in problem.answer.choices)
        how = "one or more of" if problem.answer.multiple else "one of"
        return f"Could not read your answer: {message}. Enter {how} {ids}. This used no attempt."
    symbol = symbol_of(problem)
    count = f"{expected_length} numbers" if expected_length else "numbers"
    shape = ""
    if problem.model is not None and not problem.model.scalar:
        shape = f", each a list of {problem.model.size}"
    first_last = f"[{symbol}_0, …, {symbol}_{expected_length - 1}]" if expected_length else ""
    return (
        f"Could not read your answer: {message}. Enter {count}{shape} {first_last}, "
        "separated by commas. This used no attempt."
    ).replace("  ", " ").replace(" ,", ",")
