"""Class-wide exports, read one line or row at a time: JSONL, CSV and Open edX's report CSV.

JSONL, one object per line, either form:

    {"student": "alice", "problem": "lstm-states-2", "answer": "[1,-1,0,1,-1]", "submitted_at": "…"}
    {"student": "alice", "answers": {"lstm-states-1": [0, 0, 1, -1, 1, 0], "lstm-info": ["c"]}}

(in the second form an answer may be a list of {answer, at} attempts, as in per-student files).

CSV with a header row `student,problem,answer[,submitted_at]`, one attempt per row.

Open edX's problem response report (Instructor → Data Download): columns `username`, `title`,
`location`, … `Answer` …, `block_key`, `state`. The problem is the `block@…` part of `block_key`
(the problem's url_name, set to the spec's id on import), else its `title`; the time is
`last_submission_time` from `state` when present.

A student's attempts may be spread over many lines, in any order: timed attempts are counted in
the order of their times (`compare.attempts`), untimed ones in the order of the lines. Every line
is yielded as it is read (memory does not grow with the file); a bad line is yielded as a
SubmissionError that names the file and line, and reading goes on. A line nested deeper than
MAX_DEPTH levels is such a line, as a per-student file would be.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from grader.documents import MAX_DEPTH, first_too_deep
from grader.errors import SubmissionError
from grader.submissions.files import nested_field, parse_timestamp
from grader.submissions.models import Attempt, Submission

__all__ = [
    "BLANK",
    "CSV_COLUMNS",
    "CsvRows",
    "EDX_REQUIRED",
    "csv_export",
    "csv_row_submission",
    "open_jsonl",
    "parse_line",
    "read_csv",
    "read_jsonl",
    "submission_of",
]

CSV_COLUMNS = ("student", "problem", "answer", "submitted_at")
#: Columns an Open edX problem response report always has.
EDX_REQUIRED = ("username", "title", "block_key", "state")
_ROW_KEYS = frozenset(("student", "problem", "answer", "submitted_at"))
_WHOLE_KEYS = frozenset(("student", "answers"))
_ABSENT = object()
#: Attempt(answer, None, file, line) and Submission(...) without the named tuples' Python-level
#: __new__, a large share of the cost of reading a line of a class-wide export
_plain = tuple.__new__


def _student_id(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _timestamp(value: Any, file: str, line: int, field: str) -> Any:
    if value is None or value == "":
        return None
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise SubmissionError(str(error), file=file, line=line, field=field) from None


def _attempts(value: Any, file: str, line: int, problem: str) -> list[Attempt]:
    if type(value) is str or not (
        isinstance(value, list) and value and all(isinstance(v, dict) and "answer" in v for v in value)
    ):
        return [Attempt(value, None, file, line)]
    attempts = []
    for index, item in enumerate(value):
        unknown = sorted(set(item) - {"answer", "at"})
        if unknown:
            raise SubmissionError(
                f"unknown key {unknown[0]!r} in an attempt; expected answer and at",
                file=file, line=line, field=f"answers.{problem}[{index}].{unknown[0]}",
            )
        at = _timestamp(item.get("at"), file, line, f"answers.{problem}[{index}].at")
        attempts.append(Attempt(item["answer"], at, file, line))
    return attempts


def _from_object(data: Any, file: str, line: int) -> Submission:
    if type(data) is not dict:
        raise SubmissionError("expected a JSON object per line", file=file, line=line)
    student = data.get("student")
    # a JSON object's keys are text, and strip() returns the same text when there is nothing to
    # strip: the common case costs no call (this runs once per line of a class-wide export)
    student = (student.strip() or None) if type(student) is str else _student_id(student)
    if student is None:
        raise SubmissionError("expected the student's id as text", file=file, line=line, field="student")
    answers = data.get("answers", _ABSENT)
    if answers is not _ABSENT:
        unknown = sorted(data.keys() - _WHOLE_KEYS) if len(data) != 2 else ()
        if unknown:
            raise SubmissionError(
                f"unknown key {unknown[0]!r}; expected student and answers", file=file, line=line,
                field=unknown[0],
            )
        if type(answers) is not dict:
            raise SubmissionError(
                "expected an object of problem id → answer", file=file, line=line, field="answers"
            )
        attempts = {
            pid: [_plain(Attempt, (value, None, file, line))] if type(value) is str
            else _attempts(value, file, line, pid)
            for pid, value in answers.items()
        }
        return _plain(Submission, (student, attempts, file, False))
    unknown = sorted(set(data) - _ROW_KEYS)
    if unknown:
        raise SubmissionError(
            f"unknown key {unknown[0]!r}; expected student, problem, answer and submitted_at "
            "(or student and answers)",
            file=file, line=line, field=unknown[0],
        )
    problem = data.get("problem")
    if not isinstance(problem, str) or not problem:
        raise SubmissionError("expected the problem id as text", file=file, line=line, field="problem")
    if "answer" not in data:
        raise SubmissionError("missing the answer", file=file, line=line, field="answer")
    at = _timestamp(data.get("submitted_at"), file, line, "submitted_at")
    return Submission(student, {problem: [Attempt(data["answer"], at, file, line)]}, file, whole=False)


def refuse_deep_nesting(data: Any, raw: bytes, file: str, line: int) -> None:
    """Refuse a line nested deeper than MAX_DEPTH, as a per-student file is refused: grading so
    deep an answer would recurse (orjson itself reads up to 1,024 levels)."""
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        path = first_too_deep(data)
        if path is not None:
            message = f"nested too deeply (more than {MAX_DEPTH} levels)"
            raise SubmissionError(message, file=file, line=line, field=nested_field(path))


def _skip_byte_order_mark(stream: BinaryIO) -> None:
    """Step over a UTF-8 byte order mark at the start of `stream` (Windows editors write one,
    which orjson refuses: the first line would be lost), as the CSV reader does (utf-8-sig)."""
    if isinstance(stream, io.BufferedReader) and stream.peek(3)[:3] == codecs.BOM_UTF8:
        stream.read(3)


def open_jsonl(path: Path) -> BinaryIO | SubmissionError:
    """A JSONL export opened for reading, past its byte order mark; or the error saying why not."""
    try:
        stream = path.open("rb")
    except OSError as error:
        return SubmissionError(f"cannot read file: {error.strerror or error}", file=str(path))
    _skip_byte_order_mark(stream)
    return stream


#: What `parse_line` gives for a blank line (a trailing newline at the end): not a row.
BLANK: Any = object()


def parse_line(raw: bytes, file: str, number: int) -> Any:
    """A JSONL line's data, or BLANK; raise SubmissionError for a line that is not JSON."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        if not raw.strip():
            return BLANK
        raise SubmissionError(f"invalid JSON: {_json_reason(raw, error)}", file=file, line=number) from None


def submission_of(data: Any, raw: bytes, file: str, number: int) -> Submission | SubmissionError:
    """A parsed JSONL line as its submission, or the error it has."""
    try:
        refuse_deep_nesting(data, raw, file, number)
        return _from_object(data, file, number)
    except SubmissionError as error:
        return error


def read_jsonl(path: Path) -> Iterator[Submission | SubmissionError]:
    """Every line of a JSONL export as a submission (or, in place, the error that line has)."""
    stream = open_jsonl(path)
    if isinstance(stream, SubmissionError):
        yield stream
        return
    file = str(path)
    with stream:
        for number, raw in enumerate(stream, start=1):
            try:
                data = parse_line(raw, file, number)
            except SubmissionError as error:
                yield error
                continue
            if data is not BLANK:
                yield submission_of(data, raw, file, number)


def _json_reason(raw: bytes, error: Exception) -> str:
    """The stdlib's wording for a JSON error (orjson's quotes the whole input)."""
    try:
        json.loads(raw.rstrip(b"\r\n"))
    except json.JSONDecodeError as stdlib_error:
        return f"{stdlib_error.msg} (column {stdlib_error.colno})"
    except (UnicodeDecodeError, RecursionError):
        pass
    return str(error).split(":", 1)[0]


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]] | SubmissionError]:
    file = str(path)
    try:
        stream = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        yield SubmissionError(f"cannot read file: {error.strerror or error}", file=file)
        return
    with stream:
        reader = csv.reader(stream)
        start = 1
        try:
            for row in reader:
                yield start, row
                start = reader.line_num + 1
        except UnicodeDecodeError as error:
            yield SubmissionError(f"not UTF-8 text (byte {error.start})", file=file, line=start)
        except csv.Error as error:
            yield SubmissionError(f"invalid CSV: {error}", file=file, line=reader.line_num)


#: A CSV export's rows after its header: (first line, cells) each, or the error that ends them.
CsvRows = Iterator[tuple[int, list[str]] | SubmissionError]


def csv_export(path: Path) -> tuple[list[str], CsvRows] | Iterator[Submission | SubmissionError]:
    """A `student,problem,answer[,submitted_at]` export's header names and its rows; or, for an
    empty file, a bad header or an Open edX report, what `read_csv` yields for the whole file."""
    rows = _csv_rows(path)
    file = str(path)
    first = next(rows, None)
    if first is None:
        return iter(())
    if isinstance(first, SubmissionError):
        return iter((first,))
    line, header = first
    names = [name.strip() for name in header]
    if all(column in names for column in EDX_REQUIRED):
        return _edx_rows(names, rows, file)
    if names[:3] != list(CSV_COLUMNS[:3]) or names[3:] not in ([], ["submitted_at"]):
        return iter((
            SubmissionError(
                f"expected the header {','.join(CSV_COLUMNS[:3])}[,submitted_at] "
                f"(or an Open edX problem response report); got {','.join(names)}",
                file=file, line=line,
            ),
        ))
    return names, rows


def read_csv(path: Path) -> Iterator[Submission | SubmissionError]:
    """A CSV export: `student,problem,answer[,submitted_at]`, or Open edX's report (by its header)."""
    export = csv_export(path)
    if not isinstance(export, tuple):
        yield from export
        return
    names, rows = export
    file = str(path)
    for item in rows:
        if isinstance(item, SubmissionError):
            yield item
            continue
        line, row = item
        submission = csv_row_submission(names, row, file, line)
        if submission is not None:
            yield submission


def csv_row_submission(
    names: list[str], row: list[str], file: str, line: int
) -> Submission | SubmissionError | None:
    """A row of a `student,problem,answer[,submitted_at]` export as its submission, or the error it
    has; None for a blank row."""
    width = len(names)
    if len(row) != width:
        if not row:
            return None
        return SubmissionError(
            f"expected {width} columns ({','.join(names)}); got {len(row)}", file=file, line=line
        )
    # a CSV cell is text: `_student_id` inlined (this runs once per row of a class export)
    student, problem = row[0].strip(), row[1].strip()
    if not student or not problem:
        field = "student" if not student else "problem"
        return SubmissionError(f"the {field} column is empty", file=file, line=line, field=field)
    at = None
    if width == 4 and row[3]:
        try:
            at = _timestamp(row[3].strip(), file, line, "submitted_at")
        except SubmissionError as error:
            return error
    attempt = _plain(Attempt, (row[2], at, file, line))
    return _plain(Submission, (student, {problem: [attempt]}, file, False))


def _edx_problem(block_key: str, title: str) -> str:
    marker = block_key.rfind("block@")
    url_name = block_key[marker + len("block@") :].strip() if marker >= 0 else ""
    return url_name or title.strip()


def _edx_rows(
    names: list[str], rows: Iterator[tuple[int, list[str]] | SubmissionError], file: str
) -> Iterator[Submission | SubmissionError]:
    column = {name: index for index, name in enumerate(names)}
    answer_column = column.get("Answer")
    for item in rows:
        if isinstance(item, SubmissionError):
            yield item
            continue
        line, row = item
        if not row:
            continue
        if len(row) != len(names):
            yield SubmissionError(
                f"expected {len(names)} columns like the header; got {len(row)}", file=file, line=line
            )
            continue
        student = _student_id(row[column["username"]])
        if student is None:
            yield SubmissionError("the username column is empty", file=file, line=line, field="username")
            continue
        try:
            state = json.loads(row[column["state"]] or "{}")
        except json.JSONDecodeError as error:
            yield SubmissionError(f"invalid JSON in state: {error.msg}", file=file, line=line, field="state")
            continue
        state = state if isinstance(state, dict) else {}
        if answer_column is not None:
            answer: Any = row[answer_column]
        else:
            answers = state.get("student_answers")
            if not isinstance(answers, dict) or len(answers) != 1:
                yield SubmissionError(
                    "no Answer column, and state holds no single student answer", file=file, line=line,
                    field="state",
                )
                continue
            answer = next(iter(answers.values()))
        try:
            at = _timestamp(state.get("last_submission_time"), file, line, "state.last_submission_time")
        except SubmissionError as error:
            yield error
            continue
        problem = _edx_problem(row[column["block_key"]], row[column["title"]])
        yield Submission(student, {problem: [Attempt(answer, at, file, line)]}, file, whole=False)
