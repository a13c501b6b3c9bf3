"""The `grade` front: help, version, usage errors (exit 2, one message), and real subprocesses."""

from __future__ import annotations

import os
import re
import runpy
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


#: Each front's exit codes, as its own `--help` must list them (nothing more, nothing less).
OWN_EXIT_CODES = [
    (["submissions/"], [0, 1, 2]),
    (["key"], [0, 2]),
    (["check"], [0, 2, 3]),
    (["explain"], [0, 2]),
    (["variant"], [0, 2]),
    (["serve"], [0, 2]),
    (["token"], [0, 2]),
    (["db"], [0, 2]),
    (["gradebook"], [0, 2]),
    (["regrade"], [0, 1, 2]),
    (["stats"], [0, 1, 2]),
    (["lti"], [0, 1, 2]),
    (["schema"], [0, 2]),
    (["new"], [0, 2]),
]


def exit_codes_in(help_text: str) -> list[int]:
    """The codes listed under `exit codes:` at the end of a help text."""
    section = help_text.split("\nexit codes:\n", 1)[1]
    return [int(code) for code in re.findall(r"^  (\d+)  ", section, flags=re.MULTILINE)]


def test_every_command_has_its_exit_codes_listed():
    assert sorted(name for argv, _ in OWN_EXIT_CODES for name in argv[:1] if name in COMMANDS) == sorted(
        COMMANDS
    )


@pytest.mark.parametrize(("argv", "codes"), OWN_EXIT_CODES)
def test_each_front_lists_its_own_exit_codes(grade, monkeypatch, argv, codes):
    monkeypatch.chdir(ROOT)
    run = grade(*argv, "--help")
    assert run.code == 0
    assert exit_codes_in(run.out) == codes


def test_check_help_says_strict_exits_3(grade):
    run = grade("check", "--help")
    assert "\n  3  --strict, and a warning that the spec's `audit.accept` does not accept" in run.out


def test_the_top_help_lists_every_exit_code_and_each_command_once(grade):
    run = grade("--help")
    assert run.code == 0
    assert exit_codes_in(run.out) == [0, 1, 2, 3]
    assert "  3  `grade check`: --strict" in run.out
    assert "positional arguments" not in run.out
    for name in COMMANDS:
        listed = [line for line in run.out.splitlines() if line.split()[:2] in (["grade", name], [name])]
        assert listed == [line for line in listed if line.startswith(f"  grade {name} ")], name
        assert len(listed) == 1, name


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("kye", "key"),
        ("chekc", "check"),
        ("gradbook", "gradebook"),
        ("serv", "serve"),
        ("varaint", "variant"),
    ],
)
def test_a_mistyped_command_is_answered_with_did_you_mean(grade, monkeypatch, tmp_path, typed, meant):
    monkeypatch.chdir(tmp_path)  # no file or directory of that name, and nothing gets written
    run = grade(typed, "problems/")
    assert (run.code, run.out) == (2, "")
    assert run.err.startswith(f"grade: error: {typed!r} is neither a command nor a file or directory; ")
    assert f"did you mean `grade {meant}`?" in run.err
    assert list(tmp_path.iterdir()) == []


def test_a_directory_named_like_a_command_is_graded_not_corrected(grade, monkeypatch, tmp_path):
    shutil.copytree(ROOT / "submissions", tmp_path / "kye")
    monkeypatch.chdir(tmp_path)
    run = grade("kye", "--problems", ROOT / "problems", "--now", "2023-03-20T12:00:00+00:00")
    assert run.code == 0, run.err
    assert "5 students graded" in run.out


def test_quiet_help_says_what_it_silences(grade):
    run = grade("submissions/", "--help")
    help_text = " ".join(run.out.split())  # argparse wraps the help at any space
    silenced = "print no progress bar and no 'grade: wrote …' / 'grade: recorded …' lines on stderr"
    assert f"--quiet, -q {silenced}" in help_text
    assert "skipped inputs are still named there" in help_text


@pytest.mark.parametrize("quiet", [False, True])
def test_quiet_silences_the_wrote_and_recorded_lines_and_keeps_the_report(grade, tmp_path, quiet):
    output, database = tmp_path / "report.txt", tmp_path / "course.db"
    argv = [ROOT / "submissions", "--problems", ROOT / "problems", "--now", "2023-03-20T12:00:00+00:00"]
    run = grade(*argv, "-o", output, "--db", database, *(["-q"] if quiet else []))
    assert (run.code, run.out) == (0, "")
    assert "5 students graded" in output.read_text(encoding="utf-8")  # the table's summary stays
    if quiet:
        assert run.err == ""
    else:
        assert run.err.startswith(f"grade: wrote {output} (5 students)\ngrade: recorded ")


def modules_after(*argv: str) -> set[str]:
    """The modules a fresh interpreter holds after running `grade ARGV…` in it."""
    program = (
        "import sys\n"
        "from grader.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", program, *argv],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert process.returncode == 0, process.stderr
    return set(process.stderr.split())


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m in packages or m.startswith(tuple(f"{p}." for p in packages)))


WEB_STACK = (
    "fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "jinja2", "psycopg", "itsdangerous",
    "grader.service", "grader.storage", "grader.auth",
)


def test_help_loads_no_library_no_engine_and_no_web_stack():
    modules = modules_after("--help")
    assert loaded(modules, ("numpy", "pydantic", "yaml", "grader.engine", "grader.spec", *WEB_STACK)) == []


def test_grading_a_class_loads_no_web_stack():
    # the core install has none of it: `grade submissions/` must run without the server extra
    modules = modules_after("submissions/", "-q")
    assert "grader.grading" in modules
    assert loaded(modules, WEB_STACK) == []


def test_key_loads_the_engine_but_no_web_stack():
    modules = modules_after("key", "problems/")
    assert "grader.engine.keybook" in modules  # the run did load what it needs
    assert loaded(modules, WEB_STACK) == []


def test_python_m_grader_is_the_grade_command(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["grader", "--version"])
    with pytest.raises(SystemExit) as stopped:
        runpy.run_module("grader", run_name="__main__")
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith("grade ")
