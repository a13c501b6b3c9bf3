"""`grade responses.csv`: choice problems answered in Open edX, graded from its problem response
report, whose `Answer` column holds the texts of the selected choices (not their ids).

The report's columns are those edX writes (instructor_task's ProblemResponses: username, title,
location, the capa block's sorted report keys, block_key, state); a checkbox answer is the texts
joined by ", " (LoncapaProblem.find_answer_text). Statuses and scores are worked out by hand.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import PROBLEMS

NOW = ("--now", "2023-04-01T00:00:00Z")
HEADER = [
    "username", "title", "location", "Answer", "Answer ID", "Correct Answer", "Question", "block_key", "state"
]
STATE = json.dumps({"attempts": 1, "last_submission_time": "2023-03-28T21:12:44Z"})

# C = {b, c}; net_correct scores max(0, (|S∩C| − |S∖C|) / |C|)
CHECKBOX = """\
id: edx-checkbox
title: What h_t carries
statement: Which of these does $h_t$ tell?
scoring: net_correct
answer:
  kind: choice
  multiple: true
  choices:
    - {id: a, text: Whether the total number of zeros is odd.}
    - {id: b, text: "Odd, then even.", correct: true}
    - {id: c, text: Whether $h_t$ is odd., correct: true}
    - {id: d, text: Odd}
"""

RADIO = """\
id: edx-radio
title: When h_t flips
statement: When does $h_t$ change sign?
answer:
  kind: choice
  choices:
    - {id: x, text: "Yes, always"}
    - {id: y, text: Never}
    - {id: z, text: "Only when $x_t = 1$", correct: true}
"""


@pytest.fixture
def course(tmp_path: Path) -> Path:
    directory = tmp_path / "problems"
    shutil.copytree(PROBLEMS, directory)
    (directory / "edx-checkbox.yaml").write_text(CHECKBOX)
    (directory / "edx-radio.yaml").write_text(RADIO)
    return directory


def report(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """An edX report with one row per (username, url_name, Answer)."""
    path = tmp_path / "responses.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for username, url_name, answer in rows:
            block_key = f"block-v1:MITx+6.86x+2023+type@problem+block@{url_name}"
            writer.writerow(
                [username, url_name, "Unit 3 > HW 3", answer, "i4x_2_1", "", "Q", block_key, STATE]
            )
    return path


@pytest.mark.parametrize(
    ("problem", "answer", "status", "score"),
    [
        ("edx-checkbox", "Odd, then even., Whether \\(h_t\\) is odd.", "correct", 1.0),  # S = {b, c}
        ("edx-checkbox", "Whether \\(h_t\\) is odd., Odd, then even.", "correct", 1.0),
        ("edx-checkbox", "Odd, then even.", "partial", 0.5),  # S = {b}: (1 − 0) / 2
        ("edx-checkbox", "Odd, Whether \\(h_t\\) is odd.", "incorrect", 0.0),  # S = {c, d}: (1 − 1) / 2
        ("edx-checkbox", "Odd", "incorrect", 0.0),  # S = {d}
        ("edx-checkbox", "  whether \\( h_t \\) IS ODD.,odd, then even.\n", "correct", 1.0),
        ("edx-checkbox", "Whether the number of zeros is odd.", "invalid", 0.0),
        ("edx-radio", "Only when \\(x_t = 1\\)", "correct", 1.0),
        ("edx-radio", "Yes, always", "incorrect", 0.0),  # one choice, though its text has a comma
        ("edx-radio", "Sometimes", "invalid", 0.0),
        ("lstm-info", "Whether the number of consecutive ones is odd.", "correct", 1.0),
        (
            "lstm-info",
            "Whether the total number of zeros is odd., Whether the number of consecutive ones is odd.",
            "incorrect",
            0.0,
        ),
        ("lstm-info", "h_t tells whether the number of consecutive ones is odd", "invalid", 0.0),
        ("lstm-info", "c", "correct", 1.0),  # an id still reads as an id
    ],
)
def test_choice_texts_from_an_edx_report_are_graded(grade, course, tmp_path, problem, answer, status, score):
    run = grade(report(tmp_path, [("ann", problem, answer)]), "--problems", course, "--format", "json", *NOW)
    assert run.code == 0, run.err
    (ann,) = json.loads(run.out)["students"]
    (result,) = [r for r in ann["results"] if r["problem"] == problem]
    assert (result["status"], result["score"]) == (status, score)
    assert result["attempts_used"] == (0 if status == "invalid" else 1)  # an unreadable answer uses none


def test_an_unknown_text_is_explained_with_the_ids(grade, course, tmp_path):
    rows = [("ann", "edx-checkbox", "Whether h_t is even."), ("ben", "edx-radio", "Sometimes, maybe")]
    run = grade(report(tmp_path, rows), "--problems", course, "--format", "json", *NOW)
    feedback = {
        (s["student"], r["problem"]): r["feedback"]
        for s in json.loads(run.out)["students"]
        for r in s["results"]
        if r["status"] == "invalid"
    }
    assert feedback == {
        ("ann", "edx-checkbox"): "Could not read your answer: 'Whether h_t is even.' is not the text of any "
        "choice, nor choice ids; the choices are a, b, c, d. Enter one or more of a, b, c, d. "
        "This used no attempt.",
        ("ben", "edx-radio"): "Could not read your answer: 'Sometimes, maybe' is not the text of any "
        "choice, nor choice ids; the choices are x, y, z. Enter one of x, y, z. This used no attempt.",
    }


def test_a_whole_class_report_in_the_table(grade, course, tmp_path):
    rows = [
        ("ann", "edx-checkbox", "Odd, then even., Whether \\(h_t\\) is odd."),
        ("ann", "edx-radio", "Only when \\(x_t = 1\\)"),
        ("ann", "lstm-info", "Whether the number of consecutive ones is odd."),
        ("ben", "edx-checkbox", "Odd, then even."),
        ("ben", "edx-radio", "Yes, always"),
        ("ben", "lstm-info", "Answer Text Missing"),  # edX's placeholder for a choice it cannot name
    ]
    run = grade(report(tmp_path, rows), "--problems", course, "--quiet", *NOW)
    assert run.code == 0, run.err
    assert run.out.splitlines()[:4] == [
        "student  lstm-states-1  lstm-states-2  lstm-info  edx-checkbox  edx-radio  total",
        "-" * 80,
        "ann      0 missing      0 missing      1 ✓        1 ✓           1 ✓        3/5",
        "ben      0 missing      0 missing      0 invalid  0.5 ~         0 ✗        0.5/5",
    ]
