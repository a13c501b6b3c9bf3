"""Shared fixtures: the shipped course, specs written on the fly, the CLI run in-process, goldens.

Goldens live in `tests/golden/`. Regenerate them with `pytest --update-goldens` (or with the
environment variable GRADER_UPDATE_GOLDENS=1); see tests/README.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.cli.main import main
from grader.spec.loader import ProblemSet, load_problems

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


@pytest.fixture(autouse=True, scope="session")
def _cache_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tests' tables of graded answers (`engine.keycache`) in a directory of their own, never
    the user's cache; `GRADER_CACHE_DIR` is restored after."""
    before = os.environ.get("GRADER_CACHE_DIR")
    os.environ["GRADER_CACHE_DIR"] = str(tmp_path_factory.mktemp("grader-cache"))
    yield
    if before is None:
        os.environ.pop("GRADER_CACHE_DIR", None)
    else:
        os.environ["GRADER_CACHE_DIR"] = before


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


def varying_course(directory: Path) -> Path:
    """A copy of the shipped course in `directory`, with LSTM states 1 drawing each student's inputs
    (and no `expected:`)."""
    shutil.copytree(PROBLEMS, directory)
    spec = directory / "lstm-states-1.yaml"
    text = spec.read_text()
    text = text.replace("inputs: [0, 0, 1, 1, 1, 0]", "inputs: {random: {alphabet: [0, 1], length: 6}}")
    text = text.replace("= [0, 0, 1, 1, 1, 0]$", "= {inputs}$")
    spec.write_text("\n".join(line for line in text.splitlines() if not line.startswith("expected:")) + "\n")
    return directory


@pytest.fixture
def problems(tmp_path: Path) -> ProblemSet:
    """The shipped course, with LSTM states 1 drawing each student's inputs (and no `expected:`)."""
    return load_problems(varying_course(tmp_path / "problems"))


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


class _CapabilityHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapabilitySets(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


_CAPABILITY_VERSION_3 = 0x20080522  # linux/capability.h: two 32-bit sets of each kind
#: CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: what lets root write in a directory whose mode says no.
_OVERRIDE_PERMISSIONS = (1 << 1) | (1 << 2)


def _set_capabilities(change: Callable[[_CapabilitySets], None]) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    header = _CapabilityHeader(_CAPABILITY_VERSION_3, 0)
    sets = (_CapabilitySets * 2)()
    if libc.capget(ctypes.byref(header), sets) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    change(sets[0])
    if libc.capset(ctypes.byref(header), sets) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


@contextmanager
def _file_permissions_enforced() -> Iterator[None]:
    """File modes bind this thread as they bind an ordinary user, even when it runs as root (as CI
    does): root's overrides leave its effective capabilities until the block ends. They stay in its
    permitted set, which is what lets them come back; other threads keep theirs."""
    if os.geteuid() != 0:
        yield
        return
    saved: list[int] = []

    def drop(sets: _CapabilitySets) -> None:
        saved.append(sets.effective)
        sets.effective &= ~_OVERRIDE_PERMISSIONS

    def restore(sets: _CapabilitySets) -> None:
        sets.effective = saved[0]

    _set_capabilities(drop)
    try:
        yield
    finally:
        _set_capabilities(restore)


@pytest.fixture
def file_permissions_enforced() -> Callable[[], contextlib.AbstractContextManager[None]]:
    """A block in which a read-only directory refuses this test as it would refuse a student's
    account: tests of permission errors then run for real under root, instead of skipping."""
    return _file_permissions_enforced
