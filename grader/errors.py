"""The project's exception hierarchy: every error the fronts turn into a message and an exit code."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "EXIT_OK",
    "EXIT_SOME_INPUT_UNREADABLE",
    "EXIT_USAGE",
    "GraderError",
    "SpecError",
    "SubmissionError",
    "UsageError",
]

#: Everything graded, every input read.
EXIT_OK = 0
#: Graded, but some submission files or rows could not be read (each named on stderr).
EXIT_SOME_INPUT_UNREADABLE = 1
#: Usage error, or an invalid problem spec (nothing was graded), or an output that cannot be written.
EXIT_USAGE = 2


class GraderError(Exception):
    """Base of every error this project raises on purpose."""

    exit_code: int = EXIT_USAGE


def _where(file: str | Path | None, line: int | None, field: str | None) -> str:
    parts = []
    if file is not None:
        parts.append(str(file) if line is None else f"{file}:{line}")
    if field:
        parts.append(field)
    return ": ".join(parts)


class _LocatedError(GraderError):
    """An error that names where it happened: file, line (when known) and field path."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = _where(self.file, self.line, self.field)
        return f"{where}: {self.message}" if where else self.message


class SpecError(_LocatedError):
    """A problem spec that cannot be loaded: prints as `file:line: field.path: message`."""

    exit_code = EXIT_USAGE


class SubmissionError(_LocatedError):
    """A submission file or row that cannot be read; the other students are still graded."""

    exit_code = EXIT_SOME_INPUT_UNREADABLE


class UsageError(GraderError):
    """A command used wrongly: a missing path, incompatible options."""

    exit_code = EXIT_USAGE
