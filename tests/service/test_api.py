"""The HTTP API: what each route answers, and a stable error code for every kind of bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from grader.service.errors import ERROR_CODES
from grader.storage import Storage, make_engine, open_storage
from tests.service.conftest import NOW, STAFF, Clock, Database, as_student, bearer, student_token

ALICE = as_student("alice")


def submit(client: TestClient, problem: str, answer: object, headers: dict[str, str] = ALICE) -> dict:  # type: ignore[type-arg]
    response = client.post(f"/api/problems/{problem}/submissions", json={"answer": answer}, headers=headers)
    return {"status_code": response.status_code, **response.json()}


def test_problem_list_shows_statements_only(client: TestClient) -> None:
    problems = client.get("/api/problems").json()
    assert [p["id"] for p in problems][:3] == ["lstm-states-1", "lstm-states-2", "lstm-info"]
    assert set(problems[0]) == {"id", "title", "points", "statement", "due", "max_attempts"}


def test_a_students_view_of_a_problem(client: TestClient) -> None:
    view = client.get("/api/problems/lstm-states-2", headers=ALICE).json()
    assert (view["student"], view["inputs"], view["max_attempts"], view["attempts_used"]) == (
        "alice",
        [1, 1, 0, 1, 1],
        5,
        0,
    )
    assert (view["attempts_left"], view["solution"], view["accepting"]) == (5, None, True)
    choices = client.get("/api/problems/lstm-info", headers=ALICE).json()["choices"]
    assert choices[2] == {"id": "c", "text": "Whether the number of consecutive ones is odd."}


# The seed's key for lstm-states-2 is [1, -1, 0, 1, -1] (problems/lstm-states-2.yaml: expected).
@pytest.mark.parametrize(
    ("answer", "status", "score", "counted", "feedback"),
    [
        ("[1, -1, 0, 1, -1]", "correct", 1.0, True, "Correct."),
        ("1 -1 0 1 -1", "correct", 1.0, True, "Correct."),
        ([1, -1, 0, 1, -1], "correct", 1.0, True, "Correct."),
        ("[1, -1, 0, 0, 1]", "incorrect", 0.0, True, "Not correct: h_3 and h_4 are wrong"),
        ("[1, -1, 0]", "incorrect", 0.0, True, "Expected 5 values [h_0, …, h_4]"),
        ("one, two", "invalid", 0.0, False, "Could not read your answer"),
        ("", "invalid", 0.0, False, "Could not read your answer"),
    ],
)
def test_submitting(
    client: TestClient, answer: object, status: str, score: float, counted: bool, feedback: str
) -> None:
    outcome = submit(client, "lstm-states-2", answer)
    assert outcome["status_code"] == 200
    assert (outcome["status"], outcome["score"], outcome["counted"]) == (status, score, counted)
    assert outcome["feedback"].startswith(feedback)
    assert (outcome["attempts_used"], outcome["max_attempts"]) == (1 if counted else 0, 5)


def test_attempts_run_out_and_the_last_one_reveals_the_solution(
    client: TestClient, sqlite_storage: Storage
) -> None:
    used = [submit(client, "exact-states", "[0, 0, 0]")["attempts_used"] for _ in range(3)]
    assert used == [1, 2, 3]
    refused = submit(client, "exact-states", "[0, 0, 0]")
    assert (refused["status_code"], refused["error"]["code"]) == (409, "no_attempts_left")
    assert sqlite_storage.count(student="alice") == 3  # the refused one is not recorded
    view = client.get("/api/problems/exact-states", headers=ALICE).json()
    assert (view["attempts_left"], view["reveal"]) == (0, "solution")
    assert view["solution"] is not None and view["worked_solution"].startswith("exact-states")


def test_due_dates_reject_or_deduct(client: TestClient, clock: Clock, sqlite_storage: Storage) -> None:
    # due-reject was due 2026-02-01; NOW is 2026-03-01
    late = submit(client, "due-reject", "[1, -1]")
    assert (late["status_code"], late["error"]["code"]) == (403, "past_due")
    assert sqlite_storage.count(problem="due-reject") == 0
    # due-penalty was due 2026-02-27T00:00; at NOW (2026-03-01T12:00) that is 2.5 days: 3 started days
    outcome = submit(client, "due-penalty", "[1, -1]")
    assert (outcome["status"], outcome["days_late"], outcome["score"]) == ("correct", 3, 0.25)
    clock.now = NOW - timedelta(days=30)
    on_time = submit(client, "due-reject", "[1, -1]")
    assert (on_time["status"], on_time["score"]) == ("correct", 1.0)


def test_grades_and_submissions_are_the_callers_own(client: TestClient) -> None:
    submit(client, "lstm-states-2", "[1, -1, 0, 1, -1]")
    submit(client, "lstm-states-1", "[0, 0, 1, -1, 1, 0]", headers=as_student("bob"))
    grades = client.get("/api/me/grades", headers=ALICE).json()
    assert (grades["student"], grades["score"]) == ("alice", 1.0)
    statuses = {r["problem"]: r["status"] for r in grades["results"]}
    assert (statuses["lstm-states-1"], statuses["lstm-states-2"]) == ("missing", "correct")
    mine = client.get("/api/me/submissions", headers=ALICE).json()
    assert [(s["student"], s["problem"]) for s in mine] == [("alice", "lstm-states-2")]


def test_staff_read_keys_submissions_and_the_gradebook(client: TestClient) -> None:
    submit(client, "lstm-states-2", "[1, -1, 0, 1, -1]")
    submit(client, "lstm-info", "c", headers=as_student("bob"))
    key = client.get("/api/staff/problems/lstm-states-2/key", headers=STAFF).json()
    assert (key["key"], key["text"]) == ([1, -1, 0, 1, -1], "[1, -1, 0, 1, -1]")
    first, second = (
        client.get(f"/api/staff/submissions?limit=1&after={after}", headers=STAFF).json() for after in (0, 1)
    )
    assert ([s["id"] for s in first], [s["id"] for s in second]) == ([1], [2])
    assert [s["student"] for s in client.get("/api/staff/submissions", headers=STAFF).json()] == [
        "alice",
        "bob",
    ]
    book = client.get("/api/staff/gradebook", headers=STAFF)
    assert book.headers["content-type"] == "application/json"
    totals = {s["student"]: s["score"] for s in book.json()["students"]}
    assert totals == {"alice": 1.0, "bob": 1.0}
    csv = client.get("/api/staff/gradebook?format=csv", headers=STAFF)
    assert csv.headers["content-type"].startswith("text/csv")
    assert [line.split(",")[0] for line in csv.text.splitlines()[1:]] == ["alice", "bob"]
    table = client.get("/api/staff/gradebook?format=table", headers=STAFF).text
    assert table.splitlines()[0].split()[:2] == ["student", "lstm-states-1"]


def test_staff_act_for_a_named_student(client: TestClient) -> None:
    outcome = submit(client, "lstm-states-2", "[1, -1, 0, 1, -1]", headers=STAFF | {})
    assert outcome["error"]["code"] == "invalid_request"  # staff must say who
    response = client.post(
        "/api/problems/lstm-states-2/submissions?student=carol",
        json={"answer": "[1,-1,0,1,-1]"},
        headers=STAFF,
    )
    assert response.json()["student"] == "carol"


def test_variants_give_each_student_their_own_inputs_and_key(client: TestClient) -> None:
    views = {
        s: client.get("/api/problems/variant-states", headers=as_student(s)).json() for s in ("ann", "ben")
    }
    for student, view in views.items():
        key = client.get(f"/api/staff/problems/variant-states/key?student={student}", headers=STAFF).json()
        assert key["inputs"] == view["inputs"]
        assert str(view["inputs"]).replace(" ", "") in view["statement"].replace(" ", "")
        assert (
            submit(client, "variant-states", key["key"], headers=as_student(student))["status"] == "correct"
        )


LONG = "1," * 6000
SUBMIT = "/api/problems/lstm-states-2/submissions"
VIEW = "/api/problems/lstm-states-2"
JSON = "application/json"
EXPIRED = bearer(student_token("alice", now=NOW - timedelta(days=31)))
#: Every kind of bad input: (method, path, headers, body, content type, status, code).
BAD_INPUT = [
    ("post", SUBMIT, ALICE, b"{not json", JSON, 400, "malformed_json"),
    ("post", SUBMIT, ALICE, b"[1, 2]", JSON, 422, "invalid_request"),
    ("post", SUBMIT, ALICE, b'{"answer": 5}', JSON, 422, "invalid_request"),
    ("post", SUBMIT, ALICE, b'{"answer": "1", "x": 1}', JSON, 422, "invalid_request"),
    ("post", SUBMIT, ALICE, b"", JSON, 422, "invalid_request"),
    ("post", SUBMIT, ALICE, json.dumps({"answer": LONG}).encode(), JSON, 422, "answer_too_long"),
    ("post", SUBMIT, ALICE, json.dumps({"answer": [1] * 1001}).encode(), JSON, 422, "answer_too_long"),
    ("post", SUBMIT, ALICE, b"x" * 70_000, JSON, 413, "body_too_large"),
    ("post", "/api/problems/nope/submissions", ALICE, b'{"answer": "1"}', JSON, 404, "unknown_problem"),
    ("get", "/api/problems/nope", ALICE, None, None, 404, "unknown_problem"),
    ("get", VIEW, {}, None, None, 401, "missing_token"),
    ("get", VIEW, bearer("st.forged.token"), None, None, 401, "invalid_token"),
    ("get", VIEW, {"Authorization": "Basic !!!"}, None, None, 401, "invalid_token"),
    ("get", VIEW, EXPIRED, None, None, 401, "token_expired"),
    ("get", "/api/problems/lstm-states-2?student=bob", ALICE, None, None, 403, "not_yourself"),
    ("get", "/api/staff/submissions", ALICE, None, None, 403, "staff_only"),
    ("get", "/api/staff/gradebook?format=pdf", STAFF, None, None, 422, "unknown_format"),
    ("get", "/api/nothing-here", ALICE, None, None, 404, "not_found"),
    ("delete", "/api/problems", ALICE, None, None, 405, "method_not_allowed"),
]


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "content_type", "status", "code"),
    BAD_INPUT,
    ids=[f"{case[-1]}-{index}" for index, case in enumerate(BAD_INPUT)],
)
def test_bad_input_gets_a_stable_error_and_records_nothing(
    client: TestClient,
    sqlite_storage: Storage,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
    content_type: str | None,
    status: int,
    code: str,
) -> None:
    extra = {"Content-Type": content_type} if content_type else {}
    response = client.request(method.upper(), path, headers=headers | extra, content=body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert ERROR_CODES[code][0] == status
    assert set(response.json()) == {"error"} and "Traceback" not in response.text
    assert sqlite_storage.count() == 0


def test_a_body_streamed_past_the_limit_without_a_length_is_refused(client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 1024

    response = client.post("/api/problems/lstm-states-2/submissions", headers=ALICE, content=chunks())
    assert (response.status_code, response.json()["error"]["code"]) == (413, "body_too_large")


def test_a_database_gone_away_answers_503_with_retry_after(
    client: TestClient, sqlite_storage: Storage
) -> None:
    from sqlalchemy import text

    with sqlite_storage.engine.begin() as connection:
        connection.execute(text("DROP TABLE attempt_counts"))
    response = client.get("/api/problems/lstm-states-2", headers=ALICE)
    assert (response.status_code, response.json()["error"]["code"]) == (503, "database_unavailable")
    assert response.headers["retry-after"] == "2"


@pytest.fixture
def one_connection(database: Database) -> Iterator[Storage]:
    """Storage whose pool holds one connection and waits a tenth of a second for it."""
    open_storage(database.url).close()  # create the schema
    engine = make_engine(database.url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    yield Storage(engine)
    engine.dispose()


def test_every_connection_busy_answers_503_with_retry_after(
    make_client: Callable[[Storage], TestClient], one_connection: Storage
) -> None:
    client = make_client(one_connection)
    with one_connection.engine.connect():  # a slow request holds the only connection
        response = client.get("/api/problems/lstm-states-2", headers=ALICE)
    assert (response.status_code, response.json()["error"]["code"]) == (503, "database_unavailable")
    assert response.headers["retry-after"] == "2"
    assert client.get("/api/problems/lstm-states-2", headers=ALICE).status_code == 200  # released
