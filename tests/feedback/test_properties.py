"""The property catalogue, and choice keys verified by simulating the model."""

from __future__ import annotations

import numpy as np
import pytest

from grader.feedback.properties import PROPERTIES, all_sequences

X = np.array([[1, 1, 0, 1, 1, 1, 0, 0]], dtype=float)


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("parity_of_ones", [1, 0, 0, 1, 0, 1, 1, 1]),
        ("parity_of_zeros", [0, 0, 1, 1, 1, 1, 0, 1]),
        # the run of ones is 0 (even) right after a zero
        ("parity_of_run_of_ones", [1, 0, 0, 1, 0, 1, 0, 0]),
        ("parity_of_run_of_zeros", [0, 0, 1, 0, 0, 0, 1, 0]),
        ("seen_a_one", [1, 1, 1, 1, 1, 1, 1, 1]),
        ("seen_a_zero", [0, 0, 1, 1, 1, 1, 1, 1]),
        ("last_input", [1, 1, 0, 1, 1, 1, 0, 0]),
    ],
)
def test_property_values_at_every_step(name, values):
    assert PROPERTIES[name].values(X)[0].tolist() == values


def test_every_property_has_a_row_above():
    tested = {"parity_of_ones", "parity_of_zeros", "parity_of_run_of_ones", "parity_of_run_of_zeros",
              "seen_a_one", "seen_a_zero", "last_input"}
    assert set(PROPERTIES) == tested


def test_all_sequences_enumerates_the_alphabet():
    assert all_sequences([0.0, 1.0], 2).tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
