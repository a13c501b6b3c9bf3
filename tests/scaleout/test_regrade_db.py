"""`grade regrade --db`: stored results recomputed with fixed specs, in one transaction, on SQLite
and PostgreSQL; and the spec content hash every stored result records."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from grader.spec.loader import load_problems
from grader.storage import open_storage
from tests.conftest import PROBLEMS, SUBMISSIONS, Run
from tests.service.conftest import NOW, Database

#: lstm-states-2 with the tie rounded away from zero: the wrong key [1, -1, 1, 0, 1] (a "bug").
WRONG_TIES = ("rounding: {to: integer, ties: toward_zero}", "rounding: {to: integer, ties: away_from_zero}")


def _course(directory: Path, *edits: tuple[str, str, str]) -> Path:
    """A copy of the shipped problems with (file, old, new) text edits."""
    shutil.copytree(PROBLEMS, directory)
    for name, old, new in edits:
        spec = directory / name
        text = spec.read_text(encoding="utf-8")
        assert old in text
        spec.write_text(text.replace(old, new), encoding="utf-8")
    return directory


def test_every_stored_result_records_its_spec_hash_and_the_gradebook_names_older_ones(
    grade: Callable[..., Run], database: Database, tmp_path: Path
) -> None:
    recorded = grade(SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW.isoformat(), "--db", database.url)
    assert recorded.code == 0
    problems = load_problems(PROBLEMS)
    storage = open_storage(database.url)
    try:
        stored = storage.submissions()
    finally:
        storage.close()
    assert stored and all(s.spec_hash == problems.content_hash(s.problem) for s in stored)

    same = grade("gradebook", "--db", database.url, "--problems", PROBLEMS)
    assert same.code == 0 and "note" not in same.err

    fixed = _course(tmp_path / "fixed", ("lstm-states-2.yaml", "max_attempts: 5", "max_attempts: 6"))
    older = grade("gradebook", "--db", database.url, "--problems", fixed)
    students = len({s.student for s in stored if s.problem == "lstm-states-2"})
    assert older.code == 0
    assert older.err.splitlines() == [
        f"grade: note: lstm-states-2: {students} student(s) have results graded with another version "
        "of its spec (`grade regrade --db` recomputes them)"
    ]
