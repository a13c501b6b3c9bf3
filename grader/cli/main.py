"""`grade`: parse arguments, dispatch to one command module, turn project errors into exit codes.

`grade SUBMISSIONS` grades; every other verb (`grade key`, `grade check`, …) is a module under
`grader/cli/commands/` with `add_arguments(parser)` and `run(args) -> int`, listed in COMMANDS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from grader import __version__
from grader.cli.commands import batch, check, db, explain, gradebook, key, serve, token, variant
from grader.errors import EXIT_USAGE, GraderError

__all__ = ["main", "COMMANDS"]

#: verb → command module. Adding a command is one module and one entry here.
COMMANDS: dict[str, ModuleType] = {
    "key": key,
    "check": check,
    "explain": explain,
    "serve": serve,
    "token": token,
    "db": db,
    "gradebook": gradebook,
    "variant": variant,
}

_EXIT_CODES = """exit codes:
  0  graded (or checked) without problems
  1  graded, but some submission files or rows could not be read (each named on stderr)
  2  usage error, an invalid problem spec (nothing graded), or an output that cannot be written
"""


class _Parser(argparse.ArgumentParser):
    """argparse that exits with our usage code and a one-line message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _top_parser() -> argparse.ArgumentParser:
    verbs = "\n".join(
        f"  grade {name:<10} {(module.__doc__ or '').strip().splitlines()[0]}"
        for name, module in COMMANDS.items()
    )
    parser = _Parser(
        prog="grade",
        usage="grade SUBMISSIONS [options]\n       grade COMMAND [options]",
        description=(
            "Grade quantitative homework (LSTM sequence problems and multiple choice) "
            "against answers computed from each problem's YAML spec.\n\n"
            "  grade SUBMISSIONS  grade per-student files, or a JSONL / CSV / Open edX export "
            "(see `grade SUBMISSIONS --help`)\n"
            + verbs
        ),
        epilog=_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"grade {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        doc = (module.__doc__ or "").strip()
        sub = subparsers.add_parser(
            name,
            prog=f"grade {name}",  # not derived from the two-line top usage, which garbles it
            help=doc.splitlines()[0] if doc else None,
            description=doc,
            epilog=_EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def _batch_parser() -> argparse.ArgumentParser:
    doc = (batch.__doc__ or "").strip()
    parser = _Parser(
        prog="grade",
        description=doc,
        epilog=_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    batch.add_arguments(parser)
    parser.set_defaults(run=batch.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of exiting."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        if arguments and (arguments[0] in COMMANDS or arguments[0] in ("-h", "--help", "--version")):
            args = _top_parser().parse_args(arguments)
        elif not arguments:
            _top_parser().print_help(sys.stderr)
            return EXIT_USAGE
        else:
            args = _batch_parser().parse_args(arguments)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        code: int = args.run(args)
        return code
    except GraderError as error:
        print(f"grade: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("grade: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
