"""Issue a student's token for the service, signed with the server's secret (prints it)."""

from __future__ import annotations

import argparse
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

from grader.errors import EXIT_OK, EXIT_USAGE, UsageError

EXIT_CODES = {
    EXIT_OK: "token printed",
    EXIT_USAGE: "usage error, or no signing secret (or one too short)",
}

#: The longest validity `--days` accepts: ten years is past any course, and far inside the dates
#: a token's expiry can name (year 9999).
MAX_DAYS = 3650


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--student", required=True, metavar="ID", help="the student the token acts as")
    parser.add_argument(
        "--days", type=float, default=180.0, help=f"valid for this many days, up to {MAX_DAYS} (default: 180)"
    )
    parser.add_argument(
        "--secret-file", type=Path, metavar="FILE", help="signing secret (else $GRADER_SECRET)"
    )


def run(args: argparse.Namespace) -> int:
    try:
        from grader.auth import issue_student_token, read_secret
        from grader.service.checking import storable
    except ImportError as error:
        raise UsageError(
            f"grade token needs the server extra: pip install 'grader[server]' ({error})"
        ) from None
    student = args.student.strip()
    if not student or len(student) > 200:
        raise UsageError("--student: 1 to 200 characters")
    if not storable(student):
        # an argument that is not UTF-8 reaches Python as lone surrogates, which no token can carry
        raise UsageError("--student: not valid UTF-8 text, or contains a NUL character")
    if not (math.isfinite(args.days) and 0 < args.days <= MAX_DAYS):
        raise UsageError(f"--days: a positive number of days, at most {MAX_DAYS}; got {args.days:g}")
    secret = read_secret(args.secret_file)
    now = datetime.now(timezone.utc)  # the command line is an edge: the clock is read here
    print(issue_student_token(secret, student, now=now, valid_for=timedelta(days=args.days)))
    return EXIT_OK
