"""Database URLs and engines: a file path means SQLite, `postgresql://…` means PostgreSQL via psycopg 3."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import NullPool

from grader.storage.errors import BadDatabaseUrl, DatabaseUnavailable, SchemaMismatch

__all__ = [
    "CONNECTION_BUDGET",
    "DEFAULT_DATABASE",
    "READ_ONLY",
    "PoolTimeout",
    "database_errors",
    "database_url",
    "default_pool",
    "existing_database_url",
    "make_engine",
    "masked",
    "masked_text",
    "no_free_connection",
]

#: `grade serve` without `--db`: a SQLite file in the current directory, created on first start.
DEFAULT_DATABASE = "grader.db"

#: How long a PostgreSQL connection attempt may take (unless the URL says `?connect_timeout=`).
CONNECT_TIMEOUT_SECONDS = 10

_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def database_url(text: str | Path) -> URL:
    """`grader.db` → sqlite:///grader.db; `postgresql://u@h/db` → postgresql+psycopg://u@h/db."""
    raw = str(text)
    if "://" not in raw:
        if not raw.strip():
            raise BadDatabaseUrl("--db: expected a file path or a postgresql:// URL; got an empty string")
        return URL.create("sqlite+pysqlite", database=raw)
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise BadDatabaseUrl(f"--db: not a database URL: {masked_text(raw)}") from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql", "postgres"):
        raise BadDatabaseUrl(
            f"--db: {masked(url)}: unsupported database {backend!r}; use a SQLite file path or postgresql://"
        )
    if "+" not in url.drivername:
        url = url.set(drivername=_DRIVERS[backend])
    if backend == "sqlite" and not url.database:
        raise BadDatabaseUrl(f"--db: {masked(url)}: a SQLite URL needs a file (sqlite:///path/to/file.db)")
    return url


def existing_database_url(text: str | Path) -> URL:
    """`database_url` for a front that only reads: a SQLite file that does not exist is refused.

    Connecting would create it (and its directory), so a mistyped `--db` would leave an empty
    database behind and report a missing schema instead of a missing file.
    """
    url = database_url(text)
    missing = url.database != ":memory:" and not Path(str(url.database)).exists()
    if url.get_backend_name() == "sqlite" and missing:
        raise SchemaMismatch(
            f"{masked(url)}: no such file (nothing created): no grader schema; "
            "run `grade db upgrade --db URL`"
        )
    return url


def masked(url: URL) -> str:
    """The URL as safe to print: the password replaced by ***."""
    return url.render_as_string(hide_password=True)


def masked_text(raw: str) -> str:
    """A database as the user spelled it (a path or a URL), with a URL's password replaced by ***."""
    if "://" in raw and "@" in raw and ":" in raw.split("@", 1)[0].split("://", 1)[-1]:
        scheme, rest = raw.split("://", 1)
        credentials, host = rest.split("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"
    return raw


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (below): pysqlite's own implicit BEGIN is deferred, and a
    # deferred transaction that later writes can fail with "database is locked" instead of waiting.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    use_wal(cursor)
    # NORMAL (with WAL): a commit is in the operating system's hands before the client is told,
    # so killing the server loses nothing acknowledged; only an OS crash or power cut can lose the
    # last commits (FULL would fsync every commit, serialised: docs/service.md has the cost).
    # PostgreSQL is the choice when that matters.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def use_wal(cursor: Any, *, tries: int = 100, pause: float = 0.05) -> None:
    """Switch the database to WAL (a no-op once it is).

    Servers started together on a new file all try to convert it at once; two conversions
    deadlock, and SQLite answers one of them "database is locked" at once, without waiting on
    busy_timeout (no wait can end a deadlock): 2 of 40 starts of 8 processes failed so. The
    loser tries again, by which time the file is WAL.
    """
    for attempt in range(tries):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == tries - 1:
                raise
            time.sleep(pause)


#: Execution option of a connection that only reads: its SQLite transaction takes no write lock.
READ_ONLY = "grader_read_only"


def _sqlite_begin(connection: Any) -> None:
    # Writers take the write lock at BEGIN, so concurrent writers queue on busy_timeout rather
    # than fail on upgrading a read lock; readers (WAL) never wait for it.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


#: PostgreSQL connections all worker processes of one `grade serve` hold at most, by default:
#: PostgreSQL's default max_connections is 100, 3 of them kept for superusers; the rest is left
#: for migrations, `grade db`, psql and monitoring.
CONNECTION_BUDGET = 80
#: What one process holds at most, however few there are: 10 kept open and 20 more under load.
_MOST_PER_PROCESS = 30


def default_pool(processes: int) -> tuple[int, int]:
    """(pool_size, max_overflow) of each of `processes` server processes, so that together they
    stay within CONNECTION_BUDGET: a third kept open, the rest opened under load."""
    per_process = max(2, min(_MOST_PER_PROCESS, CONNECTION_BUDGET // max(1, processes)))
    kept = max(1, per_process // 3)
    return kept, per_process - kept


#: Connection pool settings a server URL may carry in its query (`?pool_size=5&max_overflow=0`),
#: taken out before the URL reaches the driver, with the smallest value each accepts.
POOL_SETTINGS = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 1}


def _pool_options(url: URL) -> tuple[URL, dict[str, int]]:
    """The URL without its pool settings, and those settings (BadDatabaseUrl when one is wrong)."""
    found: dict[str, int] = {}
    for name, smallest in POOL_SETTINGS.items():
        if name not in url.query:
            continue
        value = url.query[name]
        text = value if isinstance(value, str) else ",".join(value)
        try:
            number = int(text)
        except ValueError:
            number = smallest - 1
        if number < smallest:
            raise BadDatabaseUrl(
                f"--db {masked(url)}: {name} must be a whole number ≥ {smallest}; got {text!r}"
            )
        found[name] = number
    return url.difference_update_query(list(found)), found


def _create_private(path: Path) -> None:
    """Create a new SQLite file readable and writable by its owner only: it holds every answer
    and grade. SQLite gives its -wal and -shm files the database file's permissions."""
    # an existing file keeps the permissions its owner gave it; any other failure SQLite meets
    # again when it opens the file, and reports it with the URL
    with suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: URL | str, *, processes: int = 1, **options: Any) -> Engine:
    """An engine configured for safe concurrent use of the backend the URL names; a PostgreSQL
    pool is sized for one of `processes` processes sharing the server (`default_pool`)."""
    if isinstance(url, str):
        url = database_url(url)
    try:
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                directory = Path(url.database).parent
                try:
                    directory.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise BadDatabaseUrl(
                        f"--db {masked(url)}: cannot create the directory {directory}: "
                        f"{error.strerror or error}"
                    ) from None
                if not url.query.get("uri"):  # a file: URI is SQLite's to read
                    _create_private(Path(url.database))
            if options.pop("null_pool", False):
                options["poolclass"] = NullPool
            engine = create_engine(url, **options)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        url, pool = _pool_options(url)
        options.setdefault("pool_pre_ping", True)
        kept, overflow = default_pool(processes)
        options.setdefault("pool_size", pool.get("pool_size", kept))
        options.setdefault("max_overflow", pool.get("max_overflow", overflow))
        options.setdefault("pool_timeout", pool.get("pool_timeout", 10))
        if "connect_timeout" not in url.query:
            # a server that never answers (a firewall dropping packets) fails in seconds, not minutes
            options.setdefault("connect_args", {}).setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        return create_engine(url, **options)
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise BadDatabaseUrl(
            f"--db: {masked(url)}: the database driver is not installed ({error}); "
            "for PostgreSQL: pip install 'grader[postgres]'"
        ) from None


def no_free_connection(engine: Engine, error: PoolTimeout) -> DatabaseUnavailable:
    """A request waited pool_timeout seconds and every connection stayed busy: an overload to
    retry (503), not a bug. SQLAlchemy's TimeoutError is no DBAPIError, so it needs its own catch."""
    reason = str(error).split(" (Background on this error", 1)[0]
    return DatabaseUnavailable(f"database {masked(engine.url)} busy: {reason}")


@contextmanager
def database_errors(engine: Engine) -> Iterator[None]:
    """Turn a driver's error (cannot connect, locked, read-only) into DatabaseUnavailable naming the URL."""
    try:
        yield
    except PoolTimeout as error:
        raise no_free_connection(engine, error) from None
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
        raise DatabaseUnavailable(f"--db {masked(engine.url)}: {reason}") from None
