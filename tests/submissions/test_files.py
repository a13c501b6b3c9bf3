"""Per-student YAML and JSON files: what is read, and unreadable files named with line and field."""

from __future__ import annotations

import json

import pytest

from grader.documents import MAX_DEPTH
from grader.errors import SubmissionError
from grader.submissions.files import read_submission_directory, read_submission_file

DEEP = 100_000
TOO_DEEP = f"nested too deeply (more than {MAX_DEPTH} levels)"


def brackets(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        # `answers.x` is 2 levels down, so 64 brackets put the innermost list 65 levels down
        pytest.param("a.yaml", "student: a\nanswers:\n  x: " + brackets(MAX_DEPTH) + "\n",
                     ":3: answers.x", id="yaml, one level too deep"),
        pytest.param("a.yaml", "student: a\nanswers:\n  x: " + brackets(DEEP) + "\n", ":3: answers.x",
                     id="yaml"),
        pytest.param("a.yml", "student: a\nanswers:\n  x:\n    - answer: " + brackets(DEEP) + "\n",
                     ":4: answers.x", id="yaml attempt list"),
        pytest.param("a.yaml", "student: " + brackets(DEEP) + "\n", ":1: student", id="yaml student"),
        pytest.param("a.json", '{"student": "a", "answers": {"x": ' + brackets(MAX_DEPTH) + "}}",
                     ":1: answers.x", id="json, one level too deep"),
        pytest.param("a.json", '{"student": "a", "answers": {"x": ' + brackets(DEEP) + "}}", ":1: answers.x",
                     id="json"),
        pytest.param("a.json", '{\n  "student": "a",\n  "answers": {\n    "x": ' + brackets(DEEP) + "}}",
                     ":4: answers.x", id="json on line 4"),
        pytest.param("a.json", '{"student": "a", "answers": {"x": [{"answer": ' + brackets(DEEP) + "}]}}",
                     ":1: answers.x", id="json attempt list"),
    ],
)
def test_deeply_nested_files_are_unreadable_not_a_crash(tmp_path, name, text, where):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SubmissionError) as error:
        read_submission_file(path)
    assert str(error.value) == f"{path}{where}: {TOO_DEEP}"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        # the innermost list 64 levels down: at the limit, not past it
        ("a.yaml", "student: a\nanswers:\n  x: " + brackets(MAX_DEPTH - 1) + "\n"),
        ("a.json", '{"student": "a", "answers": {"x": ' + brackets(MAX_DEPTH - 1) + "}}"),
    ],
)
def test_nesting_up_to_the_limit_is_read(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    answer = read_submission_file(path).attempts["x"][0].answer
    assert answer == json.loads(brackets(MAX_DEPTH - 1))


def test_a_deep_file_is_skipped_in_place_and_the_others_are_read(tmp_path):
    (tmp_path / "a.json").write_text('{"student": "a", "answers": {"x": ' + brackets(DEEP) + "}}")
    (tmp_path / "b.yaml").write_text("student: b\nanswers:\n  x: " + brackets(DEEP) + "\n")
    (tmp_path / "c.yaml").write_text("student: c\nanswers:\n  x: [1, 0]\n")
    items = list(read_submission_directory(tmp_path))
    assert [str(item) if isinstance(item, SubmissionError) else item.student for item in items] == [
        f"{tmp_path / 'a.json'}:1: answers.x: {TOO_DEEP}",
        f"{tmp_path / 'b.yaml'}:3: answers.x: {TOO_DEEP}",
        "c",
    ]


@pytest.mark.parametrize(
    ("text", "student", "answers"),
    [
        # YAML 1.1 would make these booleans: a checkbox answer `[yes]` and a student `no`
        ("student: no\nanswers:\n  lstm-info: [yes]\n", "no", {"lstm-info": ["yes"]}),
        ("student: on\nanswers:\n  q: [Yes, NO, on, OFF, y, n]\n", "on",
         {"q": ["Yes", "NO", "on", "OFF", "y", "n"]}),
        ("student: Off\nanswers:\n  q: yes\n  no: off\n", "Off", {"q": "yes", "no": "off"}),
        ("student: 'yes'\nanswers: {yes: [a], on: b}\n", "yes", {"yes": ["a"], "on": "b"}),
        # true and false are still booleans in answers (an answer is typed, not only text)
        ("student: a\nanswers:\n  q: [true, false]\n", "a", {"q": [True, False]}),
        # an id is what was written, whatever YAML would make of it
        ("student: true\nanswers: {}\n", "true", {}),
        ("student: 00123\nanswers: {}\n", "00123", {}),  # octal 83 to YAML 1.1
        ("student: 1e3\nanswers: {}\n", "1e3", {}),
        ("student: 2023-03-20\nanswers: {}\n", "2023-03-20", {}),
        ("student: 42\nanswers: {}\n", "42", {}),
    ],
)
def test_yaml_values_are_what_the_student_typed(tmp_path, text, student, answers):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    submission = read_submission_file(path)
    assert submission.student == student
    assert {problem: tries[0].answer for problem, tries in submission.attempts.items()} == answers


@pytest.mark.parametrize(
    ("text", "student"),
    [
        ('{"student": 42, "answers": {}}', "42"),
        ('{"student": true, "answers": {}}', None),  # JSON's true is typed as a boolean: no id
    ],
)
def test_json_student_ids(tmp_path, text, student):
    path = tmp_path / "s.json"
    path.write_text(text)
    if student is None:
        with pytest.raises(SubmissionError, match="student: expected the student's id as text"):
            read_submission_file(path)
    else:
        assert read_submission_file(path).student == student
