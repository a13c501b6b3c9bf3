"""The `grade` front: help, version, usage errors (exit 2, one message), and real subprocesses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import grader
from grader.cli.main import COMMANDS
from tests.conftest import ROOT


def run_process(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "grader", *argv],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, check=False,
    )


def test_python_m_grader_help_lists_every_command():
    process = run_process("--help")
    assert process.returncode == 0
    assert process.stdout.startswith("usage: grade SUBMISSIONS [options]\n       grade COMMAND [options]\n")
    for name in COMMANDS:
        assert f"  grade {name}" in process.stdout
    assert "exit codes:" in process.stdout
    assert process.stderr == ""


def console_script() -> str:
    """The installed `grade` script: beside this interpreter (a venv, tox) or on PATH."""
    beside = Path(sys.executable).parent / ("grade.exe" if os.name == "nt" else "grade")
    found = str(beside) if beside.exists() else shutil.which("grade")
    assert found, "the `grade` console script is not installed (pip install -e .)"
    return found


@pytest.mark.parametrize("command", ["console script", "python -m grader"])
def test_version_in_a_real_process(command):
    if command == "console script":
        process = subprocess.run(
            [console_script(), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    else:
        process = run_process("--version")
    assert process.returncode == 0
    assert process.stdout == f"grade {grader.__version__}\n"


def test_the_console_script_grades_the_shipped_submissions():
    process = run_process("submissions/", "--now", "2023-03-20T12:00:00+00:00")
    assert process.returncode == 0, process.stderr
    assert "5 students graded" in process.stdout


def test_a_spec_error_in_a_real_process_has_no_traceback(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("id: x\n!!python/object/apply:os.system ['true']: 1\n")
    process = run_process("check", str(spec))
    assert process.returncode == 2
    assert process.stderr.startswith(f"grade: error: {spec}:2: tag ")
    assert "Traceback" not in process.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], None),  # no arguments: the help, on stderr
        (["submissions/", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["submissions/", "--bogus"], "unrecognized arguments: --bogus"),
        (["key"], "the following arguments are required: PATH"),
        (["check"], "the following arguments are required: PATH"),
        (["key", "problems/", "--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
        (["submissions/", "--now", "yesterday"], "--now: "),
        (["no-such-directory/"], "grade: error: problems: no such file or directory"),
    ],
)
def test_usage_errors_exit_2_with_one_message(grade, monkeypatch, argv, message):
    monkeypatch.chdir(ROOT)
    if argv and argv[0] == "no-such-directory/":
        monkeypatch.chdir(ROOT / "tests")  # no ./problems here either
    run = grade(*argv)
    assert run.code == 2
    assert run.out == ""
    assert "Traceback" not in run.err
    if message is None:
        assert run.err.startswith("usage: grade SUBMISSIONS [options]")
    else:
        assert message in run.err


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_has_help_naming_itself(grade, name):
    run = grade(name, "--help")
    assert run.code == 0
    assert run.out.startswith(f"usage: grade {name} ")


def test_help_of_grading_itself(grade):
    run = grade("submissions/", "--help")
    assert run.code == 0
    assert run.out.startswith("usage: grade ")
    assert "--problems DIR" in run.out


def test_a_deeply_nested_yaml_file_in_a_real_process(tmp_path):
    # libyaml's own composer would overflow the C stack here: the process would die (SIGSEGV)
    (tmp_path / "ann.yaml").write_text("student: ann\nanswers:\n  lstm-info: " + "[" * 100_000 + "\n")
    (tmp_path / "ben.yaml").write_text("student: ben\nanswers:\n  lstm-info: [c]\n")
    process = run_process(str(tmp_path), "--quiet", "--now", "2023-03-20T12:00:00+00:00")
    assert process.returncode == 1, process.stderr
    where = f"{tmp_path / 'ann.yaml'}:3: answers.lstm-info"
    assert process.stderr == f"grade: skipped: {where}: nested too deeply (more than 64 levels)\n"
    assert [line.split()[0] for line in process.stdout.splitlines()[2:3]] == ["ben"]  # the table's one row
