"""The scale-out tests' PostgreSQL database: one of the module's own, reached with a small pool
by every server process they start (four processes with the default pool of 10 (+20) each made
busy runs fail with "too many clients")."""

from __future__ import annotations

from sqlalchemy import make_url

from grader.storage import make_engine
from tests.service.conftest import Database


def test_a_module_has_a_postgres_database_of_its_own_with_a_small_pool(
    postgres_url: str, postgres_module_database: Database
) -> None:
    assert make_url(postgres_module_database.url).database != make_url(postgres_url).database
    engine = make_engine(postgres_module_database.url)
    try:
        assert (engine.pool.size(), engine.pool._max_overflow) == (2, 1)  # type: ignore[attr-defined]
    finally:
        engine.dispose()
