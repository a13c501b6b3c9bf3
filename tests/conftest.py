"""Shared fixtures: the shipped course, specs written on the fly, the CLI run in-process, goldens.

Goldens live in `tests/golden/`. Regenerate them with `pytest --update-goldens` (or with the
environment variable GRADER_UPDATE_GOLDENS=1); see tests/README.md.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"
SUBMISSIONS = ROOT / "submissions"
GOLDEN = Path(__file__).resolve().parent / "golden"

#: The seed's model and evaluation rules, as in problems/lstm-states-2.yaml; tests add
#: `inputs:` and `answer:` (and change single lines) to make the case at hand.
SEED_SPEC = """\
id: states
title: States
statement: Enter [h_0, ..., h_T].
model:
  cell: lstm
  gates:
    forget: {W_h: 0,    W_x: 0,   b: -100}
    input:  {W_h: 0,    W_x: 100, b: 100}
    output: {W_h: 0,    W_x: 100, b: 0}
    cell:   {W_h: -100, W_x: 50,  b: 0}
  initial: {h: 0, c: 0}
inputs: [1, 1, 0, 1, 1]
evaluation:
  activation: {kind: saturating, at: 1}
  rounding: {to: integer, ties: toward_zero}
  carry: rounded
answer:
  kind: sequence
  of: h
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current output instead of comparing",
    )


@dataclass(frozen=True)
class Run:
    """What one in-process `grade …` run printed and returned."""

    code: int
    out: str
    err: str


@pytest.fixture
def grade(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run `grade ARGS…` in-process through `grader.cli.main.main`."""

    def run(*argv: str | Path) -> Run:
        capsys.readouterr()  # drop anything printed before this run
        code = main([str(arg) for arg in argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write a spec file (dedented) under tmp_path and return its path."""

    def write(text: str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/NAME, or rewrite the file when regenerating."""
    update = bool(request.config.getoption("--update-goldens")) or os.environ.get(
        "GRADER_UPDATE_GOLDENS", ""
    ) not in ("", "0")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden {path}; run `pytest --update-goldens` to create it"
        assert text == path.read_text(encoding="utf-8"), (
            f"output differs from {path.relative_to(ROOT)}; if the change is intended, "
            "regenerate with `pytest --update-goldens` and review the diff"
        )

    return check
