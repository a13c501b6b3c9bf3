"""Print the worked solution of a computed problem: every intermediate its model kind computes.

PROBLEM is a spec file, or a problem id found under --problems. The table is the kind's own: for
an LSTM, per time step, x_t, the h_{t-1} and c_{t-1} the step starts from, each gate's
pre-activation z and value, c_t, and h_t before and after rounding; an rnn or a gru shows its own
gates and states the same way; a feedforward network a_0, z_k and a_k of every layer per input
point, and the backward pass δ_k for a gradient. `--inputs "[0, 1, 1]"` works the problem for
other inputs (a network's: a list of points, e.g. "[[1, 0], [0, 1]]"), for per-student variants;
`--format markdown` suits course pages, `--format json` tooling.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from grader.cli.commands.common import add_problems_option, emit
from grader.errors import EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from grader.spec.models import Problem

EXIT_CODES = {
    EXIT_OK: "the solution printed",
    EXIT_USAGE: "usage error, an unknown or choice problem, bad --inputs, an invalid spec, or an output "
    "that cannot be written",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from grader.feedback.explain import SOLUTION_FORMATS

    parser.add_argument(
        "problem", metavar="PROBLEM", help="a problem spec file, or a problem id under --problems"
    )
    add_problems_option(parser)
    parser.add_argument(
        "--inputs", metavar="SEQUENCE", help='input sequence to work through, e.g. "[1, 1, 0, 1, 1]"'
    )
    parser.add_argument(
        "--format", choices=list(SOLUTION_FORMATS), default="text", help="text (default), json or markdown"
    )
    parser.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write here (atomically) instead of stdout"
    )


def _find(name: str, problems_dir: Path) -> Problem:
    from grader.spec.loader import load_problem, load_problems

    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise UsageError(f"{name}: no such problem spec file")
        return load_problem(path)
    problems = load_problems(problems_dir)
    if name not in problems.problems:
        raise UsageError(f"no problem {name!r} under {problems_dir}; known: {', '.join(problems.ids)}")
    return problems[name]


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from grader.engine.keys import inputs_array, kind_for
    from grader.feedback.explain import render_solution, worked_solution
    from grader.parse import InvalidAnswer, parse_sequence
    from grader.parse.arrays import read_structure
    from grader.spec.models import FieldValueError, SequenceAnswer

    problem = _find(args.problem, args.problems)
    if not isinstance(problem.answer, SequenceAnswer) or problem.model is None:
        raise UsageError(f"{problem.id} is a choice problem; `grade explain` works sequence problems")
    inputs = None
    check = kind_for(problem).check_inputs
    if args.inputs is not None and check is not None:
        # a kind that checks its own inputs (a convolution's signal or image) reads them as given
        try:
            given = read_structure(args.inputs, rows=True)
            check(problem.model, given)
        except InvalidAnswer as error:
            raise UsageError(f"--inputs: {error.message}") from None
        except FieldValueError as error:
            raise UsageError(f"--inputs: {error.message}") from None
        inputs = inputs_array(problem.model, given)
    elif args.inputs is not None:
        vector_size = None if problem.model.input_size == 1 else problem.model.input_size
        try:
            parsed = parse_sequence(args.inputs, vector_size=vector_size, symbol="x")
        except InvalidAnswer as error:
            raise UsageError(f"--inputs: {error.message}") from None
        try:
            inputs = inputs_array(problem.model, list(np.asarray(parsed)))
        except ValueError:
            raise UsageError(
                f"--inputs: each x_t must have {problem.model.input_size} value(s) for this cell"
            ) from None
    elif not problem.fixed_inputs:
        raise UsageError(f'{problem.id}: inputs vary per student; give them with --inputs "[...]"')
    emit(render_solution(worked_solution(problem, inputs), args.format), args.output)
    return EXIT_OK
