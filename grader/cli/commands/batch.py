"""Grade every student's submission and print a table (or a JSON report).

SUBMISSIONS is a directory of per-student YAML or JSON files ({student, answers}).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.cli.commands.common import add_problems_option, emit
from grader.errors import EXIT_OK, EXIT_SOME_INPUT_UNREADABLE
from grader.grading import grade_submissions
from grader.report import FORMATS, render
from grader.spec.loader import load_problems
from grader.submissions.formats import read_submissions


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS", help="directory of submission files")
    add_problems_option(parser)
    parser.add_argument("--format", choices=sorted(FORMATS), default="table", help="output format (default: table)")
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the report here (atomically) instead of stdout")
    parser.add_argument("--quiet", "-q", action="store_true", help="no summary lines on stderr")


def run(args: argparse.Namespace) -> int:
    problems = load_problems(args.problems)
    report = grade_submissions(problems, read_submissions(args.submissions))
    emit(render(report, args.format), args.output)
    for issue in report.errors:
        print(f"grade: skipped: {issue}", file=sys.stderr)
    if args.output is not None and not args.quiet:
        print(f"grade: wrote {args.output} ({len(report.students)} students)", file=sys.stderr)
    return EXIT_SOME_INPUT_UNREADABLE if report.errors else EXIT_OK
