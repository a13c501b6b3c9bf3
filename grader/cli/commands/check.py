"""Validate problem specs: syntax, fields, shapes, and each `expected:` against the engine."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.errors import EXIT_OK
from grader.spec.loader import load_problems


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="problem spec files or directories")


def run(args: argparse.Namespace) -> int:
    problems = load_problems(args.paths)
    for problem in problems:
        print(f"ok  {problem.id}  ({problems.sources[problem.id]})")
    print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} valid")
    return EXIT_OK
