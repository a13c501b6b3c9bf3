"""Partial-credit schemes: each maps a comparison to a fraction of the points in [0, 1].

Arrays (T entries, R right; an entry is a step of a sequence, and every number of a vector, a
matrix or a list of vectors per point, counted over the flattened array):
    all_or_nothing  1 if every entry is right, else 0
    per_element     R / T (0 when the length or shape is wrong)
    follow_through  (R + F) / T (0 when the length or shape is wrong), F the wrong entries h_t that
                    equal what step t computes from the student's own h_{t-1} (and the c_{t-1}
                    that implies), as found by grader.feedback.follow_through: one slip is lost
                    once; where nothing carries forward (no sequence), F = 0
Checkboxes (S selected, C correct, U = unselected, I = incorrect choices, N choices):
    all_or_nothing  1 if S = C, else 0
    net_correct     max(0, (|S∩C| − |S∖C|) / |C|)
    coverage        (|S∩C| / |C|) · (|S∩C| / |S|)      (0 when S is empty)
    each_answer     1 − (|S∖C| + |C∖S|) / N
    edc             (|S∩C| + |U∩I|) / N                 (edX "every decision counts")
The names are PrairieLearn's, and edX's for `edc`. Adding a scheme is one entry in SCHEMES.
"""

from __future__ import annotations

from collections.abc import Callable

from grader.compare.answers import ArrayComparison, ChoiceComparison, Comparison, SequenceComparison
from grader.compare.results import Status

__all__ = ["SCHEMES", "score_fraction", "status_of"]


def _all_or_nothing(comparison: Comparison) -> float:
    return 1.0 if comparison.correct else 0.0


def _entries(comparison: Comparison) -> tuple[int, int]:
    """(entries, right entries) of an array answer; (0, 0) when its length or shape is wrong."""
    if isinstance(comparison, SequenceComparison):
        if not comparison.length_matches:
            return 0, 0
        return comparison.expected_length, comparison.right_count
    assert isinstance(comparison, ArrayComparison)
    if not comparison.shape_matches:
        return 0, 0
    return comparison.entry_count, comparison.right_count


def _per_element(comparison: Comparison) -> float:
    total, right = _entries(comparison)
    return right / total if total else 0.0


def _follow_through(comparison: Comparison) -> float:
    assert isinstance(comparison, (SequenceComparison, ArrayComparison))
    if comparison.carried_forward is None:
        raise ValueError("follow_through scoring needs the comparison from grader.feedback.teach")
    total, right = _entries(comparison)
    return (right + len(comparison.carried_forward)) / total if total else 0.0


def _net_correct(comparison: Comparison) -> float:
    assert isinstance(comparison, ChoiceComparison)
    right = len(comparison.selected & comparison.correct_ids)
    wrong = len(comparison.wrongly_selected)
    return max(0.0, (right - wrong) / len(comparison.correct_ids))


def _coverage(comparison: Comparison) -> float:
    assert isinstance(comparison, ChoiceComparison)
    if not comparison.selected:
        return 0.0
    right = len(comparison.selected & comparison.correct_ids)
    return (right / len(comparison.correct_ids)) * (right / len(comparison.selected))


def _each_answer(comparison: Comparison) -> float:
    assert isinstance(comparison, ChoiceComparison)
    errors = len(comparison.wrongly_selected) + len(comparison.missed)
    return 1.0 - errors / len(comparison.all_ids)


def _edc(comparison: Comparison) -> float:
    assert isinstance(comparison, ChoiceComparison)
    all_ids = frozenset(comparison.all_ids)
    unselected_incorrect = (all_ids - comparison.selected) - comparison.correct_ids
    right = len(comparison.selected & comparison.correct_ids)
    return (right + len(unselected_incorrect)) / len(all_ids)


#: scheme name → fraction of the points. `follow_through` reads `carried_forward`, which the
#: feedback stage fills in (it knows which later steps follow from an earlier slip).
SCHEMES: dict[str, Callable[[Comparison], float]] = {
    "all_or_nothing": _all_or_nothing,
    "per_element": _per_element,
    "follow_through": _follow_through,
    "net_correct": _net_correct,
    "coverage": _coverage,
    "each_answer": _each_answer,
    "edc": _edc,
}


def score_fraction(scheme: str, comparison: Comparison) -> float:
    """The fraction of the points a comparison earns under `scheme`."""
    return SCHEMES[scheme](comparison)


def status_of(fraction: float) -> Status:
    """The status of a fraction of the points: correct (all), partial (some) or incorrect (none)."""
    if fraction >= 1.0:
        return Status.CORRECT
    return Status.PARTIAL if fraction > 0.0 else Status.INCORRECT
