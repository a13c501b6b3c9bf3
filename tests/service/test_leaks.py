"""Nothing a student can obtain carries the key, wrong positions' expected values, or others' data.

Each test plays the student: it calls every route a student token (or no token) reaches, collects
every byte of every answer, and searches it. The key's values are distinctive (exact activations,
no rounding: 0.2748…, 0.1683…, 0.3959…), so finding none means none was sent. The reveal policy's
escalation shows the same search does find them once the solution may be shown.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from fastapi.testclient import TestClient

from grader.engine.keys import compute_key
from grader.spec.loader import ProblemSet
from tests.service.conftest import STAFF, as_student, bearer

ALICE = as_student("alice")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def everything_a_student_sees(client: TestClient, headers: dict[str, str], problem: str) -> str:
    """The text of every answer a student can get about `problem` and about themselves."""
    client.cookies.clear()
    responses = [
        client.get("/api/problems"),
        client.get(f"/api/problems/{problem}", headers=headers),
        client.get("/api/me/grades", headers=headers),
        client.get("/api/me/submissions", headers=headers),
        client.get(f"/api/me/submissions?problem={problem}", headers=headers),
        client.get("/openapi.json"),
        client.get(f"/api/staff/problems/{problem}/key", headers=headers),
        client.get("/api/staff/submissions", headers=headers),
        client.get("/api/staff/gradebook", headers=headers),
        client.get(f"/api/problems/{problem}?student=bob", headers=headers),
        client.get("/api/me/submissions?student=bob", headers=headers),
        client.post("/xqueue/grade", headers=headers, json={"xqueue_body": "{}"}),
    ]
    token = headers.get("Authorization", "").removeprefix("Bearer ")
    if token:
        client.cookies.set("grader_token", token)
    responses.append(client.get(f"/p/{problem}"))
    responses.append(client.get("/"))
    client.cookies.clear()
    return "\n".join(r.text for r in responses)


def numbers_near(text: str, values: np.ndarray, tolerance: float = 5e-4) -> list[str]:
    return [n for n in _NUMBER.findall(text) if np.any(np.abs(values - float(n)) < tolerance)]


def test_no_key_values_until_the_solution_is_revealed(client: TestClient, course: ProblemSet) -> None:
    key = np.asarray(compute_key(course["exact-states"]), dtype=float)
    seen: list[str] = []
    # three attempts, each with one position right (so the feedback names the wrong ones)
    for attempt, answer in enumerate(["[0.2748, 0, 0]", "[0, 0.1684, 0]", "[0, 0, 0.396]"], start=1):
        outcome = client.post(
            "/api/problems/exact-states/submissions", json={"answer": answer}, headers=ALICE
        )
        body = outcome.json()
        assert body["attempts_used"] == attempt
        typed = {float(x) for x in _NUMBER.findall(answer)}
        if attempt < 3:
            assert body["solution"] is None
            assert [n for n in numbers_near(outcome.text, key) if float(n) not in typed] == []
            seen.append(everything_a_student_sees(client, ALICE, "exact-states"))
    # what the student typed is theirs to see; anything else near the key is a leak
    leaked = [n for text in seen for n in numbers_near(text, key) if float(n) not in {0.2748, 0.1684}]
    assert leaked == []
    # after the last attempt the policy says `solution`: the same search now finds the key
    revealed = everything_a_student_sees(client, ALICE, "exact-states")
    assert len(set(numbers_near(revealed, key)) - {"0.2748", "0.1684", "0.396"}) >= 3


def test_the_choice_key_is_not_in_the_view_or_feedback(client: TestClient) -> None:
    view = client.get("/api/problems/lstm-info", headers=ALICE).json()
    assert all(set(choice) == {"id", "text"} for choice in view["choices"])
    outcome = client.post(
        "/api/problems/lstm-info/submissions", json={"answer": "a, d"}, headers=ALICE
    ).json()
    assert (
        outcome["feedback"]
        == "Not correct: 2 of your selections are not correct and you missed 1 correct choice."
    )
    text = everything_a_student_sees(client, ALICE, "lstm-info")
    assert '"correct":true' not in text.replace(" ", "") and "correct: true" not in text


@pytest.mark.parametrize("intruder", [ALICE, {}, bearer("st.eyJzdHVkZW50IjoiYm9iIn0.forged")])
def test_other_students_data_stays_theirs(client: TestClient, intruder: dict[str, str]) -> None:
    marker = "[0.123456789, 0.987654321, 0.555555555, 1, 1]"
    bob = as_student("bob")
    assert (
        client.post(
            "/api/problems/lstm-states-2/submissions", json={"answer": marker}, headers=bob
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/problems/lstm-states-1/submissions", json={"answer": "[9]"}, headers=bob
        ).status_code
        == 200
    )
    text = everything_a_student_sees(client, intruder, "lstm-states-2")
    assert "0.123456789" not in text and "0.987654321" not in text
    assert '"bob"' not in text and "bob</" not in text
    # staff do see it: the search is not blind
    assert "0.123456789" in client.get("/api/staff/submissions", headers=STAFF).text


def test_a_student_token_cannot_reach_any_staff_route(client: TestClient) -> None:
    for path in [
        "/api/staff/problems/lstm-states-2/key",
        "/api/staff/submissions",
        "/api/staff/gradebook?format=table",
    ]:
        response = client.get(path, headers=ALICE)
        assert (response.status_code, response.json()["error"]["code"]) == (403, "staff_only")
    xqueue = client.post("/xqueue/grade", headers=ALICE, json={})
    assert xqueue.json()["error"]["code"] == "staff_only"
