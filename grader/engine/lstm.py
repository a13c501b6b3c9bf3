"""The LSTM model kind: the cell of the seed, run over a batch of input sequences at once.

The one definition of a step, for scalar and vector cells alike (a scalar cell is n = d = 1):

    f_t = sigmoid(W^{f,h} h_{t-1} + W^{f,x} x_t + b_f)
    i_t = sigmoid(W^{i,h} h_{t-1} + W^{i,x} x_t + b_i)
    o_t = sigmoid(W^{o,h} h_{t-1} + W^{o,x} x_t + b_o)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ tanh(W^{c,h} h_{t-1} + W^{c,x} x_t + b_c)
    h_t = o_t ⊙ tanh(c_t)

with h_{-1}, c_{-1} from `model.initial`. Rounding applies to the reported h_t (and c_t); with
`carry: rounded` step t+1 sees the rounded h_t, with `carry: exact` the unrounded one. c_t is
always carried unrounded: the seed rounds only h_t.

`KIND` declares the kind for the registry (`grader.engine.kinds`): its spec model, the quantities
h and c, the `grade explain` table, its parameters, one step for follow-through, and its own
mistakes (the output gate ignored, the forget gate taken as 1, c reported for h or h for c).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import model_validator

from grader.engine.activations import Activations, activations_for
from grader.engine.kinds import ModelKind, Parameter, Quantity, Step
from grader.engine.recurrent import ParameterSet, check_initial, check_parameters, input_size_of
from grader.engine.rounding import round_with_ties
from grader.feedback.mistakes import Evidence, Mistake, MistakeVariant, engine_answers, with_model
from grader.spec.models import (
    Evaluation,
    ModelSpec,
    Number,
    Problem,
    SequenceAnswer,
    SpecBlock,
    Vector,
)

__all__ = [
    "FORGOTTEN",
    "GATE_NAMES",
    "KIND",
    "Gate",
    "Gates",
    "Initial",
    "LstmModel",
    "Parameters",
    "Trace",
    "lstm_step",
    "parameters_of",
    "run_lstm",
]

Array = NDArray[np.float64]


class Gate(ParameterSet):
    """W^{g,h}, W^{g,x} and b_g of one gate: scalars for a scalar cell, else n×n, n×d, n."""


class Gates(SpecBlock):
    """The four parameter sets of an LSTM: forget, input and output gates, and the cell input."""

    forget: Gate
    input: Gate
    output: Gate
    cell: Gate


class Initial(SpecBlock):
    """h_{-1} and c_{-1}: a scalar (broadcast to every unit) or one value per unit."""

    h: Number | Vector = 0.0
    c: Number | Vector = 0.0


GATE_NAMES: tuple[str, ...] = ("forget", "input", "output", "cell")


class LstmModel(ModelSpec):
    """An LSTM cell as in the seed: f, i, o gates, memory c_t and visible state h_t."""

    cell: Literal["lstm"]
    gates: Gates
    initial: Initial = Initial()

    @model_validator(mode="after")
    def _shapes_fit(self) -> LstmModel:
        for name in GATE_NAMES:
            gate = getattr(self.gates, name)
            check_parameters(gate, ("gates", name), self.size, self.input_size, self.scalar, "forget.")
        check_initial(self.initial, self.size)
        return self

    @property
    def kind_name(self) -> str:
        return self.cell

    @property
    def scalar(self) -> bool:
        """True when the author wrote the cell with scalars (answers are then plain numbers)."""
        return not isinstance(self.gates.forget.b, list)

    @property
    def size(self) -> int:
        """n, the number of units (1 for a scalar cell)."""
        b = self.gates.forget.b
        return len(b) if isinstance(b, list) else 1

    @property
    def input_size(self) -> int:
        """d, the size of each x_t."""
        return input_size_of(self.gates.forget)


@dataclass(frozen=True)
class Parameters:
    """A cell's parameters as arrays, gates stacked in the order forget, input, output, cell."""

    W_h: Array  # (4, n, n)
    W_x: Array  # (4, n, d)
    b: Array  # (4, n)
    h0: Array  # (n,)
    c0: Array  # (n,)

    @property
    def size(self) -> int:
        return int(self.b.shape[1])

    @property
    def input_size(self) -> int:
        return int(self.W_x.shape[2])


def parameters_of(model: LstmModel) -> Parameters:
    """The model's parameters as float64 arrays of fixed shapes, read-only: shared by every call
    with an equal model."""
    # this very model object seen before: found without hashing it (a pydantic model's hash
    # walks every field, which cost more than the step asking); the entry holds the model, so
    # its id is not reused while it is there
    seen = _SEEN_MODELS.get(id(model))
    if seen is not None and seen[0] is model:
        return seen[1]
    try:
        # the id first: a model equal to a cached one but not it (two problems of one cell) is
        # then told apart without comparing every field
        params = _shared_parameters(id(model), model)
    except TypeError:  # a model built with lists in it is not hashable
        return _parameters_from(model)
    if len(_SEEN_MODELS) >= _SEEN_LIMIT:
        _SEEN_MODELS.clear()  # a memo: forgetting costs the next call one hash
    _SEEN_MODELS[id(model)] = (model, params)
    return params


#: id of a model object → (that model, its parameters); at most _SEEN_LIMIT entries.
_SEEN_MODELS: dict[int, tuple[LstmModel, Parameters]] = {}
_SEEN_LIMIT = 256


# Follow-through runs one step per answer entry, each asking for the parameters: building them
# from the spec's fields costs more than the step itself.
@lru_cache(maxsize=256)
def _shared_parameters(identity: int, model: LstmModel) -> Parameters:
    params = _parameters_from(model)
    for array in (params.W_h, params.W_x, params.b, params.h0, params.c0):
        array.setflags(write=False)
    return params


def _parameters_from(model: LstmModel) -> Parameters:
    n, d = model.size, model.input_size
    gates = [getattr(model.gates, name) for name in GATE_NAMES]
    return Parameters(
        W_h=np.array([np.reshape(g.W_h, (n, n)) for g in gates], dtype=np.float64),
        W_x=np.array([np.reshape(g.W_x, (n, d)) for g in gates], dtype=np.float64),
        b=np.array([np.reshape(g.b, (n,)) for g in gates], dtype=np.float64),
        h0=np.broadcast_to(np.asarray(model.initial.h, dtype=np.float64), (n,)).copy(),
        c0=np.broadcast_to(np.asarray(model.initial.c, dtype=np.float64), (n,)).copy(),
    )


@dataclass(frozen=True)
class Trace:
    """Everything computed for a batch of B sequences of T steps (n units, d inputs)."""

    x: Array  # (B, T, d) inputs
    h_seen: Array  # (B, T, n) the h_{t-1} that step t used
    z: Array  # (B, T, 4, n) pre-activations, gates in GATE_NAMES order
    gates: Array  # (B, T, 4, n) f_t, i_t, o_t and tanh(cell pre-activation)
    c: Array  # (B, T, n) c_t, unrounded
    h_raw: Array  # (B, T, n) h_t before rounding
    h: Array  # (B, T, n) h_t as reported (rounded when the spec rounds)
    c_reported: Array  # (B, T, n) c_t as reported (rounded when the spec rounds)


def lstm_step(
    params: Parameters,
    activations: Activations,
    h_prev: Array,
    c_prev: Array,
    x: Array,
) -> tuple[Array, Array, Array, Array]:
    """One step for a batch: (z, gate values, c_t, h_t), shapes (B,4,n), (B,4,n), (B,n), (B,n)."""
    z = np.einsum("gij,bj->bgi", params.W_h, h_prev) + np.einsum("gij,bj->bgi", params.W_x, x) + params.b
    # the three sigmoid gates in one call: element-wise, so the same values as one call each, and
    # a step of a few units costs numpy's call overhead more than arithmetic
    gates = np.empty_like(z)
    gates[:, :3] = activations.sigmoid(z[:, :3])
    gates[:, 3] = activations.tanh(z[:, 3])
    forget, input_, output, candidate = gates[:, 0], gates[:, 1], gates[:, 2], gates[:, 3]
    c = forget * c_prev + input_ * candidate
    h = output * activations.tanh(c)
    return z, gates, c, h


def run_lstm(
    model: LstmModel,
    evaluation: Evaluation,
    inputs: Array,
    *,
    h0: Array | None = None,
    c0: Array | None = None,
) -> Trace:
    """Run the cell over `inputs` of shape (B, T, d); h0/c0 (B, n) override the spec's initial."""
    params = parameters_of(model)
    activations = activations_for(evaluation.activation)
    x = np.asarray(inputs, dtype=np.float64)
    batch, steps, _ = x.shape
    n = params.size
    rounding = evaluation.rounding

    def report(values: Array) -> Array:
        if rounding is None:
            return values
        return round_with_ties(values, rounding.places, rounding.ties)

    h_prev = np.broadcast_to(params.h0, (batch, n)) if h0 is None else np.asarray(h0, np.float64)
    c_prev = np.broadcast_to(params.c0, (batch, n)) if c0 is None else np.asarray(c0, np.float64)
    h_seen = np.empty((batch, steps, n))
    z_all = np.empty((batch, steps, 4, n))
    gates_all = np.empty((batch, steps, 4, n))
    c_all = np.empty((batch, steps, n))
    h_raw = np.empty((batch, steps, n))
    h_out = np.empty((batch, steps, n))
    # huge parameters can overflow float64; the caller checks the result for inf/NaN instead
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            h_seen[:, t] = h_prev
            z, gates, c, h = lstm_step(params, activations, h_prev, c_prev, x[:, t])
            z_all[:, t], gates_all[:, t], c_all[:, t], h_raw[:, t] = z, gates, c, h
            h_out[:, t] = report(h)
            h_prev = h_out[:, t] if evaluation.carry == "rounded" else h
            c_prev = c
        c_reported = report(c_all)
    return Trace(
        x=x,
        h_seen=h_seen,
        z=z_all,
        gates=gates_all,
        c=c_all,
        h_raw=h_raw,
        h=h_out,
        c_reported=c_reported,
    )


# --- the kind's declarations for the registry ---------------------------------------------------

#: A parameter large enough that sigmoid(it) is 1 in float64 and in the saturating approximation.
_SATURATED = 1e9
#: A forget gate at or below this lets no trace of c_{t-1} into c_t (sigmoid(-100) ≈ 4e-44): for
#: follow-through, step t is then determined without c_{t-1}.
FORGOTTEN = 1e-12


def _reported(trace: Trace, quantity: str, raw: bool) -> Array:
    if quantity == "h":
        return trace.h_raw if raw else trace.h
    return trace.c if raw else trace.c_reported


def _initial(model: LstmModel, quantity: str) -> Array:
    params = parameters_of(model)
    return params.h0 if quantity == "h" else params.c0


def _h_bound(model: LstmModel, steps: int) -> tuple[float, str]:
    return 1.0, "h_t = o_t tanh(c_t) lies in [-1, 1]"


def _c_bound(model: LstmModel, steps: int) -> tuple[float, str]:
    initial = model.initial.c
    start = max(abs(v) for v in initial) if isinstance(initial, list) else abs(initial)
    bound = start + steps
    return bound, f"|c_t| <= |c_{{-1}}| + t + 1 <= {bound:g}"


#: gate name → (symbol of its pre-activation, symbol of its value)
_GATE_SYMBOLS = {
    "forget": ("z_f", "f_t"),
    "input": ("z_i", "i_t"),
    "output": ("z_o", "o_t"),
    "cell": ("z_c", "tanh(z_c)"),
}


def _explain(problem: Problem, trace: Trace) -> tuple[list[str], list[list[Any]]]:
    """Per step: x_t, h_{t-1}, c_{t-1}, each gate's z and value, c_t, h_t before and after rounding."""
    assert isinstance(problem.model, LstmModel) and isinstance(problem.answer, SequenceAnswer)
    rounded = problem.evaluation.rounding is not None
    reports_c = problem.answer.of == "c"
    headers = ["t", "x_t", "h_{t-1}", "c_{t-1}"]
    for name in GATE_NAMES:
        headers.extend(_GATE_SYMBOLS[name])
    headers.append("c_t")
    if reports_c and rounded:
        headers.append("c_t rounded")
    headers.extend(["h_t before rounding", "h_t rounded"] if rounded else ["h_t"])
    c_initial = parameters_of(problem.model).c0
    rows = []
    for t in range(trace.x.shape[1]):
        c_prev = c_initial if t == 0 else trace.c[0, t - 1]
        row: list[Any] = [t, trace.x[0, t], trace.h_seen[0, t], c_prev]
        for g in range(len(GATE_NAMES)):
            row.extend([trace.z[0, t, g], trace.gates[0, t, g]])
        row.append(trace.c[0, t])
        if reports_c and rounded:
            row.append(trace.c_reported[0, t])
        row.extend([trace.h_raw[0, t], trace.h[0, t]] if rounded else [trace.h[0, t]])
        rows.append(row)
    return headers, rows


_GATE_LETTERS = {"forget": "f", "input": "i", "output": "o", "cell": "c"}


def _parameters(model: LstmModel) -> list[Parameter]:
    params = parameters_of(model)
    found = []
    for g, gate in enumerate(GATE_NAMES):
        letter = _GATE_LETTERS[gate]
        for parameter, array in (("W_h", params.W_h[g]), ("W_x", params.W_x[g]), ("b", params.b[g])):
            symbol = {"W_h": f"W^{{{letter},h}}", "W_x": f"W^{{{letter},x}}", "b": f"b_{letter}"}[parameter]
            for index in np.ndindex(array.shape):
                spec_index = () if model.scalar else tuple(int(i) for i in index)
                suffix = "".join(f"[{i}]" for i in spec_index)
                found.append(
                    Parameter(
                        f"{gate}.{parameter}{suffix}",
                        ("gates", gate, parameter, *spec_index),
                        symbol + suffix,
                        float(array[index]),
                    )
                )
    return found


def _step(model: LstmModel, activations: Activations, h_prev: Array, memory: Array, x: Array) -> Step:
    """One step from the student's h_{t-1} and a c_{t-1}; c is recovered as artanh(h / o)."""
    _, gates, c, h_raw = lstm_step(parameters_of(model), activations, h_prev, memory, x)
    output = gates[:, 2]

    def recover(h_given: Array) -> tuple[Array, Any]:
        ratio = h_given / np.where(output > 0, output, np.nan)
        possible = np.all(np.abs(ratio) < 1, axis=-1)
        return np.arctanh(np.where(np.abs(ratio) < 1, ratio, 0.0)), possible

    return Step(h_raw, c, gates[:, 0].max(axis=-1) > FORGOTTEN, recover)


def _with_gate(problem: Problem, gate: str, **values: Any) -> Problem:
    """The problem with one gate's parameters replaced (scalars broadcast to the cell's shapes)."""
    model = problem.model
    assert isinstance(model, LstmModel)
    old = getattr(model.gates, gate)
    n, d = model.size, model.input_size
    if not model.scalar:
        shapes = {"W_h": (n, n), "W_x": (n, d), "b": (n,)}
        values = {k: np.full(shapes[k], v).tolist() for k, v in values.items()}
    gates = model.gates.model_copy(update={gate: old.model_copy(update=values)})
    return with_model(problem, model.model_copy(update={"gates": gates}))


def _output_gate_sentence(evidence: Evidence) -> str:
    return (
        "Your answer is what you get without the output gate, taking h_t = tanh(c_t); "
        "h_t = o_t · tanh(c_t) with o_t = sigmoid(W^{o,h} h_{t-1} + W^{o,x} x_t + b_o). "
        f"It first matters at {evidence.names(evidence.changed[:1])}."
    )


def _output_gate(problem: Problem) -> list[MistakeVariant]:
    changed = _with_gate(problem, "output", W_h=0.0, W_x=0.0, b=_SATURATED)
    return [
        MistakeVariant(
            "output_gate_ignored",
            engine_answers(changed),
            _output_gate_sentence,
            "leaving out the output gate",
        )
    ]


def _forget_gate_sentence(evidence: Evidence) -> str:
    return (
        "Your answer keeps all of c_{t-1}, as if the forget gate f_t were 1; compute "
        "f_t = sigmoid(W^{f,h} h_{t-1} + W^{f,x} x_t + b_f) at every step. "
        f"It first matters at {evidence.names(evidence.changed[:1])}."
    )


def _forget_gate(problem: Problem) -> list[MistakeVariant]:
    changed = _with_gate(problem, "forget", W_h=0.0, W_x=0.0, b=_SATURATED)
    return [
        MistakeVariant(
            "forget_gate_one", engine_answers(changed), _forget_gate_sentence, "taking the forget gate as 1"
        )
    ]


def _other_state(problem: Problem) -> list[MistakeVariant]:
    assert isinstance(problem.answer, SequenceAnswer) and problem.model is not None
    scalar = problem.model.scalar
    reports_h = problem.answer.of == "h"

    def answers(_: Array, trace: Trace) -> Array:
        values = trace.c_reported if reports_h else trace.h
        return values[..., 0] if scalar else values

    def sentence(evidence: Evidence) -> str:
        if reports_h:
            return (
                "Your values are c_t, the memory cell; the question asks for the visible state "
                "h_t = o_t · tanh(c_t)."
            )
        return "Your values are h_t, the visible state; the question asks for the memory cell c_t."

    if reports_h:
        return [MistakeVariant("c_instead_of_h", answers, sentence, "reporting c_t instead of h_t")]
    return [MistakeVariant("h_instead_of_c", answers, sentence, "reporting h_t instead of c_t")]


#: The kind's part of the starter spec `grade new lstm` writes: a worked one-unit example.
STARTER = r"""statement: |
  An LSTM unit with scalar input $x_t$, memory $c_t$ and state $h_t$ is updated by

  $$f_t = \mathrm{sigmoid}(W^{f,h} h_{t-1} + W^{f,x} x_t + b_f),\quad
    i_t = \mathrm{sigmoid}(W^{i,h} h_{t-1} + W^{i,x} x_t + b_i),\quad
    o_t = \mathrm{sigmoid}(W^{o,h} h_{t-1} + W^{o,x} x_t + b_o)$$
  $$c_t = f_t\, c_{t-1} + i_t \tanh(W^{c,h} h_{t-1} + W^{c,x} x_t + b_c),\qquad h_t = o_t \tanh(c_t)$$

  with $W^{f,h} = 0$, $W^{f,x} = 0$, $b_f = 1$; $W^{i,h} = 0$, $W^{i,x} = 1$, $b_i = 0$;
  $W^{o,h} = 0$, $W^{o,x} = 1$, $b_o = 1$; $W^{c,h} = 1$, $W^{c,x} = 1$, $b_c = 0$ and the
  initial state $h_{-1} = 0$, $c_{-1} = 0$. The input sequence is
  $[x_0, x_1, x_2] = [1, 0, -1]$.

  Calculate $h_t$ at each time step and enter $[h_0, h_1, h_2]$. Round $h_t$ to two decimals in
  every time step, and use the rounded value in the next step ($c_t$ is carried unrounded). Use
  the exact sigmoid and tanh.
model:
  cell: lstm
  gates:                 # W_h, W_x, b of each gate: numbers for one unit, or matrices and vectors
    forget: {W_h: 0, W_x: 0, b: 1}
    input:  {W_h: 0, W_x: 1, b: 0}
    output: {W_h: 0, W_x: 1, b: 1}
    cell:   {W_h: 1, W_x: 1, b: 0}
  initial: {h: 0, c: 0}  # default: h_{-1} = 0, c_{-1} = 0
inputs: [1, 0, -1]       # x_0 … x_T: numbers, or d-vectors; per student: {random: {alphabet, length}}
                         # or {choose_from: [[...], ...]} (then write {inputs} in the statement)
evaluation:
  activation: exact      # default exact; or {kind: saturating, at: 1} (the seed homework's rule)
  rounding: {decimals: 2}  # default none; or {to: integer}; ties: away_from_zero (default),
                         # toward_zero, even, up, down
  carry: rounded         # default rounded: step t+1 sees the rounded h_t (c_t is never rounded); or exact
answer:
  kind: sequence
  of: h                  # or c
  # compare: {abs_tol: 1e-6, rel_tol: 0}  # default: pass if |v - k| <= max(abs_tol, rel_tol·|k|)
expected: [0.45, 0.4, 0.15]   # optional: the key as you worked it out; `grade check` compares
# `grade check` tries the neighbouring rules and warns where the key changes; `--strict` (for a
# course's CI) fails on a warning not accepted here with a reason.
audit:
  accept:
    - id: semantics:activation_saturating
      reason: The statement says to use the exact sigmoid and tanh.
"""


KIND = ModelKind(
    name="lstm",
    starter=STARTER,
    discriminator="cell",
    spec=LstmModel,
    quantities={
        "h": Quantity("h", "the visible state h_t", _h_bound),
        "c": Quantity("c", "the memory cell c_t", _c_bound),
    },
    run=run_lstm,
    reported=_reported,
    initial=_initial,
    explain=_explain,
    parameters=_parameters,
    carried="h",
    mistakes=(
        Mistake("output_gate_ignored", "h_t = tanh(c_t), without the output gate", _output_gate),
        Mistake("forget_gate_one", "forget gate taken as 1", _forget_gate),
        Mistake("other_state", "reported c_t instead of h_t (or h_t instead of c_t)", _other_state),
    ),
    step=_step,
    initial_memory=lambda model: parameters_of(model).c0,
)
