"""Per-student variants of every shipped kind through the CLI: `grade variant` shows a student's
inputs, `grade explain --inputs` works them, and `grade SUBMISSIONS` grades each student against
the key of their own inputs (issue 14: variants for every kind whose inputs are numbers)."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import PROBLEMS

#: sample → (its course directory, the inputs line as shipped, per-student inputs, the statement's
#: text that shows the inputs, replaced by {inputs})
VARYING = {
    "rnn-states": (
        "recurrent",
        "inputs: [1, 0, -1, 1]",
        "inputs: {random: {alphabet: [-1, 0, 1], length: 4}}",
        "[1, 0, -1, 1]$",
    ),
    "gru-states": (
        "recurrent",
        "inputs: [1, 0, 1, -1]",
        "inputs: {choose_from: [[1, 0, 1, -1], [0, 1, 1, 0], [1, 1, -1, 0]]}",
        "[1, 0, 1, -1]$",
    ),
    "feedforward-softmax": (
        "network",
        "inputs: [[1, 0], [0, 1]]",
        "inputs: {choose_from: [[[1, 0], [0, 1]], [[1, 1], [0, -1]], [[2, 0], [1, 0]]]}",
        "$(1, 0)$ and $(0, 1)$",
    ),
    "backprop": (
        "network",
        "inputs: [[1, 2], [2, 0]]",
        "inputs: {choose_from: [[[1, 2], [2, 0]], [[0, 1], [1, 1]]]}",
        "$(1, 2)$ and\n  $(2, 0)$",
    ),
    "conv-1d": (
        "convolution",
        "inputs: [3, 1, 4, 1, 5, 9, 2, 6]",
        "inputs: {random: {alphabet: [0, 1, 2, 3], length: 8}}",
        "$x = [3, 1, 4, 1, 5, 9, 2, 6]$",
    ),
}
STUDENTS = [f"s{number}" for number in range(1, 9)]


@pytest.mark.parametrize("problem", VARYING)
def test_each_student_is_graded_against_the_key_of_their_own_inputs(grade, tmp_path, problem):
    course, shipped, varying, shown = VARYING[problem]
    problems = tmp_path / "problems"
    shutil.copytree(PROBLEMS / course, problems)
    spec = problems / f"{problem}.yaml"
    text = spec.read_text(encoding="utf-8")
    assert text.count(shipped) == 1 and text.count(shown) == 1
    text = text.replace(shipped, varying).replace(shown, "{inputs}")
    spec.write_text("".join(line for line in text.splitlines(True) if not line.startswith("expected:")))
    assert grade("check", problems).code == 0

    keys = {}
    for student in STUDENTS:
        shown_run = grade(
            "variant", problem, "--problems", problems, "--student", student, "--format", "json"
        )
        assert shown_run.code == 0, shown_run.err
        inputs = json.loads(shown_run.out)["inputs"]
        assert json.dumps(inputs) in shown_run.out  # the statement shows them too
        worked = grade(
            "explain", problem, "--problems", problems, "--inputs", json.dumps(inputs), "--format", "json"
        )
        assert worked.code == 0, worked.err
        keys[student] = json.loads(worked.out)["answer"]
    assert len({json.dumps(key) for key in keys.values()}) > 1  # the students do not all share one key

    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for index, student in enumerate(STUDENTS):
        # the first half answer their own key; the others a classmate's with another key
        other = next(key for key in keys.values() if key != keys[student])
        answer = keys[student] if index < len(STUDENTS) // 2 else other
        (submissions / f"{student}.json").write_text(
            json.dumps({"student": student, "answers": {problem: answer}})
        )
    run = grade(submissions, "--problems", problems, "--format", "json")
    assert run.code == 0, run.err
    statuses = {
        report["student"]: result["status"]
        for report in json.loads(run.out)["students"]
        for result in report["results"]
        if result["problem"] == problem
    }
    half = len(STUDENTS) // 2
    assert statuses == {student: "correct" if i < half else "incorrect" for i, student in enumerate(STUDENTS)}
