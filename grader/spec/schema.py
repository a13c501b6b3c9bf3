"""The JSON Schema of a problem file, generated from the spec models, for editors and CI.

pydantic writes the schema of `Problem`; the `model:` block, which `Problem` validates with the
model of the kind its `cell:` or `network:` names, becomes the union of every registered kind's
model, so a YAML language server completes and checks the fields of each kind. The package ships
the schema of its built-in kinds as `grader/spec/problem.schema.json`; `grade schema` prints the
one for the kinds registered where it runs (a course's plug-ins included).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Union

from pydantic import Field, create_model

from grader.engine.kinds import UnknownKind, kind_named, registered_kinds
from grader.spec.models import ModelSpec, Problem

__all__ = ["SHIPPED_SCHEMA", "problem_schema", "render_schema"]

#: Where the package ships the schema of its built-in kinds.
SHIPPED_SCHEMA = Path(__file__).with_name("problem.schema.json")


def _kind_models(names: Iterable[str]) -> list[type[ModelSpec]]:
    """The spec models of the kinds named, in registry order; a plug-in that fails to load is
    left out (its problems fail on their own)."""
    models: list[type[ModelSpec]] = []
    for name in names:
        try:
            models.append(kind_named(name).spec)
        except UnknownKind:
            continue
    return models


def problem_schema(kinds: Iterable[str] | None = None) -> dict[str, Any]:
    """The JSON Schema of a problem file whose `model:` may be any of `kinds` (default: every
    registered kind)."""
    models = _kind_models(registered_kinds() if kinds is None else kinds)
    # A subclass only for the schema: validation keeps Problem's own `model` field and validator.
    union: Any = Union[tuple([*models, type(None)])]
    written = create_model(
        "Problem",
        __base__=Problem,
        __doc__=Problem.__doc__,
        model=(union, Field(default=None, description="the model; `cell:` or `network:` names its kind")),
    )
    schema = written.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render_schema(kinds: Iterable[str] | None = None) -> str:
    """The schema as the shipped file holds it: indented JSON with a final newline."""
    return json.dumps(problem_schema(kinds), indent=2, ensure_ascii=False) + "\n"
