"""The LSTM cell of the seed, run over a batch of input sequences at once.

The one definition of a step, for scalar and vector cells alike (a scalar cell is n = d = 1):

    f_t = sigmoid(W^{f,h} h_{t-1} + W^{f,x} x_t + b_f)
    i_t = sigmoid(W^{i,h} h_{t-1} + W^{i,x} x_t + b_i)
    o_t = sigmoid(W^{o,h} h_{t-1} + W^{o,x} x_t + b_o)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ tanh(W^{c,h} h_{t-1} + W^{c,x} x_t + b_c)
    h_t = o_t ⊙ tanh(c_t)

with h_{-1}, c_{-1} from `model.initial`. Rounding applies to the reported h_t (and c_t); with
`carry: rounded` step t+1 sees the rounded h_t, with `carry: exact` the unrounded one. c_t is
always carried unrounded: the seed rounds only h_t.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grader.engine.activations import Activations, activations_for
from grader.engine.rounding import round_with_ties
from grader.spec.models import GATE_NAMES, Evaluation, LstmModel

__all__ = ["Parameters", "Trace", "lstm_step", "parameters_of", "run_lstm"]

Array = NDArray[np.float64]


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
    """The model's parameters as float64 arrays of fixed shapes."""
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
    z = (
        np.einsum("gij,bj->bgi", params.W_h, h_prev)
        + np.einsum("gij,bj->bgi", params.W_x, x)
        + params.b
    )
    forget = activations.sigmoid(z[:, 0])
    input_ = activations.sigmoid(z[:, 1])
    output = activations.sigmoid(z[:, 2])
    candidate = activations.tanh(z[:, 3])
    c = forget * c_prev + input_ * candidate
    h = output * activations.tanh(c)
    return z, np.stack([forget, input_, output, candidate], axis=1), c, h


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
