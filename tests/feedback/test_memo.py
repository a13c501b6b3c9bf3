"""Memos on the path that grades a new answer: each gives exactly what computing afresh gives."""

from __future__ import annotations

import numpy as np
import pytest

from grader.engine.lstm import LstmModel, _parameters_from, parameters_of
from grader.spec.loader import load_problems
from tests.conftest import PROBLEMS

LSTM_PROBLEMS = [problem for problem in load_problems(PROBLEMS) if isinstance(problem.model, LstmModel)]


@pytest.mark.parametrize("problem", LSTM_PROBLEMS, ids=lambda problem: problem.id)
def test_parameters_of_is_built_once_per_model_and_equals_a_fresh_build(problem):
    shared = parameters_of(problem.model)
    fresh = _parameters_from(problem.model)
    # the follow-through of one answer asks once per step: the second ask is the same object
    assert parameters_of(problem.model.model_copy()) is shared
    for name in ("W_h", "W_x", "b", "h0", "c0"):
        np.testing.assert_array_equal(getattr(shared, name), getattr(fresh, name))
        # shared by every caller, so nobody may write into it
        assert not getattr(shared, name).flags.writeable
