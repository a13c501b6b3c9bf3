"""Writing output files atomically: a temporary file beside the target, then a rename.

An output that cannot be written (a parent that is a file, a read-only directory, a full disk)
is a UsageError naming the path and what blocks it, never a traceback, and nothing is written.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from grader.errors import UsageError

__all__ = ["keep_mode", "staging_beside", "unwritable", "write_atomically"]


def unwritable(path: Path, error: OSError) -> UsageError:
    """The project error for an output at `path` that the OS refused: `cannot write PATH: why`."""
    # mkdir says 'File exists' or 'Not a directory' when a parent is a file: name that file
    blocker = next((p for p in path.parents if os.path.lexists(p) and not p.is_dir()), None)
    reason = f"{blocker} is not a directory" if blocker else (error.strerror or str(error))
    return UsageError(f"cannot write {path}: {reason}")


def staging_beside(path: Path, *, directory: bool = False) -> tuple[Path, int | None]:
    """A new, uniquely named file (open for writing: its descriptor) or directory beside `path`.

    Unlike `tempfile.mkstemp`/`mkdtemp` (0600/0700), it gets the permissions any new file or
    directory gets here (0666/0777 less the umask); callers give it those of the `path` it will
    replace with `keep_mode` (a directory once filled: a read-only one could not be filled).
    """
    for _ in range(100):
        staging = path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp"
        try:
            if directory:
                os.mkdir(staging, 0o777)
                handle = None
            else:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
                handle = os.open(staging, flags, 0o666)
        except FileExistsError:
            continue
        return staging, handle
    raise FileExistsError(f"no free name for a temporary file beside {path}")


def keep_mode(previous: Path, replacement: Path) -> None:
    """Give `replacement` the permissions of `previous`, if there is one to read them from: a
    gradebook others could read stays readable after it is rewritten."""
    with contextlib.suppress(OSError):  # nothing to replace: the usual permissions stay
        os.chmod(replacement, stat.S_IMODE(os.stat(previous).st_mode))


def write_atomically(path: Path, text: str | bytes | Iterable[bytes]) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never a mix.

    `text` may come as chunks of bytes (a report too large to hold twice), written in turn.
    """
    if isinstance(text, str):
        chunks: Iterable[bytes] = [text.encode("utf-8")]
    else:
        chunks = [text] if isinstance(text, bytes) else text
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary, handle = staging_beside(path)
        assert handle is not None
        keep_mode(path, temporary)
    except OSError as error:
        raise unwritable(path, error) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise unwritable(path, error) from None
        raise
