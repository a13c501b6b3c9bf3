"""Print one student's version of a problem: the statement with their inputs, and the inputs.

PROBLEM is a problem id (looked up under --problems) or the path of a spec file (its directory's
course.yaml gives the salt). Run it to answer "what did student X see?".
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from grader.cli.commands.common import add_problems_option, emit
from grader.errors import EXIT_OK, EXIT_USAGE, UsageError

EXIT_CODES = {
    EXIT_OK: "the variant printed",
    EXIT_USAGE: "usage error, an unknown problem, an invalid spec, or an output that cannot be written",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("problem", metavar="PROBLEM", help="problem id, or path of a spec file")
    parser.add_argument("--student", required=True, metavar="ID", help="the student's id")
    add_problems_option(parser)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text",
        help="text (default) or json: {problem, student, inputs, statement}",
    )
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help="write here (atomically)")


def run(args: argparse.Namespace) -> int:
    from grader.engine.variants import variant_for
    from grader.spec.loader import load_problems

    path = Path(args.problem)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        problems = load_problems(path)  # with the course.yaml beside it, as every front
        problem_id = problems.ids[0]
    else:
        problems = load_problems(args.problems)
        problem_id = args.problem
    if problem_id not in problems.problems:
        raise UsageError(f"unknown problem {problem_id!r}; known: {', '.join(problems.ids)}")
    variant = variant_for(problems[problem_id], args.student, problems.course.salt)
    if args.format == "json":
        data = {
            "problem": variant.problem,
            "student": variant.student,
            "inputs": variant.inputs_json(),
            "statement": variant.statement,
        }
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        inputs = variant.inputs_json()
        text = f"{variant.statement.rstrip()}\n"
        if inputs is not None:
            text += f"\ninputs for {variant.student}: {json.dumps(inputs)}\n"
    emit(text, args.output)
    return EXIT_OK
