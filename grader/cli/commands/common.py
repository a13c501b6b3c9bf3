"""Argument helpers shared by several commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.errors import UsageError
from grader.report.files import write_atomically

__all__ = ["add_problems_option", "emit"]

DEFAULT_PROBLEMS = Path("problems")


def add_problems_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--problems",
        type=Path,
        default=DEFAULT_PROBLEMS,
        metavar="DIR",
        help="directory (or file) of problem specs (default: ./problems)",
    )


def emit(text: str, output: Path | None) -> None:
    """Print `text`, or write it atomically to `output`."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            write_atomically(output, text)
        except OSError as error:  # a missing or read-only directory: say so, write nothing
            blocker = next((p for p in output.parents if p.exists() and not p.is_dir()), None)
            reason = f"{blocker} is not a directory" if blocker else (error.strerror or str(error))
            raise UsageError(f"cannot write {output}: {reason}") from None
