"""SQLite WAL checkpoints on a thread of their own, so no request's commit waits for one.

By default SQLite checkpoints inside the commit that crosses 1000 pages of WAL: that commit copies
the pages back and fsyncs with a request waiting on it (docs/service.md, "Load", has the
benchmark's p99 before and after this thread). The writer connections turn that off; this
thread runs a PASSIVE checkpoint (it never blocks readers or the writer) after every `every`
commits, and SQLite checkpoints on its own when the last connection closes.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine

__all__ = ["Checkpointer", "no_automatic_checkpoints"]

log = logging.getLogger("grader.storage")


def no_automatic_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    """A `connect` listener for writer connections: leave checkpoints to the Checkpointer."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class Checkpointer:
    """Wakes after every `every` commits and checkpoints the WAL from its own connection."""

    def __init__(self, engine: Engine, every: int = 500) -> None:
        self._engine = engine
        self._every = every
        self._commits = 0
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="grader-sqlite-checkpoints", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """Count a commit (a racy count only moves the next checkpoint by a commit or two)."""
        self._commits += 1
        if self._commits % self._every == 0:
            self._wake.set()

    def checkpoint(self) -> None:
        connection = self._engine.raw_connection()
        try:
            # autocommit connection (isolation_level None): no transaction around the pragma
            connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
        finally:
            connection.close()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                self.checkpoint()
            except Exception:  # a failed checkpoint is retried at the next wake; SQLite stays consistent
                log.warning("WAL checkpoint failed", exc_info=True)

    def close(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout=10)
