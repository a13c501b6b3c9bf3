"""Fixtures of the scale-out tests: one database per test module and backend, and the course.

The PostgreSQL database is a database of its own, with a small pool, on the server
GRADER_TEST_DATABASE_URL names, dropped afterwards; without a server the PostgreSQL tests skip
(fail when CI is set), as in tests/service, whose course and server fixtures these reuse.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from grader.auth import issue_student_token
from tests.service.conftest import (
    SECRET,
    STAFF_TOKEN,
    Database,
    clock,
    course,
    course_dir,
    database,
    make_client,
    own_postgres_database,
    postgres_database,
    postgres_url,
    sqlite_database,
)

__all__ = [
    "ENV", "STAFF", "clock", "course", "course_dir", "database", "make_client", "module_database",
    "postgres_database", "postgres_module_database", "postgres_url", "sqlite_database",
    "token_for",
]

#: What every server process of a test shares: the signing secret and the staff token.
ENV = {"GRADER_SECRET": SECRET, "GRADER_STAFF_TOKEN": STAFF_TOKEN}
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}


def token_for(student: str) -> str:
    """A student token the servers accept. They check its expiry against their own clock, so it is
    issued for the current time, valid for a day: no result depends on the time."""
    return issue_student_token(SECRET, student, now=datetime.now(timezone.utc), valid_for=timedelta(days=1))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A fresh, empty database shared by one module's tests: a SQLite file or a PostgreSQL database."""
    if request.param == "sqlite":
        yield Database("sqlite", str(tmp_path_factory.mktemp("scaleout") / "grader.db"))
        return
    with own_postgres_database(request.getfixturevalue("postgres_url"), "grader_scaleout") as database:
        yield database


@pytest.fixture(scope="module")
def postgres_module_database(postgres_url: str) -> Iterator[Database]:
    """A PostgreSQL database shared by one module's tests."""
    with own_postgres_database(postgres_url, "grader_scaleout") as database:
        yield database
