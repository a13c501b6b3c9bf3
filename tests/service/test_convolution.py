"""The service grades the convolution samples (problems/convolution): a student sees the signal or
image, and submits a map as text or as JSON rows."""

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
        problems=load_problems(ROOT / "problems" / "convolution"),
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


def test_a_student_sees_the_image(client: TestClient) -> None:
    view = client.get("/api/problems/conv-2d", headers=ALICE).json()
    assert view["inputs"] == [[1, 2, 0, 1], [3, 0, 1, 2], [1, 1, 2, 0], [0, 2, 1, 3]]


@pytest.mark.parametrize(
    ("problem", "answer", "status", "feedback"),
    [
        ("conv-1d", "0, 1, 4, 4", "correct", "Correct."),
        ("conv-1d", [2, 2, 9, 0], "incorrect", "Not correct: every entry is wrong"),
        ("conv-2d", [[4, 3], [4, 7]], "correct", "Correct."),
        ("conv-2d", "4 3; 4 7", "correct", "Correct."),
        ("conv-2d", "[[2.25, 1.75], [2.25, 2.25]]", "incorrect", "Not correct: every entry is wrong"),
        ("conv-2d", "[4, 3, 4, 7]", "invalid", "Could not read your answer"),
        ("conv-2d", "4 3; 4 8", "incorrect",
         "Not correct: row 2, column 2 of the feature map is wrong; the other entries are right."),
        ("conv-2d", "4 3 1; 4 7 1", "incorrect",
         "Expected the feature map as 2 rows of 2 numbers (a 2×2 matrix); you gave 2 rows of 3 numbers"),
    ],
)
def test_maps_are_graded(
    client: TestClient, problem: str, answer: object, status: str, feedback: str
) -> None:
    outcome = submit(client, problem, answer)
    assert outcome["status"] == status
    assert str(outcome["feedback"]).startswith(feedback)


def test_the_diagnosis_names_the_mistake(client: TestClient) -> None:
    outcome = submit(client, "conv-2d", "[[2.25, 1.75], [2.25, 2.25]]")
    assert "with average pooling; this problem takes the max of each window" in str(outcome["feedback"])
