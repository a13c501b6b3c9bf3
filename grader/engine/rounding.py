"""Rounding to k decimal places with an explicit rule for ties (the seed's "round ±0.5 to 0")."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MAX_TIE_WIDTH",
    "TIE_BREAKERS",
    "TIE_TOLERANCE",
    "is_tie",
    "round_with_ties",
]

Array = NDArray[np.float64]

#: A scaled value within this (relative) distance of k + 0.5 counts as a tie, so that a value
#: that is 0.5 in exact arithmetic but 0.49999999999999994 in floating point rounds as a tie.
TIE_TOLERANCE = 1e-9
#: ...but never wider than this in units of the last kept place: with many decimals (say 12 of
#: 0.76159…, scaled to 7.6e11) a purely relative width would make every value a "tie".
MAX_TIE_WIDTH = 1e-6

#: tie rule → choice between the integer below and the integer above a tie.
TIE_BREAKERS: dict[str, Callable[[Array, Array], Array]] = {
    "toward_zero": lambda below, above: np.where(below >= 0, below, above),
    "away_from_zero": lambda below, above: np.where(below >= 0, above, below),
    "even": lambda below, above: np.where(np.fmod(below, 2) == 0, below, above),
    "up": lambda below, above: above,
    "down": lambda below, above: below,
}


def _scaled(values: Array, places: int) -> tuple[Array, Array, Array, float]:
    """(values · 10^places, its floor, the fraction above the floor, the scale); the caller
    ignores floating-point warnings (huge values: see round_with_ties)."""
    scale = 10.0**places
    scaled = np.asarray(values, dtype=np.float64) * scale
    below = np.floor(scaled)
    return scaled, below, scaled - below, scale


def _tie_mask(scaled: Array, fraction: Array) -> NDArray[np.bool_]:
    width = np.minimum(TIE_TOLERANCE * np.maximum(1.0, np.abs(scaled)), MAX_TIE_WIDTH)
    return np.asarray(np.abs(fraction - 0.5) <= width, dtype=np.bool_)


def is_tie(values: Array, places: int = 0) -> NDArray[np.bool_]:
    """True where a value lies (within TIE_TOLERANCE) exactly half-way between two results."""
    with np.errstate(over="ignore", invalid="ignore"):
        scaled, _, fraction, _ = _scaled(values, places)
        return _tie_mask(scaled, fraction)


def round_with_ties(values: Array, places: int = 0, ties: str = "away_from_zero") -> Array:
    """Round to `places` decimals; exact halves go the way `ties` says; never returns -0.0."""
    # one warnings context for the whole: entering one costs more than rounding a short array
    with np.errstate(over="ignore", invalid="ignore"):  # huge values are handled below
        scaled, below, fraction, scale = _scaled(values, places)
        above = below + 1.0
        nearest = np.where(fraction < 0.5, below, above)
        rounded = np.where(_tie_mask(scaled, fraction), TIE_BREAKERS[ties](below, above), nearest)
        result = rounded / scale
        # beyond 2^52 (after scaling) every float64 is already a whole number of the last place;
        # scaling such a value may even overflow, so it is kept as it is
        exact = ~(np.abs(scaled) < 2.0**52)
    return np.asarray(np.where(exact, values, result) + 0.0, dtype=np.float64)
