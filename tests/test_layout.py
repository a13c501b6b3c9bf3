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

from grader.engine.kinds import BUILT_IN, kind_named

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


#: The modules that know the model kinds: each kind's own module (the registry's BUILT_IN), the
#: engines and shapes they share, and the registry. Nothing else may name a kind or a quantity.
KIND_MODULES = {
    *(module.removeprefix("grader.engine.") for module in BUILT_IN.values()),
    "recurrent",
    "feedforward",
    "convolution",
    "kinds",
}
#: (file, literal) outside KIND_MODULES that may say a quantity's name, each with why.
ALLOWED_LITERALS = {
    # answer_symbol is the one home of "what an answer reports" for names; a choice problem's
    # property check speaks of h_t
    ("grader/engine/keys.py", "h"),
    # parse_sequence's default symbol (callers pass answer_symbol, or "x" for inputs)
    ("grader/parse/arrays.py", "h"),
    # `answer.of` before its kind's first quantity replaces it (spec.models._quantity_of)
    ("grader/spec/models.py", "h"),
    # English plurals (`entries`), not a quantity
    ("grader/compare/entries.py", "y"),
    # `grade new --help`'s example of kind names
    ("grader/cli/commands/new.py", "a registered model kind: lstm, rnn, gru, …"),
    # examples of a problem id in messages and docs of the API
    ("grader/service/routes/xqueue.py", "lstm-states-2"),
}


def kind_words() -> tuple[set[str], re.Pattern[str]]:
    """The quantities the built-in kinds report, and a pattern of their names as whole words."""
    quantities = {name for kind in BUILT_IN for name in kind_named(kind).quantities}
    return quantities, re.compile(r"\b(" + "|".join(BUILT_IN) + r")\b", flags=re.IGNORECASE)


def kind_mentions(path: Path) -> Iterator[tuple[int, str]]:
    """(line, what) for each import of a kind's module and each literal (not a docstring) that
    names a kind or is a quantity's name."""
    quantities, names = kind_words()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    # the text between an f-string's fields (`f"c{n}"`) is not a value on its own
    fragments = {
        id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values
    }
    modules = {f"grader.engine.{module}" for module in KIND_MODULES - {"kinds"}}
    for node in ast.walk(tree):
        imported = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if isinstance(node, ast.Import):
            imported = [alias.name for alias in node.names]
        for module in imported:
            if module in modules:
                yield node.lineno, f"imports {module}"
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) not in docstrings | fragments and (node.value in quantities or names.search(node.value)):
            yield node.lineno, node.value


def test_only_the_kinds_modules_name_a_kind_or_a_quantity() -> None:
    # issue 14: nothing outside a kind's module asks which kind a model is or whether an answer is
    # h or c; it asks the kind (grader.engine.kinds)
    found = [
        f"{relative}:{line}: {what!r}"
        for path in sorted((ROOT / "grader").rglob("*.py"))
        if not (path.parent.name == "engine" and path.stem in KIND_MODULES)
        for relative in [path.relative_to(ROOT).as_posix()]
        for line, what in kind_mentions(path)
        if (relative, what) not in ALLOWED_LITERALS
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
