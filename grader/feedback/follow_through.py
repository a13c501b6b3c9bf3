"""Follow-through (error carried forward): which wrong entries follow from the student's own earlier ones.

Step t is re-run from the student's own state: h_{t-1} is the student's entry (h_{-1} from the
spec), and c_{t-1} is the c that step t-1 computed from the student's state before it, when the
student's h_{t-1} agrees with that step. Otherwise (a slip at t-1) c_{t-1} is not determined by
the answer: it is recovered as artanh(h_{t-1} / o_{t-1}) when nothing is rounded, activations
are exact and |h_{t-1}| < o_{t-1}; else step t can only be checked when the forget gate makes
c_{t-1} irrelevant (f_t ≤ FORGOTTEN). With `carry: exact` and rounding, the student's rounded
entry does not say which unrounded value they carried, so after a slip the next step is
"unknown" too.

A wrong entry h_t that equals (within the problem's tolerance) what step t computes from that
state *follows*; one that does not is an independent slip. Only answers that report h are
analysed (an answer of c_t does not say which h_{t-1} the student used).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grader.compare.answers import tolerance_for
from grader.engine.activations import activations_for
from grader.engine.keys import fixed_inputs
from grader.engine.lstm import lstm_step, parameters_of
from grader.engine.rounding import round_with_ties
from grader.spec.models import ExactActivation, Problem, SequenceAnswer

__all__ = ["FORGOTTEN", "FollowThrough", "follow_through", "follow_through_batch"]

Array = NDArray[np.float64]

#: A forget gate at or below this lets no trace of c_{t-1} into c_t (sigmoid(-100) ≈ 4e-44).
FORGOTTEN = 1e-12


@dataclass(frozen=True)
class FollowThrough:
    """The wrong positions of an answer, sorted by how they relate to the student's earlier entries."""

    follows: tuple[int, ...] = ()  # wrong, but what step t gives from the student's own state
    independent: tuple[int, ...] = ()  # wrong, and not what step t gives from their state
    unknown: tuple[int, ...] = ()  # wrong; the student's state before step t is not determined


def _analysable(problem: Problem) -> bool:
    answer = problem.answer
    return isinstance(answer, SequenceAnswer) and answer.of == "h" and problem.model is not None


def follow_through(
    problem: Problem, key: Array, given: Array, inputs: Array | None = None
) -> FollowThrough | None:
    """Classify the wrong entries of `given` (T,) or (T, n); None when it cannot be analysed."""
    if not _analysable(problem) or len(given) != len(key):
        return None
    assert problem.model is not None
    model, evaluation = problem.model, problem.evaluation
    params = parameters_of(model)
    activations = activations_for(evaluation.activation)
    rounding = evaluation.rounding
    n = params.size
    x = fixed_inputs(problem) if inputs is None else np.asarray(inputs, dtype=np.float64)
    given_h = np.asarray(given, dtype=np.float64).reshape(len(given), n)
    key_h = np.asarray(key, dtype=np.float64).reshape(len(key), n)
    abs_tol, rel_tol = tolerance_for(problem)
    invertible = rounding is None and isinstance(evaluation.activation, ExactActivation)
    carries_reported = rounding is None or evaluation.carry == "rounded"

    def close(a: Array, b: Array) -> bool:
        return bool(np.all(np.abs(a - b) <= np.maximum(abs_tol, rel_tol * np.abs(b))))

    follows: list[int] = []
    independent: list[int] = []
    unknown: list[int] = []
    h_used: Array | None = params.h0
    c_prev: Array | None = params.c0
    for t in range(len(given_h)):
        wrong = not close(given_h[t], key_h[t])
        computed = None
        if h_used is not None:
            c_in = np.zeros(n) if c_prev is None else c_prev
            _, gates, c, h_raw = lstm_step(params, activations, h_used[None], c_in[None], x[t][None])
            if c_prev is not None or float(np.max(gates[0, 0])) <= FORGOTTEN:
                computed = (gates[0], c[0], h_raw[0])
        reported = None
        if computed is not None:
            h_raw = computed[2]
            reported = h_raw if rounding is None else round_with_ties(h_raw, rounding.places, rounding.ties)
        consistent = reported is not None and close(given_h[t], reported)
        if wrong:
            if reported is None:
                unknown.append(t)
            elif consistent:
                follows.append(t)
            else:
                independent.append(t)
        # the state step t+1 starts from
        if consistent and computed is not None:
            c_prev = computed[1]
            h_used = given_h[t] if carries_reported else computed[2]
            continue
        h_used = given_h[t] if carries_reported else None
        c_prev = None
        if invertible and computed is not None:
            output = computed[0][2]
            ratio = given_h[t] / np.where(output > 0, output, np.nan)
            if bool(np.all(np.abs(ratio) < 1)):
                c_prev = np.arctanh(ratio)
    return FollowThrough(tuple(follows), tuple(independent), tuple(unknown))


def follow_through_batch(
    problem: Problem, keys: Array, givens: Array, inputs: Array
) -> list[FollowThrough] | None:
    """`follow_through` for W answers at once, each with its own key and inputs, in one pass per step.

    `keys` and `givens` are (W, T) or (W, T, n), `inputs` (W, T, d); row w gives exactly what
    `follow_through(problem, keys[w], givens[w], inputs[w])` gives (the same arithmetic, row by
    row, with the per-answer branches of the loop above as masks). None when the problem's
    answers cannot be analysed.
    """
    if not _analysable(problem):
        return None
    assert problem.model is not None
    model, evaluation = problem.model, problem.evaluation
    params = parameters_of(model)
    activations = activations_for(evaluation.activation)
    rounding = evaluation.rounding
    n = params.size
    x = np.asarray(inputs, dtype=np.float64)
    count, steps = np.shape(givens)[:2]
    given_h = np.asarray(givens, dtype=np.float64).reshape(count, steps, n)
    key_h = np.asarray(keys, dtype=np.float64).reshape(count, steps, n)
    abs_tol, rel_tol = tolerance_for(problem)
    invertible = rounding is None and isinstance(evaluation.activation, ExactActivation)
    carries_reported = rounding is None or evaluation.carry == "rounded"

    def close(a: Array, b: Array) -> NDArray[np.bool_]:
        return np.asarray(np.all(np.abs(a - b) <= np.maximum(abs_tol, rel_tol * np.abs(b)), axis=-1))

    follows = np.zeros((count, steps), dtype=np.bool_)
    independent = np.zeros((count, steps), dtype=np.bool_)
    unknown = np.zeros((count, steps), dtype=np.bool_)
    # a row's state is "not determined" where its mask is False; its values there are zeros,
    # as the single-answer loop uses for an undetermined c_{t-1}, and are never read
    h_used = np.broadcast_to(params.h0, (count, n)).copy()
    h_known = np.ones(count, dtype=np.bool_)
    c_prev = np.broadcast_to(params.c0, (count, n)).copy()
    c_known = np.ones(count, dtype=np.bool_)
    for t in range(steps):
        wrong = ~close(given_h[:, t], key_h[:, t])
        _, gates, c, h_raw = lstm_step(params, activations, h_used, c_prev, x[:, t])
        computed = h_known & (c_known | (np.max(gates[:, 0], axis=-1) <= FORGOTTEN))
        reported = h_raw if rounding is None else round_with_ties(h_raw, rounding.places, rounding.ties)
        consistent = computed & close(given_h[:, t], reported)
        unknown[:, t] = wrong & ~computed
        follows[:, t] = wrong & consistent
        independent[:, t] = wrong & computed & ~consistent
        # the state step t+1 starts from
        if carries_reported:
            h_used = given_h[:, t].copy()
            h_known = np.ones(count, dtype=np.bool_)
        else:
            h_used = np.where(consistent[:, None], h_raw, 0.0)
            h_known = consistent
        c_prev = np.where(consistent[:, None], c, 0.0)
        c_known = consistent.copy()
        if invertible:
            recover = computed & ~consistent
            output = gates[:, 2]
            ratio = given_h[:, t] / np.where(output > 0, output, np.nan)
            recover &= np.all(np.abs(ratio) < 1, axis=-1)
            c_prev[recover] = np.arctanh(ratio[recover])
            c_known |= recover
    return [
        FollowThrough(_positions(f), _positions(i), _positions(u))
        for f, i, u in zip(follows.tolist(), independent.tolist(), unknown.tolist(), strict=True)
    ]


def _positions(flags: list[bool]) -> tuple[int, ...]:
    return tuple(t for t, flag in enumerate(flags) if flag)
