"""Storage errors: a database that cannot be reached, or whose schema this version does not know."""

from __future__ import annotations

from grader.errors import GraderError

__all__ = ["BadDatabaseUrl", "DatabaseUnavailable", "SchemaMismatch", "StorageError"]


class StorageError(GraderError):
    """Base of the storage layer's errors; the CLI prints it and exits 2."""


class BadDatabaseUrl(StorageError):
    """`--db` is neither a file path nor a URL of a supported database."""


class DatabaseUnavailable(StorageError):
    """The database did not answer (down, restarting, locked too long, read-only)."""


class SchemaMismatch(StorageError):
    """The database's schema is newer than this version knows, or was never created."""
