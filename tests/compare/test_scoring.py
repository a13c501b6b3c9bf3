"""Partial-credit schemes: every formula against hand-computed scores, through grade_answer."""

from __future__ import annotations

import pytest

from grader.compare.answers import ArrayComparison, ChoiceComparison, SequenceComparison
from grader.compare.entries import EntryNames
from grader.compare.results import Status
from grader.compare.scoring import SCHEMES, score_fraction
from grader.engine.keys import compute_key
from grader.grading import grade_answer
from tests.compare.conftest import CHECKBOXES, SEED_SEQUENCE

# C = {a, c} of N = 4 choices; U = unselected, I = incorrect = {b, d}. By hand:
#   net_correct = max(0, (|S∩C| − |S∖C|)/|C|)    coverage = (|S∩C|/|C|)·(|S∩C|/|S|)
#   each_answer = 1 − (|S∖C| + |C∖S|)/N           edc = (|S∩C| + |U∩I|)/N
CHOICE_TABLE = [
    # selected, net_correct, coverage, each_answer, edc
    ("a, c", 1.0, 1.0, 1.0, 1.0),
    ("a", 0.5, 0.5, 0.75, 0.75),  # edc: (1 + |{b,d}|) / 4
    ("a, b", 0.0, 0.25, 0.5, 0.5),  # edc: (1 + |{d}|) / 4
    ("a, b, c", 0.5, 2 / 3, 0.75, 0.75),  # coverage: 1 · 2/3
    ("b, d", 0.0, 0.0, 0.0, 0.0),  # net: max(0, −2/2)
    ("a, b, c, d", 0.0, 0.5, 0.5, 0.5),
    ("", 0.0, 0.0, 0.5, 0.5),  # blank (allowed here): each 1 − 2/4, edc (0 + 2)/4
]


@pytest.mark.parametrize(("selected", "net", "coverage", "each", "edc"), CHOICE_TABLE)
@pytest.mark.parametrize("points", [1.0, 2.0])
def test_checkbox_schemes(make_problems, selected, net, coverage, each, edc, points):
    for scheme, fraction in [
        ("net_correct", net),
        ("coverage", coverage),
        ("each_answer", each),
        ("edc", edc),
        ("all_or_nothing", 1.0 if selected == "a, c" else 0.0),
    ]:
        problems = make_problems(CHECKBOXES + f"scoring: {scheme}\npoints: {points}\n")
        problem = problems["boxes"]
        result = grade_answer(problem, selected, compute_key(problem))
        assert result.score == pytest.approx(round(fraction * points, 6)), scheme
        expected_status = (
            Status.CORRECT if fraction == 1 else Status.PARTIAL if fraction > 0 else Status.INCORRECT
        )
        assert result.status is expected_status, scheme


@pytest.mark.parametrize(
    ("answer", "per_element", "all_or_nothing"),
    [
        ("[1, -1, 0, 1, -1]", 1.0, 1.0),
        ("[1, -1, 0, 0, 1]", 0.6, 0.0),  # h_3, h_4 wrong: 3 of 5 right
        ("[1, -1, 1, -1, 1]", 0.4, 0.0),  # h_2, h_3, h_4 wrong
        ("[-1, 1, 1, -1, 1]", 0.0, 0.0),
        ("[1, -1, 0, 1]", 0.0, 0.0),  # wrong length: no entry can be matched to a step
    ],
)
def test_sequence_schemes(make_problems, answer, per_element, all_or_nothing):
    for scheme, fraction in [("per_element", per_element), ("all_or_nothing", all_or_nothing)]:
        problem = make_problems(SEED_SEQUENCE + f"scoring: {scheme}\npoints: 5\n")["states"]
        result = grade_answer(problem, answer, compute_key(problem))
        assert result.score == pytest.approx(fraction * 5), scheme


def test_blank_selection_is_invalid_unless_allowed(make_problems):
    problem = make_problems(CHECKBOXES.replace("allow_blank: true", "allow_blank: false"))["boxes"]
    result = grade_answer(problem, "", compute_key(problem))
    assert result.status is Status.INVALID
    assert result.attempts_used == 0


def test_every_scheme_name_of_the_spec_is_scored_somewhere():
    from grader.spec.models import SCORING_SCHEMES

    # follow_through is registered by the feedback stage (grader/feedback); the rest live here
    assert set(SCORING_SCHEMES) - set(SCHEMES) <= {"follow_through"}


@pytest.mark.parametrize(
    ("comparison", "scheme", "fraction"),
    [
        (SequenceComparison(5, 5, (3, 4)), "per_element", 0.6),
        (SequenceComparison(5, 4), "per_element", 0.0),
        (ChoiceComparison(frozenset("ab"), frozenset("ac"), ("a", "b", "c", "d")), "edc", 0.5),
        (ChoiceComparison(frozenset(), frozenset("ac"), ("a", "b", "c", "d")), "coverage", 0.0),
    ],
)
def test_score_fraction_on_comparisons(comparison, scheme, fraction):
    assert score_fraction(scheme, comparison) == pytest.approx(fraction)


MATRIX = EntryNames("∂L/∂W_1", (2, 3))


@pytest.mark.parametrize(
    ("comparison", "per_element", "follow_through"),
    [
        # every number of a matrix is an entry: 2 of 6 wrong leaves 4/6
        (ArrayComparison(MATRIX, (2, 3), (1, 3), carried_forward=()), 4 / 6, 4 / 6),
        (ArrayComparison(MATRIX, (2, 3), (), carried_forward=()), 1.0, 1.0),
        (ArrayComparison(MATRIX, (2, 3), tuple(range(6)), carried_forward=()), 0.0, 0.0),
        (ArrayComparison(MATRIX, (2, 3), (0,), carried_forward=(0,)), 5 / 6, 1.0),  # (R + F) / T
        # a wrong shape: no entry can be matched to one of the key's
        (ArrayComparison(MATRIX, (3, 2), carried_forward=()), 0.0, 0.0),
        (ArrayComparison(MATRIX, (2,), carried_forward=()), 0.0, 0.0),
        # one vector per point, and a single number
        (ArrayComparison(EntryNames("output", (3, 2), "points"), (3, 2), (5,), carried_forward=()),
         5 / 6, 5 / 6),
        (ArrayComparison(EntryNames("∂L/∂b_2", ()), (), (0,), carried_forward=()), 0.0, 0.0),
    ],
)
def test_per_entry_schemes_work_per_entry_of_any_shape(comparison, per_element, follow_through):
    assert score_fraction("per_element", comparison) == pytest.approx(per_element)
    assert score_fraction("follow_through", comparison) == pytest.approx(follow_through)
    assert score_fraction("all_or_nothing", comparison) == (1.0 if comparison.correct else 0.0)


@pytest.mark.parametrize(
    ("expected", "given", "wrong"),
    [(5, 5, (3, 4)), (5, 5, ()), (5, 5, (0, 1, 2, 3, 4)), (5, 4, ()), (5, 6, ())],
)
@pytest.mark.parametrize("scheme", ["per_element", "follow_through", "all_or_nothing"])
def test_a_vector_scores_as_the_sequence_comparison_does(expected, given, wrong, scheme):
    sequence = SequenceComparison(expected, given, wrong, carried_forward=())
    array = ArrayComparison(EntryNames("h", (expected,), "sequence"), (given,), wrong, carried_forward=())
    assert score_fraction(scheme, array) == score_fraction(scheme, sequence)


def test_follow_through_needs_the_comparison_from_the_feedback_stage():
    with pytest.raises(ValueError, match=r"grader\.feedback\.teach"):
        score_fraction("follow_through", ArrayComparison(MATRIX, (2, 3), (1,)))
