"""Sigmoid and tanh, exact or saturating at ±A (the seed's "≈ 1 for z ≥ 1")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.engine.activations import ACTIVATION_KINDS, activations_for
from grader.spec.models import ExactActivation, SaturatingActivation


def exact_sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


SATURATING = activations_for(SaturatingActivation(kind="saturating", at=2.0))
EXACT = activations_for(ExactActivation(kind="exact"))


# z, sigmoid, tanh under `saturating, at: 2`: clamped at |z| >= 2 exactly, true values inside
@pytest.mark.parametrize(
    ("z", "sigmoid", "tanh"),
    [
        (2.0, 1.0, 1.0),
        (-2.0, 0.0, -1.0),
        (2.5, 1.0, 1.0),
        (-7.0, 0.0, -1.0),
        (1.999, exact_sigmoid(1.999), math.tanh(1.999)),
        (-1.999, exact_sigmoid(-1.999), math.tanh(-1.999)),
        (0.0, 0.5, 0.0),
        (0.3, exact_sigmoid(0.3), math.tanh(0.3)),
    ],
)
def test_saturating_clamps_from_the_threshold_on(z, sigmoid, tanh):
    assert SATURATING.sigmoid(np.array([z]))[0] == pytest.approx(sigmoid, rel=1e-15, abs=0)
    assert SATURATING.tanh(np.array([z]))[0] == pytest.approx(tanh, rel=1e-15, abs=0)


@pytest.mark.parametrize("z", [-800.0, -30.0, -2.0, -0.5, 0.0, 0.5, 2.0, 30.0])
def test_exact_is_the_true_function(z):
    expected = 0.0 if z < -700 else exact_sigmoid(z)
    assert EXACT.sigmoid(np.array([z]))[0] == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert EXACT.tanh(np.array([z]))[0] == pytest.approx(math.tanh(z), rel=1e-15)


def test_exact_sigmoid_does_not_overflow(recwarn):
    assert EXACT.sigmoid(np.array([-1e308, 1e308])).tolist() == [0.0, 1.0]
    assert not recwarn.list


def test_the_registry_holds_both_kinds():
    assert set(ACTIVATION_KINDS) == {"exact", "saturating"}
