"""A directory of per-student YAML or JSON files:

    student: alice
    answers:
      lstm-states-1: [0, 0, 1, -1, 1, 0]
      lstm-states-2: "[1, -1, 0, 1, -1]"
      lstm-info: [c]

An answer may also be a list of timestamped attempts, in any order (they are folded by time,
`grader.compare.attempts`):

      lstm-states-2:
        - {answer: "[1, -1, 0, 0, 1]", at: 2023-03-20T10:00:00+00:00}
        - {answer: "[1, -1, 0, 1, -1]", at: 2023-03-21T09:30:00+00:00}
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import takewhile
from pathlib import Path
from typing import Any

from grader.documents import Document, DocumentError, FieldPath, load_file, load_json
from grader.errors import SubmissionError
from grader.submissions.models import Attempt, Submission
from grader.submissions.timestamps import parse_timestamp

__all__ = [
    "SUBMISSION_SUFFIXES",
    "nested_field",
    "parse_timestamp",
    "read_submission_directory",
    "read_submission_file",
]

SUBMISSION_SUFFIXES = (".yaml", ".yml", ".json")
_TOP_KEYS = ("student", "answers")
_ATTEMPT_KEYS = ("answer", "at")


def _is_attempt_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, dict) and "answer" in item for item in value
    )


def _attempts(value: Any, document: Document, path: tuple[str | int, ...], file: str) -> list[Attempt]:
    if not _is_attempt_list(value):
        return [Attempt(value, None, file, document.line_of(path))]
    attempts = []
    for index, item in enumerate(value):
        item_path = (*path, index)
        unknown = sorted(set(item) - set(_ATTEMPT_KEYS))
        if unknown:
            raise SubmissionError(
                f"unknown key {unknown[0]!r} in an attempt; expected answer and at",
                file=file,
                line=document.line_of((*item_path, unknown[0])),
                field=".".join(map(str, (*path, index, unknown[0]))),
            )
        submitted_at = None
        if item.get("at") is not None:
            try:
                submitted_at = parse_timestamp(item["at"])
            except ValueError as error:
                raise SubmissionError(
                    str(error), file=file, line=document.line_of((*item_path, "at")),
                    field=".".join(map(str, (*path, index, "at"))),
                ) from None
        attempts.append(Attempt(item["answer"], submitted_at, file, document.line_of(item_path)))
    return attempts


def submission_from_document(document: Document, file: str) -> Submission:
    """A submission from a loaded document; raise SubmissionError naming the field at fault."""
    data = document.data
    if not isinstance(data, dict):
        raise SubmissionError("expected a mapping with `student` and `answers`", file=file, line=1)
    for key in data:
        if key not in _TOP_KEYS:
            raise SubmissionError(
                f"unknown key {key!r}; expected student and answers",
                file=file, line=document.line_of((key,)), field=str(key),
            )
    # an id is text, whatever YAML made of it: `student: 00123` as written, not the octal 83
    student = document.written.get(("student",), data.get("student"))
    if isinstance(student, (int, float)) and not isinstance(student, bool):
        student = str(student)  # a JSON number
    if not isinstance(student, str) or not student.strip():
        raise SubmissionError(
            "expected the student's id as text", file=file,
            line=document.line_of(("student",)), field="student",
        )
    answers = data.get("answers")
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise SubmissionError(
            "expected a mapping of problem id → answer", file=file,
            line=document.line_of(("answers",)), field="answers",
        )
    attempts = {
        str(problem): _attempts(value, document, ("answers", problem), file)
        for problem, value in answers.items()
    }
    return Submission(student.strip(), attempts, file)


def nested_field(path: FieldPath | None) -> str | None:
    """The field a value nested too deeply is in, by its leading keys (`answers.lstm-info`), not
    by its dozens of list positions."""
    keys = list(takewhile(lambda part: isinstance(part, str), (path or ())[:2]))
    return ".".join(map(str, keys)) or None


def read_submission_file(path: Path) -> Submission:
    """Read one student's file (YAML, or JSON by suffix); raise SubmissionError if unreadable."""
    file = str(path)
    try:
        if path.suffix == ".json":
            try:
                text = path.read_bytes().decode("utf-8-sig")
            except OSError as error:
                raise SubmissionError(f"cannot read file: {error.strerror or error}", file=file) from None
            except UnicodeDecodeError as error:
                raise SubmissionError(f"not UTF-8 text (byte {error.start})", file=file) from None
            document = load_json(text)
        else:
            document = load_file(path)
    except DocumentError as error:
        field = nested_field(error.path)
        raise SubmissionError(error.message, file=file, line=error.line, field=field) from None
    return submission_from_document(document, file)


def read_submission_directory(directory: Path) -> Iterator[Submission | SubmissionError]:
    """Every submission file in a directory, sorted by name; unreadable ones as errors, in place."""
    files = sorted(
        p for p in directory.iterdir() if p.is_file() and p.suffix in SUBMISSION_SUFFIXES
    )
    for path in files:
        try:
            yield read_submission_file(path)
        except SubmissionError as error:
            yield error
