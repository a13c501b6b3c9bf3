"""Item statistics of a graded class: per problem and variant, difficulty, discrimination, answers.

`grade stats SUBMISSIONS` grades the class exactly as `grade SUBMISSIONS` does (same inputs) and
reads every attempt, not only the one that counts; `grade stats --db URL` reads the attempts the
service recorded (never writing: a database file that does not exist is refused). Per problem:
students, attempted, mean score and facility, the share correct on the first attempt and
eventually, attempts used, time from first to correct attempt, point-biserial and upper/lower
27 % discrimination, the most common answers (as the problem's parser reads them) with their
status and catalogued mistake, the share of wrong answers the catalogue explains, and a warning
when the strongest students agree on one "wrong" answer (check the key with `grade check`).
Formulas: docs/stats.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from grader.cli.commands.common import add_problems_option, emit
from grader.errors import EXIT_OK, EXIT_SOME_INPUT_UNREADABLE, EXIT_USAGE, UsageError

EXIT_CODES = {
    EXIT_OK: "statistics written",
    EXIT_SOME_INPUT_UNREADABLE: "written, but some submission files or rows could not be read (each "
    "named on stderr; the statistics leave them out)",
    EXIT_USAGE: "usage error, an invalid spec, a database that does not exist, cannot be reached or has "
    "no (or a newer) grader schema, --format html without the report extra (matplotlib), or an output that "
    "cannot be written (nothing written)",
}

if TYPE_CHECKING:
    from grader.report.stats import ClassStatistics
    from grader.spec.loader import ProblemSet

FORMAT_NAMES = ("table", "json", "csv", "html")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "submissions", type=Path, nargs="?", metavar="SUBMISSIONS",
        help="directory of submission files, or a .jsonl / .csv export (as for `grade SUBMISSIONS`)",
    )
    parser.add_argument(
        "--db", metavar="PATH|URL",
        help="read the attempts recorded in the service's database instead (SQLite file or "
        "postgresql:// URL; only read)",
    )
    add_problems_option(parser)
    parser.add_argument(
        "--format", choices=FORMAT_NAMES, default="table",
        help="table (default), json, csv (one row per problem and variant), or html (one "
        "self-contained page with charts, readable on a phone; needs the report extra and --output)",
    )
    parser.add_argument(
        "--output", "-o", type=Path, metavar="PATH",
        help="write the statistics here (atomically) instead of stdout",
    )
    parser.add_argument(
        "--top", type=_positive, default=10, metavar="N",
        help="answers listed per problem and variant, most frequent first (default: 10)",
    )
    parser.add_argument(
        "--now", metavar="TIME",
        help="grade as of this ISO 8601 time with offset (as `grade SUBMISSIONS --now`); default: now",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true",
        help="print no progress bar and no 'grade: wrote …' line (skipped inputs are still named)",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1; got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    from grader.cli.commands.common import moment_of, submissions_in
    from grader.report.stats_formats import render_stats
    from grader.spec.loader import load_problems

    if (args.submissions is None) == (args.db is None):
        raise UsageError("give either SUBMISSIONS or --db URL (one of them)")
    if args.format == "html" and args.output is None:
        raise UsageError("--format html writes a page: give it with --output FILE")
    problems = load_problems(args.problems)
    issues: list[str] = []
    if args.db is not None:
        stats = _stored(problems, args.db, args.top)
    else:
        from grader.engine.parallel import can_parallelize
        from grader.grading import ClassGrader
        from grader.report.progress import progress
        from grader.report.stats import class_statistics
        from grader.submissions.formats import read_submissions

        grader = ClassGrader(problems, now=moment_of(args.now), parallel=can_parallelize())
        submissions = read_submissions(args.submissions, blocks=True, problem_ids=problems.ids)
        grader.add(progress(submissions, quiet=args.quiet, weight=submissions_in))
        stats = class_statistics(grader, top=args.top)
        issues = [str(issue) for issue in grader.issues()]
    emit(render_stats(stats, args.format), args.output)
    for issue in issues:
        print(f"grade: skipped: {issue}", file=sys.stderr)
    if args.output is not None and not args.quiet:
        print(f"grade: wrote {args.output} ({stats.students} students)", file=sys.stderr)
    return EXIT_SOME_INPUT_UNREADABLE if issues else EXIT_OK


def _stored(problems: ProblemSet, db: str, top: int) -> ClassStatistics:
    try:
        from grader.service.statistics import storage_statistics
        from grader.storage import open_storage
    except ImportError as error:
        raise UsageError(
            f"grade stats --db needs the server extra: pip install 'grader[server]' ({error})"
        ) from None
    storage = open_storage(db, migrate=False)  # only reads: a missing file is refused, not created
    try:
        return storage_statistics(problems, storage, top=top)
    finally:
        storage.close()
