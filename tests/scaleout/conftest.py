"""Fixtures of the scale-out tests: one database per test module and backend, and the course.

The PostgreSQL database is a schema of its own on the server GRADER_TEST_DATABASE_URL names,
dropped afterwards; without a server the PostgreSQL tests skip (fail when CI is set), as in
tests/service, whose course and server fixtures these reuse.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from grader.auth import issue_student_token
from grader.storage import database_url
from tests.service.conftest import (
    SECRET,
    STAFF_TOKEN,
    Database,
    clock,
    course,
    course_dir,
    database,
    make_client,
    postgres_database,
    postgres_url,
    sqlite_database,
)

__all__ = [
    "ENV", "STAFF", "clock", "course", "course_dir", "database", "make_client", "module_database",
    "postgres_database", "postgres_module_database", "postgres_schema", "postgres_url", "sqlite_database",
    "token_for",
]

#: What every server process of a test shares: the signing secret and the staff token.
ENV = {"GRADER_SECRET": SECRET, "GRADER_STAFF_TOKEN": STAFF_TOKEN}
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}


def token_for(student: str) -> str:
    """A student token the servers accept. They check its expiry against their own clock, so it is
    issued for the current time, valid for a day: no result depends on the time."""
    return issue_student_token(SECRET, student, now=datetime.now(timezone.utc), valid_for=timedelta(days=1))


def postgres_schema_url(server_url: str, schema: str) -> str:
    """`server_url` with every connection working inside `schema` (libpq's `options` parameter)."""
    separator = "&" if "?" in server_url else "?"
    return f"{server_url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def postgres_schema(server_url: str) -> Iterator[Database]:
    """A schema of its own on the server, dropped afterwards."""
    schema = f"grader_scaleout_{uuid.uuid4().hex[:12]}"
    # no pooled connection kept: the server may have been restarted by the time the schema is dropped
    admin = create_engine(database_url(server_url), poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Database("postgresql", postgres_schema_url(server_url, schema))
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A fresh, empty database shared by one module's tests: a SQLite file or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield Database("sqlite", str(tmp_path_factory.mktemp("scaleout") / "grader.db"))
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as database:
        yield database


@pytest.fixture(scope="module")
def postgres_module_database(postgres_url: str) -> Iterator[Database]:
    """A PostgreSQL schema shared by one module's tests."""
    with postgres_schema(postgres_url) as database:
        yield database
