"""Rules of the code's layout that a test can hold: what tests share lives in conftest.py or a
helper module, and no test module imports another (pytest would collect the imported module's
fixtures twice, and a test module that moves or is renamed breaks the ones leaning on it); the
code's comments say why, and its measured figures live in docs/ and benchmarks/; and `grade
SUBMISSIONS --db` records without importing the HTTP service."""

from __future__ import annotations

import ast
import io
import os
import re
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def imported_test_modules(path: Path) -> list[str]:
    """The `tests.…test_*` modules a file imports from."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        found += [name for name in names if name.startswith("tests.") and ".test_" in f".{name}"]
    return found


def test_no_test_module_imports_another() -> None:
    offenders = {
        str(path.relative_to(TESTS)): modules
        for path in sorted(TESTS.rglob("*.py"))
        if (modules := imported_test_modules(path))
    }
    assert offenders == {}


#: A figure measured on some machine on some day: a duration, a size in memory, a speed-up, a
#: "was N". Such figures age in comments; docs/ and benchmarks/ hold them, the comment the why.
FIGURE = re.compile(
    r"\b\d[\d,.]*\s?(ns|µs|us|ms|s|seconds?|minutes?|MB|GB)\b|\d\s?×|\bwas \d"
    r"|\b(a third|half|twice|tripled|doubled|halved)\b[^.]*\b(time|cost|faster|slower)\b",
    flags=re.IGNORECASE,
)


def comments_and_docstrings(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every comment and docstring of a Python file."""
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                yield node.body[0].lineno, docstring


def test_no_measurements_in_the_code_comments() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {match.group(0)}"
        for path in sorted((ROOT / "grader").rglob("*.py"))
        for line, text in comments_and_docstrings(path)
        for match in FIGURE.finditer(text)
    ]
    assert found == []


def test_grade_db_records_without_importing_the_http_service(tmp_path: Path) -> None:
    """`grade SUBMISSIONS --db` grades and records through grader.record and grader.storage: the
    HTTP service (grader.service, FastAPI, Starlette) is not imported on the way."""
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "grader",
            str(ROOT / "submissions"),
            "--problems",
            str(ROOT / "problems"),
            "--db",
            str(tmp_path / "course.db"),
            "--format",
            "csv",
            "-o",
            str(tmp_path / "gradebook.csv"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {
        line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }
    assert "grader.record" in imported  # the recording ran
    service = sorted(
        name
        for name in imported
        if name.split(".")[0] in {"fastapi", "starlette"} or name.startswith("grader.service")
    )
    assert service == []
