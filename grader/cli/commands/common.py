"""Argument helpers shared by several commands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from grader.errors import UsageError

__all__ = [
    "add_database_options",
    "add_problems_option",
    "database_of",
    "emit",
    "moment_of",
    "submissions_in",
]

DEFAULT_PROBLEMS = Path("problems")


def add_problems_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--problems",
        type=Path,
        default=DEFAULT_PROBLEMS,
        metavar="DIR",
        help="directory (or file, with the course.yaml beside it) of problem specs (default: ./problems)",
    )


def add_database_options(parser: argparse.ArgumentParser, *, help: str) -> None:
    """`--db PATH|URL` and `--db-url-file FILE`: a URL with a password belongs in the file (or in
    $GRADER_DATABASE_URL where the command reads it), since `ps` shows every user a command line."""
    parser.add_argument("--db", metavar="PATH|URL", help=help)
    parser.add_argument(
        "--db-url-file", type=Path, metavar="FILE",
        help="read the database URL from FILE instead (keeps its password out of `ps`)",
    )


def database_of(args: argparse.Namespace, *, default: str | None, environment: bool = True) -> str | None:
    """The database `add_database_options` was given: `--db`, else `--db-url-file`, else (with
    `environment`) $GRADER_DATABASE_URL, else `default`."""
    # imported here: `grade --help` reads no option
    from grader.config import read_database_url

    url = read_database_url(args.db, args.db_url_file, "", None if environment else {})
    return url or default


def emit(text: str | bytes | Iterable[bytes], output: Path | None) -> None:
    """Print `text` (bytes, or chunks of bytes: UTF-8), or write it atomically to `output`."""
    if output is None:
        if not isinstance(text, str):
            sys.stdout.flush()
            for chunk in [text] if isinstance(text, bytes) else text:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        # imported here: grader.report loads the models and numpy, which `grade --help` never needs
        from grader.report.files import write_atomically

        write_atomically(output, text)  # an unwritable output is a UsageError, nothing written


def exit_without_teardown(args: argparse.Namespace, code: int) -> None:
    """End the process now with `code` when it runs only this command (`main(whole_process=True)`).

    For a command whose outputs are written (atomically: synced and renamed) and whose every
    other effect is done: stdout and stderr are flushed, then the interpreter does not free
    the class's objects one by one, nor run exit handlers, which a short-lived `grade` of a
    large class spends a noticeable part of its time on. In-process callers return as usual.
    """
    if getattr(args, "whole_process", False):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def moment_of(text: str | None) -> datetime:
    """`--now` read (a timestamp), or the clock's time when not given; a bad one is a usage error."""
    from grader.submissions.timestamps import parse_timestamp

    if text is None:
        return datetime.now(timezone.utc)
    try:
        return parse_timestamp(text)
    except ValueError as error:
        raise UsageError(f"--now: {error}") from None


def submissions_in(item: object) -> int:
    """How many students' submissions a read item holds (a block of a JSONL file holds many)."""
    from grader.submissions.models import SubmissionBlock

    return item.size if isinstance(item, SubmissionBlock) else 1
