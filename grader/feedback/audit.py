"""Key audit: does a problem's answer depend on a reading of its rules that students could take?

For every sequence problem the answer is recomputed under each neighbouring semantics
(`grader.feedback.semantics.neighbours`: exact vs saturating activations, carry rounded vs exact,
each tie rule; `knob_neighbours`: the model kind's own conventions read the other way). Every
neighbour that changes the answer is reported with the positions it changes and both sequences.
Separately, any value before rounding that lies within `BOUNDARY_DISTANCE` of a rounding
boundary (k + 0.5 at the rounded precision), under the problem's own rules or under exact
activations, is reported: one more digit of arithmetic error, or a different approximation,
moves it to the other side. And a key that no student can type is reported (`UntypableKey`):
with no rounding and the default tolerance (1e-6), a value such as tanh(1) = 0.76159415… is
right only when typed to six decimals or more.

Inputs that vary per student are audited over every `choose_from` sequence, and over every
`random` sequence when there are at most `MAX_AUDITED_SEQUENCES` of them; all sequences of one
length go through the engine in one batch.

The reveal policy is audited too (`reveal_risks`): feedback that names wrong entries lets a
student find the key by elimination when the attempts allow it, and a solution shown
while classmates with the same inputs can still submit is one student's to publish.

Every finding carries a stable id from `grader.spec.models.AUDIT_WARNINGS`, which a spec's
`audit.accept` names to accept it with a reason.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Union

import numpy as np
from numpy.typing import NDArray

from grader.compare.answers import tolerance_for, within_tolerance
from grader.compare.policy import levels_before_last_attempt, reveals
from grader.engine.keys import (
    answer_layout,
    answer_size,
    answer_vector_size,
    inputs_array,
    kind_for,
    reported,
    trace_for,
)
from grader.feedback.semantics import Neighbour, knob_neighbours, neighbours
from grader.spec.models import (
    REVEAL_LEVELS,
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
    "TYPED_DECIMALS",
    "UntypableKey",
    "InputGroup",
    "SemanticsChange",
    "NearBoundary",
    "RevealRisk",
    "ProblemAudit",
    "values_per_entry",
    "reveal_risks",
    "input_groups",
    "audit_problem",
]

Array = NDArray[np.float64]

#: A value before rounding this close to a rounding boundary is reported.
BOUNDARY_DISTANCE = 1e-6
#: Random inputs are audited exhaustively only up to this many possible sequences.
MAX_AUDITED_SEQUENCES = 65_536
#: The most decimals a student is expected to type; a key value that needs more to be within
#: the default tolerance cannot be typed.
TYPED_DECIMALS = 4
#: The decimals `UntypableKey` suggests rounding to: enough for two significant digits of the
#: smallest value, within these bounds.
SUGGESTED_DECIMALS = (2, 6)


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
    #: the steps of a sequence, the entries (flat, row-major) of an array answer
    positions: tuple[int, ...]
    key: Array
    alternative: Array

    @property
    def id(self) -> str:
        return f"semantics:{self.neighbour.name}"


@dataclass(frozen=True)
class NearBoundary:
    """Values before rounding within BOUNDARY_DISTANCE of a rounding boundary."""

    semantics: str
    inputs_label: str
    positions: tuple[int, ...]
    values: tuple[float, ...]
    id: str = "boundary"
    #: the key's shape for these inputs, which names an array answer's positions
    shape: tuple[int, ...] = ()


@dataclass(frozen=True)
class UntypableKey:
    """Key values a student cannot type: no rounding, the default tolerance, and more than
    TYPED_DECIMALS decimals. `positions` are the entries of the first input sequence with such
    values (its steps, for a sequence), `values` theirs; `decimals` what to round to."""

    inputs_label: str
    positions: tuple[int, ...]
    values: tuple[float, ...]
    #: how many of the audited input sequences have such values
    sequences: int
    decimals: int
    id: str = "key:untypable"
    #: the key's shape for the first input sequence, which names an array answer's positions
    shape: tuple[int, ...] = ()

    @property
    def abs_tol(self) -> float:
        """The tolerance that accepts a value typed to `decimals` decimals."""
        return 0.5 * 10.0**-self.decimals

    @property
    def advice(self) -> str:
        return (
            f"round the key, `evaluation: {{rounding: {{decimals: {self.decimals}}}}}` (and say so in the "
            f"statement), or accept values typed to {self.decimals} decimals, "
            f"`answer: {{compare: {{abs_tol: {self.abs_tol:g}}}}}`"
        )


@dataclass(frozen=True)
class RevealRisk:
    """A reveal policy that gives the key away: `explanation` says how, with the arithmetic."""

    id: str
    explanation: str
    #: what to choose instead
    advice: str


Finding = Union[SemanticsChange, NearBoundary, UntypableKey, RevealRisk]


@dataclass(frozen=True)
class ProblemAudit:
    """What the audit found for one problem; `notes` say what could not be audited."""

    problem: str
    changes: tuple[SemanticsChange, ...] = ()
    boundaries: tuple[NearBoundary, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    reveals: tuple[RevealRisk, ...] = ()
    untypable: tuple[UntypableKey, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every warning, in the order `grade check` prints them."""
        return (*self.changes, *self.boundaries, *self.untypable, *self.reveals)

    @property
    def warnings(self) -> int:
        return len(self.findings)


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


def _reported(problem: Problem, trace: object, raw: bool) -> Array:
    """(B, T, n) values the answer reports, rounded or before rounding."""
    return reported(problem, trace, raw=raw, squeeze=False)


def _by_position(problem: Problem, flags: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """(B, T, n) flags as (B, positions): a sequence's steps (a step flagged if any unit is), or
    an array's entries, flat and row-major as its kind names them (`entries_for`)."""
    if answer_layout(problem) is None:
        return np.asarray(flags.any(axis=2), dtype=np.bool_)
    return np.asarray(flags.reshape(len(flags), -1), dtype=np.bool_)


def _differs(problem: Problem, key: Array, other: Array) -> NDArray[np.bool_]:
    """(B, positions): True where `other` differs from `key` beyond the comparison tolerance."""
    abs_tol, rel_tol = tolerance_for(problem)
    close = within_tolerance(other, key, abs_tol, rel_tol)
    return _by_position(problem, ~close)


def _suggested_decimals(values: Array) -> int:
    """Decimals that keep two significant digits of the smallest non-zero value, within bounds."""
    magnitudes = np.abs(values[values != 0])
    low, high = SUGGESTED_DECIMALS
    if magnitudes.size == 0:
        return low
    return int(min(high, max(low, np.ceil(-np.log10(magnitudes.min())) + 1)))


def _untypable(problem: Problem, groups: list[tuple[InputGroup, Array]]) -> tuple[UntypableKey, ...]:
    """The key values no student types: with no rounding and no `answer.compare`, values that are
    not within the default tolerance of themselves typed to TYPED_DECIMALS decimals."""
    assert isinstance(problem.answer, SequenceAnswer)
    if problem.evaluation.rounding is not None or problem.answer.compare is not None:
        return ()
    abs_tol, rel_tol = tolerance_for(problem)
    first: tuple[str, tuple[int, ...], tuple[float, ...], tuple[int, ...]] | None = None
    sequences = 0
    every: list[Array] = []
    for group, key in groups:
        every.append(key.reshape(-1))
        typed = np.round(key, TYPED_DECIMALS)
        flagged = ~within_tolerance(typed, key, abs_tol, rel_tol)
        long = _by_position(problem, flagged)
        for b in np.flatnonzero(long.any(axis=1)):
            sequences += 1
            if first is None:
                positions = tuple(int(p) for p in np.flatnonzero(long[b]))
                if answer_layout(problem) is None:
                    # for a vector cell, the first unit of each step that cannot be typed
                    values = tuple(float(key[b, t][flagged[b, t]][0]) for t in positions)
                else:
                    values = tuple(float(key[b].reshape(-1)[p]) for p in positions)
                first = (group.labels[b], positions, values, _squeeze(problem, key[b]).shape)
    if first is None:
        return ()
    label, positions, values, shape = first
    decimals = _suggested_decimals(np.concatenate(every))
    return (UntypableKey(label, positions, values, sequences, decimals, shape=shape),)


def _near_boundary(values: Array, places: int) -> NDArray[np.bool_]:
    """(B, T, n): True where a value is within BOUNDARY_DISTANCE of k + 0.5 at `places` decimals."""
    scale = 10.0**places
    scaled = values * scale
    distance = np.abs(scaled - np.floor(scaled) - 0.5) / scale
    return np.asarray(distance <= BOUNDARY_DISTANCE, dtype=np.bool_)


def _squeeze(problem: Problem, values: Array) -> Array:
    return values[..., 0] if answer_vector_size(problem) is None else values


def _boundary_semantics(problem: Problem) -> list[tuple[str, str, Evaluation]]:
    """(how a report names the semantics, the warning's id, the evaluation) to check for boundaries."""
    own = problem.evaluation
    checked = [("as specified", "boundary", own)]
    if isinstance(own.activation, SaturatingActivation):
        exact = own.model_copy(update={"activation": ExactActivation(kind="exact")})
        checked.append(("activation: exact", "boundary:activation_exact", exact))
    return checked


def _longest_inputs(problem: Problem) -> int:
    """T of the longest input sequence the problem can pose."""
    if isinstance(problem.inputs, list):
        return len(problem.inputs)
    if isinstance(problem.inputs, ChooseFromInputs):
        return max(len(sequence) for sequence in problem.inputs.choose_from)
    assert isinstance(problem.inputs, RandomInputs)
    return problem.inputs.random.length


def values_per_entry(problem: Problem) -> tuple[int, str] | None:
    """How many values one entry of a sequence answer can take, and why; None: unbounded.

    The model kind bounds each quantity it reports (`Quantity.bound`: for the LSTM, h_t in
    [-1, 1] and |c_t| <= max|c_{-1}| + t + 1). Rounded to k decimals, a value of magnitude at most
    B takes at most 2 round(B 10^k) + 1 values, and an entry of n units the n-th power of that:
    positions feedback names a wrong step, not a wrong unit.
    """
    answer, rounding, model = problem.answer, problem.evaluation.rounding, problem.model
    if not isinstance(answer, SequenceAnswer) or rounding is None or model is None:
        return None
    quantity = kind_for(problem).quantities[answer.of]
    bounded = None if quantity.bound is None else quantity.bound(model, _longest_inputs(problem))
    if bounded is None:
        return None
    bound, where = bounded
    grid = 10**rounding.places
    per_unit = 2 * int(np.floor(bound * grid + 0.5)) + 1
    size = answer_size(problem) or 1
    count = per_unit**size
    target = "an integer" if rounding.places == 0 else f"{rounding.places} decimals"
    reason = f"{where}, rounded to {target}"
    if per_unit <= 5 and rounding.places == 0:
        values = ", ".join(str(v) for v in range(-(per_unit // 2), per_unit // 2 + 1))
        reason += f": {{{values}}}"
    if size > 1:
        reason += f", for each of {size} units"
    return count, reason


def _elimination(problem: Problem) -> RevealRisk | None:
    """Feedback that names wrong entries while attempts remain, and enough attempts to use it."""
    named = [level for level in levels_before_last_attempt(problem) if reveals(level, "positions")]
    counted = values_per_entry(problem)
    if not named or counted is None:
        return None
    level = max(named, key=REVEAL_LEVELS.index)
    values, reason = counted
    # each wrong attempt rules out one value of every entry still wrong, all entries at once
    needed = values
    if problem.max_attempts is not None and needed > problem.max_attempts:
        return None
    attempts = problem.max_attempts
    allowed = "unlimited attempts" if attempts is None else f"max_attempts is {attempts}"
    return RevealRisk(
        "reveal:positions",
        f"`{level}` feedback names every wrong entry, and an entry takes at most {values} values "
        f"({reason}); trying another value in every wrong entry, {values - 1} wrong "
        f"attempt{'s' if values != 2 else ''} reveal every entry and attempt {needed} enters the key "
        f"({allowed})",
        f"choose `reveal: count` (how many entries are wrong, not which), or fewer than {needed} attempts",
    )


def _shared_solution(problem: Problem) -> RevealRisk | None:
    """The solution shown while classmates with the same inputs can still submit."""
    same_for_everyone = not isinstance(problem.answer, SequenceAnswer) or problem.fixed_inputs
    if not same_for_everyone:
        return None
    policy = problem.reveal
    if reveals(policy.show, "solution"):
        when = f"`show: {policy.show}` shows the solution after any wrong attempt"
    elif (
        policy.after_last_attempt is not None
        and reveals(policy.after_last_attempt, "solution")
        and problem.max_attempts is not None
    ):
        used = f"{problem.max_attempts} attempt{'s' if problem.max_attempts != 1 else ''}"
        when = (
            f"`after_last_attempt: {policy.after_last_attempt}` shows the solution to a "
            f"student who used their {used}"
        )
    elif any(reveals(level, "solution") for level in levels_before_last_attempt(problem)):
        when = f"`after_due: {policy.after_due}` shows the solution while late attempts are accepted"
    else:
        return None
    return RevealRisk(
        "reveal:shared_solution",
        f"every student has the same inputs, and {when}, while the rest of the class can still "
        "submit: one student can publish the solution for everyone",
        "give each student their own inputs (`choose_from` or `random`), or show the solution only "
        "`after_due` (with `late: reject`)",
    )


def reveal_risks(problem: Problem) -> tuple[RevealRisk, ...]:
    """Ways the problem's reveal policy gives its key away before a student has earned it."""
    found = (_elimination(problem), _shared_solution(problem))
    return tuple(risk for risk in found if risk is not None)


def audit_problem(problem: Problem) -> ProblemAudit:
    """Recompute a sequence problem's answer under every neighbouring semantics; report what changes."""
    if not isinstance(problem.answer, SequenceAnswer) or problem.model is None:
        return ProblemAudit(problem.id, reveals=reveal_risks(problem))
    groups, notes = input_groups(problem)
    changes: list[SemanticsChange] = []
    boundaries: list[NearBoundary] = []
    rounding = problem.evaluation.rounding
    keys: list[tuple[InputGroup, Array]] = []
    for group in groups:
        key = _reported(problem, trace_for(problem, group.inputs), raw=False)
        keys.append((group, key))
        for neighbour in [*neighbours(problem.evaluation), *knob_neighbours(problem)]:
            other_trace = trace_for(problem, group.inputs, neighbour.evaluation, neighbour.model)
            other = _reported(problem, other_trace, raw=False)
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
        for name, warning, evaluation in _boundary_semantics(problem):
            raw = _reported(problem, trace_for(problem, group.inputs, evaluation), raw=True)
            near = _near_boundary(raw, rounding.places)
            at = _by_position(problem, near)
            for b in np.flatnonzero(near.any(axis=(1, 2))):
                positions = tuple(int(p) for p in np.flatnonzero(at[b]))
                if answer_layout(problem) is None:
                    # for a vector cell, the first unit that is near a boundary
                    values = tuple(float(raw[b, t][near[b, t]][0]) for t in positions)
                else:
                    values = tuple(float(raw[b].reshape(-1)[p]) for p in positions)
                shape = _squeeze(problem, raw[b]).shape
                boundaries.append(NearBoundary(name, group.labels[b], positions, values, warning, shape))
    return ProblemAudit(
        problem.id,
        tuple(changes),
        tuple(boundaries),
        tuple(notes),
        reveal_risks(problem),
        _untypable(problem, keys),
    )
