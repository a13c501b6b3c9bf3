"""Batched follow-through and diagnosis give, row by row, what the one-answer functions give."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from grader.engine.keys import compute_key
from grader.feedback.follow_through import follow_through, follow_through_batch
from grader.feedback.mistakes import diagnose, diagnose_batch, mistake_answers
from grader.grading import grade_answer, grade_answers
from tests.feedback.conftest import VARIANTS, seed_variant

INPUTS = [[1, 1, 0, 1, 1], [0, 0, 1, 1, 0], [1, 0, 1, 0, 1]]
#: exact activations and no rounding: after a slip, c_{t-1} is recovered through artanh
EXACT = {"evaluation": {"activation": "exact"}}


def _cases(name: str, **extra):
    """(problem, keys, givens, inputs): every answer in {-1, 0, 1}^T and each one-entry change of
    the key to 0.5, its own value ± 0.004 or ± 0.3, for each of INPUTS (rows of one batch)."""
    problems = [seed_variant(name, inputs, **extra) for inputs in INPUTS]
    keys, givens, inputs = [], [], []
    for problem, sequence in zip(problems, INPUTS, strict=True):
        key = np.asarray(compute_key(problem), dtype=np.float64)
        answers = [np.asarray(g, dtype=np.float64) for g in itertools.product([-1, 0, 1], repeat=len(key))]
        for position in range(len(key)):
            for value in (0.5, key[position] + 0.004, key[position] - 0.3):
                given = key.copy()
                given[position] = value
                answers.append(given)
        for given in answers:
            keys.append(key)
            givens.append(given)
            inputs.append(np.asarray(sequence, dtype=np.float64).reshape(-1, 1))
    return problems[0], np.stack(keys), np.stack(givens), np.stack(inputs)


@pytest.mark.parametrize(("name", "extra"), [*((name, {}) for name in VARIANTS), ("seed", EXACT)])
def test_follow_through_batch_is_follow_through_per_row(name, extra):
    problem, keys, givens, inputs = _cases(name, **extra)
    batch = follow_through_batch(problem, keys, givens, inputs)
    expected = [follow_through(problem, k, g, x) for k, g, x in zip(keys, givens, inputs, strict=True)]
    if batch is None:
        assert all(found is None for found in expected)
    else:
        assert batch == expected


@pytest.mark.parametrize("extra", [{}, EXACT])
def test_the_table_has_carried_forward_slips(extra):
    problem, keys, givens, inputs = _cases("seed", **extra)
    batch = follow_through_batch(problem, keys, givens, inputs)
    assert batch is not None
    assert any(found.follows for found in batch) and any(found.independent for found in batch)


@pytest.mark.parametrize(("name", "extra"), [*((name, {}) for name in VARIANTS), ("seed", EXACT)])
def test_diagnose_batch_is_diagnose_per_row(name, extra):
    problem, keys, givens, inputs = _cases(name, **extra)
    answers = mistake_answers(problem, inputs)
    rows = [{n: values[row] for n, values in answers.items()} for row in range(len(inputs))]
    batch = diagnose_batch(problem, keys, givens, inputs, rows)
    expected = [
        diagnose(problem, k, g, x, mistakes=m) for k, g, x, m in zip(keys, givens, inputs, rows, strict=True)
    ]
    assert batch == expected


def test_diagnose_batch_finds_mistakes():
    problem, keys, givens, inputs = _cases("seed")
    answers = mistake_answers(problem, inputs)
    rows = [{n: values[row] for n, values in answers.items()} for row in range(len(inputs))]
    assert any(diagnose_batch(problem, keys, givens, inputs, rows))


@pytest.mark.parametrize("level", ["verdict", "count", "positions", "diagnosis", "solution"])
def test_grade_answers_is_grade_answer_per_answer(level):
    problem, keys, givens, inputs = _cases("seed")
    answers = mistake_answers(problem, inputs)
    raws = [str(g.tolist()) for g in givens] + ["[1, 2", "1, -1", "", "[1, 1, 1, 1, 1, 1]"]
    table = [
        (raw, keys[i % len(keys)], inputs[i % len(keys)], {n: v[i % len(keys)] for n, v in answers.items()})
        for i, raw in enumerate(raws)
    ]
    batch = grade_answers(problem, table, level=level)
    expected = [grade_answer(problem, r, k, level=level, inputs=x, mistakes=m) for r, k, x, m in table]
    assert batch == expected
