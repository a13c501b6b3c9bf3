"""The service grades the feedforward samples (problems/network): outputs per point and a gradient
matrix, named entry by entry in feedback, as text or as JSON rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from grader.service import ServiceSettings, create_app
from grader.spec.loader import load_problems
from grader.storage import Storage
from tests.conftest import ROOT
from tests.service.conftest import SECRET, STAFF_TOKEN, Clock, as_student

ALICE = as_student("alice")


@pytest.fixture
def client(sqlite_storage: Storage, clock: Clock) -> Iterator[TestClient]:
    settings = ServiceSettings(
        problems=load_problems(ROOT / "problems" / "network"),
        storage=sqlite_storage,
        secret=SECRET,
        staff_token=STAFF_TOKEN,
        clock=clock,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def submit(client: TestClient, problem: str, answer: object) -> dict[str, object]:
    response = client.post(f"/api/problems/{problem}/submissions", json={"answer": answer}, headers=ALICE)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize(
    ("problem", "answer", "status", "feedback"),
    [
        ("backprop", [[-3, 0], [4.5, 3]], "correct", "Correct."),
        ("backprop", "-3 0; 4.5 3", "correct", "Correct."),
        (
            "backprop",
            "-3 0; 4 3",
            "incorrect",
            "Not correct: row 2, column 1 of ∂L/∂W_1 is wrong; the other entries are right.",
        ),
        (
            "backprop",
            "3 0; -4.5 -3",
            "incorrect",
            "Not correct: row 1 (column 1) and row 2 (columns 1 and 2) of ∂L/∂W_1 are wrong; the other "
            "entries are right. Your answer has the opposite sign of the gradient",
        ),
        (
            "backprop",
            "-3 0 1; 4.5 3 1",
            "incorrect",
            "Expected ∂L/∂W_1 as 2 rows of 2 numbers (a 2×2 matrix); you gave 2 rows of 3 numbers",
        ),
        ("backprop", "-3 0 4.5 3", "invalid", "Could not read your answer: expected 2 rows of 2 numbers"),
        (
            "feedforward-softmax",
            "0.84 0.11 0.04; 0.09 0.24 0.68",
            "incorrect",
            "Not correct: output 3 of point 2 is wrong; the other entries are right.",
        ),
    ],
)
def test_arrays_are_graded_and_named_entry_by_entry(
    client: TestClient, problem: str, answer: object, status: str, feedback: str
) -> None:
    outcome = submit(client, problem, answer)
    assert outcome["status"] == status
    assert str(outcome["feedback"]).startswith(feedback)
