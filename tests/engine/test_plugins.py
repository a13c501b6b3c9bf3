"""A course's own model kind, registered through the `grader.models` entry points: the example of
docs/model-kinds.md installed as a package on sys.path, then graded like a built-in kind."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader.engine.keys import compute_key
from grader.engine.kinds import forget_plugins, kind_named
from grader.errors import EXIT_USAGE
from grader.feedback.mistakes import diagnose
from grader.grading import grade_answer
from grader.spec.loader import load_problem, load_problems
from grader.spec.models import Problem
from tests.conftest import ROOT

EXAMPLE = re.search(
    r"<!-- example kind: .*? -->\n```python\n(.*?)```", (ROOT / "docs" / "model-kinds.md").read_text(), re.S
)

LEAKY_SPEC = """\
id: leaky
title: Leaky
statement: Enter [h_0, h_1, h_2].
model: {cell: leaky, decay: 0.5}
inputs: [1, 0, 2]
answer: {kind: sequence}
"""


def install(directory: Path, name: str, entry_points: str, module: str | None) -> None:
    """A distribution `name` whose entry_points.txt says `entry_points`, with package `name`."""
    info = directory / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    if module is not None:
        (directory / name).mkdir()
        (directory / name / "__init__.py").write_text(module)


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The docs' example installed as `course_kinds` (kind `leaky`), and a broken plug-in `broken`."""
    assert EXAMPLE is not None, "docs/model-kinds.md lost its example kind"
    site = tmp_path / "site"
    install(site, "course_kinds", "[grader.models]\nleaky = course_kinds:KIND\n", EXAMPLE.group(1))
    install(site, "broken_kinds", "[grader.models]\nbroken = broken_kinds.missing:KIND\n", "")
    monkeypatch.syspath_prepend(str(site))
    forget_plugins()
    yield tmp_path
    forget_plugins()


def test_the_docs_example_is_about_twenty_lines():
    assert EXAMPLE is not None
    code = [
        line
        for line in EXAMPLE.group(1).splitlines()
        if line.strip() and not line.startswith(("from", "import"))
    ]
    assert len(code) <= 30


def test_a_course_kind_is_graded_like_a_built_in_one(plugins):
    spec = plugins / "leaky.yaml"
    spec.write_text(LEAKY_SPEC)
    problem = load_problem(spec)
    assert kind_named("leaky").name == "leaky"
    # h_0 = 1, h_1 = 0.5, h_2 = 0.25 + 2
    key = compute_key(problem)
    np.testing.assert_allclose(np.asarray(key), [1, 0.5, 2.25])
    assert grade_answer(problem, "[1, 0.5, 2.25]", key).score == 1
    # a mistake every kind gets, computed from the kind's declared parameters: a's sign flipped
    matches = diagnose(problem, np.asarray(key), np.array([1, -0.5, 2.25]))
    assert [match.variant for match in matches] == ["sign_flipped:decay"]


def test_a_course_kind_in_the_cli(plugins, grade):
    spec = plugins / "leaky.yaml"
    spec.write_text(LEAKY_SPEC)
    run = grade("explain", spec)
    assert run.code == 0, run.err
    assert "answer [h_0, …, h_2] = [1, 0.5, 2.25]" in run.out


def test_a_plugin_that_fails_to_import_is_named_and_other_problems_still_load(plugins, grade):
    directory = plugins / "course"
    directory.mkdir()
    (directory / "broken.yaml").write_text(
        LEAKY_SPEC.replace("cell: leaky", "cell: broken").replace("leaky", "b")
    )
    seed = (ROOT / "problems" / "lstm-states-2.yaml").read_text()
    (directory / "lstm.yaml").write_text(seed)
    assert load_problem(directory / "lstm.yaml").id == "lstm-states-2"
    run = grade("check", directory / "broken.yaml")
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [
        f"grade: error: {directory / 'broken.yaml'}:4: model.cell: model kind 'broken' "
        "(broken_kinds.missing:KIND, from the 'grader.models' entry points) failed to load: "
        "ModuleNotFoundError: No module named 'broken_kinds.missing'"
    ]
    # the broken plug-in does not stop the lstm problem (or the course kind) from loading
    (directory / "broken.yaml").unlink()
    assert load_problems(directory).ids == ["lstm-states-2"]


def test_a_built_in_name_wins_over_a_plugin(plugins, tmp_path, monkeypatch):
    site = tmp_path / "shadow"
    install(
        site, "shadow_kinds", "[grader.models]\nlstm = shadow_kinds:KIND\n", "raise ImportError('never')\n"
    )
    monkeypatch.syspath_prepend(str(site))
    forget_plugins()
    assert kind_named("lstm").spec.__name__ == "LstmModel"


MOMENTUM = """\
import dataclasses
from typing import Literal

import course_kinds


class MomentumModel(course_kinds.LeakyModel):
    cell: Literal["momentum"]


KIND = dataclasses.replace(
    course_kinds.KIND,
    name="momentum",
    spec=MomentumModel,
    quantities={"v": course_kinds.KIND.quantities["h"]},
    carried="v",
)
"""


def test_an_answer_that_names_no_quantity_reports_the_kinds_first(plugins, tmp_path, monkeypatch):
    site = tmp_path / "momentum"
    install(site, "momentum_kinds", "[grader.models]\nmomentum = momentum_kinds:KIND\n", MOMENTUM)
    monkeypatch.syspath_prepend(str(site))
    forget_plugins()
    spec = tmp_path / "v.yaml"
    spec.write_text(LEAKY_SPEC)
    assert load_problem(spec).answer.of == "h"
    data = {"id": "v", "title": "V", "statement": "s", "inputs": [1], "answer": {"kind": "sequence"}}
    problem = Problem.model_validate({**data, "model": {"cell": "momentum", "decay": 0.5}})
    assert problem.answer.of == "v"


#: (entry point, the plug-in package's code, the failure named); each case its own package name,
#: so that no case imports another's module from sys.modules
BROKEN_PLUGINS = {
    "missing module": ("bad_missing.sub:KIND", "", "ModuleNotFoundError: No module named 'bad_missing.sub'"),
    "syntax error": ("bad_syntax:KIND", "def (:\n", "SyntaxError: invalid syntax (__init__.py, line 1)"),
    "raises on import": ("bad_raises:KIND", "raise RuntimeError('no licence')\n", "RuntimeError: no licence"),
    "not a kind": (
        "bad_other:OTHER",
        "OTHER = 3\n",
        "TypeError: bad_other:OTHER is not a grader.engine.kinds.ModelKind",
    ),
}


@pytest.mark.parametrize("case", BROKEN_PLUGINS)
def test_a_broken_plugin_stops_only_its_own_problems_in_every_front(
    plugins, grade, tmp_path, monkeypatch, case
):
    entry_point, module, failure = BROKEN_PLUGINS[case]
    site = tmp_path / "bad-site"
    install(site, entry_point.split(".")[0].split(":")[0], f"[grader.models]\nbad = {entry_point}\n", module)
    monkeypatch.syspath_prepend(str(site))
    forget_plugins()
    course = tmp_path / "course"
    course.mkdir()
    (course / "lstm.yaml").write_text((ROOT / "problems" / "lstm-states-2.yaml").read_text())
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "alice.yaml").write_text("student: alice\nanswers: {lstm-states-2: [0]}\n")
    for argv in (["check", course], ["key", course], [submissions, "--problems", course]):
        run = grade(*argv)
        assert run.code == 0, (argv, run.err)
    bad = course / "bad.yaml"
    bad.write_text(LEAKY_SPEC.replace("cell: leaky", "cell: bad").replace("id: leaky", "id: bad"))
    message = (
        f"grade: error: {bad}:4: model.cell: model kind 'bad' ({entry_point}, from the "
        f"'grader.models' entry points) failed to load: {failure}"
    )
    for argv in (["check", course], ["key", bad], [submissions, "--problems", course]):
        run = grade(*argv)
        assert (run.code, run.err.splitlines()) == (EXIT_USAGE, [message]), argv
        assert "Traceback" not in run.err
