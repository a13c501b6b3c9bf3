"""Argument helpers shared by several commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_problems_option", "emit"]

DEFAULT_PROBLEMS = Path("problems")


def add_problems_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--problems",
        type=Path,
        default=DEFAULT_PROBLEMS,
        metavar="DIR",
        help="directory (or file, with the course.yaml beside it) of problem specs (default: ./problems)",
    )


def emit(text: str, output: Path | None) -> None:
    """Print `text`, or write it atomically to `output`."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        # imported here: grader.report loads the models and numpy, which `grade --help` never needs
        from grader.report.files import write_atomically

        write_atomically(output, text)  # an unwritable output is a UsageError, nothing written
