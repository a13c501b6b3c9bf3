"""The plain recurrent network (Elman), run over a batch of input sequences at once:

    h_t = nonlinearity(W_h h_{t-1} + W_x x_t + b)

with h_{-1} from `model.initial` and the nonlinearity tanh (the default), relu, sigmoid or
identity; sigmoid and tanh are exact or saturating as `evaluation.activation` says. Rounding
applies to the reported h_t; with `carry: rounded` step t+1 sees the rounded h_t, with
`carry: exact` the unrounded one, as for the LSTM.

`KIND` declares the kind for the registry (`grader.engine.kinds`), with its own mistakes: every
step started from h_{-1}, the bias forgotten, W_h and W_x swapped, the nonlinearity forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import model_validator

from grader.engine.activations import Activations, activations_for
from grader.engine.kinds import ModelKind, Parameter, Quantity, Step
from grader.engine.recurrent import (
    InitialState,
    ParameterSet,
    arrays,
    check_initial,
    check_parameters,
    initial_h,
    input_size_of,
    nonlinearity,
    parameter_entries,
    per_model,
)
from grader.engine.rounding import round_with_ties
from grader.feedback.mistakes import Evidence, Mistake, MistakeVariant, engine_answers, with_model
from grader.spec.models import Evaluation, Matrix, ModelSpec, Number, Problem, Vector

__all__ = ["KIND", "RnnModel", "RnnTrace", "run_rnn"]

Array = NDArray[np.float64]


class RnnModel(ModelSpec):
    """`model: {cell: rnn, W_h, W_x, b, nonlinearity, initial: {h}}`."""

    cell: Literal["rnn"]
    W_h: Number | Matrix
    W_x: Number | Matrix
    b: Number | Vector
    nonlinearity: Literal["tanh", "relu", "sigmoid", "identity"] = "tanh"
    initial: InitialState = InitialState()

    @model_validator(mode="after")
    def _shapes_fit(self) -> RnnModel:
        check_parameters(self._parameters(), (), self.size, self.input_size, self.scalar, "")
        check_initial(self.initial, self.size)
        return self

    def _parameters(self) -> ParameterSet:
        return ParameterSet.model_construct(W_h=self.W_h, W_x=self.W_x, b=self.b)

    @property
    def kind_name(self) -> str:
        return self.cell

    @property
    def scalar(self) -> bool:
        return not isinstance(self.b, list)

    @property
    def size(self) -> int:
        return len(self.b) if isinstance(self.b, list) else 1

    @property
    def input_size(self) -> int:
        return input_size_of(self._parameters())


@dataclass(frozen=True)
class RnnTrace:
    """Everything computed for a batch of B sequences of T steps (n units, d inputs)."""

    x: Array  # (B, T, d) inputs
    h_seen: Array  # (B, T, n) the h_{t-1} that step t used
    z: Array  # (B, T, n) W_h h_{t-1} + W_x x_t + b
    h_raw: Array  # (B, T, n) h_t before rounding
    h: Array  # (B, T, n) h_t as reported


def _step(model: RnnModel, activations: Activations, h_prev: Array, memory: Array, x: Array) -> Step:
    """One step for a batch: h_prev (B, n), x (B, d); no memory beyond h."""
    z = _pre_activation(_arrays(model), h_prev, x)
    h = nonlinearity(model.nonlinearity, activations)(z)
    rows = len(h_prev)
    return Step(h, np.zeros((rows, 0)), np.zeros(rows, dtype=np.bool_), None)


@per_model
def _arrays(model: RnnModel) -> tuple[Array, Array, Array]:
    return arrays(model._parameters(), model.size, model.input_size)


def _pre_activation(parameters: tuple[Array, Array, Array], h_prev: Array, x: Array) -> Array:
    W_h, W_x, b = parameters
    z: Array = h_prev @ W_h.T + x @ W_x.T + b
    return z


def run_rnn(model: RnnModel, evaluation: Evaluation, inputs: Array) -> RnnTrace:
    """Run the network over `inputs` of shape (B, T, d)."""
    activations = activations_for(evaluation.activation)
    function = nonlinearity(model.nonlinearity, activations)
    x = np.asarray(inputs, dtype=np.float64)
    batch, steps, _ = x.shape
    n = model.size
    rounding = evaluation.rounding
    parameters = _arrays(model)
    h_prev = np.broadcast_to(initial_h(model.initial, n), (batch, n))
    h_seen, z_all, h_raw, h_out = (np.empty((batch, steps, n)) for _ in range(4))
    # huge parameters can overflow float64; the caller checks the result for inf/NaN instead
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            h_seen[:, t] = h_prev
            z = _pre_activation(parameters, h_prev, x[:, t])
            h = function(z)
            z_all[:, t], h_raw[:, t] = z, h
            h_out[:, t] = h if rounding is None else round_with_ties(h, rounding.places, rounding.ties)
            h_prev = h_out[:, t] if evaluation.carry == "rounded" else h
    return RnnTrace(x=x, h_seen=h_seen, z=z_all, h_raw=h_raw, h=h_out)


# --- the kind's declarations for the registry ---------------------------------------------------


def _reported(trace: RnnTrace, quantity: str, raw: bool) -> Array:
    return trace.h_raw if raw else trace.h


def _h_bound(model: RnnModel, steps: int) -> tuple[float, str] | None:
    if model.nonlinearity == "tanh":
        return 1.0, "h_t = tanh(…) lies in [-1, 1]"
    if model.nonlinearity == "sigmoid":
        return 1.0, "h_t = sigmoid(…) lies in [0, 1]"
    return None


def _explain(problem: Problem, trace: RnnTrace) -> tuple[list[str], list[list[Any]]]:
    """Per step: x_t, h_{t-1}, z_t = W_h h_{t-1} + W_x x_t + b, h_t before and after rounding."""
    assert isinstance(problem.model, RnnModel)
    rounded = problem.evaluation.rounding is not None
    name = problem.model.nonlinearity
    headers = ["t", "x_t", "h_{t-1}", "z_t"]
    headers.extend([f"{name}(z_t)", "h_t rounded"] if rounded else ["h_t"])
    rows = []
    for t in range(trace.x.shape[1]):
        row: list[Any] = [t, trace.x[0, t], trace.h_seen[0, t], trace.z[0, t]]
        row.extend([trace.h_raw[0, t], trace.h[0, t]] if rounded else [trace.h[0, t]])
        rows.append(row)
    return headers, rows


def _parameters(model: RnnModel) -> list[Parameter]:
    return parameter_entries(model._parameters(), (), model.scalar, {"W_h": "W_h", "W_x": "W_x", "b": "b"})


def _zeros_like(value: Any) -> Any:
    return np.zeros(np.shape(value)).tolist() if isinstance(value, list) else 0.0


def _model(problem: Problem) -> RnnModel:
    assert isinstance(problem.model, RnnModel)
    return problem.model


def _first(evidence: Evidence) -> str:
    return evidence.names(evidence.changed[:1])


def _initial_every_step(problem: Problem) -> list[MistakeVariant]:
    # every step seeing h_{-1} is the model whose W_h h_{t-1} is the constant W_h h_{-1}
    model = _model(problem)
    W_h, _, b = _arrays(model)
    constant = b + W_h @ initial_h(model.initial, model.size)
    values: dict[str, Any] = {
        "W_h": _zeros_like(model.W_h),
        "b": constant.tolist() if not model.scalar else float(constant[0]),
    }

    def sentence(evidence: Evidence) -> str:
        return (
            "Your answer is what you get starting every step from the initial state h_{-1}; step t "
            f"uses h_{{t-1}}, the state the step before computed. It first matters at {_first(evidence)}."
        )

    changed = with_model(problem, model.model_copy(update=values))
    return [
        MistakeVariant(
            "initial_state_every_step", engine_answers(changed), sentence, "using h_{-1} at every step"
        )
    ]


def _bias_forgotten(problem: Problem) -> list[MistakeVariant]:
    model = _model(problem)

    def sentence(evidence: Evidence) -> str:
        return f"Your answer is what you get leaving out the bias b. It first matters at {_first(evidence)}."

    changed = with_model(problem, model.model_copy(update={"b": _zeros_like(model.b)}))
    return [MistakeVariant("bias_forgotten", engine_answers(changed), sentence, "leaving out the bias b")]


def _weights_swapped(problem: Problem) -> list[MistakeVariant]:
    model = _model(problem)
    if model.size != model.input_size:
        return []  # the shapes do not allow the swap

    def sentence(evidence: Evidence) -> str:
        return (
            "Your answer is what you get with W_h and W_x swapped: W_h multiplies h_{t-1} and W_x "
            f"multiplies x_t. It first matters at {_first(evidence)}."
        )

    changed = with_model(problem, model.model_copy(update={"W_h": model.W_x, "W_x": model.W_h}))
    return [MistakeVariant("weights_swapped", engine_answers(changed), sentence, "swapping W_h and W_x")]


def _nonlinearity_forgotten(problem: Problem) -> list[MistakeVariant]:
    model = _model(problem)
    if model.nonlinearity == "identity":
        return []

    def sentence(evidence: Evidence) -> str:
        return (
            f"Your answer is what you get without the nonlinearity, taking h_t = z_t; this problem "
            f"computes h_t = {model.nonlinearity}(W_h h_{{t-1}} + W_x x_t + b). "
            f"It first matters at {_first(evidence)}."
        )

    changed = with_model(problem, model.model_copy(update={"nonlinearity": "identity"}))
    return [
        MistakeVariant(
            "nonlinearity_forgotten", engine_answers(changed), sentence, f"leaving out {model.nonlinearity}"
        )
    ]


#: The kind's part of the starter spec `grade new rnn` writes: a worked one-unit example.
STARTER = r"""statement: |
  A recurrent unit with scalar input $x_t$ and state $h_t$ is updated by

  $$h_t = \tanh(W_h h_{t-1} + W_x x_t + b)$$

  with $W_h = 0.5$, $W_x = 1$, $b = -0.2$ and the initial state $h_{-1} = 0$. The input sequence
  is $[x_0, x_1, x_2, x_3] = [1, 0, -1, 1]$.

  Calculate $h_t$ at each time step and enter $[h_0, h_1, h_2, h_3]$. Round $h_t$ to two
  decimals in every time step, and use the rounded value in the next step. Use the exact tanh.
model:
  cell: rnn
  W_h: 0.5               # a number for one unit; an n×n matrix (a list of rows) for n units
  W_x: 1                 # a number, or an n×d matrix for d-vector inputs
  b: -0.2                # a number, or an n-vector
  nonlinearity: tanh     # default tanh; or relu, sigmoid, identity
  initial: {h: 0}        # default: h_{-1} = 0
inputs: [1, 0, -1, 1]    # x_0 … x_T: numbers, or d-vectors; per student: {random: {alphabet, length}}
                         # or {choose_from: [[...], ...]} (then write {inputs} in the statement)
evaluation:
  activation: exact      # default exact; or {kind: saturating, at: 1} (tanh clamped for |z| ≥ 1)
  rounding: {decimals: 2}  # default none; or {to: integer}; ties: away_from_zero (default),
                         # toward_zero, even, up, down
  carry: rounded         # default rounded: step t+1 sees the rounded h_t; or exact
answer:
  kind: sequence
  of: h
  # compare: {abs_tol: 1e-6, rel_tol: 0}  # default: pass if |v - k| <= max(abs_tol, rel_tol·|k|)
expected: [0.66, 0.13, -0.81, 0.38]   # optional: the key as you worked it out; `grade check` compares
# `grade check` tries the neighbouring rules and warns where the key changes; `--strict` (for a
# course's CI) fails on a warning not accepted here with a reason.
audit:
  accept:
    - id: semantics:activation_saturating
      reason: The statement says to use the exact tanh.
    - id: semantics:carry_exact
      reason: >-
        The statement says to use the rounded h_t in the next step; the other reading is
        diagnosed by name.
"""


KIND = ModelKind(
    name="rnn",
    starter=STARTER,
    discriminator="cell",
    spec=RnnModel,
    quantities={"h": Quantity("h", "the state h_t", _h_bound)},
    run=run_rnn,
    reported=_reported,
    initial=lambda model, quantity: initial_h(model.initial, model.size),
    explain=_explain,
    parameters=_parameters,
    carried="h",
    mistakes=(
        Mistake("initial_state_every_step", "every step started from h_{-1}", _initial_every_step),
        Mistake("bias_forgotten", "the bias b left out", _bias_forgotten),
        Mistake("weights_swapped", "W_h and W_x swapped", _weights_swapped),
        Mistake("nonlinearity_forgotten", "h_t = z_t, without the nonlinearity", _nonlinearity_forgotten),
    ),
    step=_step,
)
