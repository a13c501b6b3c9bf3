"""`grade db upgrade` as the deployment's migration step, and the refusals before any worker starts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from grader.storage import head_revision, make_engine
from tests.conftest import Run
from tests.scaleout.conftest import ENV
from tests.service.conftest import Database


@pytest.fixture
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    ("db", "message"),
    [
        # unreachable: nothing listens
        (
            "postgresql://grader:hunter2@127.0.0.1:1/course",
            "--db postgresql+psycopg://grader:***@127.0.0.1:1/course: connection failed",
        ),
        # unreachable: no such host
        ("postgresql://grader:hunter2@nowhere.invalid/course", "grader:***@nowhere.invalid/course"),
        # malformed
        ("postgresql://grader:hunter2@host:port/course", "not a database URL: postgresql://grader:***@host:port"),
        ("mysql://grader:hunter2@host/course", "grader:***@host/course: unsupported database 'mysql'"),
        # a SQLite file that cannot be created, or is not a database
        ("/proc/no-such-dir/grader.db", "cannot create the directory /proc/no-such-dir"),
        ("{tmp}/notes.txt", "--db sqlite+pysqlite:///{tmp}/notes.txt: file is not a database"),
    ],
)
@pytest.mark.parametrize("verb", [["db", "upgrade"], ["db", "current"], ["serve", "--workers", "2"]])
def test_a_bad_or_unreachable_database_is_named_with_exit_2(
    grade: Callable[..., Run],
    secrets_in_env: None,
    course_dir: Path,
    tmp_path: Path,
    verb: list[str],
    db: str,
    message: str,
) -> None:
    (tmp_path / "notes.txt").write_text("a text file, not a SQLite database\n" * 100, encoding="utf-8")
    db, message = db.format(tmp=tmp_path), message.format(tmp=tmp_path)
    if verb == ["db", "current"] and message.startswith("cannot create"):
        message = "no such file (nothing created)"  # `current` only reads: it creates no directory
    options = ["--problems", str(course_dir)] if verb[0] == "serve" else []
    run = grade(*verb, *options, "--db", db)
    assert (run.code, run.out) == (2, "")
    assert run.err.startswith("grade: error: ") and message in run.err
    assert "hunter2" not in run.err and "Traceback" not in run.err


def test_upgrade_is_the_migration_step_and_refuses_a_newer_schema(
    grade: Callable[..., Run], secrets_in_env: None, course_dir: Path, module_database: Database
) -> None:
    first = grade("db", "upgrade", "--db", module_database.url)
    assert first.code == 0 and first.out.endswith(f": migrated empty → {head_revision()}\n")

    engine = make_engine(module_database.url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
        for argv in (["db", "upgrade"], ["serve", "--workers", "4", "--problems", str(course_dir)]):
            run = grade(*argv, "--db", module_database.url)
            assert run.code == 2, argv
            assert "schema is at revision '0099_from_the_future', newer than this grader knows" in run.err
            assert "upgrade grader rather than the database" in run.err
        with engine.connect() as connection:  # nothing was touched
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == "0099_from_the_future"
    finally:
        engine.dispose()
