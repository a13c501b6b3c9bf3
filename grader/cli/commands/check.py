"""Validate problem specs, audit their keys and reveal policies, and verify property-based choice keys.

Each spec is checked for syntax, fields, shapes and its `expected:` answer. Then every sequence
key is recomputed under the neighbouring semantics (exact vs saturating activations, carry
rounded vs exact, each tie rule) and values within 1e-6 of a rounding boundary are reported: a
warning names the problem, the semantics, the positions that change, and both sequences. The
reveal policy is audited too: feedback that names wrong entries with enough attempts to find the
key by elimination, and a worked solution shown while classmates with the same inputs can still
submit. Every warning has an id that the spec's `audit.accept` can accept with a reason. Every
choice problem with `answer.check` is verified by running the named model on every input
sequence up to `max_length`: the choices marked correct must be exactly those whose property h_t
determines, else it is a spec error naming a sequence that shows it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.errors import EXIT_OK, EXIT_USAGE

#: `--strict` and a warning no `audit.accept` accepts (or an accept that matches no warning).
EXIT_STRICT_AUDIT_FAILED = 3

EXIT_CODES = {
    EXIT_OK: "every spec valid (audit warnings, if any, are printed but do not fail)",
    EXIT_USAGE: "usage error, or an invalid spec (including a choice key the simulation contradicts, "
    "or an `audit.accept` entry naming an unknown warning id)",
    EXIT_STRICT_AUDIT_FAILED: "--strict, and a warning that the spec's `audit.accept` does not accept, "
    "or an accept that matches no warning any more",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="problem spec files or directories"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help=(
            f"exit {EXIT_STRICT_AUDIT_FAILED} on a warning the spec's audit.accept does not accept "
            "(for a course's CI)"
        ),
    )


def run(args: argparse.Namespace) -> int:
    from grader.feedback.checks import check_problems, render_checks
    from grader.spec.loader import load_problems

    problems = load_problems(args.paths)
    checks = check_problems(problems)
    print(render_checks(problems, checks), end="")
    if args.strict and any(check.warnings for check in checks):
        return EXIT_STRICT_AUDIT_FAILED
    return EXIT_OK
