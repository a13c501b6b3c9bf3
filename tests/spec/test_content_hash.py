"""The content hash of a spec: what it says counts, how it is written does not."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.spec.loader import load_problem, load_problems
from tests.conftest import PROBLEMS, SEED_SPEC

SEED = SEED_SPEC + "expected: [1, -1, 0, 1, -1]\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("evaluation:\n", "# a comment the hash ignores\nevaluation:\n"),  # a comment
        ("  carry: rounded\n", ""),  # a default left out
        ("answer:\n  kind: sequence\n  of: h\n", "answer: {kind: sequence, of: h}\n"),  # layout
        ("title: States\n", "title: 'States'\n"),  # quoting
        ("initial: {h: 0, c: 0}", "initial: {c: 0.0, h: 0}"),  # key order, 0 and 0.0
    ],
)
def test_writing_does_not_change_the_hash(
    write_spec: Callable[..., Path], before: str, after: str
) -> None:
    assert before in SEED
    original = load_problem(write_spec(SEED, "a.yaml"))
    rewritten = load_problem(write_spec(SEED.replace(before, after), "b.yaml"))
    assert rewritten.content_hash == original.content_hash


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("ties: toward_zero", "ties: away_from_zero"),  # the key changes
        ("  of: h\n", "  of: h\n  compare: {abs_tol: 0.5}\n"),  # a tolerance
        ("title: States", "title: States, fixed"),  # any content
        ("  carry: rounded\n", "  carry: exact\n"),
    ],
)
def test_content_changes_the_hash(write_spec: Callable[..., Path], before: str, after: str) -> None:
    spec = SEED.replace("expected: [1, -1, 0, 1, -1]\n", "")
    original = load_problem(write_spec(spec, "a.yaml"))
    changed = load_problem(write_spec(spec.replace(before, after), "b.yaml"))
    assert changed.content_hash != original.content_hash
    assert len(original.content_hash) == 64 and int(original.content_hash, 16) >= 0


def test_the_course_salt_counts_only_where_it_picks_inputs(tmp_path: Path) -> None:
    directory = tmp_path / "problems"
    shutil.copytree(PROBLEMS, directory)
    spec = directory / "lstm-states-1.yaml"
    random = "inputs: {random: {alphabet: [0, 1], length: 6}}"
    text = spec.read_text().replace("inputs: [0, 0, 1, 1, 1, 0]", random)
    text = text.replace("= [0, 0, 1, 1, 1, 0]$", "= {inputs}$")
    kept = [line for line in text.splitlines() if not line.startswith("expected:")]
    spec.write_text("\n".join(kept) + "\n")
    before = load_problems(directory)
    course = directory / "course.yaml"
    course.write_text(course.read_text().replace("salt: 686x-unit3-hw3", "salt: another-salt"))
    after = load_problems(directory)
    assert after["lstm-states-1"].content_hash == before["lstm-states-1"].content_hash
    assert after.content_hash("lstm-states-1") != before.content_hash("lstm-states-1")  # new variants
    assert after.content_hash("lstm-states-2") == before.content_hash("lstm-states-2")  # fixed inputs
    assert after.content_hash("lstm-states-2") == after["lstm-states-2"].content_hash
    assert list(after.content_hashes) == after.ids
