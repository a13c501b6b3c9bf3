"""Writing output files atomically: a temporary file beside the target, then a rename.

An output that cannot be written (a parent that is a file, a read-only directory, a full disk)
is a UsageError naming the path and what blocks it, never a traceback, and nothing is written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from grader.errors import UsageError

__all__ = ["unwritable", "write_atomically"]


def unwritable(path: Path, error: OSError) -> UsageError:
    """The project error for an output at `path` that the OS refused: `cannot write PATH: why`."""
    # mkdir says 'File exists' or 'Not a directory' when a parent is a file: name that file
    blocker = next((p for p in path.parents if os.path.lexists(p) and not p.is_dir()), None)
    reason = f"{blocker} is not a directory" if blocker else (error.strerror or str(error))
    return UsageError(f"cannot write {path}: {reason}")


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never a mix."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise unwritable(path, error) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise unwritable(path, error) from None
        raise
