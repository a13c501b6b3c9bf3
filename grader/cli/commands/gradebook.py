"""Export the service's gradebook from its database: the same CSV, JSON and table as batch grading.

Reads the database `grade serve` records into (a SQLite file or postgresql://…), never migrates
it: a database without the grader schema, or with an older or newer one, is refused (exit 2;
`grade db upgrade` migrates an older one). Each student who submitted gets one row; each
problem's result is the last counted attempt (or the best, per the spec's `counts`), exactly as
the service shows it. Results graded with another version of a
problem's spec than the one given (its content hash differs) are counted per problem on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.cli.commands.common import add_database_options, add_problems_option, database_of, emit
from grader.errors import EXIT_OK, EXIT_USAGE, UsageError

EXIT_CODES = {
    EXIT_OK: "gradebook written",
    EXIT_USAGE: "usage error, an invalid spec, a database that does not exist, cannot be reached or has "
    "no (or a newer) grader schema, or an output that cannot be written",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from grader.report import DIRECTORY_FORMATS, FORMATS

    add_database_options(
        parser,
        help="the service's database: SQLite file or postgresql://user@host/db URL (or --db-url-file, "
        "else $GRADER_DATABASE_URL)",
    )
    add_problems_option(parser)
    parser.add_argument(
        "--format", choices=sorted([*FORMATS, *DIRECTORY_FORMATS]), default="csv",
        help="csv (default), json, table, or gradescope (a directory, needs --output)",
    )
    parser.add_argument(
        "--output", "-o", type=Path, metavar="PATH",
        help="write the gradebook here (atomically) instead of stdout",
    )


def run(args: argparse.Namespace) -> int:
    try:
        from grader.service.checking import Checker
        from grader.storage import open_storage
    except ImportError as error:
        raise UsageError(
            f"grade gradebook needs the server extra: pip install 'grader[server]' ({error})"
        ) from None
    from grader.report import DIRECTORY_FORMATS, render
    from grader.spec.loader import load_problems

    if args.format in DIRECTORY_FORMATS and args.output is None:
        raise UsageError(f"--format {args.format} writes a directory: give it with --output DIR")
    db = database_of(args, default=None)
    if db is None:
        raise UsageError("--db: name the service's database (or --db-url-file FILE, or $GRADER_DATABASE_URL)")
    problems = load_problems(args.problems)
    storage = open_storage(db, migrate=False)
    try:
        checker = Checker(problems, storage)
        report = checker.gradebook()
        outdated = checker.outdated()
    finally:
        storage.close()
    if args.format in DIRECTORY_FORMATS:
        DIRECTORY_FORMATS[args.format](report, args.output, problems)
    else:
        emit(render(report, args.format), args.output)
    for problem_id, students in outdated.items():
        print(
            f"grade: note: {problem_id}: {len(students)} student(s) have results graded with another "
            "version of its spec (`grade regrade --db` recomputes them)",
            file=sys.stderr,
        )
    if args.output is not None:
        print(f"grade: wrote {args.output} ({len(report.students)} students)", file=sys.stderr)
    return EXIT_OK
