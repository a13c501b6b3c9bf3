"""Write a commented starter spec for a model kind, which `grade check` passes.

`grade new rnn problems/rnn-states.yaml` writes a problem file for the kind, named for the
problem id: every field with a comment and its default, a worked model where the kind declares
one. It never overwrites a file. Then edit it, and run `grade check` on it before release;
docs/problems.md is the authoring guide.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.errors import EXIT_OK, EXIT_USAGE

EXIT_CODES = {
    EXIT_OK: "the starter spec written",
    EXIT_USAGE: "usage error, an unknown kind, or a PATH that exists already or cannot be written",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", metavar="KIND", help="a registered model kind: lstm, rnn, gru, …")
    parser.add_argument(
        "path", type=Path, metavar="PATH", help="the new spec file, named for the problem id (ID.yaml)"
    )


def run(args: argparse.Namespace) -> int:
    from grader.spec.starters import write_starter

    write_starter(args.kind, args.path)
    print(
        f"wrote {args.path}: a starter {args.kind} problem; edit it, then `grade check {args.path}`",
        file=sys.stderr,
    )
    return EXIT_OK
