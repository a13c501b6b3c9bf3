"""The worked solution of LSTM states 2 against the hand computation."""

from __future__ import annotations

import json

import numpy as np

from grader.feedback.explain import render_solution, worked_solution

# f = sigmoid(-100) ≈ 0; i = sigmoid(100 x + 100) ≈ 1; o = sigmoid(100 x); z_c = -100 h_{t-1} + 50 x_t;
# c_t = tanh(z_c) (f = 0); h_t = o tanh(c_t), saturating at |z| ≥ 1; ties toward zero.
# columns: t, x_t, h_{t-1}, c_{t-1}, z_f, f, z_i, i, z_o, o, z_c, tanh(z_c), c_t, h_t raw, h_t rounded
HAND = [
    [0, 1, 0, 0, -100, 0, 200, 1, 100, 1, 50, 1, 1, 1, 1],
    [1, 1, 1, 1, -100, 0, 200, 1, 100, 1, -50, -1, -1, -1, -1],
    [2, 0, -1, -1, -100, 0, 100, 1, 0, 0.5, 100, 1, 1, 0.5, 0],
    [3, 1, 0, 1, -100, 0, 200, 1, 100, 1, 50, 1, 1, 1, 1],
    [4, 1, 1, 1, -100, 0, 200, 1, 100, 1, -50, -1, -1, -1, -1],
]


def test_rows_match_the_hand_computation(shipped):
    solution = worked_solution(shipped["lstm-states-2"])
    rows = [[float(np.asarray(v).reshape(-1)[0]) for v in row] for row in solution.rows()]
    np.testing.assert_allclose(rows, HAND, atol=1e-12)
    assert solution.answer.tolist() == [1, -1, 0, 1, -1]


def test_json_has_one_mapping_per_step(shipped):
    data = json.loads(render_solution(worked_solution(shipped["lstm-states-2"]), "json"))
    assert data["answer"] == [1, -1, 0, 1, -1]
    assert [step["h_t before rounding"] for step in data["steps"]] == [1, -1, 0.5, 1, -1]
    assert data["steps"][2]["o_t"] == 0.5


def test_other_inputs(shipped):
    solution = worked_solution(shipped["lstm-states-2"], np.array([[0.0], [1.0], [1.0]]))
    assert solution.answer.tolist() == [0, 1, -1]
