"""Grade every student's submissions and print a table, or write a JSON report, CSV gradebook or
Gradescope results.

SUBMISSIONS is a directory of per-student YAML or JSON files ({student, answers}), a JSONL file
(one object per line), a CSV file (student,problem,answer[,submitted_at]) or an Open edX problem
response report (CSV). Bad rows are reported on stderr with file and line, skipped, and the rest
is graded (exit 1). A JSONL file of plain {student, answers} lines is graded column by column to
a CSV gradebook or JSON report, with a table of graded answers kept in $GRADER_CACHE_DIR (else
$XDG_CACHE_HOME/grader or ~/.cache/grader; "off": none), the same report either way
(docs/course-operations.md).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from grader.cli.commands.common import (
    add_database_options,
    add_problems_option,
    database_of,
    emit,
    exit_without_teardown,
    moment_of,
    submissions_in,
)
from grader.errors import EXIT_OK, EXIT_SOME_INPUT_UNREADABLE, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from grader.storage import Storage

EXIT_CODES = {
    EXIT_OK: "every submission graded",
    EXIT_SOME_INPUT_UNREADABLE: "graded, but some submission files or rows could not be read (each named "
    "on stderr)",
    EXIT_USAGE: "usage error, an invalid spec (nothing graded), or an output that cannot be written "
    "(nothing written)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from grader.report import FORMAT_NAMES

    parser.add_argument(
        "submissions", type=Path, metavar="SUBMISSIONS",
        help="directory of submission files, or a .jsonl / .csv export",
    )
    add_problems_option(parser)
    parser.add_argument(
        "--format", choices=FORMAT_NAMES, default="table",
        help="table (default), json, csv (gradebook) or gradescope (a directory, needs --output)",
    )
    parser.add_argument(
        "--output", "-o", type=Path, metavar="PATH",
        help="write the report here (atomically) instead of stdout",
    )
    parser.add_argument(
        "--now", metavar="TIME",
        help="grade as of this ISO 8601 time with offset (feedback escalates after due dates); "
        "default: the current time",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true",
        help="print no progress bar and no 'grade: wrote …' / 'grade: recorded …' lines on stderr "
        "(skipped inputs are still named there; the report itself is unchanged)",
    )
    parser.add_argument(
        "--no-parallel", dest="parallel", action="store_false",
        help="hash students' variant seeds in this process only (default: a second process does it "
        "while this one reads, on a machine with 2+ cores and a class of thousands; a JSONL file "
        "graded column by column from its cached table is read in two halves, one per process); "
        "the grades are the same either way",
    )
    add_database_options(
        parser,
        help="also record every attempt into the service's database (SQLite file or postgresql:// "
        "URL, or --db-url-file; never implied by $GRADER_DATABASE_URL), so `grade gradebook --db` "
        "shows online and offline work together; each attempt is recorded once, so re-running adds "
        "only new attempts",
    )


def run(args: argparse.Namespace) -> int:
    if args.format == "gradescope" and args.output is None:  # the one of DIRECTORY_FORMATS
        raise UsageError(f"--format {args.format} writes a directory: give it with --output DIR")
    now = moment_of(args.now)
    storage_url = database_of(args, default=None, environment=False)  # recording is never implied
    if storage_url is None and args.format in ("csv", "json") and args.submissions.suffix.lower() == ".jsonl":
        # a JSONL export of common lines, graded column by column (`grading.columnar`); None
        # when some line needs the general reader below
        from grader.grading.columnar import columnar_gradebook, columnar_report

        source = args.submissions
        graded: tuple[bytes | Iterator[bytes], int] | None = None
        if source.is_file() and args.format == "csv":
            graded = columnar_gradebook(args.problems, source, now=now, parallel=args.parallel)
        elif source.is_file():
            graded = columnar_report(args.problems, source, now=now)
        if graded is not None:
            text, students = graded
            emit(text, args.output)
            if args.output is not None and not args.quiet:
                print(f"grade: wrote {args.output} ({students} students)", file=sys.stderr)
            exit_without_teardown(args, EXIT_OK)
            return EXIT_OK
    from grader.engine.parallel import can_parallelize
    from grader.grading import ClassGrader
    from grader.report import DIRECTORY_FORMATS, ROW_FORMATS, render
    from grader.report.progress import progress
    from grader.spec.loader import load_problems
    from grader.submissions.formats import read_submissions

    problems = load_problems(args.problems)
    storage = None if storage_url is None else _open_storage(storage_url)  # a bad --db fails first
    grader = ClassGrader(problems, now=now, parallel=args.parallel and can_parallelize())
    submissions = read_submissions(args.submissions, blocks=True, problem_ids=problems.ids)
    grader.add(progress(submissions, quiet=args.quiet, weight=submissions_in))
    if args.format in ROW_FORMATS:
        emit(ROW_FORMATS[args.format](problems.ids, grader.gradebook_rows()), args.output)
    elif args.format in DIRECTORY_FORMATS:
        DIRECTORY_FORMATS[args.format](grader.report(), args.output, problems)
    else:
        emit(render(grader.report(), args.format), args.output)
    issues = grader.issues()
    for issue in issues:
        print(f"grade: skipped: {issue}", file=sys.stderr)
    if args.output is not None and not args.quiet:
        print(f"grade: wrote {args.output} ({grader.student_count} students)", file=sys.stderr)
    if storage is not None and storage_url is not None:
        from grader.record import record_batch

        del grader  # the gradebook's memory, freed before the recording holds every attempt
        from grader.storage import masked_text

        try:  # the input read a second time, streamed: the gradebook above kept no attempts
            recorded = record_batch(problems, storage, read_submissions(args.submissions), now=now)
        finally:
            storage.close()
        if not args.quiet:
            where = masked_text(storage_url)
            print(
                f"grade: recorded {recorded.added} new attempts in {where} ({recorded.already} already "
                f"there, {recorded.past_due} past due under `late: reject` not recorded)",
                file=sys.stderr,
            )
    return EXIT_SOME_INPUT_UNREADABLE if issues else EXIT_OK


def _open_storage(db: str) -> Storage:
    try:
        from grader.storage import open_storage
    except ImportError as error:
        raise UsageError(f"--db needs the server extra: pip install 'grader[server]' ({error})") from None
    return open_storage(db)
