"""`grade`: parse arguments, dispatch to one command module, turn project errors into exit codes.

`grade SUBMISSIONS` grades; every other verb (`grade key`, `grade check`, …) is a module under
`grader/cli/commands/` with a docstring (its help), `EXIT_CODES`, `add_arguments(parser)` and
`run(args) -> int`, listed in COMMANDS. A command module imports the library inside `run` (and
`add_arguments`), so `grade --help` reads every docstring without loading numpy or the models.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from grader import __version__
from grader.errors import EXIT_OK, EXIT_SOME_INPUT_UNREADABLE, EXIT_USAGE, GraderError

__all__ = ["main", "COMMANDS"]

#: verb → its command module. Adding a command is one module and one entry here.
COMMANDS: dict[str, str] = {
    "key": "grader.cli.commands.key",
    "check": "grader.cli.commands.check",
    "explain": "grader.cli.commands.explain",
    "serve": "grader.cli.commands.serve",
    "token": "grader.cli.commands.token",
    "db": "grader.cli.commands.db",
    "gradebook": "grader.cli.commands.gradebook",
    "regrade": "grader.cli.commands.regrade",
    "stats": "grader.cli.commands.stats",
    "variant": "grader.cli.commands.variant",
    "lti": "grader.cli.commands.lti",
    "schema": "grader.cli.commands.schema",
    "new": "grader.cli.commands.new",
}

#: `grade SUBMISSIONS`, the one front without a verb.
BATCH = "grader.cli.commands.batch"

#: The exit codes every front shares, for `grade --help`; a verb's own codes are added after them.
_COMMON_EXIT_CODES = {
    EXIT_OK: "done",
    EXIT_SOME_INPUT_UNREADABLE: "graded, but some submission files or rows could not be read (each named "
    "on stderr)",
    EXIT_USAGE: "usage error, an invalid problem spec (nothing graded), or an output that cannot be written",
}


def exit_codes_epilog(codes: Mapping[int, str]) -> str:
    """The `exit codes:` section closing a help text, each meaning wrapped under itself."""
    import textwrap  # only for a help text: a command's run never formats one

    return "exit codes:\n" + "".join(
        textwrap.fill(meaning, width=88, initial_indent=f"  {code}  ", subsequent_indent="     ") + "\n"
        for code, meaning in codes.items()
    )


class _Parser(argparse.ArgumentParser):
    """argparse that exits with our usage code and a one-line message, and closes its help with
    `exit_codes_epilog(exit_codes)`, formatted only when the help is."""

    def __init__(self, *args: Any, exit_codes: Mapping[int, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exit_codes = exit_codes  # None: a subcommand's parser, its epilog as given

    def format_help(self) -> str:
        if self.exit_codes is not None:
            self.epilog = exit_codes_epilog(self.exit_codes)
        return super().format_help()

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _module(dotted: str) -> ModuleType:
    return importlib.import_module(dotted)


def _summary(module: ModuleType) -> str:
    return (module.__doc__ or "").strip().splitlines()[0]


def _top_parser() -> argparse.ArgumentParser:
    """`grade --help`: each verb listed once, by its summary line; no verb's options are built."""
    width = max(len(name) for name in ["SUBMISSIONS", *COMMANDS])
    modules = {name: _module(dotted) for name, dotted in COMMANDS.items()}
    verbs = "".join(f"  grade {name.ljust(width)}  {_summary(module)}\n" for name, module in modules.items())
    codes = dict(_COMMON_EXIT_CODES)
    for name, module in modules.items():
        for code, meaning in module.EXIT_CODES.items():
            codes.setdefault(code, f"`grade {name}`: {meaning}")
    parser = _Parser(
        prog="grade",
        usage="grade SUBMISSIONS [options]\n       grade COMMAND [options]",
        description=(
            "Grade quantitative homework (the computations of a neural-networks unit, each a model "
            "kind (docs/model-kinds.md), and multiple choice) against answers computed from each "
            "problem's YAML spec.\n\n"
            "commands (`grade COMMAND --help` shows each one's options and exit codes):\n"
            f"  grade {'SUBMISSIONS'.ljust(width)}  grade per-student files, or a JSONL / CSV / Open edX "
            "export (see `grade SUBMISSIONS --help`)\n" + verbs
        ),
        exit_codes=codes,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"grade {__version__}")
    return parser


def _command_parser(prog: str, module: ModuleType) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog,
        description=(module.__doc__ or "").strip(),
        exit_codes=module.EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    module.add_arguments(parser)
    parser.set_defaults(run=module.run)
    return parser


def _parse(arguments: list[str]) -> argparse.Namespace | int:
    """The parsed arguments of the one command they name, or an exit code (help, version, error)."""
    first = arguments[0] if arguments else None
    if first is None:
        _top_parser().print_help(sys.stderr)
        return EXIT_USAGE
    if first in ("-h", "--help", "--version"):
        _top_parser().parse_args(arguments[:1])  # prints, then exits through SystemExit
    if first in COMMANDS:
        return _command_parser(f"grade {first}", _module(COMMANDS[first])).parse_args(arguments[1:])
    suggestion = _mistyped_verb(first)
    if suggestion is not None:
        print(
            f"grade: error: {first!r} is neither a command nor a file or directory; "
            f"did you mean `grade {suggestion}`? (commands: {', '.join(COMMANDS)})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return _command_parser("grade", _module(BATCH)).parse_args(arguments)


def _mistyped_verb(word: str) -> str | None:
    """The verb `word` looks like a typo of, when it is not a path to grade either."""
    if word.startswith("-") or Path(word).exists():
        return None
    import difflib  # only on this error path

    close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.6)
    return close[0] if close else None


def main(argv: Sequence[str] | None = None, *, whole_process: bool = False) -> int:
    """Run the command line; returns the exit code instead of exiting.

    `whole_process`: this is the process's command (`run`), so a command may end it without
    teardown once its outputs are written (`common.exit_without_teardown`).
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        parsed = _parse(arguments)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if isinstance(parsed, int):
        return parsed
    parsed.whole_process = whole_process
    try:
        code: int = parsed.run(parsed)
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
    sys.exit(main(whole_process=True))
