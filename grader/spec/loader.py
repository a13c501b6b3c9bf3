"""Load problem specs from YAML files into validated models, with errors that name file, line, field."""

from __future__ import annotations

import datetime
import difflib
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from grader.documents import Document, DocumentError, load_file
from grader.errors import SpecError
from grader.spec.models import (
    IDENTIFIER_PATTERN,
    ChoiceAnswer,
    CourseSettings,
    FieldValueError,
    NestedSpecError,
    Problem,
    SequenceAnswer,
    course_content_hash,
)

__all__ = ["COURSE_FILE", "ProblemSet", "load_problem", "load_problems", "validate_document"]

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

    def content_hash(self, problem_id: str) -> str:
        """The content hash of one problem's spec as this course grades it (`course_content_hash`:
        the course salt counts where it picks the students' inputs)."""
        return course_content_hash(self.problems[problem_id], self.course.salt)

    @property
    def content_hashes(self) -> dict[str, str]:
        """Problem id → `content_hash`, in load order: what the JSON report's `specs` holds."""
        return {problem_id: self.content_hash(problem_id) for problem_id in self.problems}


def _field_path(data: Any, loc: Sequence[str | int]) -> list[str | int]:
    """The part of a pydantic error location that exists in the document (drops union tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_mapping = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_mapping or in_list:
            node = node[part]
            path.append(part)
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part == loc[-1]
            and not part.startswith(("list[", "function-", "union"))
        ):
            # pydantic names the union member it tried (e.g. 'sequence', 'list[...]'); a missing
            # field name is still worth showing, so keep it when it is the last element
            path.append(part)
            break
    return path


def _dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _located(error: Any) -> list[str | int]:
    loc: list[str | int] = list(error["loc"])
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("error"), FieldValueError):
        loc.extend(ctx["error"].path)
    return loc


def _unnested(errors: Sequence[Any]) -> list[Any]:
    """Errors with those of a block validated by a model chosen at run time (a model kind's)
    spliced in at the block's location, each remembering that model and where its locations start."""
    found: list[Any] = []
    for error in errors:
        nested = (error.get("ctx") or {}).get("error")
        if error["type"] == "value_error" and isinstance(nested, NestedSpecError):
            prefix = [*error["loc"], *nested.path]
            for inner in _unnested(nested.errors):
                start = inner.get("root_start", 0) + len(prefix)
                root = inner.get("root", nested.root)
                found.append({**inner, "loc": (*prefix, *inner["loc"]), "root": root, "root_start": start})
        else:
            found.append(error)
    return found


def _most_telling(errors: Sequence[Any], data: Any) -> Any:
    """The one error to report: in the first field that has errors, the deepest in the document
    (a union's members each report one, and the member that got furthest is the one the author
    meant); a typo'd key rather than the `missing` error for the key it was meant to be."""
    first_field = errors[0]["loc"][:1]
    errors = [error for error in errors if error["loc"][:1] == first_field]
    depth = [len(_field_path(data, _located(error))) for error in errors]
    best = errors[depth.index(max(depth))]
    if best["type"] == "missing":
        parent, name = tuple(best["loc"][:-1]), str(best["loc"][-1])
        for error in errors:
            sibling = error["type"] == "extra_forbidden" and tuple(error["loc"][:-1]) == parent
            if sibling and difflib.get_close_matches(str(error["loc"][-1]), [name], n=1):
                return error
    return best


#: pydantic error type → message; the given value is appended as "; got …".
_MESSAGES: dict[str, str] = {
    "missing": "required field is missing",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "finite_number": "expected a finite number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of fields",
    "model_type": "expected a mapping of fields",
    "model_attributes_type": "expected a mapping of fields",
    "greater_than": "expected a number greater than {gt}",
    "greater_than_equal": "expected a number of at least {ge}",
    "less_than": "expected a number less than {lt}",
    "less_than_equal": "expected a number of at most {le}",
    "too_short": "expected at least {min_length} item(s)",
    "too_long": "expected at most {max_length} item(s)",
    "string_too_short": "expected non-empty text",
    "timezone_aware": "expected a date and time with a UTC offset, like 2023-03-29T08:59:00-03:00",
    "datetime_type": "expected a date and time like 2023-03-29T08:59:00-03:00",
    "datetime_parsing": "expected a date and time like 2023-03-29T08:59:00-03:00",
    "datetime_from_date_parsing": "expected a date and time like 2023-03-29T08:59:00-03:00",
}

_IDENTIFIER_RULE = (
    "expected an id of letters, digits, '.', '_' and '-', starting with a letter or digit "
    "(at most 64 characters)"
)


def _message(error: Any, root: type[BaseModel], path: Sequence[str | int]) -> str:
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else "?"
        allowed = _allowed_keys(error.get("root", root), list(error["loc"])[error.get("root_start", 0) :])
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close and close[0] != name else ""
        known = f"; expected one of {', '.join(allowed)}" if allowed else ""
        return f"unknown key {name!r}{hint}{known}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", ", ")
        return f"expected one of {expected}; got {_show(given)}"
    if kind == "union_tag_invalid":
        return f"expected one of {ctx.get('expected_tags', '')}; got {ctx.get('tag')!r}"
    if kind == "union_tag_not_found":
        return f"missing the `{ctx.get('discriminator', 'kind').strip(chr(39))}` key"
    if kind == "value_error" and isinstance(ctx.get("error"), FieldValueError):
        return str(ctx["error"].message)
    if kind == "too_short" and isinstance(given, list):
        return f"expected at least {ctx.get('min_length')} item(s); got {len(given) or 'none'}"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == IDENTIFIER_PATTERN:
        return f"{_IDENTIFIER_RULE}; got {_show(given)}"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == r"^\S+$":
        return f"expected one word, without spaces; got {_show(given)}"
    if kind == "float_type" and isinstance(given, int) and not isinstance(given, bool):
        return f"expected a number; got one too large for a float ({_show(given)})"
    if kind == "string_type" and isinstance(given, (datetime.date, datetime.datetime)):
        return f"expected text; got the date {given.isoformat()} (quote it to make it text)"
    template = _MESSAGES.get(kind)
    if template is not None:
        text = template.format(**{name: _bound(value) for name, value in ctx.items()})
        return text if kind == "missing" else f"{text}; got {_show(given)}"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    message = f"{message[0].lower()}{message[1:]}"
    return message if kind == "value_error" or given is None else f"{message}; got {_show(given)}"


def _bound(value: Any) -> Any:
    """A limit from pydantic's context as written: 0, not 0.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _show(value: Any) -> str:
    """A given value as the author would recognise it, shortened when long."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}… ({len(text)} characters)"


def _allowed_keys(root: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Field names of the model that rejected an unknown key, found by walking pydantic's location
    from the root model: through fields, and into the union member the location names (by class
    name, or by the `kind` tag of a discriminated union)."""
    candidates: list[type[BaseModel]] = [root]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        owner = next((model for model in candidates if part in model.model_fields), None)
        if owner is not None:
            candidates = _models_in(owner.model_fields[part].annotation)
        else:
            named = [model for model in candidates if part == model.__name__ or part in _tags(model)]
            candidates = named or candidates
        if not candidates:
            return []
    return list(candidates[0].model_fields) if len(candidates) == 1 else []


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation can hold, through Annotated, Optional, unions and lists."""
    found: list[type[BaseModel]] = []
    pending = [annotation]
    while pending:
        current = pending.pop(0)
        # on Python 3.10 `list[float]` passes isinstance(…, type) but not issubclass: check the origin
        is_class = typing.get_origin(current) is None and isinstance(current, type)
        if is_class and issubclass(current, BaseModel):
            found.append(current)
        else:
            pending.extend(typing.get_args(current))
    return found


def _tags(model: type[BaseModel]) -> tuple[Any, ...]:
    """The values of a model's `kind: Literal[...]`, which pydantic uses to name union members."""
    kind = model.model_fields.get("kind")
    return () if kind is None else typing.get_args(kind.annotation)


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
        error = _most_telling(_unnested(errors.errors()), data)
        path = _field_path(data, _located(error))
        raise SpecError(
            _message(error, model, path),
            file=file,
            line=document.line_of(path),
            field=_dotted(path) or None,
        ) from None


def load_problem(path: Path) -> Problem:
    """Load and validate one problem spec, including its `expected` cross-check."""
    return _load_problem(path)[0]


def _load_problem(path: Path) -> tuple[Problem, Document]:
    try:
        document = load_file(path)
    except DocumentError as error:
        raise SpecError(error.message, file=path, line=error.line) from None
    problem: Problem = validate_document(Problem, document, path)
    _check_computable(problem, path, document)
    _check_expected(problem, path, document)
    return problem, document


def _check_computable(problem: Problem, path: Path, document: Document) -> None:
    """A fixed-input sequence problem whose key overflows is a spec error, found at load time."""
    if not problem.fixed_inputs or not isinstance(problem.answer, SequenceAnswer):
        return
    from grader.engine.keys import compute_key  # late: the spec layer reaches the engine only here

    try:
        compute_key(problem)
    except SpecError as error:
        raise SpecError(
            error.message.split(": ", 1)[-1], file=path, line=document.line_of(("model",)), field="model"
        ) from None


def _check_expected(problem: Problem, path: Path, document: Document) -> None:
    if problem.expected is None:
        return
    # late imports: the spec layer reaches the engine and the parser only for this cross-check
    from grader.compare.answers import ArrayComparison
    from grader.engine.keys import answer_symbol, compute_key, describe_key
    from grader.grading.answer import read_answer
    from grader.parse import InvalidAnswer, describe_shape

    def fail(message: str) -> SpecError:
        return SpecError(message, file=path, line=document.line_of(("expected",)), field="expected")

    key = compute_key(problem)
    try:
        given, comparison = read_answer(problem, problem.expected, key)
    except InvalidAnswer as error:
        raise fail(f"not a well-formed answer: {error.message}") from None
    if comparison.correct:
        return
    if isinstance(problem.answer, ChoiceAnswer):
        raise fail(
            f"the choices marked correct are {describe_key(key)}, but `expected` says {describe_key(given)}"
        )
    if isinstance(comparison, ArrayComparison):
        if comparison.shape_matches:
            detail = "differ at " + comparison.entries.names(comparison.wrong_entries)
        else:
            detail = (
                f"the key is {describe_shape(comparison.expected_shape)}, "
                f"`expected` {describe_shape(comparison.given_shape)}"
            )
    elif comparison.length_matches:
        name = answer_symbol(problem)
        detail = "differ at " + ", ".join(f"{name}_{t}" for t in comparison.wrong_positions)
    else:
        detail = f"the key has {comparison.expected_length} values, `expected` {comparison.given_length}"
    raise fail(
        f"the engine computes {describe_key(key)}, but `expected` says {describe_key(given)} ({detail})"
    )


def _spec_files(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """The spec files under `paths`, each once (`grade check problems/ problems/a.yaml`), with
    whether each was only found beside a file given: the course file of that file's directory,
    so that one spec file is graded with its course's salt, as its directory would be."""
    files: list[tuple[Path, bool]] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                (p, False)
                for p in sorted(p for p in path.iterdir() if p.suffix in _SPEC_SUFFIXES and p.is_file())
            )
        elif path.exists():
            beside = path.parent / COURSE_FILE
            if path.name != COURSE_FILE and beside.is_file():
                files.append((beside, True))
            files.append((path, False))
        else:
            raise SpecError("no such file or directory", file=path)
    found: dict[Path, int] = {}
    unique: list[tuple[Path, bool]] = []
    for file, implied in files:
        resolved = file.resolve()
        if resolved not in found:
            found[resolved] = len(unique)
            unique.append((file, implied))
        elif not implied:  # named as well as found beside a file: as named
            unique[found[resolved]] = (unique[found[resolved]][0], False)
    return unique


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
    """Load every spec under the given files or directories; ids must be unique across them.

    The course settings are those of the one `course.yaml` among them, or beside a spec file
    given on its own (then its `order` is not applied: files keep the order given); two
    different course files are an error (which salt would grade?).
    """
    if isinstance(paths, Path):
        paths = [paths]
    problems: dict[str, Problem] = {}
    sources: dict[str, Path] = {}
    course = CourseSettings()
    course_source: tuple[Path, Document, bool] | None = None
    for file, implied in _spec_files(paths):
        if file.name == COURSE_FILE:
            if course_source is not None:
                raise SpecError(
                    f"a second course file: {course_source[0]} already gives the course settings "
                    "(load one course at a time)",
                    file=file,
                )
            try:
                document = load_file(file)
            except DocumentError as error:
                raise SpecError(error.message, file=file, line=error.line) from None
            course = validate_document(CourseSettings, document, file)
            course_source = (file, document, implied)
            continue
        problem, document = _load_problem(file)
        if problem.id in problems:
            raise SpecError(
                f"duplicate problem id {problem.id!r}, already defined in {sources[problem.id]}",
                file=file,
                line=document.line_of(("id",)),
                field="id",
            )
        problems[problem.id] = problem
        sources[problem.id] = file
    # a course file found beside spec files given one by one gives its settings, not its order:
    # those files stay in the order given
    if course_source is not None and course.order and not course_source[2]:
        problems = _ordered(problems, course, *course_source[:2])
    if not problems:
        raise SpecError(
            "no problem specs found (expected *.yaml files)",
            file=", ".join(str(p) for p in paths) or ".",
        )
    return ProblemSet(problems, course, sources)
