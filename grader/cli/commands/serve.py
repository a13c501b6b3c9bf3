"""Run the answer-checking service (HTTP API, answer pages, XQueue adapter) on the problems.

Needs the signing secret and the staff token: $GRADER_SECRET and $GRADER_STAFF_TOKEN, or
--secret-file and --staff-token-file (there is no default); it warns about a secret file others
can read, a secret that looks guessable, and one value used for both. The database (a SQLite file
by default, created readable by its owner only, or postgresql://…) is created and migrated on
start; a schema newer than this grader is refused. A URL with a password belongs in
$GRADER_DATABASE_URL or --db-url-file, not in --db, where `ps` shows it. Behind a reverse proxy,
--forwarded-allow-ips names it, so its X-Forwarded-Proto: https makes the login cookie Secure.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from grader.cli.commands.common import add_database_options, add_problems_option, database_of
from grader.errors import EXIT_OK, EXIT_USAGE, UsageError

EXIT_CODES = {
    EXIT_OK: "the server stopped",
    EXIT_USAGE: "usage error, an invalid spec, a missing secret or staff token, or a database that cannot "
    "be reached or has a newer schema (nothing served)",
}

if TYPE_CHECKING:
    from grader.storage import Limits

#: grader.storage.DEFAULT_DATABASE, spelled out so `grade` starts without the server extra.
DEFAULT_DATABASE = "grader.db"
#: grader.service.settings.DEFAULT_LIMITS, spelled out for the same reason (a test checks they agree).
DEFAULT_RATE_LIMIT = "60/10"
DEFAULT_MAX_UNREADABLE = "100"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_problems_option(parser)
    add_database_options(
        parser,
        help="SQLite file or postgresql://user@host/db URL (default: --db-url-file, else "
        f"$GRADER_DATABASE_URL, else {DEFAULT_DATABASE})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument(
        "--workers", type=int, default=1, metavar="N",
        help="worker processes (default: 1); on PostgreSQL they share 80 connections by default",
    )
    parser.add_argument(
        "--secret-file", type=Path, metavar="FILE", help="signing secret (else $GRADER_SECRET)"
    )
    parser.add_argument(
        "--staff-token-file", type=Path, metavar="FILE", help="staff token (else $GRADER_STAFF_TOKEN)"
    )
    parser.add_argument(
        "--frame-ancestors", nargs="+", default=["'self'"], metavar="SOURCE",
        help="sites that may show the pages in a frame, e.g. an LMS: CSP sources such as "
        "https://lms.example.edu, 'self' or 'none' (default: 'self')",
    )
    parser.add_argument(
        "--rate-limit", default=DEFAULT_RATE_LIMIT, metavar="N/MINUTES",
        help="submissions a student may send per MINUTES minutes, counted in the database so every "
        f"worker shares it; past it 429 rate_limited with Retry-After; `off` for none "
        f"(default: {DEFAULT_RATE_LIMIT})",
    )
    parser.add_argument(
        "--max-unreadable", default=DEFAULT_MAX_UNREADABLE, metavar="N",
        help="unreadable answers stored per student and problem; past it they are checked but not "
        f"stored; `off` for no cap (default: {DEFAULT_MAX_UNREADABLE})",
    )
    parser.add_argument(
        "--lti-keys", type=Path, metavar="FILE",
        help="turn on LTI 1.3 (docs/lti.md): the tool's key file, created (mode 0600) when missing; "
        "keep it beside the secret file (default: $GRADER_LTI_KEYS, else LTI is off)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug"),
        default="info",
        help="uvicorn's log level (default: info; `info` prints the address it listens on)",
    )
    deployment = parser.add_argument_group("deployment")
    deployment.add_argument(
        "--forwarded-allow-ips", metavar="IPS",
        help="trust X-Forwarded-Proto/-For from these proxy addresses (comma-separated IPs or "
        "networks, or *); without it those headers are ignored",
    )


def _environment_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value) if value else None


def limits_of(rate_limit: str, max_unreadable: str) -> Limits:
    """The Limits `--rate-limit` and `--max-unreadable` ask for; UsageError when they cannot be read."""
    from grader.storage import Limits, RateLimit

    try:
        rate = RateLimit.parse(rate_limit)
    except ValueError as error:
        raise UsageError(f"--rate-limit: {error}") from None
    cap = max_unreadable.strip().lower()
    if cap != "off" and not cap.isdigit():
        raise UsageError(f"--max-unreadable: expected a whole number or off; got {max_unreadable!r}")
    return Limits(rate=rate, max_unreadable=None if cap == "off" else int(cap))


def run(args: argparse.Namespace) -> int:
    try:
        from grader.service.middleware import check_frame_ancestors
        from grader.service.server import ServeOptions, serve, startup_warnings
    except ImportError as error:
        raise UsageError(
            f"grade serve needs the server extra: pip install 'grader[server]' ({error})"
        ) from None
    if args.workers < 1:
        raise UsageError("--workers: at least 1")
    if not 0 <= args.port <= 65535:
        raise UsageError("--port: 0 to 65535")
    limits = limits_of(args.rate_limit, args.max_unreadable)
    options = ServeOptions(
        problems=args.problems,
        db=database_of(args, default=DEFAULT_DATABASE) or DEFAULT_DATABASE,
        secret_file=args.secret_file,
        staff_token_file=args.staff_token_file,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=args.access_log,
        log_level=args.log_level,
        forwarded_allow_ips=args.forwarded_allow_ips,
        frame_ancestors=check_frame_ancestors(args.frame_ancestors),
        limits=limits,
        lti_keys=args.lti_keys or _environment_path("GRADER_LTI_KEYS"),
    )
    for warning in startup_warnings(options):
        print(f"grade: warning: {warning}", file=sys.stderr)
    serve(options)
    return EXIT_OK
