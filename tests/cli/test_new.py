"""`grade new KIND PATH`: a commented starter spec for every registered kind, which `grade check`
passes; never an overwrite, and a clear message for an unknown kind or a bad path."""

from __future__ import annotations

import dataclasses

import pytest

from grader.engine.kinds import BUILT_IN, kind_named, registered_kinds
from grader.spec import starters
from grader.spec.loader import load_problem
from tests.conftest import ROOT

KINDS = sorted(registered_kinds())


@pytest.mark.parametrize("kind", KINDS)
def test_the_starter_of_every_kind_passes_grade_check(grade, tmp_path, kind):
    path = tmp_path / f"{kind}-starter.yaml"
    run = grade("new", kind, path)
    assert run.code == 0, run.err
    assert run.out == ""
    assert f"wrote {path}" in run.err
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# A starter spec for the {kind} model kind")
    assert f"\nid: {kind}-starter  #" in text
    problem = load_problem(path)
    assert problem.id == f"{kind}-starter"
    assert problem.model is not None and problem.model.kind_name == kind
    checked = grade("check", path)
    assert checked.code == 0, checked.err
    assert "1 problem valid" in checked.out


@pytest.mark.parametrize("kind", [name for name in KINDS if kind_named(name).starter is not None])
def test_a_declared_starter_reviews_its_warnings(grade, tmp_path, kind):
    """A kind's own worked example states its rules, so it passes the strict audit a course's CI runs."""
    path = tmp_path / f"{kind}-worked.yaml"
    assert grade("new", kind, path).code == 0
    checked = grade("check", "--strict", path)
    assert checked.code == 0, checked.out


@pytest.mark.parametrize("kind", KINDS)
def test_a_kind_without_a_starter_gets_one_generated_from_its_model(grade, tmp_path, monkeypatch, kind):
    plain = dataclasses.replace(kind_named(kind), starter=None)
    monkeypatch.setattr(starters, "kind_named", lambda name: plain)
    path = tmp_path / f"{kind}-generated.yaml"
    assert grade("new", kind, path).code == 0
    text = path.read_text(encoding="utf-8")
    assert f"  {plain.discriminator}: {kind}\n" in text
    # the model's optional fields are shown commented out, each with its default
    for name, field in plain.spec.model_fields.items():
        if not field.is_required():
            assert f"  # {name}: " in text, name
    checked = grade("check", path)
    assert checked.code == 0, checked.err


def test_an_existing_file_is_never_overwritten(grade, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("id: mine\n", encoding="utf-8")
    run = grade("new", "rnn", path)
    assert run.code == 2
    assert run.err == f"grade: error: {path}: already exists; `grade new` never overwrites a file\n"
    assert path.read_text(encoding="utf-8") == "id: mine\n"


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        ("rn", "x.yaml", "grade: error: unknown model kind 'rn'; did you mean 'rnn'?\n"),
        ("lstn", "x.yaml", "grade: error: unknown model kind 'lstn'; did you mean 'lstm'?\n"),
        ("rnn", "x.txt", "expected a new .yaml file named for the problem id"),
        ("rnn", "two words.yaml", "expected a new .yaml file named for the problem id"),
        ("rnn", "missing/x.yaml", "missing: no such directory"),
    ],
)
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(grade, tmp_path, kind, name, message):
    run = grade("new", kind, tmp_path / name)
    assert run.code == 2
    assert run.err.startswith("grade: error: ")
    assert message in run.err
    assert run.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_kind_with_nothing_close_lists_the_kinds(grade, tmp_path):
    run = grade("new", "transformer", tmp_path / "x.yaml")
    assert run.code == 2
    assert (
        run.err
        == "grade: error: unknown model kind 'transformer'; expected one of " + ", ".join(KINDS) + "\n"
    )


@pytest.mark.parametrize("kind", [name for name in KINDS if kind_named(name).starter is not None])
def test_the_authoring_guide_shows_each_declared_starter(kind):
    guide = (ROOT / "docs" / "problems.md").read_text(encoding="utf-8")
    assert f"```yaml\n{kind_named(kind).starter}```" in guide, (
        f"docs/problems.md: the worked spec of {kind} differs from its starter (grader/engine/{kind}.py)"
    )


@pytest.mark.parametrize("kind", sorted(BUILT_IN))
def test_every_shipped_kind_declares_a_worked_starter(kind):
    # docs/problems.md: `grade new KIND PATH` writes each kind's worked spec, which --strict passes
    assert kind_named(kind).starter is not None
