"""Properties that hold for any inputs and answers (hypothesis), and a vector cell end to end."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.compare.answers import compare_sequence
from grader.compare.scoring import score_fraction
from grader.engine.keys import compute_key, fixed_inputs
from grader.feedback.audit import audit_problem
from grader.feedback.follow_through import follow_through
from grader.feedback.messages import teach
from grader.feedback.mistakes import diagnose, mistake_answers
from grader.spec.models import Problem
from tests.feedback.conftest import seed_variant

binary_inputs = st.lists(st.sampled_from([0, 1]), min_size=1, max_size=6)


@settings(max_examples=25, deadline=None)
@given(binary_inputs)
def test_every_mistake_answer_is_diagnosed_as_that_mistake(inputs):
    problem = seed_variant("seed", inputs)
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    for name, answers in mistake_answers(problem, fixed_inputs(problem)[None]).items():
        answer = answers[0]
        if answer.shape == key.shape and np.allclose(answer, key):
            continue  # this mistake makes no difference for these inputs
        assert name in [m.variant for m in diagnose(problem, key, answer)]


def _answers_for(xs: list[int]) -> st.SearchStrategy[list[int]]:
    return st.lists(st.sampled_from([-1, 0, 1]), min_size=len(xs), max_size=len(xs))


@settings(max_examples=50, deadline=None)
@given(binary_inputs.flatmap(lambda xs: st.tuples(st.just(xs), _answers_for(xs))))
def test_follow_through_sorts_exactly_the_wrong_entries(case):
    inputs, answer = case
    problem = seed_variant("seed", inputs, scoring="follow_through")
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    given_answer = np.array(answer, dtype=float)
    comparison = compare_sequence(problem, key, given_answer)
    analysis = follow_through(problem, key, given_answer)
    assert analysis is not None
    parts = [*analysis.follows, *analysis.independent, *analysis.unknown]
    assert sorted(parts) == list(comparison.wrong_positions)
    lesson = teach(problem, key, given_answer, comparison, "verdict")
    assert score_fraction("follow_through", lesson.comparison) >= score_fraction("per_element", comparison)


VECTOR = {
    "id": "vector",
    "title": "Two units",
    "statement": "Enter [h_0, ..., h_4], each a pair.",
    "model": {
        "cell": "lstm",
        "gates": {
            # unit 0 is the seed's cell; unit 1 has o = 1 and its own recurrence
            "forget": {"W_h": [[0, 0], [0, 0]], "W_x": [[0], [0]], "b": [-100, -100]},
            "input": {"W_h": [[0, 0], [0, 0]], "W_x": [[100], [100]], "b": [100, 100]},
            "output": {"W_h": [[0, 0], [0, 0]], "W_x": [[100], [0]], "b": [0, 100]},
            "cell": {"W_h": [[-100, 0], [0, 100]], "W_x": [[50], [-50]], "b": [0, 0]},
        },
    },
    "inputs": [[1], [1], [0], [1], [1]],
    "evaluation": {
        "activation": {"kind": "saturating", "at": 1},
        "rounding": {"to": "integer", "ties": "toward_zero"},
    },
    "answer": {"kind": "sequence"},
}


def test_a_vector_cell_is_audited_and_diagnosed_per_unit():
    problem = Problem.model_validate(VECTOR)
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    # unit 0 as in LSTM states 2; unit 1: c = tanh(100 h - 50 x) = -1 from the start, h = -1
    assert key.tolist() == [[1, -1], [-1, -1], [0, -1], [1, -1], [-1, -1]]
    assert [c.neighbour.name for c in audit_problem(problem).changes] == [
        "carry_exact",
        "ties_away_from_zero",
        "ties_up",
    ]
    carried = np.array([[1, -1], [-1, -1], [0, -1], [0, -1], [1, -1]], dtype=float)
    matches = diagnose(problem, key, carried)
    assert [m.variant for m in matches] == ["carry_exact"]
    assert "unrounded h_2 = [0.5, -1]" in matches[0].sentence
