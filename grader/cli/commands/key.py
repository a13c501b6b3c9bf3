"""Print the canonical answer of each problem, computed by the engine."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from grader.cli.commands.common import emit
from grader.errors import EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from grader.engine.keys import Key

EXIT_CODES = {
    EXIT_OK: "every key printed",
    EXIT_USAGE: "usage error, an invalid spec (nothing printed), or an output that cannot be written",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="problem spec files or directories"
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text",
        help="text (default) or json: {problem id: answer}",
    )
    parser.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write here (atomically) instead of stdout"
    )


def run(args: argparse.Namespace) -> int:
    from grader.engine.keybook import KeyBook
    from grader.engine.keys import key_to_json
    from grader.spec.loader import load_problems

    problems = load_problems(args.paths)
    keys = KeyBook.build(problems)
    fixed = {problem.id: keys.fixed[problem.id] for problem in problems if problem.id in keys.fixed}
    varying = [pid for pid in problems.ids if pid not in fixed]
    if args.format == "json":
        text = json.dumps({pid: key_to_json(key) for pid, key in fixed.items()}, indent=2) + "\n"
    else:
        width = max(len(pid) for pid in problems.ids)
        text = "".join(f"{pid.ljust(width)}  {_text_key(pid, fixed)}\n" for pid in problems.ids)
    emit(text, args.output)
    if varying and args.format == "json":
        # the JSON maps id → answer; a problem without one answer is left out, and said so
        print(
            f"grade: note: left out {', '.join(varying)}: inputs vary per student "
            "(see `grade variant PROBLEM --student ID`)",
            file=sys.stderr,
        )
    return EXIT_OK


def _text_key(problem_id: str, fixed: dict[str, Key]) -> str:
    from grader.engine.keys import describe_key

    if problem_id in fixed:
        return describe_key(fixed[problem_id])
    return f"varies per student (`grade variant {problem_id} --student ID`)"
