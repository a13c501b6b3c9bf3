"""`grade gradebook --db` and `grade db current` only read: a mistyped SQLite path is an error.

Nothing is created for it, not even its directory. The fronts that create a database
(`grade db upgrade`, `grade SUBMISSIONS --db`, `grade serve`) still create one where told to.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PROBLEMS, SUBMISSIONS

NOW = "2023-03-20T12:00:00+00:00"


def files_under(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*"))


@pytest.mark.parametrize("db", ["typo.db", "no-such-dir/typo.db"])
@pytest.mark.parametrize(
    "argv", [["gradebook", "--problems", str(PROBLEMS)], ["db", "current"]], ids=["gradebook", "db current"]
)
def test_a_read_only_front_refuses_a_missing_sqlite_file_and_creates_nothing(
    grade, monkeypatch, tmp_path, argv, db
):
    monkeypatch.chdir(tmp_path)
    run = grade(*argv, "--db", db)
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        f"grade: error: sqlite+pysqlite:///{db}: no such file (nothing created): no grader schema; "
        "run `grade db upgrade --db URL`\n"
    )
    assert files_under(tmp_path) == []


def test_db_upgrade_still_creates_the_file_it_is_given(grade, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    run = grade("db", "upgrade", "--db", "new/course.db")
    assert run.code == 0, run.err
    assert run.out.startswith("sqlite+pysqlite:///new/course.db: migrated empty → ")
    assert (tmp_path / "new" / "course.db").is_file()
    assert grade("db", "current", "--db", "new/course.db").code == 0


def test_grading_with_db_still_creates_the_database_and_gradebook_reads_it(grade, tmp_path):
    database = tmp_path / "course.db"
    batch = grade(SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW, "--db", database, "-q")
    assert batch.code == 0, batch.err
    online = grade("gradebook", "--db", database, "--problems", PROBLEMS, "--format", "table")
    assert online.code == 0, online.err
    assert "5 students graded" in online.out
