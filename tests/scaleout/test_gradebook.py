"""`grade gradebook --db URL`: the gradebook of what the service recorded, in the batch path's formats.

The shipped class (submissions/) answered through the service gives, cell for cell, the gradebook
that batch grading of the same files gives.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from grader.service import Checker
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
