"""Memos on the path that grades a new answer: each gives exactly what computing afresh gives."""

from __future__ import annotations

import numpy as np
import pytest

from grader.engine.keys import compute_key, fixed_inputs
from grader.engine.lstm import LstmModel, _parameters_from, parameters_of
from grader.feedback.mistakes import MistakeTable, matching_mistakes, mistake_answers
from grader.grading import grade_answer
from grader.spec.loader import load_problems
from tests.conftest import PROBLEMS
from tests.feedback.conftest import VARIANTS, seed_variant

LSTM_PROBLEMS = [problem for problem in load_problems(PROBLEMS) if isinstance(problem.model, LstmModel)]


@pytest.mark.parametrize("problem", LSTM_PROBLEMS, ids=lambda problem: problem.id)
def test_parameters_of_is_built_once_per_model_and_equals_a_fresh_build(problem):
    shared = parameters_of(problem.model)
    fresh = _parameters_from(problem.model)
    # the follow-through of one answer asks once per step: the second ask is the same object
    assert parameters_of(problem.model) is shared
    copy = parameters_of(problem.model.model_copy())
    np.testing.assert_array_equal(copy.W_h, shared.W_h)
    for name in ("W_h", "W_x", "b", "h0", "c0"):
        np.testing.assert_array_equal(getattr(shared, name), getattr(fresh, name))
        # shared by every caller, so nobody may write into it
        assert not getattr(shared, name).flags.writeable


def _answers_to_try(problem, key, row):
    """Every catalogued mistake's answer, the key, and near misses of both: the matches and not."""
    chooser = np.random.default_rng(14)
    tried = [np.asarray(key, dtype=np.float64)]
    tried += [np.asarray(answer, dtype=np.float64) for answer in row.values()]
    tried += [answer + chooser.normal(0, 0.3, answer.shape) for answer in list(tried)]
    tried += [answer + 0.004 for answer in tried[: len(row) + 1]]  # inside the unrounded tolerance
    return [answer for answer in tried if answer.shape == np.shape(key)]


@pytest.mark.parametrize("name", sorted(VARIANTS))
@pytest.mark.parametrize("level", ["diagnosis", "solution"])
def test_a_mistake_table_grades_exactly_as_the_mistakes_computed_per_answer(name, level):
    problem = seed_variant(name, reveal={"show": "diagnosis"})
    inputs = fixed_inputs(problem)
    key = np.asarray(compute_key(problem, inputs), dtype=np.float64)
    row = {variant: answers[0] for variant, answers in mistake_answers(problem, inputs[None]).items()}
    table = MistakeTable(problem, row, key)
    assert dict(table) == row
    matched = set()
    for given in _answers_to_try(problem, key, row):
        names = matching_mistakes(problem, table, key, given)
        assert names == matching_mistakes(problem, row, key, given)
        matched.update(names)
        raw = given.tolist()
        assert grade_answer(problem, raw, key, level=level, inputs=inputs, mistakes=table) == grade_answer(
            problem, raw, key, level=level, inputs=inputs
        )
    # the table is tried where it finds something, not only where it finds nothing
    assert matched


def test_a_mistake_table_of_another_key_is_not_used():
    problem = seed_variant("seed")
    inputs = fixed_inputs(problem)
    key = np.asarray(compute_key(problem, inputs), dtype=np.float64)
    row = {variant: answers[0] for variant, answers in mistake_answers(problem, inputs[None]).items()}
    table = MistakeTable(problem, row, key + 1)
    given = next(iter(row.values()))
    assert matching_mistakes(problem, table, key, given) == matching_mistakes(problem, row, key, given)


def _refuse(*_: object, **__: object) -> None:
    raise AssertionError("follow-through computed where nothing reads it")


@pytest.mark.parametrize("level", ["verdict", "count", "positions"])
def test_no_follow_through_below_diagnosis_unless_the_scoring_reads_it(monkeypatch, level):
    problem = seed_variant("seed")
    key = compute_key(problem, fixed_inputs(problem))
    slip = [1, -1, 1, -1, 1]  # one slip at h_2, carried forward (see test_follow_through)
    expected = grade_answer(problem, slip, key, level=level)
    monkeypatch.setattr("grader.feedback.messages.follow_through", _refuse)
    assert grade_answer(problem, slip, key, level=level) == expected
    scored_by_it = seed_variant("seed", scoring="follow_through")
    with pytest.raises(AssertionError, match="nothing reads it"):
        grade_answer(scored_by_it, slip, key, level=level)
