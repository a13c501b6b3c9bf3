"""The catalogue of known mistakes: each a small named transformation of the spec or of the answer.

A mistake is computed by the engine for the very problem being graded: change the evaluation
rules (carry, tie rule, activations, no rounding), the model (output gate ignored, forget gate
taken as 1, a parameter's sign flipped), the inputs (read in reverse), or take a different view
of the correct computation (c reported instead of h, the list shifted by one). A student's answer
that equals a mistake's answer is explained by that mistake, and the feedback says so in a
sentence.

Every mistake is computable for a batch of input sequences at once (one engine pass per
spec-level variant), so a class with per-student inputs is diagnosed with `mistake_answers`
once per problem and `matching_mistakes` per student. Adding a mistake is one `Mistake` entry in
MISTAKES, with its test in tests/feedback/test_mistakes.py.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.compare.answers import tolerance_for
from grader.engine.keys import compute_keys, fixed_inputs, trace_for
from grader.engine.lstm import Trace, parameters_of
from grader.engine.rounding import is_tie
from grader.feedback.explain import format_value
from grader.feedback.semantics import TIE_WORDS, neighbours
from grader.spec.models import (
    GATE_NAMES,
    Evaluation,
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
    "MAX_SIGN_FLIPS",
    "UNROUNDED_TOLERANCE",
    "variants_for",
    "mistake_answers",
    "matching_mistakes",
    "diagnose",
    "diagnose_batch",
]

Array = NDArray[np.float64]

#: A cell with more non-zero parameters than this gets no sign-flip variants (one engine pass each).
MAX_SIGN_FLIPS = 64
#: Unrounded values are typed with a few decimals; they match within this absolute distance.
UNROUNDED_TOLERANCE = 5e-3
#: A parameter large enough that sigmoid(it) is 1 in float64 and in the saturating approximation.
_SATURATED = 1e9


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
        return self.problem.answer.of if isinstance(self.problem.answer, SequenceAnswer) else "h"

    @property
    def changed(self) -> tuple[int, ...]:
        """Positions where the mistake's answer differs from the key (when lengths agree)."""
        if len(self.mistaken) != len(self.key):
            return ()
        differs = ~_close(self.problem, self.key, self.mistaken)
        return tuple(int(t) for t in np.flatnonzero(differs))

    def names(self, positions: Sequence[int]) -> str:
        return names(self.symbol, positions)


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
    close = np.asarray(np.abs(np.asarray(other) - key) <= np.maximum(abs_tol, rel_tol * np.abs(key)))
    if close.ndim > 1:
        return np.asarray(close.reshape(close.shape[0], -1).all(axis=1), dtype=np.bool_)
    return np.asarray(close, dtype=np.bool_)


def _reported(problem: Problem, trace: Trace) -> Array:
    """(B, T) or (B, T, n): what the answer reports from a trace (h or c, as rounded)."""
    assert isinstance(problem.answer, SequenceAnswer) and problem.model is not None
    values = trace.h if problem.answer.of == "h" else trace.c_reported
    return values[..., 0] if problem.model.scalar else values


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
    trace = evidence.key_trace  # identical to the mistaken run before `first`
    source = first - 1
    for s in range(first - 1, -1, -1):
        if not np.allclose(trace.h_raw[0, s], trace.h[0, s]):
            source = s
            break
    raw = format_value(trace.h_raw[0, source])
    # the student's own rounded h when they report h; the rounded h of the computation otherwise
    own = format_value(evidence.given[source] if evidence.symbol == "h" else trace.h[0, source])
    later = evidence.names([p for p in evidence.changed if p >= first])
    verb = "follows" if len([p for p in evidence.changed if p >= first]) == 1 else "follow"
    if carried_exact:
        whose = "your" if evidence.symbol == "h" else "the"
        return (
            f"Your {later} {verb} from feeding the unrounded h_{source} = {raw} forward instead of "
            f"{whose} rounded h_{source} = {own}; this problem uses the rounded h_t in the next step."
        )
    whose = "your" if evidence.symbol == "h" else "the"
    return (
        f"Your {later} {verb} from feeding {whose} rounded h_{source} = {own} forward; this problem "
        f"uses h_t before rounding (h_{source} = {raw}) in the next step and rounds only what you report."
    )


def _carry(problem: Problem) -> list[MistakeVariant]:
    return [
        MistakeVariant(
            n.name,
            _under(problem, n.evaluation),
            _carry_sentence,
            f"carrying the {'unrounded' if n.name == 'carry_exact' else 'rounded'} h_t forward",
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
        # the reported state before rounding: h_t, or c_t when the answer is of c
        before = trace.h_raw[0] if evidence.symbol == "h" else trace.c[0]
        ties = [p for p in evidence.changed if bool(np.any(is_tie(before[p], places)))] or list(
            evidence.changed[:1]
        )
        first = ties[0]
        raw = format_value(before[first])
        own = format_value(evidence.given[first])
        spec_rule = TIE_WORDS[problem.evaluation.rounding.ties]
        halves = "±0.5" if places == 0 else "half-way values"
        return (
            f"Your {evidence.symbol}_{first}: before rounding it is {raw}, exactly half-way, and you "
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
    if evidence.symbol == "h":
        then = " and uses the rounded value in the next step." if carried else "."
    else:
        then = " (and h_t, whose rounded value the next step uses)." if carried else "."
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


def _with_gate(problem: Problem, gate: str, **values: Any) -> Problem:
    """The problem with one gate's parameters replaced (scalars broadcast to the cell's shapes)."""
    assert problem.model is not None
    model = problem.model
    old = getattr(model.gates, gate)
    n, d = model.size, model.input_size
    if not model.scalar:
        shapes = {"W_h": (n, n), "W_x": (n, d), "b": (n,)}
        values = {k: np.full(shapes[k], v).tolist() for k, v in values.items()}
    new_gate = old.model_copy(update=values)
    gates = model.gates.model_copy(update={gate: new_gate})
    return problem.model_copy(update={"model": model.model_copy(update={"gates": gates})})


def _engine(problem: Problem) -> Callable[[Array, Trace], Array]:
    def answers(inputs: Array, _: Trace) -> Array:
        return compute_keys(problem, inputs)

    return answers


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
            "output_gate_ignored", _engine(changed), _output_gate_sentence, "leaving out the output gate"
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
            "forget_gate_one", _engine(changed), _forget_gate_sentence, "taking the forget gate as 1"
        )
    ]


_GATE_LETTERS = {"forget": "f", "input": "i", "output": "o", "cell": "c"}


def _parameter_symbol(gate: str, parameter: str, index: tuple[int, ...]) -> str:
    letter = _GATE_LETTERS[gate]
    symbol = {"W_h": f"W^{{{letter},h}}", "W_x": f"W^{{{letter},x}}", "b": f"b_{letter}"}[parameter]
    return symbol + "".join(f"[{i}]" for i in index)


def _flipped(problem: Problem, gate: str, parameter: str, index: tuple[int, ...]) -> Problem:
    assert problem.model is not None
    model = problem.model
    old = getattr(model.gates, gate)
    value: Any = copy.deepcopy(getattr(old, parameter))
    if index:
        target = value
        for i in index[:-1]:
            target = target[i]
        target[index[-1]] = -target[index[-1]]
    else:
        value = -value
    gates = model.gates.model_copy(update={gate: old.model_copy(update={parameter: value})})
    return problem.model_copy(update={"model": model.model_copy(update={"gates": gates})})


def _sign_sentence(symbol: str, value: float) -> Callable[[Evidence], str]:
    def sentence(evidence: Evidence) -> str:
        return (
            f"Your answer is what you get with the sign of {symbol} flipped ({format_value(-value)} "
            f"instead of {format_value(value)}); it first matters at {evidence.names(evidence.changed[:1])}."
        )

    return sentence


def _sign_flips(problem: Problem) -> list[MistakeVariant]:
    assert problem.model is not None
    params = parameters_of(problem.model)
    found: list[tuple[str, str, tuple[int, ...], float]] = []
    for g, gate in enumerate(GATE_NAMES):
        for parameter, array in (("W_h", params.W_h[g]), ("W_x", params.W_x[g]), ("b", params.b[g])):
            for index in zip(*np.nonzero(array), strict=True):
                spec_index = () if problem.model.scalar else tuple(int(i) for i in index)
                found.append((gate, parameter, spec_index, float(array[index])))
    if len(found) > MAX_SIGN_FLIPS:
        return []
    return [
        MistakeVariant(
            f"sign_flipped:{gate}.{parameter}" + "".join(f"[{i}]" for i in index),
            _engine(_flipped(problem, gate, parameter, index)),
            _sign_sentence(_parameter_symbol(gate, parameter, index), value),
            f"flipping the sign of {_parameter_symbol(gate, parameter, index)}",
        )
        for gate, parameter, index, value in found
    ]


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


def _initial(problem: Problem, trace: Trace) -> Array:
    """(B, 1) or (B, 1, n): h_{-1} (or c_{-1}) as the answer would report it."""
    assert isinstance(problem.answer, SequenceAnswer) and problem.model is not None
    params = parameters_of(problem.model)
    first = params.h0 if problem.answer.of == "h" else params.c0
    batch = trace.h.shape[0]
    values = np.broadcast_to(first, (batch, 1, params.size))
    return values[..., 0] if problem.model.scalar else values


def _shifted(problem: Problem) -> list[MistakeVariant]:
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


#: The catalogue, most common first (the order the feedback names matching mistakes in).
MISTAKES: tuple[Mistake, ...] = (
    Mistake("carry", "carried the unrounded (or rounded) h_t into the next step", _carry),
    Mistake("tie_rule", "rounded ±0.5 by another tie rule", _ties),
    Mistake("activation", "exact vs approximated sigmoid and tanh", _activation),
    Mistake("rounding_skipped", "did not round h_t", _no_rounding),
    Mistake("output_gate_ignored", "h_t = tanh(c_t), without the output gate", _output_gate),
    Mistake("forget_gate_one", "forget gate taken as 1", _forget_gate),
    Mistake("other_state", "reported c_t instead of h_t (or h_t instead of c_t)", _other_state),
    Mistake("shifted", "the list shifted by one (h_{-1} included, or h_0 dropped)", _shifted),
    Mistake("sign_flipped", "the sign of one parameter flipped", _sign_flips),
    Mistake("inputs_reversed", "inputs read in reverse order", _reversed),
)


def variants_for(problem: Problem) -> list[tuple[Mistake, MistakeVariant]]:
    """Every mistake variant that applies to a sequence problem, in catalogue order."""
    if not isinstance(problem.answer, SequenceAnswer) or problem.model is None:
        return []
    return [(mistake, variant) for mistake in MISTAKES for variant in mistake.variants(problem)]


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


def matching_mistakes(
    problem: Problem, answers: dict[str, Array], key: Array, given: Array
) -> tuple[str, ...]:
    """Names of the variants whose answer (one student's row of `mistake_answers`) equals `given`."""
    found = []
    for name, answer in answers.items():
        if len(answer) != len(given) or np.shape(answer) != np.shape(given):
            continue
        if not _close(problem, answer, given, _tolerance(name)).all():
            continue
        if len(answer) == len(key) and _close(problem, key, answer).all():
            continue  # indistinguishable from the key for these inputs: explains nothing
        found.append(name)
    return tuple(found)


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
        near = np.abs(a - b) <= np.maximum(absolute, rel_tol * np.abs(b))
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
    traces = {
        identity: Trace(**{f.name: getattr(together, f.name)[i : i + 1] for f in dataclasses.fields(Trace)})
        for i, identity in enumerate(distinct)
    }
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
