"""Starter specs for `grade new KIND PATH`: a commented problem file that `grade check` passes.

A starter is the frame every problem shares (id, title, points, attempts, reveal policy, the
optional fields commented out with their defaults) around the part that depends on the kind: the
statement, `model:`, `inputs:`, `evaluation:`, `answer:`. A kind declares that part as
`ModelKind.starter`, a worked example; for a kind that declares none it is generated from the
kind's spec model: its required fields filled with small numbers, its optional ones commented out
with their defaults.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import yaml

from grader.engine.kinds import ModelKind, UnknownKind, kind_named
from grader.errors import UsageError
from grader.spec.models import IDENTIFIER_PATTERN, Answer, Problem

__all__ = ["generated_part", "starter_text", "write_starter"]

_FRAME = """\
# A starter spec for the {kind} model kind, written by `grade new {kind}`. Change it into your
# problem, then run `grade check` on it before release. docs/problems.md describes every field;
# `grade schema` lets an editor complete and check them as you type.
id: {id}  # unique in the course; letters, digits, `.`, `_`, `-`
title: {title}
points: 1                # default 1
max_attempts: 3          # default: unlimited
# due: 2026-03-20T23:59:00+00:00   # default: none (no deadline)
# late: reject           # after `due`: reject (default), accept, or {{policy: penalty, per_day: 0.1}}
# counts: last           # which attempt counts: last (default) or best
# What feedback may show: verdict, count, positions (default), diagnosis or solution; it may
# escalate with `after_due:` and `after_last_attempt:` (`grade check` audits that it cannot give
# the key away).
reveal: {{show: diagnosis}}
# scoring: all_or_nothing  # default; partial credit: per_element or follow_through
"""

#: The numbers a generated starter fills its required parameters with, in turn: small, distinct,
#: and away from the activations' flat regions, so that every entry of the key tells.
_SAMPLE_NUMBERS = (0.5, -0.25, 1.0, 0.75, -0.5)


def starter_text(kind_name: str, problem_id: str) -> str:
    """The starter spec of the kind registered as `kind_name`, for a problem `problem_id`."""
    try:
        kind = kind_named(kind_name)
    except UnknownKind as error:
        raise UsageError(str(error)) from None
    title = problem_id.replace("-", " ").replace("_", " ").capitalize()
    frame = _FRAME.format(kind=kind.name, id=problem_id, title=title)
    return frame + (kind.starter if kind.starter is not None else generated_part(kind))


def write_starter(kind_name: str, path: Path) -> str:
    """Write the starter spec of a kind to `path`, a new file whose name gives the problem id;
    returns the text. Never overwrites: an existing file is a UsageError."""
    problem_id = path.stem
    if path.suffix not in (".yaml", ".yml") or not re.fullmatch(IDENTIFIER_PATTERN, problem_id):
        raise UsageError(
            f"{path}: expected a new .yaml file named for the problem id (letters, digits, `.`, `_`, "
            "`-`), e.g. problems/rnn-states.yaml"
        )
    text = starter_text(kind_name, problem_id)
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent}: no such directory")
    try:
        # `x`: the check that the file is new and its creation are one step
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise UsageError(f"{path}: already exists; `grade new` never overwrites a file") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot write: {error.strerror}") from None
    return text


def generated_part(kind: ModelKind) -> str:
    """The kind-dependent part of a starter, generated from the kind's spec model.

    The inputs are three steps sized for the model; the answer is the first kind of answer
    (other than a choice) with which the problem validates and its key computes.
    """
    schema = kind.spec.model_json_schema()
    numbers = iter(_SAMPLE_NUMBERS * 100)
    model = _example(schema, schema.get("$defs", {}), iter(_SAMPLE_NUMBERS * 100))
    head = [
        "statement: |",
        f"  Describe the {kind.name} model, its parameters and its inputs; say how to round and",
        "  what to enter.",
        f"# {_one_line(kind.spec.__doc__)}",
        "model:",
        *_block(schema, schema.get("$defs", {}), numbers, indent="  "),
        f"inputs: {_flow(_sample_inputs(kind, model))}  # one x_t per step",
        "# per student instead: {random: {alphabet, length}} or {choose_from: [[...], ...]},",
        "# with {inputs} in the statement where each student's inputs go",
        "evaluation:",
        "  activation: exact      # default exact; or {kind: saturating, at: 1}",
        "  rounding: {decimals: 2}  # default none; or {to: integer}; ties: away_from_zero (default),",
        "                         # toward_zero, even, up, down",
        "  carry: rounded         # default rounded: the next step sees the rounded value; or exact",
        "answer:",
    ]
    tail = [
        "  # compare: {abs_tol: 1e-6, rel_tol: 0}  # default: pass if |v - k| <= max(abs_tol, rel_tol·|k|)",
        "# expected: [...]        # optional: the key as you worked it out; `grade check` compares",
        "",
    ]
    candidates = ["\n".join([*head, *_answer_lines(kind, answer), *tail]) for answer in _answer_kinds()]
    return next((text for text in candidates if _computes(text)), candidates[0])


def _sample_inputs(kind: ModelKind, model: Any) -> list[Any]:
    """Three steps, x = 1, 0, -1: numbers for a one-input model, else d-vectors."""
    try:
        validated = kind.spec.model_validate(model)
        size, scalar = validated.input_size, validated.scalar
    except Exception:  # a kind whose model this generator cannot fill: numbers, the common case
        size, scalar = 1, True
    return [value if scalar and size == 1 else [value] * size for value in (1, 0, -1)]


def _answer_kinds() -> list[str]:
    """The kinds of answer a spec may give, sequence first, choice left out."""
    members = get_args(get_args(Answer)[0])
    named = [get_args(member.model_fields["kind"].annotation)[0] for member in members]
    return sorted((name for name in named if name != "choice"), key=lambda name: name != "sequence")


def _answer_lines(kind: ModelKind, answer: str) -> list[str]:
    lines = [f"  kind: {answer}"]
    if answer == "sequence":
        others = f"  # one of {', '.join(kind.quantities)}" if len(kind.quantities) > 1 else ""
        lines.append(f"  of: {kind.default_quantity}{others}")
    return lines


def _computes(text: str) -> bool:
    """True when a starter validates as a problem and the engine computes its key."""
    from grader.engine.keys import compute_key  # late: the engine imports the spec layer

    try:
        problem = Problem.model_validate(yaml.safe_load("id: starter\ntitle: Starter\n" + text))
        compute_key(problem)
    except Exception:  # any failure means: try the next kind of answer
        return False
    return True


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _resolve(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = definitions[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _block(schema: dict[str, Any], definitions: dict[str, Any], numbers: Any, indent: str) -> list[str]:
    """YAML lines for an object schema: required fields filled in, optional ones commented out
    with their defaults."""
    schema = _resolve(schema, definitions)
    required = schema.get("required", [])
    lines: list[str] = []
    for name, field in schema.get("properties", {}).items():
        if name in required:
            field = _resolve(field, definitions)
            if _is_object(field, definitions):
                lines.append(f"{indent}{name}:")
                lines += _block(field, definitions, numbers, indent + "  ")
            else:
                lines.append(f"{indent}{name}: {_flow(_example(field, definitions, numbers))}")
        else:
            choices = _choices(field, definitions)
            note = f"   # default; or one of {', '.join(choices)}" if choices else "   # default"
            lines.append(f"{indent}# {name}: {_flow(field.get('default'))}{note}")
    return lines


def _is_object(schema: dict[str, Any], definitions: dict[str, Any]) -> bool:
    return _resolve(schema, definitions).get("type") == "object" and "const" not in schema


def _choices(schema: dict[str, Any], definitions: dict[str, Any]) -> list[str]:
    schema = _resolve(schema, definitions)
    return [str(value) for value in schema.get("enum", [])]


def _example(schema: dict[str, Any], definitions: dict[str, Any], numbers: Any) -> Any:
    """A valid value for a schema: a number where a number will do (a one-unit model)."""
    schema = _resolve(schema, definitions)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    members = schema.get("anyOf") or schema.get("oneOf")
    if members:
        resolved = [_resolve(member, definitions) for member in members]
        numeric = [member for member in resolved if member.get("type") in ("number", "integer")]
        usable = [member for member in resolved if member.get("type") != "null"]
        return _example((numeric or usable)[0], definitions, numbers)
    kind = schema.get("type")
    if kind == "number":
        return next(numbers)
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "boolean":
        return False
    if kind == "string":
        return "TODO"
    if kind == "array":
        return [_example(schema.get("items", {}), definitions, numbers)] * max(schema.get("minItems", 1), 1)
    if kind == "object":
        return {
            name: _example(field, definitions, numbers)
            for name, field in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    return None


def _flow(value: Any) -> str:
    """A value in YAML flow style, on one line."""
    text: str = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=1_000_000)
    return text.removesuffix("\n...\n").strip()
