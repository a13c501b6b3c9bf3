"""Regrade a class after a spec is fixed: who gains or loses, and why, before anything is published.

`grade regrade SUBMISSIONS --problems NEW --previous OLD_REPORT.json` regrades the submissions the
previous JSON report (`grade SUBMISSIONS --format json`) was graded from; `grade regrade --db URL
--problems NEW` regrades the attempts the service (or `grade --db`) stored. Attempts, times and
late penalties stay as they were; only each answer is graded again. A lower score is kept (and
listed as kept) unless --allow-lower. Problem ids only in the old results or only in the new specs
are listed as removed or added, not regraded. Give --old-problems (the specs before the fix) to
have each change explained by the specs' difference (the key at positions …, the tolerance, the
scheme) rather than by their content hashes.

Nothing is written without --apply: then the new report goes to -o (SUBMISSIONS), or the stored
results are updated and the regrade recorded in one transaction (--db).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from grader.cli.commands.common import add_problems_option, emit
from grader.errors import EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from grader.regrade import Regrade
    from grader.spec.loader import ProblemSet

#: Some result changes (listed); with --apply, written.
EXIT_CHANGES = 1

EXIT_CODES = {
    EXIT_OK: "no result changes",
    EXIT_CHANGES: "some results change (listed; written only with --apply)",
    EXIT_USAGE: "usage error, an invalid spec, a --previous report that cannot be read or is of another "
    "class (other students, or none of its problems in --problems), or a database that cannot be "
    "used; nothing written",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "submissions", type=Path, nargs="?", metavar="SUBMISSIONS",
        help="the submissions --previous was graded from (as for `grade SUBMISSIONS`); not with --db",
    )
    add_problems_option(parser)
    parser.add_argument(
        "--previous", type=Path, metavar="OLD_REPORT.json",
        help="the JSON report the class was graded into before the fix",
    )
    parser.add_argument(
        "--db", metavar="PATH|URL",
        help="regrade the attempts stored in the service's database (SQLite file or postgresql:// URL)",
    )
    parser.add_argument(
        "--old-problems", type=Path, metavar="DIR",
        help="the specs before the fix, to explain each change by what differs (optional)",
    )
    parser.add_argument(
        "--allow-lower", action="store_true",
        help="apply lower scores too (default: a lower score is kept and listed as kept)",
    )
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="table (default) or json"
    )
    parser.add_argument(
        "--apply", action="store_true",
        help="write the regrade: the new report to -o, or the stored results (--db)",
    )
    parser.add_argument(
        "--output", "-o", type=Path, metavar="NEW_REPORT",
        help="with --apply and SUBMISSIONS: where the new JSON report is written (atomically)",
    )
    parser.add_argument(
        "--by", metavar="NAME",
        help="with --db --apply: who is recorded as regrading (default: the OS user)",
    )
    parser.add_argument(
        "--now", metavar="TIME",
        help="grade as of this ISO 8601 time with offset (feedback escalates after due dates); default: now",
    )


def _check(args: argparse.Namespace) -> None:
    if args.db is not None:
        if args.submissions is not None or args.previous is not None:
            raise UsageError("give either SUBMISSIONS with --previous, or --db, not both")
        if args.output is not None:
            raise UsageError("--output is for SUBMISSIONS --previous; --db --apply updates the database")
        return
    if args.submissions is None or args.previous is None:
        raise UsageError("give SUBMISSIONS and --previous OLD_REPORT.json, or --db URL")
    if args.apply and args.output is None:
        raise UsageError("--apply writes the new report: give it with -o NEW_REPORT")
    if args.output is not None and not args.apply:
        raise UsageError("nothing is written without --apply: add --apply to write -o")
    if args.by is not None:
        raise UsageError("--by is recorded with --db --apply only")


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "unknown"


def run(args: argparse.Namespace) -> int:
    from grader.cli.commands.common import moment_of
    from grader.regrade import load_previous_report, regrade_class, render_table
    from grader.spec.loader import load_problems

    _check(args)
    now = moment_of(args.now)
    problems = load_problems(args.problems)
    old_problems = None if args.old_problems is None else load_problems(args.old_problems)
    regrade: Regrade
    if args.db is not None:
        regrade = _regrade_database(args, problems, old_problems, now)
    else:
        from grader.report.formats import render_json
        from grader.submissions.formats import read_submissions

        if not args.submissions.exists():
            raise UsageError(f"{args.submissions}: no such file or directory")
        previous = load_previous_report(args.previous)
        regrade = regrade_class(
            previous, problems, read_submissions(args.submissions, blocks=True, problem_ids=problems.ids),
            now=now, allow_lower=args.allow_lower, old_problems=old_problems,
        )
        assert regrade.report is not None
        for issue in regrade.report.errors:
            print(f"grade: skipped: {issue}", file=sys.stderr)
        if args.apply:
            emit(render_json(regrade.report), args.output)
            print(f"grade: wrote {args.output} ({len(regrade.report.students)} students)", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(json.dumps(regrade.summary(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_table(regrade))
    if regrade.changes and not args.apply:
        changes = len(regrade.changes)
        print(f"grade: {changes} result(s) change; nothing written (give --apply)", file=sys.stderr)
    return EXIT_CHANGES if regrade.changes else EXIT_OK


def _regrade_database(
    args: argparse.Namespace, problems: ProblemSet, old_problems: ProblemSet | None, now: datetime
) -> Regrade:
    try:
        from grader.storage import open_storage
    except ImportError as error:
        raise UsageError(f"--db needs the server extra: pip install 'grader[server]' ({error})") from None
    from grader.regrade import regrade_database

    # without --apply nothing is written, not even a migration: an older schema is refused there
    storage = open_storage(args.db, migrate=args.apply)
    try:
        regrade = regrade_database(
            problems, storage, apply=args.apply, allow_lower=args.allow_lower,
            by=args.by or _user(), now=now, old_problems=old_problems,
        )
    finally:
        storage.close()
    for problem_id in regrade.removed:
        print(f"grade: note: {problem_id} is not in --problems: its stored results are kept", file=sys.stderr)
    if regrade.applied:
        print(
            f"grade: applied: {regrade.submissions_updated} stored submission(s) updated in {args.db}",
            file=sys.stderr,
        )
    return regrade
