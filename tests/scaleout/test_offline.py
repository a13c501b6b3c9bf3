"""`grade SUBMISSIONS --db URL`: batch grading recorded beside the online answers, each attempt once."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from grader.service import Checker
from grader.spec.loader import load_problems
from grader.storage import open_storage
from tests.conftest import PROBLEMS, SUBMISSIONS, Run
from tests.service.conftest import NOW, Database

#: The shipped class: 5 students, 14 answers (erin left one blank).
SHIPPED_ATTEMPTS = 14


def _rows(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("format_name", ["csv", "json"])
def test_recorded_batch_gives_the_batch_gradebook_and_a_rerun_adds_nothing(
    grade: Callable[..., Run], database: Database, format_name: str
) -> None:
    batch = ("--problems", PROBLEMS, "--now", NOW.isoformat())
    first = grade(SUBMISSIONS, *batch, "--format", format_name, "--db", database.url)
    assert first.code == 0
    assert f"grade: recorded {SHIPPED_ATTEMPTS} new attempts in {database.url} (0 already there" in first.err
    again = grade(SUBMISSIONS, *batch, "--format", format_name, "--db", database.url)
    assert f"grade: recorded 0 new attempts in {database.url} ({SHIPPED_ATTEMPTS} already there" in again.err
    assert again.out == first.out  # the batch report itself is unchanged by --db

    online = grade("gradebook", "--db", database.url, "--problems", PROBLEMS, "--format", format_name)
    assert online.out == first.out
    storage = open_storage(database.url)
    try:
        assert storage.count() == SHIPPED_ATTEMPTS
        assert {s.source for s in storage.submissions()} == {"batch"}
    finally:
        storage.close()


def test_online_and_offline_attempts_in_one_place(
    grade: Callable[..., Run], database: Database, tmp_path: Path
) -> None:
    storage = open_storage(database.url)
    try:
        Checker(load_problems(PROBLEMS), storage).submit("lstm-states-2", "zoe", "[1, 1, 1, 1, 1]", now=NOW)
    finally:
        storage.close()
    export = _rows(tmp_path / "export.jsonl", [
        {"student": "zoe", "problem": "lstm-states-2", "answer": "[1, -1, 0, 1, -1]",
         "submitted_at": "2026-03-01T12:05:00Z"},
    ])
    run = grade(export, "--problems", PROBLEMS, "--now", NOW.isoformat(), "--db", database.url)
    assert "recorded 1 new attempts" in run.err

    storage = open_storage(database.url)
    try:
        stored = storage.submissions(student="zoe")
        assert [(s.source, s.attempt, s.status) for s in stored] == [
            ("api", 1, "incorrect"), ("batch", 2, "correct"),
        ]
        assert storage.attempts_used("zoe", "lstm-states-2") == 2  # the service counts both
    finally:
        storage.close()
    csv = grade("gradebook", "--db", database.url, "--problems", PROBLEMS).out
    assert csv.splitlines()[1].startswith("zoe,")


def test_each_attempt_once_across_appended_exports(
    grade: Callable[..., Run], sqlite_database: Database, tmp_path: Path
) -> None:
    wrong = {"student": "yan", "problem": "lstm-states-2", "answer": "[0, 0, 0, 0, 0]"}
    right = {"student": "yan", "problem": "lstm-states-2", "answer": "[1, -1, 0, 1, -1]"}
    export = tmp_path / "export.jsonl"
    # the same wrong answer typed twice, without times: two attempts, not one
    _rows(export, [wrong, wrong])
    first = grade(export, "--problems", PROBLEMS, "--db", sqlite_database.url, "--now", NOW.isoformat())
    assert "recorded 2 new attempts" in first.err
    # the export grows: only the new row is recorded
    _rows(export, [wrong, wrong, right])
    second = grade(export, "--problems", PROBLEMS, "--db", sqlite_database.url, "--now", NOW.isoformat())
    assert "recorded 1 new attempts" in second.err and "(2 already there" in second.err

    storage = open_storage(sqlite_database.url)
    try:
        assert [(s.attempt, s.status) for s in storage.submissions(student="yan")] == [
            (1, "incorrect"), (2, "incorrect"), (3, "correct"),
        ]
    finally:
        storage.close()


def test_unreadable_answers_are_recorded_without_using_an_attempt(
    grade: Callable[..., Run], sqlite_database: Database, tmp_path: Path
) -> None:
    export = _rows(tmp_path / "export.jsonl", [
        {"student": "xia", "problem": "lstm-states-2", "answer": "[1, -1, zero]"},
    ])
    grade(export, "--problems", PROBLEMS, "--db", sqlite_database.url, "--now", NOW.isoformat())
    storage = open_storage(sqlite_database.url)
    try:
        (stored,) = storage.submissions(student="xia")
        assert (stored.status, stored.counted, stored.attempt) == ("invalid", False, None)
        assert storage.attempts_used("xia", "lstm-states-2") == 0
    finally:
        storage.close()


def test_a_bad_database_fails_before_anything_is_graded(grade: Callable[..., Run]) -> None:
    run = grade(SUBMISSIONS, "--problems", PROBLEMS, "--db", "postgresql://staff:hunter2@127.0.0.1:1/course")
    assert (run.code, run.out) == (2, "")
    assert "postgresql+psycopg://staff:***@127.0.0.1:1/course" in run.err and "hunter2" not in run.err


def test_an_export_out_of_time_order_gives_the_batch_gradebook(
    grade: Callable[..., Run], database: Database, tmp_path: Path
) -> None:
    # the 12:05 attempt (right) is listed before the 12:00 one (wrong): the last made is the right one
    export = _rows(tmp_path / "export.jsonl", [
        {"student": "zoe", "problem": "lstm-states-2", "answer": "[1, -1, 0, 1, -1]",
         "submitted_at": "2026-03-01T12:05:00Z"},
        {"student": "zoe", "problem": "lstm-states-2", "answer": "[1, 1, 1, 1, 1]",
         "submitted_at": "2026-03-01T12:00:00Z"},
    ])
    options = ("--problems", PROBLEMS, "--now", NOW.isoformat(), "--format", "csv")
    batch = grade(export, *options, "--db", database.url)
    assert batch.code == 0
    assert batch.out.splitlines()[1].startswith("zoe,0,1,")
    online = grade("gradebook", "--db", database.url, "--problems", PROBLEMS, "--format", "csv")
    assert online.out == batch.out


def test_offline_attempts_past_max_attempts_are_ignored_as_in_the_batch_report(
    grade: Callable[..., Run], database: Database, tmp_path: Path
) -> None:
    # lstm-info allows 2 attempts: the third (right) one, made last, is ignored by both
    rows = [
        {"student": "zoe", "problem": "lstm-info", "answer": answer, "submitted_at": f"2026-03-01T{at}:00Z"}
        for at, answer in (("12:02", "c"), ("12:00", "a"), ("12:01", "b"))
    ]
    export = _rows(tmp_path / "export.jsonl", rows)
    options = ("--problems", PROBLEMS, "--now", NOW.isoformat(), "--format", "json")
    batch = grade(export, *options, "--db", database.url)
    online = grade("gradebook", "--db", database.url, *options[:2], "--format", "json")
    results = [json.loads(run.out)["students"][0]["results"][2] for run in (batch, online)]
    for result in results:
        assert (result["score"], result["attempts_used"]) == (0.0, 2)
        assert "attempt 3 ignored: only 2 attempt(s) allowed" in result["notes"]
    assert json.loads(batch.out)["students"] == json.loads(online.out)["students"]
