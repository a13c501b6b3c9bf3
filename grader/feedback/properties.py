"""Choice keys derived from the model: which properties of the input does the state h_t carry?

A choice may name a property of the input prefix x_0 … x_t from PROPERTIES. With `answer.check`
naming a problem whose model (and evaluation rules) to simulate, `grade check` runs that model on
every input sequence over `alphabet` of length `max_length` (every shorter sequence is a prefix of
one of them, and the cell is causal) and verifies that the choices marked correct are exactly
those whose property h_t *determines*.

"h_t determines P" means: P is a function of h_t over every reachable (sequence, t), i.e. no
two prefixes that end in the same h_t have different values of P; reading h_t tells you P. The
converse is not required: in the seed, h_t takes three values (1, 0, −1) for two parities, and
that is fine (the forum's "h has three states but the question says even/odd"). Every property
is defined at every t: the current run of ones is 0 right after a non-one (0 is even), and
"so far" counts include x_t. States are compared after rounding to 9 decimals.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grader.engine.keys import describe_key, kind_for, trace_for
from grader.spec.models import ChoiceAnswer, Problem

__all__ = [
    "InputProperty",
    "PROPERTIES",
    "MAX_SIMULATED_SEQUENCES",
    "Witness",
    "PropertyVerdict",
    "ChoiceVerification",
    "all_sequences",
    "verify_choices",
]

Array = NDArray[np.float64]
Values = NDArray[np.int64]

#: Sequences run through the engine in one batch; longer enumerations go in chunks of this size.
CHUNK = 65_536
#: More sequences than this is refused (alphabet^max_length): a spec error, not a long wait.
MAX_SIMULATED_SEQUENCES = 4_194_304


def _parity_of_count(symbol: float) -> Callable[[Array], Values]:
    def values(x: Array) -> Values:
        return np.asarray(np.cumsum(x == symbol, axis=1) % 2, dtype=np.int64)

    return values


def _parity_of_run(symbol: float) -> Callable[[Array], Values]:
    def values(x: Array) -> Values:
        runs = np.zeros(x.shape, dtype=np.int64)
        run = np.zeros(x.shape[0], dtype=np.int64)
        for t in range(x.shape[1]):
            run = (run + 1) * (x[:, t] == symbol)
            runs[:, t] = run
        return runs % 2

    return values


def _seen(symbol: float) -> Callable[[Array], Values]:
    def values(x: Array) -> Values:
        return np.asarray(np.cumsum(x == symbol, axis=1) > 0, dtype=np.int64)

    return values


def _last_input(x: Array) -> Values:
    _, inverse = np.unique(x, return_inverse=True)
    return np.asarray(inverse.reshape(x.shape), dtype=np.int64)


@dataclass(frozen=True)
class InputProperty:
    """A property of the prefix x_0 … x_t: its name in specs, a description, and its values."""

    name: str
    description: str
    #: (B, T) inputs → (B, T) integer values at every t
    values: Callable[[Array], Values]
    #: value → word, for messages
    words: tuple[str, ...] = ("even", "odd")


#: The catalogue; adding a property is one entry here, with its row in the tests' table.
PROPERTIES: dict[str, InputProperty] = {
    p.name: p
    for p in (
        InputProperty("parity_of_ones", "parity of the number of ones so far", _parity_of_count(1.0)),
        InputProperty("parity_of_zeros", "parity of the number of zeros so far", _parity_of_count(0.0)),
        InputProperty("parity_of_run_of_ones", "parity of the current run of ones", _parity_of_run(1.0)),
        InputProperty("parity_of_run_of_zeros", "parity of the current run of zeros", _parity_of_run(0.0)),
        InputProperty("seen_a_one", "whether a one has appeared so far", _seen(1.0), ("no", "yes")),
        InputProperty("seen_a_zero", "whether a zero has appeared so far", _seen(0.0), ("no", "yes")),
        InputProperty("last_input", "the last input x_t", _last_input, ()),
    )
}


@dataclass(frozen=True)
class Witness:
    """Two input prefixes that end in the same h_t but differ in the property."""

    first: tuple[float, ...]
    second: tuple[float, ...]
    state: str
    first_value: str
    second_value: str

    def __str__(self) -> str:
        return (
            f"after inputs {describe_key(np.array(self.first))} and after "
            f"{describe_key(np.array(self.second))} h_t = {self.state}, "
            f"but the property is {self.first_value} and {self.second_value}"
        )


@dataclass(frozen=True)
class PropertyVerdict:
    """Whether h_t determines one choice's property, and a witness when it does not."""

    choice: str
    property_name: str
    determined: bool
    marked_correct: bool
    #: for a property h_t determines: state → property value, e.g. (("1", "odd"), ("0", "even"), …)
    mapping: tuple[tuple[str, str], ...] = ()
    witness: Witness | None = None

    @property
    def agrees(self) -> bool:
        return self.determined == self.marked_correct


@dataclass(frozen=True)
class ChoiceVerification:
    """The simulation of one property-based choice problem."""

    problem: str
    model_problem: str
    sequences: int
    max_length: int
    verdicts: tuple[PropertyVerdict, ...]

    @property
    def agrees(self) -> bool:
        return all(verdict.agrees for verdict in self.verdicts)


def all_sequences(alphabet: list[float], length: int) -> Array:
    """Every sequence of `length` over `alphabet`, (len(alphabet)^length, length), in lexicographic order."""
    return np.array(list(itertools.product(alphabet, repeat=length)), dtype=np.float64).reshape(-1, length)


def _word(prop: InputProperty, value: int, x_value: float | None = None) -> str:
    if prop.words:
        return prop.words[value]
    return "x_t = " + describe_key(np.array([x_value]))[1:-1] if x_value is not None else str(value)


def verify_choices(problem: Problem, model_problem: Problem) -> ChoiceVerification:
    """Simulate `model_problem`'s model on every sequence `problem.answer.check` asks for; judge each choice.

    The caller has checked that the answer has a `check`, every choice a known `property`, and
    that `model_problem` has a model.
    """
    answer = problem.answer
    assert isinstance(answer, ChoiceAnswer) and answer.check is not None
    check = answer.check
    count = len(check.alphabet) ** check.max_length
    sequences = all_sequences(check.alphabet, check.max_length) if count <= MAX_SIMULATED_SEQUENCES else None
    assert sequences is not None, "the caller refuses enumerations above MAX_SIMULATED_SEQUENCES"
    assert model_problem.model is not None
    kind = kind_for(model_problem)
    chunks = [sequences[start : start + CHUNK, :, None] for start in range(0, len(sequences), CHUNK)]
    # the state the next step sees (h_t), as reported
    states = np.concatenate(
        [kind.reported(trace_for(model_problem, chunk), kind.carried, False) for chunk in chunks]
    )  # (B, T, n)
    flat_states = np.round(states.reshape(-1, states.shape[2]), 9) + 0.0
    _, state_ids = np.unique(flat_states, axis=0, return_inverse=True)
    state_ids = state_ids.reshape(-1)
    steps = sequences.shape[1]
    verdicts = []
    for choice in answer.choices:
        assert choice.property is not None
        prop = PROPERTIES[choice.property]
        values = prop.values(sequences).reshape(-1)
        # every (state, value) pair that occurs; a state with two values is a counterexample
        pairs = np.unique(np.stack([state_ids, values], axis=1), axis=0)
        states_seen, per_state = np.unique(pairs[:, 0], return_counts=True)
        ambiguous = states_seen[per_state > 1]
        if len(ambiguous) == 0:
            mapping = []
            for state_id, value in pairs:
                row = int(np.flatnonzero(state_ids == state_id)[0])
                x_value = float(sequences.reshape(-1)[row])
                mapping.append((_state(flat_states[row]), _word(prop, int(value), x_value)))
            verdicts.append(PropertyVerdict(choice.id, prop.name, True, choice.correct, tuple(mapping)))
            continue
        first, second = _shortest_witness(ambiguous, state_ids, values, steps)
        verdicts.append(
            PropertyVerdict(
                choice.id,
                prop.name,
                False,
                choice.correct,
                witness=Witness(
                    _prefix(sequences, first, steps),
                    _prefix(sequences, second, steps),
                    _state(flat_states[first]),
                    _word(prop, int(values[first]), float(sequences.reshape(-1)[first])),
                    _word(prop, int(values[second]), float(sequences.reshape(-1)[second])),
                ),
            )
        )
    return ChoiceVerification(
        problem.id, model_problem.id, len(sequences), check.max_length, tuple(verdicts)
    )


def _shortest_witness(
    ambiguous: Values, state_ids: Values, values: Values, steps: int
) -> tuple[int, int]:
    """Rows of two prefixes with the same state and different values, the longer one shortest."""
    best: tuple[int, int, int] | None = None
    for state_id in ambiguous:
        rows = np.flatnonzero(state_ids == state_id)
        rows = rows[np.argsort(rows % steps, kind="stable")]  # shortest prefixes first
        first = int(rows[0])
        second = int(next(r for r in rows if values[r] != values[first]))
        length = max(first % steps, second % steps)
        if best is None or length < best[0]:
            best = (length, first, second)
    assert best is not None
    return best[1], best[2]


def _prefix(sequences: Array, row: int, steps: int) -> tuple[float, ...]:
    b, t = divmod(row, steps)
    return tuple(float(v) for v in sequences[b, : t + 1])


def _state(values: Array) -> str:
    return describe_key(values)[1:-1] if len(values) == 1 else describe_key(values[None])[1:-1]
