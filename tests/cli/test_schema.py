"""`grade schema`: the JSON Schema of a problem file, generated from the models, and shipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from grader.engine.kinds import BUILT_IN, registered_kinds
from grader.spec.models import Problem
from grader.spec.schema import SHIPPED_SCHEMA, render_schema
from tests.conftest import PROBLEMS, ROOT


class _EditorLoader(yaml.SafeLoader):
    """YAML as an editor's language server reads it: a date stays a string (YAML 1.2 core)."""


_EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_spec(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_EditorLoader)


def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(render_schema())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


SHIPPED_PROBLEMS = sorted(path for path in PROBLEMS.rglob("*.yaml") if path.name != "course.yaml")


def test_the_shipped_schema_is_the_one_the_models_generate():
    assert SHIPPED_SCHEMA.read_text(encoding="utf-8") == render_schema(BUILT_IN), (
        "grader/spec/problem.schema.json is out of date with the spec models; regenerate it with\n"
        "  python -c 'from grader.spec.schema import render_schema, SHIPPED_SCHEMA; "
        "from grader.engine.kinds import BUILT_IN; SHIPPED_SCHEMA.write_text(render_schema(BUILT_IN))'"
    )


def test_grade_schema_prints_the_schema_of_every_registered_kind(grade):
    run = grade("schema")
    assert run.code == 0
    assert run.err == ""
    schema = json.loads(run.out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Problem"
    models = schema["properties"]["model"]["anyOf"]
    named = {
        schema["$defs"][member["$ref"].rsplit("/", 1)[1]]["properties"][key]["const"]
        for member in models
        if "$ref" in member
        for key in ("cell", "network")
        if key in schema["$defs"][member["$ref"].rsplit("/", 1)[1]]["properties"]
    }
    assert named == set(registered_kinds())


@pytest.mark.parametrize("path", SHIPPED_PROBLEMS, ids=lambda path: str(path.relative_to(PROBLEMS)))
def test_every_shipped_problem_validates_against_the_schema(path):
    errors = [
        f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator().iter_errors(read_spec(path))
    ]
    assert errors == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"model": {"cell": "lstm", "gates": {}}}, "model"),  # no kind's model fits
        ({"model": {"cell": "lsmt"}}, "model"),
        ({"late": "sometimes"}, "late"),
        ({"reveal": "everything"}, "reveal"),
        ({"evaluation": {"rounding": {"decimals": 20}}}, "evaluation.rounding"),
        ({"evaluation": {"activation": "linear"}}, "evaluation.activation"),
        ({"points": 0}, "points"),
        ({"titel": "typo"}, ""),
    ],
)
def test_the_schema_rejects_what_the_models_reject(change, where):
    spec = {**read_spec(ROOT / "problems" / "recurrent" / "rnn-states.yaml"), **change}
    errors = list(validator().iter_errors(spec))
    assert errors
    assert ".".join(map(str, errors[0].absolute_path)).startswith(where)


def test_the_authoring_guide_names_every_field_of_a_problem():
    """docs/problems.md lists every field with its default; a field added to the models is added there."""
    guide = (ROOT / "docs" / "problems.md").read_text(encoding="utf-8")
    schema = json.loads(render_schema(kinds=[]))
    blocks = [schema, *schema["$defs"].values()]
    fields = {name for block in blocks for name in block.get("properties", {})}
    assert fields
    missing = sorted(name for name in fields if f"`{name}`" not in guide)
    assert missing == []


def test_the_schema_accepts_the_short_forms_the_models_accept():
    # `activation: softmax` is short for `{kind: softmax}`: an editor must not flag it
    spec = read_spec(ROOT / "problems" / "network" / "feedforward-softmax.yaml")
    spec["model"]["layers"][-1]["activation"] = "softmax"
    assert Problem.model_validate(spec).model is not None
    assert list(validator().iter_errors(spec)) == []
