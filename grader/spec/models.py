"""Validated, frozen models of a problem spec (the YAML a course author writes).

Everything a problem can say is declared here, so a spec is checked once, up front, and the rest of
the pipeline receives values it can trust. The `model:` block is the exception: each model kind
declares its own model in its module under `grader.engine` (a subclass of `ModelSpec`, which
checks the shape rules that span several fields and records n, d and whether the author wrote the
model in scalar form), and `Problem` validates the block with the kind that `cell:` or `network:`
names.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationError,
    model_validator,
)

__all__ = [
    "TIE_RULES",
    "SCORING_SCHEMES",
    "REVEAL_LEVELS",
    "FieldValueError",
    "Number",
    "Matrix",
    "Vector",
    "ModelSpec",
    "SpecBlock",
    "NestedSpecError",
    "shape_of",
    "describe_shape",
    "check_rectangular",
    "SaturatingActivation",
    "ExactActivation",
    "Activation",
    "Rounding",
    "Evaluation",
    "Tolerance",
    "SequenceAnswer",
    "OutputsAnswer",
    "GradientAnswer",
    "Choice",
    "ChoiceCheck",
    "ChoiceAnswer",
    "Answer",
    "RandomInputs",
    "ChooseFromInputs",
    "LatePolicy",
    "RevealPolicy",
    "AUDIT_WARNINGS",
    "AcceptedWarning",
    "AuditSettings",
    "Problem",
    "CourseSettings",
    "course_content_hash",
]

TieRule = Literal["toward_zero", "away_from_zero", "even", "up", "down"]
TIE_RULES: tuple[str, ...] = ("toward_zero", "away_from_zero", "even", "up", "down")

ScoringScheme = Literal[
    "all_or_nothing",
    "per_element",
    "follow_through",
    "net_correct",
    "coverage",
    "each_answer",
    "edc",
]
SCORING_SCHEMES: tuple[str, ...] = (
    "all_or_nothing",
    "per_element",
    "follow_through",
    "net_correct",
    "coverage",
    "each_answer",
    "edc",
)
_SEQUENCE_SCHEMES = {"all_or_nothing", "per_element", "follow_through"}
_CHOICE_SCHEMES = {"all_or_nothing", "net_correct", "coverage", "each_answer", "edc"}

RevealLevel = Literal["verdict", "count", "positions", "diagnosis", "solution"]
#: Ordered from least to most revealing.
REVEAL_LEVELS: tuple[str, ...] = ("verdict", "count", "positions", "diagnosis", "solution")


class FieldValueError(ValueError):
    """A cross-field check that failed at a known sub-path of the model being validated."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(message)


class NestedSpecError(FieldValueError):
    """A block validated by a model chosen at run time (a model kind's), with that model's errors.

    The loader reports these errors as it reports the problem's own, below the block's path.
    """

    def __init__(self, path: tuple[str | int, ...], errors: list[Any], root: type[BaseModel]) -> None:
        super().__init__(path, "invalid model")
        self.errors = errors
        self.root = root


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpecBlock(_Spec):
    """The base of a model kind's own blocks: frozen, unknown keys forbidden, like every block."""


#: A finite number written as a number (not a string, not a boolean).
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
PositiveNumber = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)]
NonNegativeNumber = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
Vector = Annotated[list[Number], Field(min_length=1)]
Matrix = Annotated[list[Vector], Field(min_length=1)]
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
Identifier = Annotated[str, Field(strict=True, pattern=IDENTIFIER_PATTERN)]
#: true or false as YAML booleans; strict, so that `correct: "no"` or `correct: 1` is an error.
Flag = Annotated[bool, Field(strict=True)]


class ModelSpec(_Spec):
    """The `model:` block of a problem; each model kind (`grader.engine.kinds`) subclasses it.

    A spec names its kind by `cell:` (recurrent kinds) or `network:` (the others); `Problem`
    looks the name up in the registry and validates the block with that kind's own model.
    """

    @property
    def kind_name(self) -> str:
        """The registered name of this model's kind (the value of `cell:` or `network:`)."""
        raise NotImplementedError

    @property
    def scalar(self) -> bool:
        """True when the author wrote the model with scalars (answers are then plain numbers)."""
        raise NotImplementedError

    @property
    def size(self) -> int:
        """n, the number of values one step reports."""
        raise NotImplementedError

    @property
    def input_size(self) -> int:
        """d, the size of each x_t."""
        raise NotImplementedError


def shape_of(value: float | list[Any]) -> tuple[int, ...]:
    """() for a number, (k,) for a list of k numbers, (r, c) for a list of rows."""
    if isinstance(value, list):
        if value and isinstance(value[0], list):
            return (len(value), len(value[0]))
        return (len(value),)
    return ()


def describe_shape(value: float | list[Any]) -> str:
    shape = shape_of(value)
    if not shape:
        return "a number"
    if len(shape) == 1:
        return f"a list of {shape[0]}"
    return f"a {shape[0]}×{shape[1]} matrix"


def check_rectangular(matrix: float | list[list[float]], path: tuple[str | int, ...]) -> None:
    if not isinstance(matrix, list):
        return
    width = len(matrix[0])
    for row_index, row in enumerate(matrix):
        if len(row) != width:
            raise FieldValueError(
                (*path, row_index), f"every row needs {width} numbers like the first; got {len(row)}"
            )


def _kind_short_form(value: Any) -> Any:
    """`activation: exact` is short for `{kind: exact}`."""
    return {"kind": value} if isinstance(value, str) else value


class SaturatingActivation(_Spec):
    """sigmoid(z) = 1 for z ≥ at, 0 for z ≤ −at; tanh(z) = ±1 for |z| ≥ at; exact in between."""

    kind: Literal["saturating"]
    at: PositiveNumber = 1.0


class ExactActivation(_Spec):
    """The true sigmoid and tanh."""

    kind: Literal["exact"]


Activation = Annotated[
    Union[SaturatingActivation, ExactActivation],
    Field(discriminator="kind"),
    BeforeValidator(
        _kind_short_form,
        # the JSON Schema (`grade schema`) admits the short form too
        json_schema_input_type=Union[Literal["saturating", "exact"], SaturatingActivation, ExactActivation],
    ),
]


class Rounding(_Spec):
    """Round each reported value to an integer or to k decimals, breaking ties by `ties`."""

    to: Literal["integer"] | None = None
    decimals: Annotated[int, Field(strict=True, ge=0, le=12)] | None = None
    ties: TieRule = "away_from_zero"

    @model_validator(mode="after")
    def _one_target(self) -> Rounding:
        if (self.to is None) == (self.decimals is None):
            raise ValueError("give exactly one of `to: integer` or `decimals: k`")
        return self

    @property
    def places(self) -> int:
        """Decimal places kept: 0 for integers."""
        return 0 if self.decimals is None else self.decimals


def _none_short_form(value: Any) -> Any:
    """`rounding: none` means no rounding at all."""
    return None if value == "none" else value


class Evaluation(_Spec):
    """How the canonical answer is computed: activations, rounding, and what the next step sees."""

    activation: Activation = ExactActivation(kind="exact")
    rounding: Annotated[
        Rounding | None,
        BeforeValidator(_none_short_form, json_schema_input_type=Union[Literal["none"], Rounding, None]),
    ] = None
    carry: Literal["rounded", "exact"] = "rounded"


class Tolerance(_Spec):
    """Accept a value v for key k when |v − k| ≤ max(abs_tol, rel_tol·|k|)."""

    abs_tol: NonNegativeNumber = 1e-6
    rel_tol: NonNegativeNumber = 0.0


class SequenceAnswer(_Spec):
    """The answer is the sequence of one quantity of the model (h_t, c_t, …), one entry per step."""

    kind: Literal["sequence"]
    #: one of the quantities the model's kind reports per step (`grader.engine.kinds`); when not
    #: given, the kind's first (h for the recurrent kinds)
    of: Annotated[str, Field(strict=True, min_length=1)] = "h"
    compare: Tolerance | None = None


class OutputsAnswer(SequenceAnswer):
    """A network's outputs, one value or vector per input point: the last layer's, or hidden
    layer `layer`'s (1-based). Graded as a sequence whose steps are the points."""

    kind: Literal["outputs"]  # type: ignore[assignment]
    layer: Annotated[int, Field(strict=True, ge=1)] | None = None


class GradientAnswer(SequenceAnswer):
    """∂loss/∂ one parameter of a network with a loss, summed over the input points, in the
    parameter's shape: `wrt: layers.k.W` (a matrix, graded row by row) or `layers.k.b`."""

    kind: Literal["gradient"]  # type: ignore[assignment]
    wrt: Annotated[str, Field(strict=True, pattern=r"^layers\.[0-9]+\.(W|b)$")]


class Choice(_Spec):
    """One checkbox or radio button."""

    id: Identifier
    text: str
    correct: Flag = False
    #: Name of an input property (from the built-in catalogue) this choice claims h_t carries.
    property: Identifier | None = None


class ChoiceCheck(_Spec):
    """How `grade check` verifies a property-based key: which model, inputs over which alphabet."""

    model: Identifier
    alphabet: Annotated[list[Number], Field(min_length=1)] = [0.0, 1.0]
    max_length: Annotated[int, Field(strict=True, ge=1, le=16)] = 10


class ChoiceAnswer(_Spec):
    """Multiple choice: `multiple: true` for checkboxes, false for radio buttons."""

    kind: Literal["choice"]
    multiple: Flag = False
    allow_blank: Flag = False
    choices: Annotated[list[Choice], Field(min_length=2)]
    #: Derive/verify the key by simulating a model (feedback work; see `grade check`).
    check: ChoiceCheck | None = None

    @model_validator(mode="after")
    def _key_is_sane(self) -> ChoiceAnswer:
        seen: dict[str, int] = {}
        for index, choice in enumerate(self.choices):
            folded = choice.id.casefold()
            if folded in seen:
                raise FieldValueError(
                    ("choices", index, "id"),
                    f"duplicate choice id {choice.id!r} (ids are compared ignoring case)",
                )
            seen[folded] = index
        correct = [choice.id for choice in self.choices if choice.correct]
        if not correct:
            raise FieldValueError(("choices",), "no choice is marked `correct: true`")
        if not self.multiple and len(correct) > 1:
            raise FieldValueError(
                ("choices",),
                f"`multiple: false` allows one correct choice; {', '.join(correct)} are marked correct",
            )
        return self

    @property
    def correct_ids(self) -> tuple[str, ...]:
        return tuple(choice.id for choice in self.choices if choice.correct)


Answer = Annotated[
    Union[SequenceAnswer, OutputsAnswer, GradientAnswer, ChoiceAnswer],
    Field(discriminator="kind"),
    # `answer: sequence` is short for `{kind: sequence}`
    BeforeValidator(
        _kind_short_form,
        json_schema_input_type=Union[str, SequenceAnswer, OutputsAnswer, GradientAnswer, ChoiceAnswer],
    ),
]


class _RandomDraw(_Spec):
    alphabet: Annotated[list[Number], Field(min_length=1)]
    length: Annotated[int, Field(strict=True, ge=1, le=10_000)]


class RandomInputs(_Spec):
    """Each student's inputs drawn uniformly from `alphabet`, `length` of them."""

    random: _RandomDraw


class ChooseFromInputs(_Spec):
    """Each student's inputs drawn from a list of sequences."""

    choose_from: Annotated[list[Annotated[list[Number | Vector], Field(min_length=1)]], Field(min_length=1)]


InputSequence = Annotated[list[Number | Vector], Field(min_length=1)]
Inputs = Union[InputSequence, RandomInputs, ChooseFromInputs]


def _inputs_form(value: Any) -> Any:
    """A mapping for `inputs` must say which kind it is; else no union member fits it well."""
    kinds = ["random", "choose_from"]
    if isinstance(value, dict) and not set(kinds) & set(value):
        for key in value:
            close = difflib.get_close_matches(str(key), kinds, n=1)
            if close:
                raise FieldValueError(
                    (str(key),),
                    f"unknown key {key!r} (did you mean {close[0]!r}?); expected one of random, choose_from",
                )
        keys = ", ".join(map(str, value)) or "none"
        raise ValueError(
            f"expected a list of inputs, or a mapping with `random:` or `choose_from:`; got keys {keys}"
        )
    return value


LateRule = Literal["reject", "accept", "penalty"]


class LatePolicy(_Spec):
    """After `due`: reject the attempt, accept it, or deduct `per_day` of the score per day late."""

    policy: LateRule = "reject"
    per_day: Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)] = 0.0

    @model_validator(mode="after")
    def _penalty_has_rate(self) -> LatePolicy:
        if self.policy != "penalty" and self.per_day:
            raise FieldValueError(("per_day",), "only `policy: penalty` takes a per-day rate")
        return self


def _late_short_form(value: Any) -> Any:
    """`late: accept` is short for `{policy: accept}`."""
    return {"policy": value} if isinstance(value, str) else value


class RevealPolicy(_Spec):
    """What feedback may show, escalating after the due date or after the last attempt."""

    show: RevealLevel = "positions"
    after_due: RevealLevel | None = None
    after_last_attempt: RevealLevel | None = None


def _reveal_short_form(value: Any) -> Any:
    """`reveal: diagnosis` is short for `{show: diagnosis}`."""
    return {"show": value} if isinstance(value, str) else value


#: Every warning `grade check` can give, by its stable id: what an `audit.accept` entry may name.
#: The ids are part of the spec language (a course's accepts name them), so they never change.
AUDIT_WARNINGS: dict[str, str] = {
    "semantics:activation_exact": "the key changes with the exact sigmoid and tanh",
    "semantics:activation_saturating": "the key changes with activations saturating at 1",
    "semantics:carry_exact": "the key changes when step t+1 sees the unrounded h_t",
    "semantics:carry_rounded": "the key changes when step t+1 sees the rounded h_t",
    **{f"semantics:ties_{rule}": f"the key changes when ties are rounded {rule}" for rule in TIE_RULES},
    "boundary": "a value before rounding lies on a rounding boundary",
    "boundary:activation_exact": "with exact activations, a value lies on a rounding boundary",
    "key:untypable": "a key value needs more decimals than a student types (no rounding, default tolerance)",
    "reveal:positions": "feedback that names wrong entries gives the key away within the attempts",
    "reveal:shared_solution": "one student can publish the worked solution for a class with the same inputs",
}


def known_warnings() -> dict[str, str]:
    """AUDIT_WARNINGS and the warnings of every model kind's own semantics knobs."""
    from grader.engine.kinds import kind_warnings  # late: kinds import this module

    return {**AUDIT_WARNINGS, **kind_warnings()}


def _known_warning(value: str) -> str:
    warnings = known_warnings()
    if value not in warnings:
        close = difflib.get_close_matches(value, list(warnings), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        known = ", ".join(warnings)
        raise FieldValueError((), f"unknown warning id {value!r}{hint}; expected one of {known}")
    return value


def _says_something(value: str) -> str:
    if not value.strip():
        raise FieldValueError((), "say why the warning is accepted; got blank text")
    return value


class AcceptedWarning(_Spec):
    """A warning course staff reviewed and accept, with the reason `grade check` prints beside it."""

    id: Annotated[str, Field(strict=True), AfterValidator(_known_warning)]
    reason: Annotated[str, Field(strict=True, min_length=1), AfterValidator(_says_something)]


class AuditSettings(_Spec):
    """What `grade check --strict` lets pass: reviewed warnings, each accepted with a reason."""

    accept: list[AcceptedWarning] = []

    @model_validator(mode="after")
    def _each_once(self) -> AuditSettings:
        seen: set[str] = set()
        for index, accepted in enumerate(self.accept):
            if accepted.id in seen:
                raise FieldValueError(("accept", index, "id"), f"{accepted.id!r} is accepted twice")
            seen.add(accepted.id)
        return self


def _model_of_kind(value: Any) -> Any:
    """Validate a `model:` mapping with the model of the kind its `cell:` or `network:` names."""
    if not isinstance(value, dict):
        return value  # None, a validated model, or a value the field itself rejects
    from grader.engine.kinds import DISCRIMINATORS, kind_for_spec  # late: kinds import this module

    named = [key for key in DISCRIMINATORS if key in value]
    if not named:
        raise FieldValueError((DISCRIMINATORS[0],), "required field is missing")
    kind = kind_for_spec(named[0], value[named[0]])
    try:
        return kind.spec.model_validate(value)
    except ValidationError as errors:
        raise NestedSpecError((), errors.errors(), kind.spec) from None


def _quantity_of(model: ModelSpec, answer: SequenceAnswer) -> SequenceAnswer:
    """The answer, reporting the kind's default quantity when it names none; a named quantity
    the kind does not report is an error."""
    from grader.engine.kinds import kind_of  # late: kinds import this module

    kind = kind_of(model)
    if answer.kind not in kind.answer_kinds:
        expected = " or ".join(repr(name) for name in kind.answer_kinds)
        raise FieldValueError(
            ("answer", "kind"),
            f"a `{kind.discriminator}: {kind.name}` model's answer is {expected}; got {answer.kind!r}",
        )
    quantities = kind.quantities
    if isinstance(answer, (OutputsAnswer, GradientAnswer)):
        # `layer: k` and `wrt:` name one of the kind's quantities; the kind checks that it exists
        if isinstance(answer, OutputsAnswer) and answer.layer is None:
            of = kind.default_quantity
        elif kind.answer_quantity is None:
            field = "layer" if isinstance(answer, OutputsAnswer) else "kind"
            what = "layers" if isinstance(answer, OutputsAnswer) else "gradients"
            raise FieldValueError(("answer", field), f"a {kind.name} model has no {what}")
        else:
            of = kind.answer_quantity(model, answer)
        return answer if answer.of == of else answer.model_copy(update={"of": of})
    if "of" not in answer.model_fields_set and answer.of != kind.default_quantity:
        return answer.model_copy(update={"of": kind.default_quantity})
    if answer.of not in quantities:
        expected = ", ".join(repr(name) for name in quantities)
        raise FieldValueError(("answer", "of"), f"expected one of {expected}; got {answer.of!r}")
    return answer


class Problem(_Spec):
    """One graded question, as written in `problems/<id>.yaml`."""

    id: Identifier
    title: str
    points: PositiveNumber = 1.0
    statement: str
    #: validated by the model of its kind; dumped with that model's fields
    model: Annotated[SerializeAsAny[ModelSpec] | None, BeforeValidator(_model_of_kind)] = None
    inputs: Annotated[Inputs | None, BeforeValidator(_inputs_form)] = None
    evaluation: Evaluation = Evaluation()
    answer: Answer
    expected: list[Any] | None = None
    scoring: ScoringScheme = "all_or_nothing"
    max_attempts: Annotated[int, Field(strict=True, ge=1)] | None = None
    due: AwareDatetime | None = None
    late: Annotated[
        LatePolicy,
        BeforeValidator(_late_short_form, json_schema_input_type=Union[LateRule, LatePolicy]),
    ] = LatePolicy()
    counts: Literal["last", "best"] = "last"
    reveal: Annotated[
        RevealPolicy,
        BeforeValidator(_reveal_short_form, json_schema_input_type=Union[RevealLevel, RevealPolicy]),
    ] = RevealPolicy()
    audit: AuditSettings = AuditSettings()

    @model_validator(mode="after")
    def _parts_fit(self) -> Problem:
        if isinstance(self.answer, SequenceAnswer):
            if self.model is None:
                raise FieldValueError(("model",), "a sequence problem needs a `model`")
            if self.inputs is None:
                raise FieldValueError(("inputs",), "a sequence problem needs `inputs`")
            if self.scoring not in _SEQUENCE_SCHEMES:
                raise FieldValueError(
                    ("scoring",),
                    f"{self.scoring!r} is for choice problems; sequences take one of "
                    + ", ".join(sorted(_SEQUENCE_SCHEMES)),
                )
            answer = _quantity_of(self.model, self.answer)
            if answer is not self.answer:
                # frozen: the validated problem reports what its kind reports by default
                object.__setattr__(self, "answer", answer)
            _check_inputs_fit(self.model, self.inputs)
            if not isinstance(self.inputs, list) and "{inputs}" not in self.statement:
                raise FieldValueError(
                    ("statement",),
                    "inputs vary per student, so the statement must show them: write {inputs} "
                    "where each student's input sequence goes",
                )
            if self.expected is not None and not isinstance(self.inputs, list):
                raise FieldValueError(
                    ("expected",), "`expected` cannot be checked when inputs vary per student"
                )
        else:
            if self.scoring not in _CHOICE_SCHEMES:
                raise FieldValueError(
                    ("scoring",),
                    f"{self.scoring!r} is for sequence problems; choices take one of "
                    + ", ".join(sorted(_CHOICE_SCHEMES)),
                )
            if self.scoring != "all_or_nothing" and not self.answer.multiple:
                raise FieldValueError(
                    ("scoring",), "partial-credit schemes need `multiple: true` (checkboxes)"
                )
        if self.late.policy != "reject" and self.due is None and "late" in self.model_fields_set:
            raise FieldValueError(("late",), "a late policy needs a `due` date")
        return self

    @property
    def fixed_inputs(self) -> bool:
        """True when every student answers for the same inputs."""
        return isinstance(self.inputs, list)

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the validated spec as canonical JSON: sorted keys, defaults written out.

        Taken from the model, not the file's bytes: comments, key order, layout, short forms
        (`late: accept`) and defaults spelled out or left out give the same hash; any change to
        what the spec says (a key, a tolerance, the statement) gives another.
        """
        return _digest(self.model_dump(mode="json"))


def _digest(content: Any) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def course_content_hash(problem: Problem, salt: str) -> str:
    """The content hash of `problem` as a course grades it: its own (`Problem.content_hash`) when
    every student has the same inputs, else mixed with the course salt, which picks the variants."""
    if problem.fixed_inputs or problem.inputs is None:
        return problem.content_hash
    return _digest({"problem": problem.content_hash, "salt": salt})


def _check_inputs_fit(model: ModelSpec, inputs: Inputs | None) -> None:
    from grader.engine.kinds import kind_of  # late: kinds import this module

    check = kind_of(model).check_inputs
    if check is not None:
        check(model, inputs)
        return
    sequences: list[tuple[tuple[str | int, ...], list[Any]]] = []
    if isinstance(inputs, list):
        sequences.append((("inputs",), inputs))
    elif isinstance(inputs, ChooseFromInputs):
        sequences.extend(
            (("inputs", "choose_from", index), sequence)
            for index, sequence in enumerate(inputs.choose_from)
        )
    elif isinstance(inputs, RandomInputs):
        if model.input_size != 1:
            raise FieldValueError(
                ("inputs", "random"),
                f"random inputs are numbers, but this cell takes {model.input_size}-vectors",
            )
        return
    d = model.input_size
    for path, sequence in sequences:
        for index, x in enumerate(sequence):
            width = len(x) if isinstance(x, list) else 1
            if isinstance(x, list) and d == 1 and not model.scalar and width == 1:
                continue
            if (isinstance(x, list) and width != d) or (not isinstance(x, list) and d != 1):
                raise FieldValueError(
                    (*path, index),
                    f"x_{index} has {width} value(s), but W_x takes inputs of size {d}",
                )
            if isinstance(x, list) and model.scalar:
                raise FieldValueError((*path, index), "this cell is scalar, so each x_t is a number")


_SALT_PATTERN = re.compile(r"^\S+$")


class CourseSettings(_Spec):
    """`problems/course.yaml`: settings shared by every problem of a course."""

    title: str = ""
    #: Problem ids in the order reports list them; problems not named follow in file order.
    order: list[Identifier] = []
    #: Mixed into every per-student variant seed; change it and every variant changes.
    salt: Annotated[str, Field(strict=True, min_length=1, pattern=_SALT_PATTERN.pattern)] = "grader"

