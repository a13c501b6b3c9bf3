"""Follow-through (error carried forward): which wrong entries follow from the student's own earlier ones.

Step t is re-run from the student's own state, with the model kind's one step
(`ModelKind.step`): h_{t-1} is the student's entry (h_{-1} from the spec), and the kind's memory
beyond h (c_{t-1} for the LSTM; recurrent kinds without one have none) is what step t-1 computed
from the student's state before it, when the student's h_{t-1} agrees with that step. Otherwise
(a slip at t-1) the memory is not determined by the answer: the kind recovers it from h_{t-1}
when nothing is rounded and activations are exact (the LSTM: c = artanh(h_{t-1} / o_{t-1}) when
|h_{t-1}| < o_{t-1}); else step t can only be checked when the memory made no difference (the
LSTM's forget gate f_t ≤ `grader.engine.lstm.FORGOTTEN`). With `carry: exact` and rounding, the
student's rounded entry does not say which unrounded value they carried, so after a slip the next
step is "unknown" too.

A wrong entry h_t that equals (within the problem's tolerance) what step t computes from that
state *follows*; one that does not is an independent slip. Only answers that report the carried
quantity are analysed (an answer of the LSTM's c_t does not say which h_{t-1} the student used).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grader.compare.answers import tolerance_for, within_tolerance
from grader.engine.activations import activations_for
from grader.engine.keys import fixed_inputs, kind_for
from grader.engine.rounding import round_with_ties
from grader.spec.models import ExactActivation, Problem, SequenceAnswer

__all__ = ["FollowThrough", "follow_through", "follow_through_batch"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class FollowThrough:
    """The wrong positions of an answer, sorted by how they relate to the student's earlier entries."""

    follows: tuple[int, ...] = ()  # wrong, but what step t gives from the student's own state
    independent: tuple[int, ...] = ()  # wrong, and not what step t gives from their state
    unknown: tuple[int, ...] = ()  # wrong; the student's state before step t is not determined


def _analysable(problem: Problem) -> bool:
    answer = problem.answer
    if not isinstance(answer, SequenceAnswer) or problem.model is None:
        return False
    kind = kind_for(problem)
    return kind.step is not None and answer.of == kind.carried


def follow_through(
    problem: Problem, key: Array, given: Array, inputs: Array | None = None
) -> FollowThrough | None:
    """Classify the wrong entries of `given` (T,) or (T, n); None when it cannot be analysed."""
    if not _analysable(problem) or len(given) != len(key):
        return None
    x = fixed_inputs(problem) if inputs is None else np.asarray(inputs, dtype=np.float64)
    found = follow_through_batch(problem, np.asarray(key)[None], np.asarray(given)[None], x[None])
    assert found is not None
    return found[0]


def follow_through_batch(
    problem: Problem, keys: Array, givens: Array, inputs: Array
) -> list[FollowThrough] | None:
    """`follow_through` for W answers at once, each with its own key and inputs, in one pass per step.

    `keys` and `givens` are (W, T) or (W, T, n), `inputs` (W, T, d); row w gives exactly what
    `follow_through(problem, keys[w], givens[w], inputs[w])` gives. None when the problem's
    answers cannot be analysed.
    """
    if not _analysable(problem):
        return None
    assert problem.model is not None
    model, evaluation, kind = problem.model, problem.evaluation, kind_for(problem)
    step = kind.step
    assert step is not None
    activations = activations_for(evaluation.activation)
    rounding = evaluation.rounding
    n = model.size
    x = np.asarray(inputs, dtype=np.float64)
    count, steps = np.shape(givens)[:2]
    given_h = np.asarray(givens, dtype=np.float64).reshape(count, steps, n)
    key_h = np.asarray(keys, dtype=np.float64).reshape(count, steps, n)
    abs_tol, rel_tol = tolerance_for(problem)
    invertible = rounding is None and isinstance(evaluation.activation, ExactActivation)
    carries_reported = rounding is None or evaluation.carry == "rounded"

    def close(a: Array, b: Array) -> NDArray[np.bool_]:
        return np.asarray(np.all(within_tolerance(a, b, abs_tol, rel_tol), axis=-1))

    follows = np.zeros((count, steps), dtype=np.bool_)
    independent = np.zeros((count, steps), dtype=np.bool_)
    unknown = np.zeros((count, steps), dtype=np.bool_)
    # a row's state is "not determined" where its mask is False; its values there are zeros
    # and are never read
    h0 = np.broadcast_to(np.asarray(kind.initial(model, kind.carried), dtype=np.float64), (n,))
    h_used = np.broadcast_to(h0, (count, n)).copy()
    h_known = np.ones(count, dtype=np.bool_)
    memory0 = np.asarray(kind.initial_memory(model), dtype=np.float64)
    memory = np.broadcast_to(memory0, (count, len(memory0))).copy()
    memory_known = np.ones(count, dtype=np.bool_)
    # which entries are wrong, every step at once (element-wise: as one test per step gives);
    # one call each per step is what a one-answer analysis costs, not arithmetic
    all_wrong = ~close(given_h, key_h)
    every_row = np.ones(count, dtype=np.bool_)
    every_row.setflags(write=False)  # shared by the steps below as "every h_{t-1} is known"
    for t in range(steps):
        wrong = all_wrong[:, t]
        result = step(model, activations, h_used, memory, x[:, t])
        h_raw = result.h_raw
        computed = h_known & (memory_known | ~result.memory_matters)
        reported = h_raw if rounding is None else round_with_ties(h_raw, rounding.places, rounding.ties)
        consistent = computed & close(given_h[:, t], reported)
        unknown[:, t] = wrong & ~computed
        follows[:, t] = wrong & consistent
        independent[:, t] = wrong & computed & ~consistent
        # the state step t+1 starts from
        if carries_reported:
            h_used = given_h[:, t].copy()
            h_known = every_row
        else:
            h_used = np.where(consistent[:, None], h_raw, 0.0)
            h_known = consistent
        memory = np.where(consistent[:, None], result.memory, 0.0)
        memory_known = consistent.copy()
        if invertible and result.recover is not None:
            recovered, possible = result.recover(given_h[:, t])
            recover = computed & ~consistent & possible
            memory[recover] = recovered[recover]
            memory_known |= recover
    return [
        FollowThrough(_positions(f), _positions(i), _positions(u))
        for f, i, u in zip(follows.tolist(), independent.tolist(), unknown.tolist(), strict=True)
    ]


def _positions(flags: list[bool]) -> tuple[int, ...]:
    return tuple(t for t, flag in enumerate(flags) if flag)
