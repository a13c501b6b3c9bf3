"""Model kinds: what a spec's `cell:` (recurrent models) or `network:` (the others) may name.

A kind is one module under `grader/engine/` whose `KIND` declares, in one place, everything the
rest of the pipeline knows about its model: the pydantic model of the `model:` block, the
quantities an answer may ask for, a batched evaluator returning a trace of every intermediate,
what a trace reports and how its answer is laid out (a sequence of steps, or an array read and
named as one: `answer_layout`), the `grade explain` table, the semantics knobs the key audit
tries, the parameters a sign-flip mistake may flip, its own entries in the mistake catalogue
and, for recurrent kinds, one step for follow-through. Nothing outside a kind's module asks which kind a
model is or which quantity an answer reports: it asks the kind.

The registry maps names to modules, imported when first used (a kind's module may import the
feedback layer, which imports the engine). A course's own kinds register through the
entry-point group `grader.models` (see docs/model-kinds.md); a plug-in that fails to import is
named in the error of the problems that use it, and every other problem still loads.
"""

from __future__ import annotations

import difflib
import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from grader.engine.activations import Activations
    from grader.spec.models import Evaluation, ModelSpec, Problem

__all__ = [
    "AnswerLayout",
    "BUILT_IN",
    "DISCRIMINATORS",
    "ENTRY_POINT_GROUP",
    "Knob",
    "ModelKind",
    "Parameter",
    "Quantity",
    "Step",
    "UnknownKind",
    "kind_for_spec",
    "kind_named",
    "kind_of",
    "kind_warnings",
    "forget_plugins",
    "registered_kinds",
]

Array = NDArray[np.float64]

#: The keys of a `model:` block that name its kind, in the order a missing one is asked for.
DISCRIMINATORS: tuple[str, ...] = ("cell", "network")
#: Entry-point group through which a course's own package registers a kind (name → module:KIND).
ENTRY_POINT_GROUP = "grader.models"
#: The kinds this package ships: name → module defining `KIND`.
BUILT_IN: dict[str, str] = {
    "lstm": "grader.engine.lstm",
    "rnn": "grader.engine.rnn",
    "gru": "grader.engine.gru",
    "feedforward": "grader.engine.feedforward_kind",
    "convolution": "grader.engine.convolution_kind",
}


@dataclass(frozen=True)
class Quantity:
    """What `answer.of` may name: one value per step, an n-vector (a number for a scalar model)."""

    name: str
    description: str
    #: (model, longest input length) → (bound on |value|, why): how many values a rounded entry
    #: can take, for the reveal audit; None (or a bound that returns None) when unbounded
    bound: Callable[[Any, int], tuple[float, str] | None] | None = None


@dataclass(frozen=True)
class AnswerLayout:
    """How an answer that is not a sequence of steps is read and named: one quantity of `shape`.

    `layout` is "array" (a number, a vector or a matrix, named `row 2, column 1 of ∂L/∂W_1`) or
    "points" (one value or vector per input point, named `output 2 of point 1`); `label` is what
    the names say the answer is. `shape` is the key's, with None for an axis whose size the
    inputs decide (the points of a variant); its rank is what a student must type.
    """

    label: str
    layout: str
    shape: tuple[int | None, ...]


@dataclass(frozen=True)
class Knob:
    """A convention of the kind that an author or a student could read the other way.

    `alternative(model)` is the model computed under the other reading (None when the reading
    makes no difference for this model); the audit warns, with id `semantics:<name>`, when it
    changes the key, and the mistake catalogue names it when a student's answer is its answer.
    """

    name: str
    description: str
    warning: str
    alternative: Callable[[Any], Any]
    #: the mistake in a few words a student reads
    label: str
    #: the sentence feedback gives when a student's answer is the alternative's
    sentence: str


@dataclass(frozen=True)
class Parameter:
    """One parameter entry of a model: how mistakes name it, where it is, its symbol and value."""

    name: str  # e.g. `cell.W_h[0][1]`
    path: tuple[str | int, ...]  # into the `model:` block
    symbol: str  # e.g. `W^{c,h}[0][1]`
    value: float


class Step(NamedTuple):
    """One step of a recurrent kind from a given state, for a batch (B rows).

    `memory` is the state beyond h_t the next step needs (c_t for the LSTM; width 0 when there is
    none); `memory_matters` is False for the rows where the memory given had no effect.
    `recover(h)` gives the memory a reported h_t implies, and the rows where it can, when the
    evaluation is exact and unrounded; None when it never can.
    """

    h_raw: Array
    memory: Array
    memory_matters: NDArray[np.bool_]
    recover: Callable[[Array], tuple[Array, NDArray[np.bool_]]] | None


#: (model, activations, h_{t-1} (B, n), memory (B, m), x_t (B, d)) → the step's results
StepFunction = Callable[["Any", "Activations", Array, Array, Array], Step]


@dataclass(frozen=True)
class ModelKind:
    """Everything the pipeline knows about one model kind; see the module docstring."""

    name: str
    #: "cell" for recurrent kinds, "network" for the others
    discriminator: str
    spec: type[ModelSpec]
    #: the first is what an answer reports when it does not say
    quantities: Mapping[str, Quantity]
    #: (model, evaluation, inputs (B, T, d)) → a trace of every intermediate (a dataclass of arrays
    #: whose first axis is the batch, or of tuples, dicts and dataclasses of such arrays)
    run: Callable[[Any, Evaluation, Array], Any]
    #: (trace, quantity, before rounding?) → (B, T, n)
    reported: Callable[[Any, str, bool], Array]
    #: (model, quantity) → (n,): its value before the first step (for the "shifted" mistakes)
    initial: Callable[[Any, str], Array]
    #: (problem, trace of one sequence) → (column headers, one row of values per step)
    explain: Callable[[Problem, Any], tuple[list[str], list[list[Any]]]]
    #: (model) → every parameter entry, for the sign-flip mistakes
    parameters: Callable[[Any], list[Parameter]]
    #: the quantity step t+1 sees, which `carry:` is about
    carried: str = "h"
    knobs: tuple[Knob, ...] = ()
    #: the kind's own entries of the mistake catalogue (`grader.feedback.mistakes.Mistake`)
    mistakes: tuple[Any, ...] = ()
    #: one step from a given state, for follow-through; None: not analysed
    step: StepFunction | None = None
    #: memory (m,) before the first step, for `step`
    initial_memory: Callable[[Any], Array] = field(default=lambda model: np.zeros(0))
    #: the kind's part of the starter spec `grade new` writes (statement, model, inputs,
    #: evaluation, answer), a worked example; None: generated from `spec` (grader.spec.starters)
    starter: str | None = None
    #: the inputs are steps in time (a sequence), not independent points: the mistakes about the
    #: order of the list (shifted by one, read in reverse) apply
    sequential: bool = True
    #: (model, quantity) → n, the size of one reported value, or None when the quantity is a
    #: list of plain numbers; not given: every quantity has the model's size
    quantity_size: Callable[[Any, str], int | None] | None = None
    #: (model, answer) → the quantity an `outputs` answer (its `layer`) or a `gradient` answer
    #: (its `wrt`) reports, raising a located FieldValueError when the model has no such thing;
    #: None: the kind has neither layers nor gradients
    answer_quantity: Callable[[Any, Any], str] | None = None
    #: the `answer.kind`s a problem of this kind may take
    answer_kinds: tuple[str, ...] = ("sequence",)
    #: (model, the problem's `inputs` as given: a list, choose_from or random) → None, or a
    #: located FieldValueError whose path starts at `inputs`; None: every x_t must fit the model's
    #: `input_size`
    check_inputs: Callable[[Any, Any], None] | None = None
    #: (problem) → how its answer is read and named when it is not a sequence of steps; None
    #: (or a function returning None): one value per step, h_0 … h_T, of the model's size
    answer_layout: Callable[[Problem], AnswerLayout | None] | None = None

    @property
    def default_quantity(self) -> str:
        return next(iter(self.quantities))


class UnknownKind(ValueError):
    """A name no kind is registered under, or a plug-in that failed to load."""


def _load(target: str) -> ModelKind:
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    kind = getattr(module, attribute or "KIND")
    if not isinstance(kind, ModelKind):
        raise TypeError(f"{target} is not a grader.engine.kinds.ModelKind")
    return kind


@functools.cache
def _plugins() -> dict[str, str]:
    """Entry points of the `grader.models` group: name → `module:attribute`, read once."""
    return {point.name: point.value for point in entry_points(group=ENTRY_POINT_GROUP)}


def registered_kinds() -> dict[str, str]:
    """Every kind name a spec may use → where it is defined (built-in kinds win a name clash)."""
    return {**_plugins(), **BUILT_IN}


@functools.cache
def kind_named(name: str) -> ModelKind:
    """The kind registered under `name`; UnknownKind when there is none or it fails to load."""
    known = registered_kinds()
    if name not in known:
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "expected one of " + ", ".join(sorted(known))
        raise UnknownKind(f"unknown model kind {name!r}; {hint}")
    try:
        return _load(known[name])
    except Exception as error:  # a plug-in's bug must not stop the other problems from loading
        raise UnknownKind(
            f"model kind {name!r} ({known[name]}, from the {ENTRY_POINT_GROUP!r} entry points) "
            f"failed to load: {type(error).__name__}: {error}"
        ) from None


def kind_for_spec(key: str, name: Any) -> ModelKind:
    """The kind a `model:` block names by `key` (`cell` or `network`); a located error if none."""
    from grader.spec.models import FieldValueError  # late: the spec models import this module

    if not isinstance(name, str):
        raise FieldValueError((key,), f"expected the name of a model kind; got {name!r}")
    try:
        kind = kind_named(name)
    except UnknownKind as error:
        raise FieldValueError((key,), str(error)) from None
    if kind.discriminator != key:
        raise FieldValueError(
            (key,), f"{name!r} is a model kind given by `{kind.discriminator}:`, not `{key}:`"
        )
    return kind


def kind_of(model: ModelSpec) -> ModelKind:
    """The kind of a validated model."""
    return kind_named(model.kind_name)


def kind_warnings() -> dict[str, str]:
    """The audit warning ids of every kind's knobs (`semantics:<knob>`) and what each means; a
    plug-in that fails to load adds none (its problems fail on their own)."""
    found: dict[str, str] = {}
    for name in registered_kinds():
        try:
            kind = kind_named(name)
        except UnknownKind:
            continue
        for knob in kind.knobs:
            found[f"semantics:{knob.name}"] = knob.warning
    return found


def forget_plugins() -> None:
    """Read the entry points again on next use (after installing a course's package in-process)."""
    _plugins.cache_clear()
    kind_named.cache_clear()
