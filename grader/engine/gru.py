"""The gated recurrent unit (Cho et al. 2014), run over a batch of input sequences at once:

    z_t = sigmoid(W^{z,h} h_{t-1} + W^{z,x} x_t + b_z)            update gate
    r_t = sigmoid(W^{r,h} h_{t-1} + W^{r,x} x_t + b_r)            reset gate
    ñ_t = tanh(W^{c,h} (r_t ⊙ h_{t-1}) + W^{c,x} x_t + b_c)       candidate
    h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ ñ_t

(PyTorch's GRU with b_hn = 0, up to where the reset gate applies: PyTorch multiplies r_t into
W^{c,h} h_{t-1}, this form into h_{t-1}; the two differ for a model of more than one unit.)
h_{-1} comes from `model.initial`; sigmoid and tanh are exact or saturating as
`evaluation.activation` says; rounding and carry are as for the LSTM.

`KIND` declares the kind for the registry (`grader.engine.kinds`): the z vs 1 − z convention as
an audit knob (the other reading is the model with the update gate's parameters negated, as
sigmoid(−a) = 1 − sigmoid(a)), and its own mistakes: the reset gate ignored, the update gate
ignored, the reset gate applied after W^{c,h}, the biases forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import model_validator

from grader.engine.activations import Activations, activations_for
from grader.engine.kinds import Knob, ModelKind, Parameter, Quantity, Step
from grader.engine.recurrent import (
    InitialState,
    ParameterSet,
    arrays,
    check_initial,
    check_parameters,
    initial_h,
    input_size_of,
    parameter_entries,
    per_model,
)
from grader.engine.rounding import round_with_ties
from grader.feedback.mistakes import Evidence, Mistake, MistakeVariant, engine_answers, with_model
from grader.spec.models import Evaluation, ModelSpec, Problem, SpecBlock

__all__ = ["GRU_GATES", "KIND", "GruGates", "GruModel", "GruTrace", "run_gru"]

Array = NDArray[np.float64]

GRU_GATES: tuple[str, ...] = ("update", "reset", "candidate")
_LETTERS = {"update": "z", "reset": "r", "candidate": "c"}
#: A parameter large enough that sigmoid(it) is 1 in float64 and in the saturating approximation.
_SATURATED = 1e9


class GruGates(SpecBlock):
    """The three parameter sets of a GRU: update and reset gates, and the candidate."""

    update: ParameterSet
    reset: ParameterSet
    candidate: ParameterSet


class GruModel(ModelSpec):
    """`model: {cell: gru, gates: {update, reset, candidate: {W_h, W_x, b}}, initial: {h}}`."""

    cell: Literal["gru"]
    gates: GruGates
    initial: InitialState = InitialState()

    @model_validator(mode="after")
    def _shapes_fit(self) -> GruModel:
        for name in GRU_GATES:
            gate = getattr(self.gates, name)
            check_parameters(gate, ("gates", name), self.size, self.input_size, self.scalar, "update.")
        check_initial(self.initial, self.size)
        return self

    @property
    def kind_name(self) -> str:
        return self.cell

    @property
    def scalar(self) -> bool:
        return not isinstance(self.gates.update.b, list)

    @property
    def size(self) -> int:
        b = self.gates.update.b
        return len(b) if isinstance(b, list) else 1

    @property
    def input_size(self) -> int:
        return input_size_of(self.gates.update)


@dataclass(frozen=True)
class GruTrace:
    """Everything computed for a batch of B sequences of T steps (n units, d inputs)."""

    x: Array  # (B, T, d) inputs
    h_seen: Array  # (B, T, n) the h_{t-1} that step t used
    z: Array  # (B, T, 3, n) pre-activations of the update gate, the reset gate and the candidate
    gates: Array  # (B, T, 3, n) z_t, r_t and ñ_t
    h_raw: Array  # (B, T, n) h_t before rounding
    h: Array  # (B, T, n) h_t as reported


Stacked = tuple[Array, Array, Array]  # W_h (3, n, n), W_x (3, n, d), b (3, n), gates in GRU_GATES order


@per_model
def _stacked(model: GruModel) -> Stacked:
    parts = [arrays(getattr(model.gates, name), model.size, model.input_size) for name in GRU_GATES]
    return (
        np.stack([p[0] for p in parts]),
        np.stack([p[1] for p in parts]),
        np.stack([p[2] for p in parts]),
    )


def gru_step(
    params: Stacked, activations: Activations, h_prev: Array, x: Array, *, reset_after: bool = False
) -> tuple[Array, Array, Array]:
    """One step for a batch: (pre-activations (B, 3, n), gate values (B, 3, n), h_t (B, n)).

    `reset_after` applies r_t after the product, r_t ⊙ (W^{c,h} h_{t-1}): a mistake's reading.
    """
    W_h, W_x, b = params
    from_x = np.einsum("gij,bj->bgi", W_x, x) + b
    update_reset = from_x[:, :2] + np.einsum("gij,bj->bgi", W_h[:2], h_prev)
    update = activations.sigmoid(update_reset[:, 0])
    reset = activations.sigmoid(update_reset[:, 1])
    recurrent = reset * (h_prev @ W_h[2].T) if reset_after else (reset * h_prev) @ W_h[2].T
    candidate_z = recurrent + from_x[:, 2]
    candidate = activations.tanh(candidate_z)
    h = update * h_prev + (1.0 - update) * candidate
    z = np.concatenate([update_reset, candidate_z[:, None]], axis=1)
    return z, np.stack([update, reset, candidate], axis=1), h


def run_gru(model: GruModel, evaluation: Evaluation, inputs: Array, *, reset_after: bool = False) -> GruTrace:
    """Run the unit over `inputs` of shape (B, T, d)."""
    params = _stacked(model)
    activations = activations_for(evaluation.activation)
    x = np.asarray(inputs, dtype=np.float64)
    batch, steps, _ = x.shape
    n = model.size
    rounding = evaluation.rounding
    h_prev = np.broadcast_to(initial_h(model.initial, n), (batch, n))
    h_seen, h_raw, h_out = (np.empty((batch, steps, n)) for _ in range(3))
    z_all, gates_all = np.empty((batch, steps, 3, n)), np.empty((batch, steps, 3, n))
    # huge parameters can overflow float64; the caller checks the result for inf/NaN instead
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            h_seen[:, t] = h_prev
            z, gates, h = gru_step(params, activations, h_prev, x[:, t], reset_after=reset_after)
            z_all[:, t], gates_all[:, t], h_raw[:, t] = z, gates, h
            h_out[:, t] = h if rounding is None else round_with_ties(h, rounding.places, rounding.ties)
            h_prev = h_out[:, t] if evaluation.carry == "rounded" else h
    return GruTrace(x=x, h_seen=h_seen, z=z_all, gates=gates_all, h_raw=h_raw, h=h_out)


# --- the kind's declarations for the registry ---------------------------------------------------


def _reported(trace: GruTrace, quantity: str, raw: bool) -> Array:
    return trace.h_raw if raw else trace.h


def _h_bound(model: GruModel, steps: int) -> tuple[float, str]:
    start = model.initial.h
    initial = max(abs(v) for v in start) if isinstance(start, list) else abs(start)
    bound = max(1.0, initial)
    return bound, f"h_t, between h_{{t-1}} and ñ_t in [-1, 1], lies in [-{bound:g}, {bound:g}]"


#: gate → (symbol of its pre-activation, symbol of its value); z_t is the update gate's value
_SYMBOLS = {
    "update": ("net_z", "z_t"),
    "reset": ("net_r", "r_t"),
    "candidate": ("net_c", "ñ_t"),
}


def _explain(problem: Problem, trace: GruTrace) -> tuple[list[str], list[list[Any]]]:
    """Per step: x_t, h_{t-1}, each gate's pre-activation and value, h_t before and after rounding."""
    rounded = problem.evaluation.rounding is not None
    headers = ["t", "x_t", "h_{t-1}"]
    for name in GRU_GATES:
        headers.extend(_SYMBOLS[name])
    headers.extend(["h_t before rounding", "h_t rounded"] if rounded else ["h_t"])
    rows = []
    for t in range(trace.x.shape[1]):
        row: list[Any] = [t, trace.x[0, t], trace.h_seen[0, t]]
        for g in range(len(GRU_GATES)):
            row.extend([trace.z[0, t, g], trace.gates[0, t, g]])
        row.extend([trace.h_raw[0, t], trace.h[0, t]] if rounded else [trace.h[0, t]])
        rows.append(row)
    return headers, rows


def _parameters(model: GruModel) -> list[Parameter]:
    found = []
    for name in GRU_GATES:
        letter = _LETTERS[name]
        symbols = {"W_h": f"W^{{{letter},h}}", "W_x": f"W^{{{letter},x}}", "b": f"b_{letter}"}
        gate = getattr(model.gates, name)
        found.extend(parameter_entries(gate, ("gates", name), model.scalar, symbols, f"{name}."))
    return found


def _step(model: GruModel, activations: Activations, h_prev: Array, memory: Array, x: Array) -> Step:
    """One step from the student's h_{t-1}; a GRU keeps no memory beyond h."""
    _, _, h = gru_step(_stacked(model), activations, h_prev, x)
    rows = len(h_prev)
    return Step(h, np.zeros((rows, 0)), np.zeros(rows, dtype=np.bool_), None)


def _negated(value: Any) -> Any:
    return (-np.asarray(value, dtype=np.float64)).tolist() if isinstance(value, list) else -value


def _update_swapped(model: GruModel) -> GruModel:
    """The model whose z_t is this model's 1 − z_t: the update gate's parameters negated."""
    update = model.gates.update
    negated = update.model_copy(update={key: _negated(getattr(update, key)) for key in ("W_h", "W_x", "b")})
    return model.model_copy(update={"gates": model.gates.model_copy(update={"update": negated})})


def _model(problem: Problem) -> GruModel:
    assert isinstance(problem.model, GruModel)
    return problem.model


def _first(evidence: Evidence) -> str:
    return evidence.names(evidence.changed[:1])


def _with_gate(problem: Problem, gate: str, b: float) -> Problem:
    """The problem with one gate held at sigmoid(b): W = 0 and every b_i = `b`."""
    model = _model(problem)
    n, d = model.size, model.input_size
    values: dict[str, Any] = {"W_h": 0.0, "W_x": 0.0, "b": b}
    if not model.scalar:
        values = {"W_h": np.zeros((n, n)).tolist(), "W_x": np.zeros((n, d)).tolist(), "b": [b] * n}
    old = getattr(model.gates, gate)
    gates = model.gates.model_copy(update={gate: old.model_copy(update=values)})
    return with_model(problem, model.model_copy(update={"gates": gates}))


def _reset_ignored(problem: Problem) -> list[MistakeVariant]:
    def sentence(evidence: Evidence) -> str:
        return (
            "Your answer is what you get without the reset gate, as if r_t were 1: the candidate is "
            "ñ_t = tanh(W^{c,h} (r_t ⊙ h_{t-1}) + W^{c,x} x_t + b_c) with "
            "r_t = sigmoid(W^{r,h} h_{t-1} + W^{r,x} x_t + b_r). "
            f"It first matters at {_first(evidence)}."
        )

    changed = _with_gate(problem, "reset", _SATURATED)
    return [
        MistakeVariant("reset_gate_ignored", engine_answers(changed), sentence, "taking the reset gate as 1")
    ]


def _update_ignored(problem: Problem) -> list[MistakeVariant]:
    def sentence(evidence: Evidence) -> str:
        return (
            "Your answer is what you get without the update gate, taking h_t = ñ_t; "
            "h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ ñ_t keeps part of h_{t-1}. "
            f"It first matters at {_first(evidence)}."
        )

    changed = _with_gate(problem, "update", -_SATURATED)
    return [MistakeVariant("update_gate_ignored", engine_answers(changed), sentence, "taking h_t = ñ_t")]


def _reset_after(problem: Problem) -> list[MistakeVariant]:
    model = _model(problem)
    if model.scalar:
        return []  # r (w h) = w (r h) for numbers: the two forms agree

    def answers(inputs: Array, _: Any) -> Array:
        trace = run_gru(model, problem.evaluation, inputs, reset_after=True)
        return trace.h

    def sentence(evidence: Evidence) -> str:
        return (
            "Your answer is what you get applying the reset gate after the product, "
            "r_t ⊙ (W^{c,h} h_{t-1}) (PyTorch's form); this problem uses W^{c,h} (r_t ⊙ h_{t-1}). "
            f"It first matters at {_first(evidence)}."
        )

    return [MistakeVariant("reset_after_product", answers, sentence, "applying r_t after W^{c,h}")]


def _biases_forgotten(problem: Problem) -> list[MistakeVariant]:
    model = _model(problem)
    gates = model.gates.model_copy(
        update={
            name: getattr(model.gates, name).model_copy(
                update={"b": np.zeros(model.size).tolist() if not model.scalar else 0.0}
            )
            for name in GRU_GATES
        }
    )

    def sentence(evidence: Evidence) -> str:
        return (
            "Your answer is what you get leaving out the biases b_z, b_r and b_c. "
            f"It first matters at {_first(evidence)}."
        )

    changed = with_model(problem, model.model_copy(update={"gates": gates}))
    return [MistakeVariant("biases_forgotten", engine_answers(changed), sentence, "leaving out the biases")]


#: The kind's part of the starter spec `grade new gru` writes: a worked one-unit example.
STARTER = r"""statement: |
  A gated recurrent unit (GRU) with scalar input $x_t$ and state $h_t$ is updated by

  $$z_t = \mathrm{sigmoid}(W^{z,h} h_{t-1} + W^{z,x} x_t + b_z),\quad
    r_t = \mathrm{sigmoid}(W^{r,h} h_{t-1} + W^{r,x} x_t + b_r)$$
  $$\tilde n_t = \tanh(W^{c,h} (r_t h_{t-1}) + W^{c,x} x_t + b_c),\qquad
    h_t = z_t h_{t-1} + (1 - z_t) \tilde n_t$$

  with $W^{z,h} = 0$, $W^{z,x} = 2$, $b_z = -1$; $W^{r,h} = 1$, $W^{r,x} = 0$, $b_r = 1$;
  $W^{c,h} = 1$, $W^{c,x} = 1$, $b_c = 0$ and the initial state $h_{-1} = 0$. The input sequence
  is $[x_0, x_1, x_2, x_3] = [1, 0, 1, -1]$.

  Calculate $h_t$ at each time step and enter $[h_0, h_1, h_2, h_3]$. Round $h_t$ to two
  decimals in every time step, and use the rounded value in the next step. Use the exact
  sigmoid and tanh.
model:
  cell: gru
  gates:                 # W_h, W_x, b of each gate: numbers for one unit, or matrices and vectors
    update:    {W_h: 0, W_x: 2, b: -1}
    reset:     {W_h: 1, W_x: 0, b: 1}
    candidate: {W_h: 1, W_x: 1, b: 0}
  initial: {h: 0}        # default: h_{-1} = 0
inputs: [1, 0, 1, -1]    # x_0 … x_T: numbers, or d-vectors; per student: {random: {alphabet, length}}
                         # or {choose_from: [[...], ...]} (then write {inputs} in the statement)
evaluation:
  activation: exact      # default exact; or {kind: saturating, at: 1}
  rounding: {decimals: 2}  # default none; or {to: integer}; ties: away_from_zero (default),
                         # toward_zero, even, up, down
  carry: rounded         # default rounded: step t+1 sees the rounded h_t; or exact
answer:
  kind: sequence
  of: h
  # compare: {abs_tol: 1e-6, rel_tol: 0}  # default: pass if |v - k| <= max(abs_tol, rel_tol·|k|)
expected: [0.2, 0.17, 0.34, -0.58]   # optional: the key as you worked it out; `grade check` compares
# `grade check` tries the neighbouring rules and warns where the key changes; `--strict` (for a
# course's CI) fails on a warning not accepted here with a reason.
audit:
  accept:
    - id: semantics:activation_saturating
      reason: The statement says to use the exact sigmoid and tanh.
    - id: semantics:update_swapped
      reason: >-
        The statement writes h_t = z_t h_{t-1} + (1 - z_t) ñ_t; the other convention is diagnosed
        by name.
"""


KIND = ModelKind(
    name="gru",
    starter=STARTER,
    discriminator="cell",
    spec=GruModel,
    quantities={"h": Quantity("h", "the state h_t", _h_bound)},
    run=run_gru,
    reported=_reported,
    initial=lambda model, quantity: initial_h(model.initial, model.size),
    explain=_explain,
    parameters=_parameters,
    carried="h",
    knobs=(
        Knob(
            "update_swapped",
            "z_t and 1 − z_t swapped (h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ ñ_t)",
            "the key changes when z_t and 1 − z_t are swapped in h_t",
            _update_swapped,
            "swapping z_t and 1 − z_t",
            "Your answer is what you get with z_t and 1 − z_t swapped, "
            "h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ ñ_t; this problem uses "
            "h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ ñ_t (Cho et al. 2014, as in PyTorch).",
        ),
    ),
    mistakes=(
        Mistake("reset_gate_ignored", "the reset gate taken as 1", _reset_ignored),
        Mistake("update_gate_ignored", "h_t = ñ_t, without the update gate", _update_ignored),
        Mistake("reset_after_product", "r_t applied after W^{c,h} (PyTorch's form)", _reset_after),
        Mistake("biases_forgotten", "the biases left out", _biases_forgotten),
    ),
    step=_step,
)
