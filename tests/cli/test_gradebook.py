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


# -- the database named out of `ps`'s sight: --db-url-file, or $GRADER_DATABASE_URL -------------


def test_every_database_command_takes_the_url_from_a_file(grade, monkeypatch, tmp_path):
    monkeypatch.delenv("GRADER_DATABASE_URL", raising=False)
    url_file = tmp_path / "db-url"
    url_file.write_text(f"{tmp_path / 'course.db'}\n", encoding="utf-8")
    assert grade("db", "upgrade", "--db-url-file", url_file).code == 0
    batch = grade(SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW, "--db-url-file", url_file)
    assert batch.code == 0, batch.err
    assert f"grade: recorded 14 new attempts in {tmp_path / 'course.db'} (" in batch.err
    online = grade("gradebook", "--db-url-file", url_file, "--problems", PROBLEMS, "--format", "table")
    assert (online.code, "5 students graded" in online.out) == (0, True), online.err


def test_the_database_commands_but_batch_grading_read_the_environment(grade, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRADER_DATABASE_URL", str(tmp_path / "course.db"))
    # grading a batch records into a database only when told to: the environment is not enough
    batch = grade(SUBMISSIONS, "--problems", PROBLEMS, "--now", NOW, "-q")
    assert batch.code == 0 and files_under(tmp_path) == [], batch.err
    assert grade("db", "upgrade").code == 0
    assert (tmp_path / "course.db").is_file()
    assert grade("gradebook", "--problems", PROBLEMS).code == 0


def test_gradebook_without_any_database_says_how_to_name_one(grade, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRADER_DATABASE_URL", raising=False)
    run = grade("gradebook", "--problems", PROBLEMS)
    assert run.code == 2
    assert run.err == (
        "grade: error: --db: name the service's database (or --db-url-file FILE, or $GRADER_DATABASE_URL)\n"
    )
    both = grade("gradebook", "--db", "a.db", "--db-url-file", "b", "--problems", PROBLEMS)
    assert (both.code, both.err) == (2, "grade: error: --db and --db-url-file: give one of them\n")
    assert files_under(tmp_path) == []
