"""The model-kind registry: names to kinds, and the rule that only a kind's module knows its kind."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from grader.compare.answers import within_tolerance
from grader.engine.kinds import BUILT_IN, UnknownKind, kind_named
from grader.engine.lstm import KIND as LSTM
from grader.engine.lstm import LstmModel
from grader.spec.loader import load_problem
from grader.spec.models import Problem

ROOT = Path(__file__).resolve().parents[2] / "grader"


def test_the_lstm_is_a_registered_kind():
    assert kind_named("lstm") is LSTM
    assert LSTM.spec is LstmModel
    assert list(LSTM.quantities) == ["h", "c"]
    assert LSTM.default_quantity == "h"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("lstn", "unknown model kind 'lstn'; did you mean 'lstm'?"),
        ("transformer", "unknown model kind 'transformer'; expected one of " + ", ".join(sorted(BUILT_IN))),
    ],
)
def test_an_unknown_name_says_what_is_known(name, message):
    with pytest.raises(UnknownKind, match=re.escape(message)):
        kind_named(name)


#: What only a model kind's own module may say: a kind's name, a quantity, a trace's fields.
KIND_KNOWLEDGE = re.compile(
    r"""\.of == "|== "[hc]"|"lstm"|LstmModel|c_reported|trace\.h\b|trace\.h_raw|\)\.h\b"""
    r"""|lstm_step|parameters_of|GATE_NAMES"""
)


@pytest.mark.parametrize("layer", ["spec", "compare", "feedback", "report", "service"])
def test_no_layer_outside_the_kinds_names_a_kind_or_a_quantity(layer):
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if KIND_KNOWLEDGE.search(line)
    ]
    assert found == []


def test_the_tolerance_rule_is_written_once():
    rule = re.compile(r"np\.maximum\(\s*\w+,\s*\w+\s*\*\s*np\.abs")
    homes = [
        str(path.relative_to(ROOT))
        for path in sorted(ROOT.rglob("*.py"))
        if rule.search(path.read_text(encoding="utf-8"))
    ]
    assert homes == ["compare/answers.py"]


@pytest.mark.parametrize(
    ("value", "key", "abs_tol", "rel_tol", "within"),
    [
        (1.0, 1.0, 0.0, 0.0, True),
        (1.001, 1.0, 1e-3, 0.0, True),
        (1.0011, 1.0, 1e-3, 0.0, False),
        (110.0, 100.0, 0.0, 0.1, True),  # relative to the key: 10% of 100
        (100.0, 110.0, 0.0, 0.05, False),  # 5% of 110 is 5.5 < 10
        (float("nan"), 1.0, 1.0, 1.0, False),
    ],
)
def test_within_tolerance_is_relative_to_the_key(value, key, abs_tol, rel_tol, within):
    assert bool(within_tolerance(np.array(value), np.array(key), abs_tol, rel_tol)) is within


def test_a_problem_dumps_and_reloads_its_model_with_the_kinds_fields():
    problem = load_problem(ROOT.parent / "problems" / "recurrent" / "gru-states.yaml")
    data = problem.model_dump()
    assert data["model"]["gates"]["update"] == {"W_h": 0.0, "W_x": 2.0, "b": -1.0}
    assert Problem.model_validate(data) == problem
