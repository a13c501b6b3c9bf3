"""Per-student variants: each student's own inputs, drawn from a stable hash, never from `hash()`.

The derivation is part of the course's contract with its students (a variant must never change
between runs, machines or versions of this package), so it is spelled out here and pinned by tests:

    material = "grader-variant-v1" NUL salt NUL problem id NUL student id     (UTF-8)
    stream   = SHAKE-256(material), the first 8·L bytes
    w_i      = bytes [8i, 8i+8) of the stream as a little-endian unsigned 64-bit integer
    u_i      = (w_i >> 11) · 2^-53                                            (exact, in [0, 1))
    pick_i   = floor(u_i · k)

`random: {alphabet, length: L}` draws x_i = alphabet[pick_i] with k = |alphabet|, i < L;
`choose_from: [...]` draws L = 1 pick with k = the number of sequences.

Why not numpy's Generator: NEP 19 keeps bit generators stable but lets `Generator.integers` and
`choice` change between numpy versions, and creating one Generator per student costs several
times one SHAKE-256 call (figures: docs/course-operations.md, "Per-student variants").
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.engine.keys import fixed_inputs, inputs_array
from grader.report.numbers import format_number, json_number
from grader.spec.models import ChooseFromInputs, Problem, RandomInputs

__all__ = [
    "DERIVATION",
    "INPUTS_PLACEHOLDER",
    "PickRequest",
    "Variant",
    "VariantDraw",
    "describe_inputs",
    "draw_variants",
    "pick_request",
    "picks_for",
    "render_statement",
    "uniform_picks",
    "variant_for",
]

Array = NDArray[np.float64]

#: The tag that starts every seed's material; a new derivation would need a new tag.
DERIVATION = "grader-variant-v1"
#: Written in a statement where each student's own inputs are shown.
INPUTS_PLACEHOLDER = "{inputs}"

_TWO_TO_MINUS_53 = 2.0**-53


def uniform_picks(
    salt: str, problem_id: str, students: Sequence[str], count: int, choices: int
) -> NDArray[np.int64]:
    """`count` picks in range(choices) per student, shape (B, count), by the derivation above."""
    prefix = f"{DERIVATION}\0{salt}\0{problem_id}\0".encode()
    size = 8 * count
    shake = hashlib.shake_256
    stream = b"".join([shake(prefix + student.encode()).digest(size) for student in students])
    words = np.frombuffer(stream, dtype="<u8").reshape(len(students), count)
    uniform = (words >> np.uint64(11)).astype(np.float64) * _TWO_TO_MINUS_53
    picks: NDArray[np.int64] = np.floor(uniform * choices).astype(np.int64)
    return picks


def _distinct_rows(picks: NDArray[np.int64], choices: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The distinct rows of `picks` and each row's index among them (np.unique over rows)."""
    count = picks.shape[1]
    if choices**count < 2**62:
        # rows as base-`choices` numbers: a 1-d unique is much faster than unique(axis=0), which
        # sorts rows as structured records
        radix = np.asarray([choices**i for i in range(count)], dtype=np.int64)
        _, first, codes = np.unique(picks @ radix, return_index=True, return_inverse=True)
        return picks[first], np.asarray(codes, dtype=np.int64).reshape(len(picks))
    rows, codes = np.unique(picks, axis=0, return_inverse=True)
    return rows, np.asarray(codes, dtype=np.int64).reshape(len(picks))


@dataclass(frozen=True)
class VariantDraw:
    """The variants of a batch of students: distinct input sequences and who drew which.

    `codes[b]` indexes `inputs` for student b; sequences of one length can be run in one batch.
    """

    inputs: list[Array]  # distinct (T, d) input sequences
    codes: NDArray[np.int64]  # (B,)


#: What the hashing of one problem's draw needs: (problem id, picks per student, choices per pick).
PickRequest = tuple[str, int, int]


def pick_request(problem: Problem) -> PickRequest | None:
    """What `uniform_picks` needs to draw `problem`'s variants; None when its inputs are fixed."""
    spec = problem.inputs
    if problem.model is None:
        return None
    if isinstance(spec, RandomInputs):
        return (problem.id, spec.random.length, len(spec.random.alphabet))
    if isinstance(spec, ChooseFromInputs):
        return (problem.id, 1, len(spec.choose_from))
    return None


def picks_for(salt: str, requests: Sequence[PickRequest], students: Sequence[str]) -> list[NDArray[np.int64]]:
    """`uniform_picks` of several problems for the same students: the part of a draw that hashes.

    Plain data in and out, so that it can run in another process (`grader.engine.parallel`)
    while this one reads the next students.
    """
    return [uniform_picks(salt, problem, students, count, choices) for problem, count, choices in requests]


def draw_variants(
    problem: Problem, students: Sequence[str], salt: str, picks: NDArray[np.int64] | None = None
) -> VariantDraw:
    """Every student's inputs for `problem`, vectorized over students (fixed inputs: one variant).

    `picks` are the students' `uniform_picks` for the problem when already hashed (`picks_for`).
    """
    model = problem.model
    if model is None:
        raise ValueError(f"problem {problem.id!r} has no inputs to draw")
    request = pick_request(problem)
    if request is None:
        return VariantDraw([fixed_inputs(problem)], np.zeros(len(students), dtype=np.int64))
    if picks is None:
        [picks] = picks_for(salt, [request], students)
    if len(students) == 0:
        return VariantDraw([], np.zeros(0, dtype=np.int64))
    spec = problem.inputs
    if isinstance(spec, RandomInputs):
        alphabet = np.asarray(spec.random.alphabet, dtype=np.float64)
        rows, codes = _distinct_rows(picks, len(alphabet))
        inputs = [alphabet[row].reshape(len(row), 1) for row in rows]
        return VariantDraw(inputs, codes)
    assert isinstance(spec, ChooseFromInputs)
    return VariantDraw([inputs_array(model, sequence) for sequence in spec.choose_from], picks[:, 0])


def describe_inputs(inputs: Array, scalar: bool) -> str:
    """Inputs as the statement shows them: [0, 1, 1] or [[1, 0], [0, 1]]."""
    if scalar or inputs.shape[1] == 1:
        return "[" + ", ".join(format_number(float(x)) for x in inputs[:, 0]) + "]"
    rows = ("[" + ", ".join(format_number(float(v)) for v in row) + "]" for row in inputs)
    return "[" + ", ".join(rows) + "]"


def render_statement(problem: Problem, inputs: Array | None) -> str:
    """The statement with INPUTS_PLACEHOLDER replaced by `inputs` (the only placeholder: LaTeX
    braces elsewhere in a statement are left alone)."""
    if inputs is None or problem.model is None:
        return problem.statement
    return problem.statement.replace(INPUTS_PLACEHOLDER, describe_inputs(inputs, problem.model.scalar))


@dataclass(frozen=True)
class Variant:
    """One student's version of a problem: the inputs they work on and the statement they read."""

    problem: str
    student: str
    inputs: Array | None  # (T, d); None for a problem without inputs (multiple choice)
    statement: str

    def inputs_json(self) -> list[Any] | None:
        """The inputs as JSON data: numbers for a cell with scalar inputs, else lists."""
        if self.inputs is None:
            return None
        if self.inputs.shape[1] == 1:
            return [json_number(x) for x in self.inputs[:, 0]]
        return [[json_number(v) for v in row] for row in self.inputs]


def variant_for(problem: Problem, student: str, salt: str) -> Variant:
    """`student`'s inputs and statement for `problem` (the same for everyone if inputs are fixed)."""
    if problem.model is None or problem.inputs is None:
        return Variant(problem.id, student, None, problem.statement)
    draw = draw_variants(problem, [student], salt)
    inputs = draw.inputs[int(draw.codes[0])]
    return Variant(problem.id, student, inputs, render_statement(problem, inputs))
