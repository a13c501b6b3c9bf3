"""Sigmoid and tanh, exact or saturating, picked from a registry by the spec's `activation.kind`."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from grader.spec.models import Activation, ExactActivation, SaturatingActivation

__all__ = ["ACTIVATION_KINDS", "Activations", "activations_for", "saturating", "sigmoid"]

Array = NDArray[np.float64]
Function = Callable[[Array], Array]


class Activations(NamedTuple):
    """The two nonlinearities of an LSTM step."""

    sigmoid: Function
    tanh: Function


def sigmoid(z: Array) -> Array:
    """1 / (1 + e^{-z}), accurate to the last bit on both tails and free of overflow.

    Only e^{-|z|} ≤ 1 is ever computed; the form 0.5·(1 + tanh(z/2)) would lose all relative
    precision for z ≪ 0 (it gives 9.3592e-14 for sigmoid(-30), not 9.3576e-14).
    """
    z = np.asarray(z, dtype=np.float64)
    small = np.exp(-np.abs(z))
    denominator = 1.0 + small
    result: Array = np.where(z >= 0, 1.0 / denominator, small / denominator)
    return result


def saturating(function: Function, low: float, high: float, at: float) -> Function:
    """`function` clamped to `high` for z ≥ at and to `low` for z ≤ −at; exact in between."""

    def clamped(z: Array) -> Array:
        return np.where(z >= at, high, np.where(z <= -at, low, function(z)))

    return clamped


def _exact(_: ExactActivation) -> Activations:
    return Activations(sigmoid, np.tanh)


def _saturating(spec: SaturatingActivation) -> Activations:
    return Activations(
        saturating(sigmoid, 0.0, 1.0, spec.at),
        saturating(np.tanh, -1.0, 1.0, spec.at),
    )


#: activation kind → builder; adding a kind is one entry here and one model in spec.models.
ACTIVATION_KINDS: dict[str, Callable[..., Activations]] = {
    "exact": _exact,
    "saturating": _saturating,
}


def activations_for(spec: Activation) -> Activations:
    """The sigmoid and tanh that a spec's `evaluation.activation` asks for."""
    return ACTIVATION_KINDS[spec.kind](spec)
