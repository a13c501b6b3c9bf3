"""Key audit: does a problem's answer depend on a reading of its rules that students could take?

For every sequence problem the answer is recomputed under each neighbouring semantics
(`grader.feedback.semantics.neighbours`: exact vs saturating activations, carry rounded vs exact,
each tie rule). Every neighbour that changes the answer is reported with the positions it
changes and both sequences. Separately, any value before rounding that lies within
`BOUNDARY_DISTANCE` of a rounding boundary (k + 0.5 at the rounded precision), under the
problem's own rules or under exact activations, is reported: one more digit of arithmetic error,
or a different approximation, moves it to the other side.

Inputs that vary per student are audited over every `choose_from` sequence, and over every
`random` sequence when there are at most `MAX_AUDITED_SEQUENCES` of them; all sequences of one
length go through the engine in one batch.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from grader.compare.answers import tolerance_for
from grader.engine.keys import inputs_array, trace_for
from grader.engine.lstm import Trace
from grader.feedback.semantics import Neighbour, neighbours
from grader.spec.models import (
    ChooseFromInputs,
    Evaluation,
    ExactActivation,
    Problem,
    RandomInputs,
    SaturatingActivation,
    SequenceAnswer,
)

__all__ = [
    "BOUNDARY_DISTANCE",
    "MAX_AUDITED_SEQUENCES",
    "InputGroup",
    "SemanticsChange",
    "NearBoundary",
    "ProblemAudit",
    "input_groups",
    "audit_problem",
]

Array = NDArray[np.float64]

#: A value before rounding this close to a rounding boundary is reported.
BOUNDARY_DISTANCE = 1e-6
#: Random inputs are audited exhaustively only up to this many possible sequences.
MAX_AUDITED_SEQUENCES = 65_536


@dataclass(frozen=True)
class InputGroup:
    """Input sequences of one length, batched (B, T, d), each with a label for reports."""

    inputs: Array
    labels: tuple[str, ...]


@dataclass(frozen=True)
class SemanticsChange:
    """A neighbouring semantics under which the answer to one input sequence changes."""

    neighbour: Neighbour
    inputs_label: str
    positions: tuple[int, ...]
    key: Array
    alternative: Array


@dataclass(frozen=True)
class NearBoundary:
    """Values before rounding within BOUNDARY_DISTANCE of a rounding boundary."""

    semantics: str
    inputs_label: str
    positions: tuple[int, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class ProblemAudit:
    """What the audit found for one problem; `notes` say what could not be audited."""

    problem: str
    changes: tuple[SemanticsChange, ...] = ()
    boundaries: tuple[NearBoundary, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def warnings(self) -> int:
        return len(self.changes) + len(self.boundaries)


def _label(sequence: Array) -> str:
    from grader.engine.keys import describe_key

    values = sequence[:, 0] if sequence.shape[1] == 1 else sequence
    return "inputs " + describe_key(values)


def input_groups(problem: Problem) -> tuple[list[InputGroup], list[str]]:
    """Every input sequence the problem can pose, grouped by length; plus notes on what was skipped."""
    model = problem.model
    assert model is not None
    if isinstance(problem.inputs, list):
        return [InputGroup(inputs_array(model, problem.inputs)[None], ("",))], []
    if isinstance(problem.inputs, ChooseFromInputs):
        by_length: dict[int, list[tuple[str, Array]]] = {}
        for index, sequence in enumerate(problem.inputs.choose_from):
            array = inputs_array(model, sequence)
            by_length.setdefault(len(array), []).append((f"choose_from[{index}]", array))
        return [
            InputGroup(np.stack([a for _, a in items]), tuple(label for label, _ in items))
            for _, items in sorted(by_length.items())
        ], []
    assert isinstance(problem.inputs, RandomInputs)
    draw = problem.inputs.random
    count = len(draw.alphabet) ** draw.length
    if count > MAX_AUDITED_SEQUENCES:
        return [], [
            f"random inputs: {len(draw.alphabet)}^{draw.length} possible sequences, more than "
            f"{MAX_AUDITED_SEQUENCES}; not audited"
        ]
    sequences = np.array(list(itertools.product(draw.alphabet, repeat=draw.length)), dtype=np.float64)
    batch = sequences[..., None]
    return [InputGroup(batch, tuple(_label(s) for s in batch))], []


def _reported(problem: Problem, trace: Trace, raw: bool) -> Array:
    """(B, T, n) values the answer reports: h or c, rounded or before rounding."""
    assert isinstance(problem.answer, SequenceAnswer)
    if problem.answer.of == "h":
        return trace.h_raw if raw else trace.h
    return trace.c if raw else trace.c_reported


def _differs(problem: Problem, key: Array, other: Array) -> NDArray[np.bool_]:
    """(B, T): True where `other` differs from `key` beyond the comparison tolerance."""
    abs_tol, rel_tol = tolerance_for(problem)
    close = np.abs(other - key) <= np.maximum(abs_tol, rel_tol * np.abs(key))
    return np.asarray(~close.all(axis=2), dtype=np.bool_)


def _near_boundary(values: Array, places: int) -> NDArray[np.bool_]:
    """(B, T, n): True where a value is within BOUNDARY_DISTANCE of k + 0.5 at `places` decimals."""
    scale = 10.0**places
    scaled = values * scale
    distance = np.abs(scaled - np.floor(scaled) - 0.5) / scale
    return np.asarray(distance <= BOUNDARY_DISTANCE, dtype=np.bool_)


def _squeeze(problem: Problem, values: Array) -> Array:
    assert problem.model is not None
    return values[..., 0] if problem.model.scalar else values


def _boundary_semantics(problem: Problem) -> list[tuple[str, Evaluation]]:
    own = problem.evaluation
    checked = [("as specified", own)]
    if isinstance(own.activation, SaturatingActivation):
        checked.append(
            ("activation: exact", own.model_copy(update={"activation": ExactActivation(kind="exact")}))
        )
    return checked


def audit_problem(problem: Problem) -> ProblemAudit:
    """Recompute a sequence problem's answer under every neighbouring semantics; report what changes."""
    if not isinstance(problem.answer, SequenceAnswer) or problem.model is None:
        return ProblemAudit(problem.id)
    groups, notes = input_groups(problem)
    changes: list[SemanticsChange] = []
    boundaries: list[NearBoundary] = []
    rounding = problem.evaluation.rounding
    for group in groups:
        key = _reported(problem, trace_for(problem, group.inputs), raw=False)
        for neighbour in neighbours(problem.evaluation):
            other = _reported(problem, trace_for(problem, group.inputs, neighbour.evaluation), raw=False)
            differs = _differs(problem, key, other)
            for b in np.flatnonzero(differs.any(axis=1)):
                changes.append(
                    SemanticsChange(
                        neighbour,
                        group.labels[b],
                        tuple(int(t) for t in np.flatnonzero(differs[b])),
                        _squeeze(problem, key[b]),
                        _squeeze(problem, other[b]),
                    )
                )
        if rounding is None:
            continue
        for name, evaluation in _boundary_semantics(problem):
            raw = _reported(problem, trace_for(problem, group.inputs, evaluation), raw=True)
            near = _near_boundary(raw, rounding.places)
            for b in np.flatnonzero(near.any(axis=(1, 2))):
                positions = tuple(int(t) for t in np.flatnonzero(near[b].any(axis=1)))
                # for a vector cell, the first unit that is near a boundary
                values = tuple(float(raw[b, t][near[b, t]][0]) for t in positions)
                boundaries.append(NearBoundary(name, group.labels[b], positions, values))
    return ProblemAudit(problem.id, tuple(changes), tuple(boundaries), tuple(notes))
