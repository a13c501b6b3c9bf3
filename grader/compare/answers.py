"""Compare a parsed answer with the key: which positions or choices are right, nothing scored yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.compare.entries import EntryNames
from grader.engine.keys import answer_layout
from grader.spec.models import ChoiceAnswer, Problem, SequenceAnswer

__all__ = [
    "ArrayComparison",
    "ChoiceComparison",
    "Comparison",
    "SequenceComparison",
    "compare_answer",
    "compare_array",
    "compare_choices",
    "compare_sequence",
    "entries_for",
    "tolerance_for",
    "within_tolerance",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class SequenceComparison:
    """A student's array against the key: lengths and, when they match, the wrong positions."""

    expected_length: int
    given_length: int
    wrong_positions: tuple[int, ...] = ()
    #: Wrong positions whose value follows from the student's own earlier entries (error carried
    #: forward); None until `grader.feedback.follow_through` has analysed the answer.
    carried_forward: tuple[int, ...] | None = None

    @property
    def length_matches(self) -> bool:
        return self.expected_length == self.given_length

    @property
    def correct(self) -> bool:
        return self.length_matches and not self.wrong_positions

    @property
    def right_count(self) -> int:
        return self.expected_length - len(self.wrong_positions) if self.length_matches else 0


@dataclass(frozen=True)
class ChoiceComparison:
    """A selection S against the correct set C out of N choices."""

    selected: frozenset[str]
    correct_ids: frozenset[str]
    all_ids: tuple[str, ...] = field(default_factory=tuple)

    @property
    def correct(self) -> bool:
        return self.selected == self.correct_ids

    @property
    def wrongly_selected(self) -> frozenset[str]:
        return self.selected - self.correct_ids

    @property
    def missed(self) -> frozenset[str]:
        return self.correct_ids - self.selected


@dataclass(frozen=True)
class ArrayComparison:
    """A student's answer of any shape against the key, entry by entry (a number, a vector, a
    matrix, one vector per point): the shapes and, when they match, the wrong entries."""

    #: the key's shape, and how its entries are named (`row 2, column 1 of ∂L/∂W_1`)
    entries: EntryNames
    given_shape: tuple[int, ...]
    #: flat (row-major) indices of the wrong entries, as `entries.names` takes them
    wrong_entries: tuple[int, ...] = ()
    #: as for SequenceComparison; the feedback stage sets it, to () where nothing carries
    carried_forward: tuple[int, ...] | None = None

    @property
    def expected_shape(self) -> tuple[int, ...]:
        return self.entries.shape

    @property
    def shape_matches(self) -> bool:
        return self.expected_shape == self.given_shape

    @property
    def entry_count(self) -> int:
        return self.entries.count()

    @property
    def correct(self) -> bool:
        return self.shape_matches and not self.wrong_entries

    @property
    def right_count(self) -> int:
        return self.entry_count - len(self.wrong_entries) if self.shape_matches else 0


Comparison = SequenceComparison | ChoiceComparison | ArrayComparison


def tolerance_for(problem: Problem) -> tuple[float, float]:
    """(abs_tol, rel_tol) for comparing entries: the spec's `answer.compare` when it gives one;
    else tight when the key is rounded, and 1e-6 when it is not."""
    assert isinstance(problem.answer, SequenceAnswer)
    compare = problem.answer.compare
    if compare is not None:  # an author who wrote a tolerance means it, rounding or not
        return compare.abs_tol, compare.rel_tol
    rounding = problem.evaluation.rounding
    if rounding is not None:
        # the key is a multiple of 10^-k; anything within a thousandth of that is the same value
        return 10.0 ** (-rounding.places) / 1000.0, 0.0
    return 1e-6, 0.0


def within_tolerance(values: Any, key: Any, abs_tol: float, rel_tol: float) -> NDArray[np.bool_]:
    """Entry by entry, |value − key| ≤ max(abs_tol, rel_tol·|key|): the one tolerance test.

    Relative to the key, not to the value compared with it; NaN is never within tolerance.
    """
    values, key = np.asarray(values, dtype=np.float64), np.asarray(key, dtype=np.float64)
    return np.asarray(np.abs(values - key) <= np.maximum(abs_tol, rel_tol * np.abs(key)), dtype=np.bool_)


def _by_step(close: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Per step of a sequence: a step of a vector cell is right only if every unit is."""
    if close.ndim > 1:
        return np.asarray(close.all(axis=tuple(range(1, close.ndim))), dtype=np.bool_)
    return close


def compare_array(
    entries: EntryNames, key: Array, given: Array, abs_tol: float, rel_tol: float
) -> ArrayComparison:
    """Which entries of `given` differ from `key` (shaped as `entries.shape`), within tolerance.

    Every number is an entry, of a matrix as of a vector; a sequence layout compares by step
    (a step of a vector cell is wrong if any unit is), as `compare_sequence` does.
    """
    if np.shape(key) != entries.shape:
        raise ValueError(f"a key of shape {np.shape(key)} named as shape {entries.shape}")
    given_shape = tuple(np.shape(given))
    if given_shape != entries.shape:
        return ArrayComparison(entries, given_shape)
    close = within_tolerance(given, key, abs_tol, rel_tol)
    if entries.layout == "sequence":
        close = _by_step(close)
    wrong = tuple(int(index) for index in np.flatnonzero(~close.reshape(-1)))
    return ArrayComparison(entries, given_shape, wrong)


def compare_sequence(problem: Problem, key: Array, given: Array) -> SequenceComparison:
    """Which entries of `given` differ from `key` (T,) or (T, n), within the problem's tolerance."""
    expected_length, given_length = len(key), len(given)
    if expected_length != given_length:
        return SequenceComparison(expected_length, given_length)
    close = _by_step(within_tolerance(given, key, *tolerance_for(problem)))
    wrong = tuple(int(index) for index in np.flatnonzero(~close))
    return SequenceComparison(expected_length, given_length, wrong)


def entries_for(problem: Problem, shape: tuple[int, ...]) -> EntryNames | None:
    """How the entries of the problem's answer (a key of `shape`) are named, as its model kind
    lays the answer out; None for a sequence of steps (compared by `compare_sequence`)."""
    layout = answer_layout(problem)
    if layout is None:
        return None
    return EntryNames(layout.label, shape, "points" if layout.layout == "points" else "array")


def compare_answer(problem: Problem, key: Array, given: Array) -> SequenceComparison | ArrayComparison:
    """A parsed answer against the key, as the problem's kind lays the answer out: step by step
    for a sequence, entry by entry for an array or the outputs of points; the one home of that rule."""
    entries = entries_for(problem, np.shape(key))
    if entries is None:
        return compare_sequence(problem, key, given)
    return compare_array(entries, key, given, *tolerance_for(problem))


def compare_choices(answer: ChoiceAnswer, selected: tuple[str, ...]) -> ChoiceComparison:
    """The selection against the choices marked correct."""
    return ChoiceComparison(
        frozenset(selected),
        frozenset(answer.correct_ids),
        tuple(choice.id for choice in answer.choices),
    )
