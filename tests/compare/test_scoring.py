"""Partial-credit schemes: every formula against hand-computed scores, through grade_answer."""

from __future__ import annotations

import pytest

from grader.compare.answers import ChoiceComparison, SequenceComparison
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
