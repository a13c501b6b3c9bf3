"""Versioned schema migrations (Alembic), run by the service at start and by `grade db upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from grader.storage.engines import database_errors, masked
from grader.storage.errors import SchemaMismatch

__all__ = ["check_schema", "current_revision", "head_revision", "known_revisions", "upgrade"]

_MIGRATIONS = Path(__file__).with_name("migrations")
#: The key of the PostgreSQL advisory lock a migration holds for its transaction ("grad").
_MIGRATION_LOCK = 0x67726164


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest schema revision this version of grader knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision; None for a database never migrated."""
    with database_errors(engine), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_schema(engine: Engine, *, allow_empty: bool = True) -> str | None:
    """Refuse a schema this version does not know (a newer grader migrated it); return its revision."""
    return _known(current_revision(engine), engine, allow_empty=allow_empty)


def _known(revision: str | None, engine: Engine, *, allow_empty: bool) -> str | None:
    if revision is None:
        if allow_empty:
            return None
        raise SchemaMismatch(f"{masked(engine.url)}: no grader schema; run `grade db upgrade --db URL`")
    if revision not in known_revisions():
        raise SchemaMismatch(
            f"{masked(engine.url)}: the database schema is at revision {revision!r}, newer than this "
            f"grader knows (newest: {head_revision()!r}); upgrade grader rather than the database"
        )
    return revision


def _serialise_migrations(connection: Connection) -> None:
    """Servers started together on a fresh database migrate one at a time: the first creates the
    tables, the others wait for its commit and find nothing left to do. PostgreSQL's advisory lock
    lasts until the transaction ends; SQLite's BEGIN IMMEDIATE (engines.py) already serialises."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate the database to the newest revision; returns (revision before, revision after)."""
    config = _config()
    with database_errors(engine), engine.begin() as connection:
        _serialise_migrations(connection)
        revision = MigrationContext.configure(connection).get_current_revision()
        before = _known(revision, engine, allow_empty=True)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision()
