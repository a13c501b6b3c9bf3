"""Problems built from the seed's LSTM with one thing changed, for the feedback tables."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from grader.spec.loader import ProblemSet, load_problems
from grader.spec.models import Problem
from tests.conftest import PROBLEMS

SATURATING = {"kind": "saturating", "at": 1}
#: The seed (LSTM states 1 and 2): f = 0, i = 1, o = sigmoid(100 x), c_t = tanh(-100 h_{t-1} + 50 x_t).
SEED: dict[str, Any] = {
    "id": "states",
    "title": "States",
    "statement": "For inputs {inputs}, enter [h_0, ..., h_T].",
    "model": {
        "cell": "lstm",
        "gates": {
            "forget": {"W_h": 0, "W_x": 0, "b": -100},
            "input": {"W_h": 0, "W_x": 100, "b": 100},
            "output": {"W_h": 0, "W_x": 100, "b": 0},
            "cell": {"W_h": -100, "W_x": 50, "b": 0},
        },
        "initial": {"h": 0, "c": 0},
    },
    "inputs": [1, 1, 0, 1, 1],
    "evaluation": {
        "activation": SATURATING,
        "rounding": {"to": "integer", "ties": "toward_zero"},
        "carry": "rounded",
    },
    "answer": {"kind": "sequence", "of": "h"},
}

#: name → changes to SEED (top-level keys, or "gates.<gate>" / "initial" / "evaluation").
VARIANTS: dict[str, dict[str, Any]] = {
    "seed": {},
    # c_t = c_{t-1} + tanh(100 x_t) from c_{-1} = -0.5, reported as c: every c_t is a tie
    "ledger": {
        "gates.forget": {"W_h": 0, "W_x": 0, "b": 100},
        "gates.input": {"W_h": 0, "W_x": 0, "b": 100},
        "gates.output": {"W_h": 0, "W_x": 0, "b": 100},
        "gates.cell": {"W_h": 0, "W_x": 100, "b": 0},
        "initial": {"h": 0, "c": -0.5},
        "answer": {"kind": "sequence", "of": "c"},
    },
    "two_decimals": {
        "evaluation": {"activation": SATURATING, "rounding": {"decimals": 2, "ties": "toward_zero"}},
    },
    "exact_two_decimals": {
        "evaluation": {"activation": "exact", "rounding": {"decimals": 2, "ties": "toward_zero"}},
    },
    # f_t = sigmoid(0) = 0.5 at every step
    "half_forget": {"gates.forget": {"W_h": 0, "W_x": 0, "b": 0}},
    "half_forget_exact_carry": {
        "gates.forget": {"W_h": 0, "W_x": 0, "b": 0},
        "evaluation": {
            "activation": SATURATING,
            "rounding": {"to": "integer", "ties": "toward_zero"},
            "carry": "exact",
        },
    },
    # b_c = 0.8: after x = 0 from h = 0, c = tanh(0.8) and o = 0.5
    "cell_bias": {"gates.cell": {"W_h": -100, "W_x": 50, "b": 0.8}},
}


def seed_variant(name: str, inputs: Any = None, **extra: Any) -> Problem:
    """The seed with the changes VARIANTS[name] (and `extra` top-level keys), on `inputs`."""
    data = copy.deepcopy(SEED)
    for key, value in {**VARIANTS[name], **extra}.items():
        if key.startswith("gates."):
            data["model"]["gates"][key.split(".", 1)[1]] = value
        elif key == "initial":
            data["model"]["initial"] = value
        else:
            data[key] = value
    if inputs is not None:
        data["inputs"] = inputs
    return Problem.model_validate(data)


@pytest.fixture
def seed() -> Callable[..., Problem]:
    return seed_variant


@pytest.fixture(scope="session")
def shipped() -> ProblemSet:
    """The course in problems/."""
    return load_problems(PROBLEMS)
