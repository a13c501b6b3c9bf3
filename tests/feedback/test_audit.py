"""The key audit: which neighbouring semantics change an answer, and values at a rounding boundary."""

from __future__ import annotations

import pytest

from grader.feedback.audit import audit_problem
from tests.feedback.conftest import seed_variant


def _summary(problem):
    audit = audit_problem(problem)
    changes = [(c.neighbour.name, c.positions, c.alternative.tolist()) for c in audit.changes]
    boundaries = [(b.semantics, b.positions, b.values) for b in audit.boundaries]
    return changes, boundaries


def test_lstm_states_2_depends_on_carry_and_tie_rule(shipped):
    changes, boundaries = _summary(shipped["lstm-states-2"])
    assert changes == [
        ("carry_exact", (3, 4), [1, -1, 0, 0, 1]),
        ("ties_away_from_zero", (2, 3, 4), [1, -1, 1, -1, 1]),
        ("ties_up", (2, 3, 4), [1, -1, 1, -1, 1]),
    ]
    assert boundaries == [("as specified", (2,), (0.5,))]


def test_lstm_states_1_depends_on_the_tie_rule_at_its_last_step(shipped):
    # h_5 = 0.5 tanh(-1 saturated) = -0.5: toward zero 0; away from zero and down -1
    changes, boundaries = _summary(shipped["lstm-states-1"])
    assert changes == [
        ("ties_away_from_zero", (5,), [0, 0, 1, -1, 1, -1]),
        ("ties_down", (5,), [0, 0, 1, -1, 1, -1]),
    ]
    assert boundaries == [("as specified", (5,), (-0.5,))]


@pytest.mark.parametrize("inputs", [[1, 1, 1, 1], [0, 1, 1, 1]])
def test_inputs_without_a_tie_are_clean(inputs):
    # only x = 0 after h = ±1 gives ±0.5; these inputs never do
    assert _summary(seed_variant("seed", inputs)) == ([], [])


def test_choose_from_inputs_are_audited_one_batch_per_length():
    problem = seed_variant("seed", {"choose_from": [[1, 1, 1], [1, 1, 0, 1, 1], [0, 1, 1, 1, 1]]})
    audit = audit_problem(problem)
    assert {c.inputs_label for c in audit.changes} == {"choose_from[1]"}


def test_random_inputs_beyond_the_limit_are_noted_not_audited():
    problem = seed_variant("seed", {"random": {"alphabet": [0, 1], "length": 40}})
    audit = audit_problem(problem)
    assert audit.changes == () and len(audit.notes) == 1 and "not audited" in audit.notes[0]
