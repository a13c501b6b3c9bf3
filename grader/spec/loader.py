"""Load problem specs from YAML files into validated models, with errors that name file, line, field."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from grader.documents import Document, DocumentError, load_file
from grader.errors import SpecError
from grader.spec.models import CourseSettings, FieldValueError, Problem

__all__ = ["ProblemSet", "load_problem", "load_problems", "validate_document", "COURSE_FILE"]

#: The one file in a problems directory that holds course settings rather than a problem.
COURSE_FILE = "course.yaml"
_SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ProblemSet:
    """The problems of a course, by id in load order, plus the course settings."""

    problems: dict[str, Problem]
    course: CourseSettings = field(default_factory=CourseSettings)
    sources: dict[str, Path] = field(default_factory=dict)

    def __iter__(self) -> Any:
        return iter(self.problems.values())

    def __len__(self) -> int:
        return len(self.problems)

    def __getitem__(self, problem_id: str) -> Problem:
        return self.problems[problem_id]

    @property
    def ids(self) -> list[str]:
        return list(self.problems)


def _field_path(data: Any, loc: Sequence[str | int]) -> list[str | int]:
    """The part of a pydantic error location that exists in the document (drops union tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and part not in node:
            # pydantic names the union member it tried (e.g. 'sequence', 'list[...]'); a missing
            # field name is still worth showing, so keep it when it is the last element
            if part == loc[-1] and not part.startswith(("list[", "function-", "union")):
                path.append(part)
                break
            continue
        else:
            continue
    return path


def _dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: Any, data: Any, path: Sequence[str | int]) -> str:
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else "?"
        allowed = _allowed_keys(path)
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        known = f"; expected one of {', '.join(allowed)}" if allowed else ""
        return f"unknown key {name!r}{hint}{known}"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return f"expected one of {expected.replace(' or ', ', ')}; got {given!r}"
    if kind == "union_tag_invalid":
        return f"expected one of {ctx.get('expected_tags', '')}; got {ctx.get('tag')!r}"
    if kind == "union_tag_not_found":
        return f"missing the `{ctx.get('discriminator', 'kind').strip(chr(39))}` key"
    if kind in ("finite_number",):
        return f"expected a finite number; got {given!r}"
    if kind in ("float_type", "int_type", "float_parsing"):
        return f"expected a number; got {_show(given)}"
    if kind == "value_error" and isinstance(ctx.get("error"), FieldValueError):
        return str(ctx["error"].message)
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return f"{message[0].lower()}{message[1:]}; got {_show(given)}" if given is not None and kind != "value_error" else message


def _show(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value)


def _allowed_keys(path: Sequence[str | int]) -> list[str]:
    """Field names of the model that rejected an unknown key, found by walking Problem's fields."""
    model: Any = Problem
    for part in path[:-1]:
        if isinstance(part, int):
            continue
        model = _field_model(model, part)
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _field_model(model: Any, name: str) -> Any:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    info = model.model_fields.get(name)
    if info is None:
        return None
    candidates = [info.annotation]
    while candidates:
        annotation = candidates.pop()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        candidates.extend(typing.get_args(annotation))
    return None


def validate_document(
    model: type[BaseModel], document: Document, file: str | Path
) -> Any:
    """Validate a document's data into `model`; the first error becomes a located SpecError."""
    data = document.data
    if not isinstance(data, dict):
        raise SpecError(
            f"expected a mapping of fields at the top level; got {_show(data)}",
            file=file,
            line=1,
        )
    try:
        return model.model_validate(data)
    except ValidationError as errors:
        error = errors.errors()[0]
        loc: list[str | int] = list(error["loc"])
        ctx = error.get("ctx") or {}
        if isinstance(ctx.get("error"), FieldValueError):
            loc.extend(ctx["error"].path)
        path = _field_path(data, loc)
        raise SpecError(
            _message(error, data, path),
            file=file,
            line=document.line_of(path),
            field=_dotted(path) or None,
        ) from None


def load_problem(path: Path) -> Problem:
    """Load and validate one problem spec, including its `expected` cross-check."""
    try:
        document = load_file(path)
    except DocumentError as error:
        raise SpecError(error.message, file=path, line=error.line) from None
    problem: Problem = validate_document(Problem, document, path)
    _check_expected(problem, path, document)
    return problem


def _check_expected(problem: Problem, path: Path, document: Document) -> None:
    if problem.expected is None:
        return
    from grader.compare.answers import keys_agree  # late: the spec layer reaches the engine only here
    from grader.engine.keys import compute_key, describe_key

    key = compute_key(problem)
    if not keys_agree(problem, key, problem.expected):
        raise SpecError(
            f"the engine computes {describe_key(key)}, but `expected` says {problem.expected}",
            file=path,
            line=document.line_of(("expected",)),
            field="expected",
        )


def _spec_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.suffix in _SPEC_SUFFIXES and p.is_file())
            )
        elif path.exists():
            files.append(path)
        else:
            raise SpecError("no such file or directory", file=path)
    return files


def _ordered(
    problems: dict[str, Problem], course: CourseSettings, file: Path, document: Document
) -> dict[str, Problem]:
    for index, pid in enumerate(course.order):
        if pid not in problems:
            raise SpecError(
                f"unknown problem id {pid!r}; known: {', '.join(problems)}",
                file=file,
                line=document.line_of(("order", index)),
                field=f"order[{index}]",
            )
    ordered = {pid: problems[pid] for pid in course.order}
    ordered.update((pid, problem) for pid, problem in problems.items() if pid not in ordered)
    return ordered


def load_problems(paths: Path | Iterable[Path]) -> ProblemSet:
    """Load every spec under the given files or directories; ids must be unique across them."""
    if isinstance(paths, Path):
        paths = [paths]
    problems: dict[str, Problem] = {}
    sources: dict[str, Path] = {}
    course = CourseSettings()
    course_source: tuple[Path, Document] | None = None
    for file in _spec_files(paths):
        if file.name == COURSE_FILE:
            try:
                document = load_file(file)
            except DocumentError as error:
                raise SpecError(error.message, file=file, line=error.line) from None
            course = validate_document(CourseSettings, document, file)
            course_source = (file, document)
            continue
        problem = load_problem(file)
        if problem.id in problems:
            raise SpecError(
                f"duplicate problem id {problem.id!r}, already defined in {sources[problem.id]}",
                file=file,
                line=1,
                field="id",
            )
        problems[problem.id] = problem
        sources[problem.id] = file
    if course_source is not None and course.order:
        problems = _ordered(problems, course, *course_source)
    if not problems:
        raise SpecError(
            "no problem specs found (expected *.yaml files)",
            file=", ".join(str(p) for p in paths) or ".",
        )
    return ProblemSet(problems, course, sources)
