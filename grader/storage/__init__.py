"""Storage of submissions and attempt counts: one schema, versioned migrations, SQLite or PostgreSQL."""

from grader.storage.engines import DEFAULT_DATABASE, database_url, make_engine, masked
from grader.storage.errors import BadDatabaseUrl, DatabaseUnavailable, SchemaMismatch, StorageError
from grader.storage.migrate import check_schema, current_revision, head_revision, upgrade
from grader.storage.store import AttemptsExhausted, NewSubmission, Storage, StoredSubmission

__all__ = [
    "DEFAULT_DATABASE",
    "AttemptsExhausted",
    "BadDatabaseUrl",
    "DatabaseUnavailable",
    "NewSubmission",
    "SchemaMismatch",
    "Storage",
    "StorageError",
    "StoredSubmission",
    "check_schema",
    "current_revision",
    "database_url",
    "head_revision",
    "make_engine",
    "masked",
    "open_storage",
    "upgrade",
]


def open_storage(db: str, *, migrate: bool = True) -> Storage:
    """Connect to `db` (a SQLite path or a URL), refuse an unknown schema, migrate to the newest."""
    engine = make_engine(database_url(db))
    try:
        if migrate:
            upgrade(engine)
        else:
            check_schema(engine, allow_empty=False)
    except BaseException:
        engine.dispose()
        raise
    return Storage(engine)
