"""`grade gradebook --db URL`: the gradebook of what the service recorded, in the batch path's formats.

The shipped class (submissions/) answered through the service gives, cell for cell, the gradebook
that batch grading of the same files gives; so do late, over-limit, invalid-after-valid and
`counts: best` attempts, online or recorded by `grade --db`: scores, statuses and notes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from grader.service import Checker, ServiceError
from grader.spec.loader import load_problems
from grader.storage import open_storage
from tests.conftest import PROBLEMS, SUBMISSIONS, Run
from tests.service.conftest import NOW, Database


def _submit_the_class_online(db: str) -> None:
    """Every student file of submissions/ sent to the service, one answer per problem, at NOW."""
    storage = open_storage(db)
    try:
        checker = Checker(load_problems(PROBLEMS), storage)
        for path in sorted(SUBMISSIONS.iterdir()):
            if path.suffix not in (".yaml", ".yml", ".json"):
                continue
            document = yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is YAML too
            for problem, answer in document["answers"].items():
                checker.submit(problem, document["student"], answer, now=NOW, source="api")
    finally:
        storage.close()


@pytest.mark.parametrize("format_name", ["csv", "json", "table"])
def test_the_online_gradebook_is_the_batch_gradebook(
    grade: Callable[..., Run], database: Database, format_name: str
) -> None:
    _submit_the_class_online(database.url)
    online = grade("gradebook", "--db", database.url, "--problems", PROBLEMS, "--format", format_name)
    batch = grade(
        SUBMISSIONS, "--problems", PROBLEMS, "--format", format_name, "--now", NOW.isoformat(), "--quiet"
    )
    assert online.code == 0, online.err
    assert online.out == batch.out
    assert online.out.count("\n") >= 5  # the class is in it: not two empty gradebooks


def test_gradebook_to_a_file(grade: Callable[..., Run], sqlite_database: Database, tmp_path: Path) -> None:
    _submit_the_class_online(sqlite_database.url)
    output = tmp_path / "gradebook.csv"
    run = grade("gradebook", "--db", sqlite_database.url, "--problems", PROBLEMS, "--output", output)
    assert (run.code, run.out) == (0, "")
    assert f"grade: wrote {output} (" in run.err
    assert output.read_text(encoding="utf-8").splitlines()[0].startswith("student,")


def test_gradebook_never_creates_or_migrates_a_database(
    grade: Callable[..., Run], sqlite_database: Database
) -> None:
    run = grade("gradebook", "--db", sqlite_database.url, "--problems", PROBLEMS)
    assert run.code == 2
    assert "no grader schema; run `grade db upgrade --db URL`" in run.err


def test_gradebook_names_an_unreachable_database(grade: Callable[..., Run]) -> None:
    run = grade("gradebook", "--db", "postgresql://staff:hunter2@127.0.0.1:1/course", "--problems", PROBLEMS)
    assert run.code == 2
    assert "postgresql+psycopg://staff:***@127.0.0.1:1/course" in run.err and "hunter2" not in run.err


#: The course of these cases: lstm-states-1 counts the best attempt (per element), lstm-states-2
#: was due 2026-02-28 12:00 UTC with half the score off per started day late, lstm-info allows
#: two attempts; feedback stays at one level (no escalation), so the cases differ only in the fold.
_COURSE_EDITS = {
    "lstm-states-1.yaml": "counts: best\nscoring: per_element\n",
    "lstm-states-2.yaml": "due: 2026-02-28T12:00:00Z\nlate: {policy: penalty, per_day: 0.5}\n",
}
_ESCALATING = "reveal: {show: diagnosis, after_due: solution}\n"

#: (student, problem, answer, submitted_at), in the order each student made them.
_ATTEMPTS = [
    # late: one started day after the due date, so the right answer is worth 1 × 0.5
    ("ann", "lstm-states-2", "[1, -1, 0, 1, -1]", "2026-03-01T00:00:00Z"),
    # invalid after valid: the unreadable answer uses no attempt; the right one counts
    ("ben", "lstm-states-1", "[0, 0, 1, -1, 1, 0]", "2026-02-27T10:00:00Z"),
    ("ben", "lstm-states-1", "[1,, 0]", "2026-02-27T11:00:00Z"),
    # counts: best: 5 of 6 right, then 1 of 6: the first counts
    ("cy", "lstm-states-1", "[0, 0, 1, -1, 1, 1]", "2026-02-27T09:00:00Z"),
    ("cy", "lstm-states-1", "[1, 1, 1, 1, 1, 1]", "2026-02-27T10:00:00Z"),
    # over the limit (two allowed): the third, right, answer is ignored
    ("dan", "lstm-info", "a", "2026-02-27T10:00:00Z"),
    ("dan", "lstm-info", "b", "2026-02-27T10:01:00Z"),
    ("dan", "lstm-info", "c", "2026-02-27T10:02:00Z"),
]


def _course(directory: Path) -> Path:
    shutil.copytree(PROBLEMS, directory)
    for name, extra in _COURSE_EDITS.items():
        spec = directory / name
        text = spec.read_text(encoding="utf-8")
        assert _ESCALATING in text
        spec.write_text(text.replace(_ESCALATING, "reveal: diagnosis\n") + extra, encoding="utf-8")
    return directory


def _record_online(db: str, course: Path) -> list[tuple[str, str, str, str]]:
    """Each attempt sent to the service at its time; returns the ones it accepted."""
    storage = open_storage(db)
    accepted = []
    try:
        checker = Checker(load_problems(course), storage)
        for student, problem, answer, at in _ATTEMPTS:
            try:
                when = datetime.fromisoformat(at.replace("Z", "+00:00"))
                checker.submit(problem, student, answer, now=when)
            except ServiceError as refused:
                assert refused.code == "no_attempts_left"  # dan's third: the service refuses it
                continue
            accepted.append((student, problem, answer, at))
    finally:
        storage.close()
    return accepted


def _export(path: Path, attempts: list[tuple[str, str, str, str]]) -> Path:
    rows = [
        {"student": student, "problem": problem, "answer": answer, "submitted_at": at}
        for student, problem, answer, at in attempts
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("recorded_by", ["the service", "grade --db"])
def test_late_over_limit_invalid_and_best_attempts_give_the_batch_gradebook(
    grade: Callable[..., Run], database: Database, tmp_path: Path, recorded_by: str
) -> None:
    course = _course(tmp_path / "problems")
    batch_options = ("--problems", course, "--now", NOW.isoformat(), "--quiet")
    if recorded_by == "the service":
        export = _export(tmp_path / "class.jsonl", _record_online(database.url, course))
    else:
        export = _export(tmp_path / "class.jsonl", _ATTEMPTS)
        recorded = grade(export, *batch_options, "--db", database.url)
        assert recorded.code == 0, recorded.err
    gradebooks = {}
    for format_name in ("json", "csv", "table"):
        online = grade("gradebook", "--db", database.url, "--problems", course, "--format", format_name)
        batch = grade(export, *batch_options, "--format", format_name)
        assert online.code == 0, online.err
        assert online.out == batch.out, format_name
        gradebooks[format_name] = online.out

    results = {
        student["student"]: {result["problem"]: result for result in student["results"]}
        for student in json.loads(gradebooks["json"])["students"]
    }
    ann = results["ann"]["lstm-states-2"]
    assert (ann["score"], ann["status"], ann["notes"]) == (
        0.5, "partial", ["attempt 1 was 1 day(s) late: score × 0.5"]
    )
    ben = results["ben"]["lstm-states-1"]
    assert (ben["score"], ben["status"], ben["attempts_used"]) == (1.0, "correct", 1)
    cy = results["cy"]["lstm-states-1"]
    assert (cy["score"], cy["status"], cy["attempts_used"]) == (0.833333, "partial", 2)
    dan = results["dan"]["lstm-info"]
    if recorded_by == "grade --db":
        assert (dan["score"], dan["attempts_used"], dan["notes"]) == (
            0.0, 2, ["attempt 3 ignored: only 2 attempt(s) allowed"]
        )
    else:  # refused online: never made, as far as the gradebook knows
        assert (dan["score"], dan["attempts_used"], dan["notes"]) == (0.0, 2, [])
