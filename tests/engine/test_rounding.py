"""Rounding to an integer or k decimals, with every tie rule (the seed's ±0.5 → 0 is toward_zero)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.engine.rounding import TIE_BREAKERS, is_tie, round_with_ties

RULES = ("toward_zero", "away_from_zero", "even", "up", "down")

# value, decimals, then the result under toward_zero, away_from_zero, even, up, down (by hand)
TIES = [
    (0.5, 0, 0, 1, 0, 1, 0),
    (-0.5, 0, 0, -1, 0, 0, -1),
    (1.5, 0, 1, 2, 2, 2, 1),
    (-1.5, 0, -1, -2, -2, -1, -2),
    (2.5, 0, 2, 3, 2, 3, 2),
    (-2.5, 0, -2, -3, -2, -2, -3),
    (0.49999999999999994, 0, 0, 1, 0, 1, 0),  # 0.5 computed in floating point, one ulp short
    (-0.5000000000000001, 0, 0, -1, 0, 0, -1),
    (0.25, 1, 0.2, 0.3, 0.2, 0.3, 0.2),
    (-0.25, 1, -0.2, -0.3, -0.2, -0.2, -0.3),
    (0.125, 2, 0.12, 0.13, 0.12, 0.13, 0.12),
    (-0.125, 2, -0.12, -0.13, -0.12, -0.12, -0.13),
    (2.675, 2, 2.67, 2.68, 2.68, 2.68, 2.67),  # a decimal tie, though 2.675 is 2.67499… in binary
    (0.05, 1, 0.0, 0.1, 0.0, 0.1, 0.0),
]


@pytest.mark.parametrize(("value", "places", *RULES), TIES)
def test_ties_follow_the_rule(value, places, toward_zero, away_from_zero, even, up, down):
    expected = dict(zip(RULES, (toward_zero, away_from_zero, even, up, down), strict=True))
    assert is_tie(np.array([value]), places)[0]
    for rule in RULES:
        got = round_with_ties(np.array([value]), places, rule)[0]
        assert got == pytest.approx(expected[rule], abs=1e-12), rule


# value, decimals, nearest: not ties, so every rule agrees
NOT_TIES = [
    (0.4, 0, 0.0),
    (0.6, 0, 1.0),
    (-0.4, 0, 0.0),
    (-0.6, 0, -1.0),
    (0.5000001, 0, 1.0),
    (-0.4999999, 0, 0.0),
    (1.26, 1, 1.3),
    (-1.24, 1, -1.2),
    (0.7615941559557649, 12, 0.761594155956),  # 12 decimals: not every value is a "tie"
    (0.123456785049, 8, 0.12345679),
    (1e10 + 0.25, 0, 1e10),
    (1e300, 12, 1e300),  # scaling by 10^12 would overflow: already whole in the last place
    (-3.0e20, 2, -3.0e20),
    (2.0**53 + 2, 0, 2.0**53 + 2),
    (3.0, 0, 3.0),
]


@pytest.mark.parametrize(("value", "places", "nearest"), NOT_TIES)
@pytest.mark.parametrize("rule", RULES)
def test_values_that_are_not_ties_round_to_nearest(value, places, nearest, rule):
    assert not is_tie(np.array([value]), places)[0]
    assert round_with_ties(np.array([value]), places, rule)[0] == pytest.approx(nearest, abs=1e-12)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize(
    ("value", "places"), [(-0.5, 0), (-0.4, 0), (-0.0, 0), (-0.04, 1), (-0.004, 2), (-1e-300, 5)]
)
def test_negative_zero_is_never_returned(value, places, rule):
    result = round_with_ties(np.array([value]), places, rule)[0]
    if result == 0:
        assert math.copysign(1.0, result) == 1.0


def test_rounds_arrays_of_any_shape_elementwise():
    values = np.array([[0.5, -0.5], [1.5, -2.5]])
    assert round_with_ties(values, 0, "toward_zero").tolist() == [[0, 0], [1, -2]]
    assert round_with_ties(values, 0, "even").tolist() == [[0, 0], [2, -2]]


def test_the_registry_holds_exactly_the_documented_rules():
    assert set(TIE_BREAKERS) == set(RULES)
