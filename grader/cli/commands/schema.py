"""Print the JSON Schema of a problem file, for editors with a YAML language server.

`grade schema > problem.schema.json` writes the schema of a problem spec: every field, its
default and, under `model:`, the fields of every registered model kind (a course's plug-ins
included). Point the YAML language server at it with a first line
`# yaml-language-server: $schema=problem.schema.json` in a spec, or with VS Code's `yaml.schemas`
setting; docs/problems.md shows both. The package ships the schema of its built-in kinds as
grader/spec/problem.schema.json.
"""

from __future__ import annotations

import argparse
import sys

from grader.errors import EXIT_OK, EXIT_USAGE

EXIT_CODES = {EXIT_OK: "the schema printed", EXIT_USAGE: "usage error"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options: the schema covers every registered kind


def run(args: argparse.Namespace) -> int:
    from grader.spec.schema import render_schema

    sys.stdout.write(render_schema())
    return EXIT_OK
