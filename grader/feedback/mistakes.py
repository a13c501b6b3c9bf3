"""The catalogue of known mistakes: each a small named transformation of the spec or of the answer.

A mistake is computed by the engine for the very problem being graded: change the evaluation
rules (carry, tie rule, activations, no rounding), the model (a parameter's sign flipped, a
convention of the kind read the other way), the inputs (read in reverse), or take a different
view of the correct computation (the list shifted by one). Each model kind adds its own entries
(`ModelKind.mistakes`: for the LSTM, the output gate ignored, the forget gate taken as 1, c
reported instead of h), built from the helpers here. A student's answer
that equals a mistake's answer is explained by that mistake, and the feedback says so in a
sentence.

Every mistake is computable for a batch of input sequences at once (one engine pass per
spec-level variant), so a class with per-student inputs is diagnosed with `mistake_answers`
once per problem and `matching_mistakes` per student. Adding a mistake of every kind is one
`Mistake` entry in MISTAKES or LATER_MISTAKES, with its test in tests/feedback/test_mistakes.py;
a kind's own mistake is an entry of its `ModelKind.mistakes`, tested with the kind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.compare.answers import entries_for, tolerance_for, within_tolerance
from grader.compare.entries import EntryNames
from grader.engine.keys import answer_symbol, compute_keys, fixed_inputs, kind_for, reported, trace_for
from grader.engine.kinds import ModelKind
from grader.engine.rounding import is_tie
from grader.feedback.semantics import TIE_WORDS, knob_neighbours, neighbours
from grader.report.numbers import format_value
from grader.spec.models import (
    Evaluation,
    ModelSpec,
    Problem,
    SaturatingActivation,
    SequenceAnswer,
)

__all__ = [
    "Mistake",
    "MistakeVariant",
    "Evidence",
    "Match",
    "MISTAKES",
    "LATER_MISTAKES",
    "catalogue",
    "engine_answers",
    "with_model",
    "MAX_SIGN_FLIPS",
    "UNROUNDED_TOLERANCE",
    "variants_for",
    "mistake_answers",
    "matching_mistakes",
    "MistakeTable",
    "diagnose",
    "diagnose_batch",
]

Array = NDArray[np.float64]
#: A trace of the problem's model kind (`grader.engine.kinds.ModelKind.run`).
Trace = Any

#: A cell with more non-zero parameters than this gets no sign-flip variants (one engine pass each).
MAX_SIGN_FLIPS = 64
#: Unrounded values are typed with a few decimals; they match within this absolute distance.
UNROUNDED_TOLERANCE = 5e-3


@dataclass(frozen=True)
class Evidence:
    """What a sentence about one matched mistake may draw on, for one student."""

    problem: Problem
    inputs: Array  # (T, d)
    key: Array  # (T,) or (T, n)
    given: Array  # the student's answer, same length as `mistaken`
    mistaken: Array  # the mistake's answer
    key_trace: Trace  # batch of one

    @property
    def symbol(self) -> str:
        return answer_symbol(self.problem)

    @property
    def kind(self) -> ModelKind:
        return kind_for(self.problem)

    @property
    def entries(self) -> EntryNames | None:
        """How the answer's entries are named when it is an array (None: a sequence of steps)."""
        return entries_for(self.problem, np.shape(self.key))

    @property
    def changed(self) -> tuple[int, ...]:
        """Positions where the mistake's answer differs from the key (when the shapes agree): the
        steps of a sequence, the flat (row-major) entries of an array."""
        entries = self.entries
        if entries is not None:
            if np.shape(self.mistaken) != np.shape(self.key):
                return ()
            close = within_tolerance(self.mistaken, self.key, *tolerance_for(self.problem))
            return tuple(int(index) for index in np.flatnonzero(~close.reshape(-1)))
        if len(self.mistaken) != len(self.key):
            return ()
        differs = ~_close(self.problem, self.key, self.mistaken)
        return tuple(int(t) for t in np.flatnonzero(differs))

    def names(self, positions: Sequence[int]) -> str:
        """The positions' names in the answer's own terms: `h_3`, `row 2, column 1 of ∂L/∂W_1`."""
        entries = self.entries
        return names(self.symbol, positions) if entries is None else entries.names(positions)

    def at(self, values: Array, position: int) -> Any:
        """The value at a position of `changed` in an array of the key's shape."""
        return np.asarray(values).reshape(-1)[position] if self.entries is not None else values[position]


@dataclass(frozen=True)
class MistakeVariant:
    """One concrete mistake for one problem, e.g. `ties_away_from_zero` or `sign_flipped:cell.W_h`."""

    name: str
    #: (inputs (B, T, d), the spec's own trace of them) → the mistake's answers (B, T', …)
    answers: Callable[[Array, Trace], Array]
    explain: Callable[[Evidence], str]
    #: the mistake in a few words a student reads ("rounding ±0.5 up")
    label: str


@dataclass(frozen=True)
class Mistake:
    """A catalogue entry: its name, what it is in a few words, and its variants for a problem."""

    name: str
    summary: str
    variants: Callable[[Problem], list[MistakeVariant]]


@dataclass(frozen=True)
class Match:
    """A mistake variant that explains a student's answer, with the sentence that says so."""

    mistake: str
    variant: str
    sentence: str
    label: str = ""


def names(symbol: str, positions: Sequence[int]) -> str:
    """h_3, `h_3 and h_4`, `h_1, h_2 and h_4`."""
    items = [f"{symbol}_{p}" for p in positions]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _close(problem: Problem, key: Array, other: Array, tolerance: float | None = None) -> NDArray[np.bool_]:
    abs_tol, rel_tol = tolerance_for(problem)
    if tolerance is not None:
        abs_tol = tolerance
    close = within_tolerance(np.asarray(other), key, abs_tol, rel_tol)
    if close.ndim > 1:
        return np.asarray(close.reshape(close.shape[0], -1).all(axis=1), dtype=np.bool_)
    return np.asarray(close, dtype=np.bool_)


def _reported(problem: Problem, trace: Trace) -> Array:
    """(B, T) or (B, T, n): what the answer reports from a trace, as rounded."""
    return reported(problem, trace)


def _follows(evidence: Evidence, after: int) -> str:
    later = [p for p in evidence.changed if p > after]
    if not later:
        return ""
    verb = "follows" if len(later) == 1 else "follow"
    return f" Your {evidence.names(later)} {verb} correctly from that."


def _first_change(evidence: Evidence) -> int:
    return evidence.changed[0] if evidence.changed else 0


# --- spec-level mistakes: the engine run under other rules -------------------------------------


def _under(problem: Problem, evaluation: Evaluation) -> Callable[[Array, Trace], Array]:
    def answers(inputs: Array, _: Trace) -> Array:
        return compute_keys(problem, inputs, evaluation)

    return answers


def _carry_sentence(evidence: Evidence) -> str:
    problem = evidence.problem
    first = _first_change(evidence)
    carried_exact = problem.evaluation.carry == "rounded"
    if evidence.entries is not None:
        # an array's entries are not steps: what is carried is every value to the next stage
        where = f" It first matters at {evidence.names([first])}." if evidence.changed else ""
        if carried_exact:
            return (
                "Your answer is what you get carrying the unrounded values forward; this problem "
                "rounds every value it computes and carries the rounded ones to the next stage." + where
            )
        return (
            "Your answer is what you get carrying the rounded values forward; this problem carries "
            "the values before rounding and rounds only what you report." + where
        )
    trace = evidence.key_trace  # identical to the mistaken run before `first`
    kind = evidence.kind
    h = kind.carried  # the quantity the next step sees
    carried_raw, carried_rounded = kind.reported(trace, h, True), kind.reported(trace, h, False)
    source = first - 1
    for s in range(first - 1, -1, -1):
        if not np.allclose(carried_raw[0, s], carried_rounded[0, s]):
            source = s
            break
    raw = format_value(carried_raw[0, source])
    # the student's own rounded value when they report it; the computation's rounded one otherwise
    reports_carried = evidence.symbol == h
    own = format_value(evidence.given[source] if reports_carried else carried_rounded[0, source])
    later = evidence.names([p for p in evidence.changed if p >= first])
    verb = "follows" if len([p for p in evidence.changed if p >= first]) == 1 else "follow"
    whose = "your" if reports_carried else "the"
    if carried_exact:
        return (
            f"Your {later} {verb} from feeding the unrounded {h}_{source} = {raw} forward instead of "
            f"{whose} rounded {h}_{source} = {own}; this problem uses the rounded {h}_t in the next step."
        )
    return (
        f"Your {later} {verb} from feeding {whose} rounded {h}_{source} = {own} forward; this problem "
        f"uses {h}_t before rounding ({h}_{source} = {raw}) in the next step and rounds only what you report."
    )


def _carry(problem: Problem) -> list[MistakeVariant]:
    return [
        MistakeVariant(
            n.name,
            _under(problem, n.evaluation),
            _carry_sentence,
            f"carrying the {'unrounded' if n.name == 'carry_exact' else 'rounded'} "
            f"{kind_for(problem).carried}_t forward",
        )
        for n in neighbours(problem.evaluation)
        if n.rule == "carry"
    ]


def _tie_sentence(rule: str) -> Callable[[Evidence], str]:
    def sentence(evidence: Evidence) -> str:
        problem = evidence.problem
        assert problem.evaluation.rounding is not None
        places = problem.evaluation.rounding.places
        trace = evidence.key_trace
        # the reported quantity before rounding
        before = reported(problem, trace, raw=True)[0]
        ties = [p for p in evidence.changed if bool(np.any(is_tie(evidence.at(before, p), places)))] or list(
            evidence.changed[:1]
        )
        first = ties[0]
        raw = format_value(evidence.at(before, first))
        own = format_value(evidence.at(evidence.given, first))
        spec_rule = TIE_WORDS[problem.evaluation.rounding.ties]
        halves = "±0.5" if places == 0 else "half-way values"
        return (
            f"Your {evidence.names([first])}: before rounding it is {raw}, exactly half-way, and you "
            f"rounded it {TIE_WORDS[rule]} to {own}; this problem rounds {halves} {spec_rule}."
            + _follows(evidence, first)
        )

    return sentence


def _ties(problem: Problem) -> list[MistakeVariant]:
    return [
        MistakeVariant(
            n.name,
            _under(problem, n.evaluation),
            _tie_sentence(n.name[len("ties_") :]),
            f"rounding ±0.5 {TIE_WORDS[n.name[len('ties_') :]]}",
        )
        for n in neighbours(problem.evaluation)
        if n.rule == "ties"
    ]


def _activation_sentence(evidence: Evidence) -> str:
    activation = evidence.problem.evaluation.activation
    first = evidence.names(evidence.changed[:1])
    if isinstance(activation, SaturatingActivation):
        at = format_value(activation.at)
        return (
            "Your answer is what the exact sigmoid and tanh give; this problem uses the "
            f"approximation sigmoid(z) ≈ 1 and tanh(z) ≈ 1 for z ≥ {at}, sigmoid(z) ≈ 0 and "
            f"tanh(z) ≈ −1 for z ≤ −{at}. The difference first shows at {first}."
        )
    return (
        "Your answer is what the approximation sigmoid(z) ≈ 1, tanh(z) ≈ ±1 for |z| ≥ 1 gives; "
        f"this problem uses the exact sigmoid and tanh. The difference first shows at {first}."
    )


def _activation(problem: Problem) -> list[MistakeVariant]:
    return [
        MistakeVariant(
            n.name,
            _under(problem, n.evaluation),
            _activation_sentence,
            "the exact sigmoid and tanh" if n.name == "activation_exact" else "the saturating approximation",
        )
        for n in neighbours(problem.evaluation)
        if n.rule == "activation"
    ]


def _no_rounding_sentence(evidence: Evidence) -> str:
    rounding = evidence.problem.evaluation.rounding
    assert rounding is not None
    target = "the closest integer" if rounding.to == "integer" else f"{rounding.places} decimals"
    carried = evidence.problem.evaluation.carry == "rounded"
    if evidence.entries is not None:
        then = " and carries the rounded values to the next stage." if carried else "."
        return (
            "You did not round: your values are the ones before rounding. This problem rounds "
            f"every value it reports to {target}{then}"
        )
    h = evidence.kind.carried
    if evidence.symbol == h:
        then = " and uses the rounded value in the next step." if carried else "."
    else:
        then = f" (and {h}_t, whose rounded value the next step uses)." if carried else "."
    return (
        f"You did not round: your values are {evidence.symbol}_t before rounding. This problem rounds "
        f"each {evidence.symbol}_t to {target}{then}"
    )


def _no_rounding(problem: Problem) -> list[MistakeVariant]:
    if problem.evaluation.rounding is None:
        return []
    evaluation = problem.evaluation.model_copy(update={"rounding": None, "carry": "exact"})
    return [
        MistakeVariant("rounding_skipped", _under(problem, evaluation), _no_rounding_sentence, "not rounding")
    ]


def with_model(problem: Problem, model: ModelSpec) -> Problem:
    """The problem with another model (of the same kind)."""
    return problem.model_copy(update={"model": model})


def engine_answers(problem: Problem) -> Callable[[Array, Trace], Array]:
    """A mistake's answers: the engine's keys for `problem` (usually a changed copy)."""

    def answers(inputs: Array, _: Trace) -> Array:
        return compute_keys(problem, inputs)

    return answers


def _flipped(problem: Problem, path: tuple[str | int, ...]) -> Problem:
    """The problem with the sign of one parameter entry (at `path` in the model block) flipped."""
    assert problem.model is not None
    data: Any = problem.model.model_dump()
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = -parent[path[-1]]
    return with_model(problem, type(problem.model).model_validate(data))


def _sign_sentence(symbol: str, value: float) -> Callable[[Evidence], str]:
    def sentence(evidence: Evidence) -> str:
        return (
            f"Your answer is what you get with the sign of {symbol} flipped ({format_value(-value)} "
            f"instead of {format_value(value)}); it first matters at {evidence.names(evidence.changed[:1])}."
        )

    return sentence


def _sign_flips(problem: Problem) -> list[MistakeVariant]:
    assert problem.model is not None
    found = [p for p in kind_for(problem).parameters(problem.model) if p.value != 0]
    if len(found) > MAX_SIGN_FLIPS:
        return []
    return [
        MistakeVariant(
            f"sign_flipped:{parameter.name}",
            engine_answers(_flipped(problem, parameter.path)),
            _sign_sentence(parameter.symbol, parameter.value),
            f"flipping the sign of {parameter.symbol}",
        )
        for parameter in found
    ]


def _knobs(problem: Problem) -> list[MistakeVariant]:
    """The kind's own conventions read the other way (z for 1 − z in a GRU, …)."""
    found = []
    for neighbour in knob_neighbours(problem):
        assert neighbour.knob is not None and neighbour.model is not None
        knob = neighbour.knob

        def sentence(evidence: Evidence, text: str = knob.sentence) -> str:
            return f"{text} It first matters at {evidence.names(evidence.changed[:1])}."

        answers = engine_answers(with_model(problem, neighbour.model))
        found.append(MistakeVariant(knob.name, answers, sentence, knob.label))
    return found


def _reversed_sentence(evidence: Evidence) -> str:
    last = len(evidence.inputs) - 1
    return (
        f"Your answer is what you get reading the inputs in reverse order (x_{last} first); "
        "step t reads x_t, starting with x_0."
    )


def _reversed(problem: Problem) -> list[MistakeVariant]:
    def answers(inputs: Array, _: Trace) -> Array:
        return compute_keys(problem, inputs[:, ::-1])

    return [MistakeVariant("inputs_reversed", answers, _reversed_sentence, "reading the inputs in reverse")]


# --- answer-level mistakes: another view of the right computation ------------------------------


def _initial(problem: Problem, trace: Trace) -> Array:
    """(B, 1) or (B, 1, n): the reported quantity's value before the first step."""
    assert isinstance(problem.answer, SequenceAnswer) and problem.model is not None
    first = kind_for(problem).initial(problem.model, problem.answer.of)
    batch = reported(problem, trace).shape[0]
    values = np.broadcast_to(first, (batch, 1, len(first)))
    return values[..., 0] if problem.model.scalar else values


def _shifted(problem: Problem) -> list[MistakeVariant]:
    if "sequence" not in kind_for(problem).answer_kinds:
        return []  # an answer with no steps (a network's outputs) cannot be shifted by one

    def starts_at_initial(_: Array, trace: Trace) -> Array:
        reported = _reported(problem, trace)
        return np.concatenate([_initial(problem, trace), reported[:, :-1]], axis=1)

    def includes_initial(_: Array, trace: Trace) -> Array:
        return np.concatenate([_initial(problem, trace), _reported(problem, trace)], axis=1)

    def first_dropped(_: Array, trace: Trace) -> Array:
        return _reported(problem, trace)[:, 1:]

    def starts_sentence(evidence: Evidence) -> str:
        s, last = evidence.symbol, len(evidence.key) - 1
        return (
            f"Your list is shifted by one: it starts with the initial state {s}_{{-1}} and stops at "
            f"{s}_{last - 1}. The answer is [{s}_0, …, {s}_{last}], starting with the state after "
            "reading x_0."
        )

    def includes_sentence(evidence: Evidence) -> str:
        s, last = evidence.symbol, len(evidence.key) - 1
        return (
            f"Your list includes the initial state {s}_{{-1}} as its first entry; the answer is "
            f"[{s}_0, …, {s}_{last}], one value per input."
        )

    def dropped_sentence(evidence: Evidence) -> str:
        s, last = evidence.symbol, len(evidence.key) - 1
        return (
            f"Your list leaves out {s}_0: the answer is [{s}_0, …, {s}_{last}], starting with the "
            "state after reading x_0."
        )

    return [
        MistakeVariant(
            "starts_at_initial_state", starts_at_initial, starts_sentence, "starting at the initial state"
        ),
        MistakeVariant(
            "includes_initial_state", includes_initial, includes_sentence, "including the initial state"
        ),
        MistakeVariant("first_step_dropped", first_dropped, dropped_sentence, "leaving out the first step"),
    ]


#: The mistakes of every kind, most common first (the order the feedback names matching mistakes
#: in): these, then the kind's own (`ModelKind.mistakes`), then LATER_MISTAKES.
MISTAKES: tuple[Mistake, ...] = (
    Mistake("carry", "carried the unrounded (or rounded) h_t into the next step", _carry),
    Mistake("tie_rule", "rounded ±0.5 by another tie rule", _ties),
    Mistake("activation", "exact vs approximated sigmoid and tanh", _activation),
    Mistake("rounding_skipped", "did not round h_t", _no_rounding),
)
LATER_MISTAKES: tuple[Mistake, ...] = (
    Mistake("convention", "a convention of the model read the other way", _knobs),
    Mistake("shifted", "the list shifted by one (h_{-1} included, or h_0 dropped)", _shifted),
    Mistake("sign_flipped", "the sign of one parameter flipped", _sign_flips),
    Mistake("inputs_reversed", "inputs read in reverse order", _reversed),
)

#: the mistakes about the order of a sequence, which independent input points do not have
_ORDER_MISTAKES = frozenset({"shifted", "inputs_reversed"})


def catalogue(kind: ModelKind) -> tuple[Mistake, ...]:
    """The whole catalogue for problems of one model kind, in the order feedback names mistakes."""
    later = LATER_MISTAKES if kind.knobs else tuple(m for m in LATER_MISTAKES if m.name != "convention")
    if not kind.sequential:
        later = tuple(m for m in later if m.name not in _ORDER_MISTAKES)
    return (*MISTAKES, *kind.mistakes, *later)


def variants_for(problem: Problem) -> list[tuple[Mistake, MistakeVariant]]:
    """Every mistake variant that applies to a sequence problem, in catalogue order."""
    if not isinstance(problem.answer, SequenceAnswer) or problem.model is None:
        return []
    return [
        (mistake, variant)
        for mistake in catalogue(kind_for(problem))
        for variant in mistake.variants(problem)
    ]


def mistake_answers(
    problem: Problem,
    inputs: Array,
    trace: Trace | None = None,
    variants: list[tuple[Mistake, MistakeVariant]] | None = None,
) -> dict[str, Array]:
    """Each variant's answers for a batch of inputs (B, T, d): one engine pass per spec-level variant.

    `trace` is the spec's own trace of `inputs`, and `variants` those of `variants_for(problem)`,
    when the caller has them already.
    """
    batch = np.asarray(inputs, dtype=np.float64)
    own = trace_for(problem, batch) if trace is None else trace
    chosen = variants_for(problem) if variants is None else variants
    return {variant.name: variant.answers(batch, own) for _, variant in chosen}


def _tolerance(name: str) -> float | None:
    return UNROUNDED_TOLERANCE if name == "rounding_skipped" else None


class MistakeTable(dict[str, Array]):
    """One student's row of `mistake_answers` (a dict, name → answer) with what `matching_mistakes`
    needs from it prepared once: the answers of the key's shape stacked into one block, each one's
    tolerance, and which are indistinguishable from `key`. A server that diagnoses many answers
    for the same inputs keeps one table and compares each answer with the whole block at once;
    the names it finds are exactly those the per-variant loop finds."""

    def __init__(self, problem: Problem, answers: dict[str, Array], key: Array) -> None:
        super().__init__(answers)
        abs_tol, self.rel_tol = tolerance_for(problem)
        self.key = np.array(key, dtype=np.float64)
        self.key.setflags(write=False)
        shape = self.key.shape
        self.names = list(answers)
        # per name: None when its answer has another shape than the key (left to the loop)
        self.block_row: list[int | None] = []
        rows: list[Array] = []
        tolerances: list[float] = []
        for name, answer in answers.items():
            if np.shape(answer) != shape:
                self.block_row.append(None)
                continue
            self.block_row.append(len(rows))
            rows.append(np.asarray(answer, dtype=np.float64))
            tolerance = _tolerance(name)
            tolerances.append(abs_tol if tolerance is None else tolerance)
        self.block = np.stack(rows) if rows else np.empty((0, *shape))
        expand = (slice(None),) + (None,) * len(shape)
        self.abs_tols = np.asarray(tolerances, dtype=np.float64)[expand]
        # the key-closeness test of the loop: default tolerance, relative to the key
        same_as_key = within_tolerance(self.block, self.key, abs_tol, self.rel_tol)
        self.explains = ~same_as_key.reshape(len(rows), -1).all(axis=1)
        self.block.setflags(write=False)

    def matching(self, problem: Problem, key: Array, given: Array) -> tuple[str, ...] | None:
        """`matching_mistakes` on this row, or None when the table cannot answer (another key)."""
        if np.shape(key) != self.key.shape or not np.array_equal(key, self.key):
            return None
        given_array = np.asarray(given, dtype=np.float64)
        if given_array.shape != self.key.shape:
            return None
        # `within_tolerance(given, answer, its tolerance, rel_tol)`, every answer at once
        allowed = np.maximum(self.abs_tols, self.rel_tol * np.abs(self.block))
        near = np.abs(given_array - self.block) <= allowed
        explained = np.asarray(near.reshape(len(self.block), -1).all(axis=1) & self.explains, dtype=np.bool_)
        hits: list[bool] = explained.tolist()
        found = []
        for name, row in zip(self.names, self.block_row, strict=True):
            if row is None:
                if _matches(problem, self[name], name, key, given):
                    found.append(name)
            elif hits[row]:
                found.append(name)
        return tuple(found)


def _matches(problem: Problem, answer: Array, name: str, key: Array, given: Array) -> bool:
    if len(answer) != len(given) or np.shape(answer) != np.shape(given):
        return False
    if not _close(problem, answer, given, _tolerance(name)).all():
        return False
    # indistinguishable from the key for these inputs: explains nothing
    return not (len(answer) == len(key) and _close(problem, key, answer).all())


def matching_mistakes(
    problem: Problem, answers: dict[str, Array], key: Array, given: Array
) -> tuple[str, ...]:
    """Names of the variants whose answer (one student's row of `mistake_answers`) equals `given`."""
    if isinstance(answers, MistakeTable):
        from_table = answers.matching(problem, key, given)
        if from_table is not None:
            return from_table
    return tuple(name for name, answer in answers.items() if _matches(problem, answer, name, key, given))


def diagnose(
    problem: Problem,
    key: Array,
    given: Array,
    inputs: Array | None = None,
    *,
    mistakes: dict[str, Array] | None = None,
) -> tuple[Match, ...]:
    """The catalogued mistakes that explain one wrong answer, each with its sentence; () if none.

    `mistakes` is this student's row of `mistake_answers` when the caller computed them for a
    whole class in one batch (grading does); otherwise they are computed here.
    """
    sequence = fixed_inputs(problem) if inputs is None else np.asarray(inputs, dtype=np.float64)
    trace: Trace | None = None
    variants: list[tuple[Mistake, MistakeVariant]] | None = None
    if mistakes is None:
        trace, variants = trace_for(problem, sequence[None]), variants_for(problem)
        answers = mistake_answers(problem, sequence[None], trace, variants)
        mistakes = {k: v[0] for k, v in answers.items()}
    matched = matching_mistakes(problem, mistakes, key, given)
    if not matched:
        return ()  # with a precomputed row, an unexplained answer runs no engine pass at all
    if trace is None or variants is None:
        trace, variants = trace_for(problem, sequence[None]), variants_for(problem)
    by_name = {variant.name: (mistake, variant) for mistake, variant in variants}
    matches = []
    for name in matched:
        mistake, variant = by_name[name]
        evidence = Evidence(problem, sequence, key, given, mistakes[name], trace)
        matches.append(Match(mistake.name, variant.name, variant.explain(evidence), variant.label))
    return tuple(matches)


def _batch_row(value: Any, i: int) -> Any:
    """Row i of a trace, kept as a batch of one: a dataclass, tuple or dict of batched arrays."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return type(value)(**{f.name: _batch_row(getattr(value, f.name), i) for f in fields})
    if isinstance(value, tuple):
        return tuple(_batch_row(part, i) for part in value)
    if isinstance(value, dict):
        return {key: _batch_row(part, i) for key, part in value.items()}
    return value[i : i + 1]


def diagnose_batch(
    problem: Problem,
    keys: Array,
    givens: Array,
    inputs: Array,
    mistakes: Sequence[dict[str, Array]],
) -> list[tuple[Match, ...]]:
    """`diagnose` for W answers of one shape at once: row w gives exactly what
    `diagnose(problem, keys[w], givens[w], inputs[w], mistakes=mistakes[w])` gives.

    `keys` and `givens` are (W, T) or (W, T, n), `inputs` (W, T, d), `mistakes` each row's
    catalogued mistake answers (rows of one variant may share one dict). Every mistake's answers
    are compared with all W answers in one array operation; the engine runs (one trace per
    distinct inputs) only for the answers some mistake explains, and sentences are written only
    for those.
    """
    count = len(mistakes)
    if count == 0:
        return []
    abs_tol, rel_tol = tolerance_for(problem)
    key_block = np.asarray(keys, dtype=np.float64)
    given_block = np.asarray(givens, dtype=np.float64)
    row_shape = given_block.shape[1:]
    matched: list[list[str]] = [[] for _ in range(count)]
    any_match = np.zeros(count, dtype=np.bool_)

    def close(a: Array, b: Array, absolute: float) -> NDArray[np.bool_]:
        # `_close` per row, then every entry of the row
        near = within_tolerance(a, b, absolute, rel_tol)
        return np.asarray(near.reshape(count, -1).all(axis=1), dtype=np.bool_)

    for name in mistakes[0]:
        rows = [row[name] for row in mistakes]
        if any(np.shape(answer) != row_shape for answer in rows):
            # a mistake whose answer has another length (or shape) matches none of these rows;
            # rows of another shape than the first are left to the per-row rule below
            if all(np.shape(answer) != row_shape for answer in rows):
                continue
            keep = np.asarray([np.shape(answer) == row_shape for answer in rows], dtype=np.bool_)
            rows = [a if ok else np.full(row_shape, np.nan) for a, ok in zip(rows, keep, strict=True)]
        else:
            keep = np.ones(count, dtype=np.bool_)
        answer_block = np.stack([np.asarray(answer, dtype=np.float64) for answer in rows])
        tolerance = _tolerance(name)
        explains = keep & close(given_block, answer_block, abs_tol if tolerance is None else tolerance)
        if not explains.any():
            continue
        # indistinguishable from the key for these inputs: explains nothing
        explains &= ~close(answer_block, key_block, abs_tol)
        for row in np.flatnonzero(explains).tolist():
            matched[row].append(name)
        any_match |= explains
    results: list[tuple[Match, ...]] = [() for _ in range(count)]
    if not any_match.any():
        return results
    variants = variants_for(problem)
    by_name = {variant.name: (mistake, variant) for mistake, variant in variants}
    sequences = np.asarray(inputs, dtype=np.float64)
    explained = np.flatnonzero(any_match).tolist()
    # one engine pass for the distinct inputs of the explained answers, a batch of one each
    distinct: dict[bytes, int] = {}
    for row in explained:
        distinct.setdefault(sequences[row].tobytes(), row)
    together = trace_for(problem, sequences[list(distinct.values())])
    traces = {identity: _batch_row(together, i) for i, identity in enumerate(distinct)}
    for row in explained:
        sequence = sequences[row]
        trace = traces[sequence.tobytes()]
        found = []
        for name in matched[row]:
            mistake, variant = by_name[name]
            mistaken = mistakes[row][name]
            evidence = Evidence(problem, sequence, key_block[row], given_block[row], mistaken, trace)
            found.append(Match(mistake.name, variant.name, variant.explain(evidence), variant.label))
        results[row] = tuple(found)
    return results
