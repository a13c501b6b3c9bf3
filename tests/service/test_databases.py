"""The PostgreSQL test fixtures: a database of each test's own, reached with a small pool.

The server's connections are shared by every test run on the machine; a test in the server's own
database, or with the default pool, is what made busy runs fail with "too many clients".
"""

from __future__ import annotations

from sqlalchemy import inspect, make_url, text

from grader.storage import make_engine
from tests.service.conftest import Database


def test_a_postgres_test_has_a_database_of_its_own_with_a_small_pool(
    postgres_url: str, postgres_database: Database
) -> None:
    url = make_url(postgres_database.url)
    assert url.database != make_url(postgres_url).database
    engine = make_engine(postgres_database.url)
    try:
        assert (engine.pool.size(), engine.pool._max_overflow) == (2, 1)  # type: ignore[attr-defined]
        with engine.connect() as connection:
            assert connection.execute(text("SELECT current_database()")).scalar() == url.database
            assert inspect(connection).get_table_names() == []
    finally:
        engine.dispose()
