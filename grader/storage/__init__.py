"""Storage of submissions and attempt counts: one schema, versioned migrations, SQLite or PostgreSQL."""

from sqlalchemy import event

from grader.storage.checkpoints import Checkpointer, no_automatic_checkpoints
from grader.storage.engines import (
    DEFAULT_DATABASE,
    database_url,
    existing_database_url,
    make_engine,
    masked,
    masked_text,
)
from grader.storage.errors import BadDatabaseUrl, DatabaseUnavailable, SchemaMismatch, StorageError
from grader.storage.migrate import check_schema, current_revision, head_revision, upgrade
from grader.storage.store import (
    AlreadyDelivered,
    AttemptsExhausted,
    Delivered,
    Delivery,
    Limits,
    NewSubmission,
    OfflineAttempt,
    RateLimit,
    RateLimited,
    Storage,
    StoredSubmission,
    is_unavailable,
)

__all__ = [
    "is_unavailable",
    "DEFAULT_DATABASE",
    "AlreadyDelivered",
    "AttemptsExhausted",
    "BadDatabaseUrl",
    "DatabaseUnavailable",
    "Delivered",
    "Delivery",
    "Limits",
    "NewSubmission",
    "OfflineAttempt",
    "RateLimit",
    "RateLimited",
    "SchemaMismatch",
    "Storage",
    "StorageError",
    "StoredSubmission",
    "check_schema",
    "current_revision",
    "database_url",
    "existing_database_url",
    "head_revision",
    "make_engine",
    "masked",
    "masked_text",
    "open_storage",
    "upgrade",
]


def open_storage(db: str, *, migrate: bool = True, processes: int = 1) -> Storage:
    """Connect to `db` (a SQLite path or a URL), refuse an unknown schema, migrate to the newest.

    Without `migrate`, only read what is there: a SQLite file that does not exist is refused, not
    created, and so is a schema older than the newest (`grade db upgrade` migrates it).
    `processes`: how many server processes share the database (sizes a PostgreSQL pool).
    """
    url = database_url(db) if migrate else existing_database_url(db)
    engine = make_engine(url, processes=processes)
    try:
        if migrate:
            upgrade(engine)
        else:
            revision = check_schema(engine, allow_empty=False)
            if revision != head_revision():
                # the tables this grader reads are the newest schema's (submissions.spec_hash)
                raise SchemaMismatch(
                    f"{masked(url)}: the database schema is at {revision!r}, older than this grader's "
                    f"{head_revision()!r}; run `grade db upgrade --db URL`"
                )
    except BaseException:
        engine.dispose()
        raise
    if url.get_backend_name() != "sqlite":
        return Storage(engine)
    # SQLite lets one transaction write at a time. Writers of this process share one pooled
    # connection, so they wait in the pool's queue, in order, instead of in SQLite's busy handler
    # (which sleeps ever longer pauses between tries, so a waiting writer oversleeps). Other
    # processes still queue on busy_timeout; correctness never depends on this (BEGIN IMMEDIATE).
    engine.dispose()
    writer = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=30)
    event.listen(writer, "connect", no_automatic_checkpoints)
    readers = make_engine(url)
    return Storage(writer, read_engine=readers, checkpointer=Checkpointer(readers))
