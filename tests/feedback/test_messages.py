"""teach: what each reveal level shows for one answer, and nothing more."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from grader.compare.answers import compare_sequence
from grader.engine.keys import compute_key
from grader.feedback.messages import teach
from grader.grading import grade_answer

CARRY = [1, -1, 0, 0, 1]
POSITIONS = "Not correct: h_3 and h_4 are wrong; the other entries are right."
DIAGNOSIS = (
    " Your h_3 and h_4 follow from feeding the unrounded h_2 = 0.5 forward instead of your rounded "
    "h_2 = 0; this problem uses the rounded h_t in the next step."
)


def _lesson(problem, given, level):
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    answer = np.array(given, dtype=float)
    return teach(problem, key, answer, compare_sequence(problem, key, answer), level)


@pytest.mark.parametrize(
    ("level", "text"),
    [
        ("verdict", "Not correct."),
        ("count", "Not correct: 2 of 5 entries are wrong."),
        ("positions", POSITIONS),
        ("diagnosis", POSITIONS + DIAGNOSIS),
    ],
)
def test_each_level_shows_its_part(shipped, level, text):
    assert _lesson(shipped["lstm-states-2"], CARRY, level).text == text


def test_solution_adds_the_worked_table(shipped):
    text = _lesson(shipped["lstm-states-2"], CARRY, "solution").text
    head, table = text.split("\n\nWorked solution:\n")
    assert head == POSITIONS + DIAGNOSIS
    assert table.splitlines()[-1] == "answer [h_0, …, h_4] = [1, -1, 0, 1, -1]"


@pytest.mark.parametrize("level", ["verdict", "count", "positions", "diagnosis"])
def test_below_solution_no_key_value_of_a_wrong_entry_is_shown(shipped, level):
    # the key has h_3 = 1 and h_4 = -1 where this student wrote 0 and 1; below `solution` the
    # feedback may quote the student's own values and intermediates, never the key's [1, -1] tail
    text = _lesson(shipped["lstm-states-2"], CARRY, level).text
    assert "h_3 = 1" not in text and "h_4 = -1" not in text and "[1, -1, 0, 1, -1]" not in text


def test_a_right_answer_is_just_correct(shipped):
    lesson = _lesson(shipped["lstm-states-2"], [1, -1, 0, 1, -1], "solution")
    assert (lesson.text, lesson.mistakes, lesson.follow_through) == ("Correct.", (), None)
    assert lesson.comparison.carried_forward == ()


def test_a_length_mistake_is_named(shipped):
    text = _lesson(shipped["lstm-states-2"], [0, 1, -1, 0, 1, -1], "diagnosis").text
    assert text == (
        "Expected 5 values [h_0, …, h_4], one per time step; you gave 6. Your list includes the initial "
        "state h_{-1} as its first entry; the answer is [h_0, …, h_4], one value per input."
    )


def test_other_mistakes_with_the_same_answer_are_named_in_a_few_words(shipped):
    text = _lesson(shipped["lstm-states-2"], [1, -1, 1, -1, 1], "diagnosis").text
    assert text.endswith(
        "Your h_3 and h_4 follow correctly from that. (The same answer also comes from rounding ±0.5 up; "
        "leaving out the output gate.)"
    )


def test_count_says_how_many_entries_are_wrong_and_never_which(shipped):
    # every answer in {-1, 0, 1}^5 to LSTM states 2 (key [1, -1, 0, 1, -1]): the feedback is
    # "Correct." or "Not correct: W of 5 entries are wrong." with W the entries that differ
    problem = shipped["lstm-states-2"]
    key = compute_key(problem)
    for answer in itertools.product([-1, 0, 1], repeat=5):
        wrong = sum(a != k for a, k in zip(answer, key.tolist(), strict=True))
        text = grade_answer(problem, list(answer), key, level="count").feedback
        verb = "is" if wrong == 1 else "are"
        assert text == (f"Not correct: {wrong} of 5 entries {verb} wrong." if wrong else "Correct.")


def test_count_on_checkboxes_says_how_many_selections_are_wrong(shipped):
    problem = shipped["lstm-info"]
    text = grade_answer(problem, "c, d", compute_key(problem), level="count").feedback
    assert text == "Not correct: 1 of your selections is not correct."
