"""The XQueue adapter: an Open edX request in, the graded reply out, recorded like any submission."""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from grader.service.xqueue import parse_xqueue
from grader.storage import Storage
from tests.service.conftest import STAFF, STAFF_TOKEN

#: XQueue numbers its submissions; each request here is a new one unless a test says otherwise.
_SUBMISSION_IDS = itertools.count(1000)


def xqueue_request(
    response: str,
    payload: str,
    student: str = "a1b2c3",
    time: str = "20260301110000",
    submission_id: int | str | None = None,
) -> dict[str, str]:
    """A request as XQueue sends it: xqueue_body and student_info are JSON text inside JSON."""
    info = json.dumps({"anonymous_student_id": student, "submission_time": time, "random_seed": 1})
    body = {"student_info": info, "student_response": response, "grader_payload": payload}
    number = next(_SUBMISSION_IDS) if submission_id is None else submission_id
    return {
        "xqueue_header": json.dumps({"submission_id": number, "submission_key": "ffcd9335"}),
        "xqueue_body": json.dumps(body),
        "xqueue_files": "{}",
    }


@pytest.mark.parametrize(
    ("response", "payload", "reply"),
    [
        ("[1, -1, 0, 1, -1]", '{"problem": "lstm-states-2"}', (True, 1.0, "Correct.")),
        ("[1, -1, 0, 0, 1]", "lstm-states-2", (False, 0.0, "Not correct: h_3 and h_4 are wrong")),
        ("c", '{"problem": "lstm-info"}', (True, 1.0, "Correct.")),
        ("seven", "lstm-states-2", (False, 0.0, "Could not read your answer")),
    ],
)
def test_round_trip(
    client: TestClient, sqlite_storage: Storage, response: str, payload: str, reply: tuple[bool, float, str]
) -> None:
    answer = client.post("/xqueue/grade", json=xqueue_request(response, payload), headers=STAFF)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"correct", "score", "msg"}
    assert (body["correct"], body["score"]) == reply[:2]
    assert body["msg"].startswith('<div class="grader-feedback"><p>' + reply[2])
    (stored,) = sqlite_storage.submissions(student="a1b2c3")
    assert (stored.source, stored.raw) == ("xqueue", response)


def test_form_encoded_and_basic_auth_as_a_queue_url_would_send(client: TestClient) -> None:
    basic = base64.b64encode(f"xqueue:{STAFF_TOKEN}".encode()).decode()
    answer = client.post(
        "/xqueue/grade",
        data=xqueue_request("[1, -1, 0, 1, -1]", "lstm-states-2"),
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.json()["correct"] is True


def test_lateness_uses_the_submission_time_and_refusals_are_replies(client: TestClient) -> None:
    # due-reject was due 2026-02-01: submitted on 2026-01-31 (queued until now) it is on time
    on_time = client.post(
        "/xqueue/grade", json=xqueue_request("[1, -1]", "due-reject", time="20260131230000"), headers=STAFF
    )
    assert on_time.json()["correct"] is True
    late = client.post(
        "/xqueue/grade", json=xqueue_request("[1, -1]", "due-reject", time="20260202000000"), headers=STAFF
    )
    assert late.status_code == 200
    assert late.json()["correct"] is False and "late answers are not accepted" in late.json()["msg"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"nothing": 1}, 422, "invalid_request"),
        ({"xqueue_body": "not json"}, 422, "invalid_request"),
        (
            {"xqueue_body": json.dumps({"student_response": "1", "grader_payload": "lstm-states-2"})},
            422,
            "invalid_request",
        ),
        (xqueue_request("1", '{"problem": "nope"}'), 404, "unknown_problem"),
        (xqueue_request("1", "{}"), 422, "invalid_request"),
        (xqueue_request("1", "lstm-states-2", student="x" * 201), 422, "invalid_request"),
    ],
)
def test_malformed_requests(client: TestClient, body: dict[str, object], status: int, code: str) -> None:
    answer = client.post("/xqueue/grade", json=body, headers=STAFF)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)


def test_malformed_json_and_no_token(client: TestClient) -> None:
    broken = client.post("/xqueue/grade", content=b"{", headers=STAFF | {"Content-Type": "application/json"})
    assert broken.json()["error"]["code"] == "malformed_json"
    anonymous = client.post("/xqueue/grade", json=xqueue_request("1", "lstm-states-2"))
    assert anonymous.json()["error"]["code"] == "missing_token"


#: Brackets far past the nesting limit (64 levels) and past what the standard JSON parser can
#: recurse through, yet well inside the 64 KiB body limit.
DEEP = "[" * 20_000 + "]" * 20_000
_INFO = json.dumps({"anonymous_student_id": "a1b2c3"})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (DEEP, "the request body"),
        (json.dumps({"xqueue_body": DEEP}), "xqueue_body"),
        (
            json.dumps({"xqueue_body": json.dumps(
                {"student_info": DEEP, "student_response": "1", "grader_payload": "lstm-states-2"}
            )}),
            "xqueue_body.student_info",
        ),
        (
            json.dumps({"xqueue_body": json.dumps(
                {"student_info": _INFO, "student_response": "1", "grader_payload": "{" + '"a":' + DEEP + "}"}
            )}),
            "xqueue_body.grader_payload",
        ),
    ],
    ids=["request", "xqueue_body", "student_info", "grader_payload"],
)
def test_json_nested_too_deeply_is_refused_where_it_is(client: TestClient, body: str, field: str) -> None:
    answer = client.post(
        "/xqueue/grade", content=body.encode(), headers=STAFF | {"Content-Type": "application/json"}
    )
    assert (answer.status_code, answer.json()["error"]) == (
        422,
        {"code": "invalid_request", "message": f"{field}: nested too deeply (more than 64 levels)"},
    )


def test_json_nested_to_the_limit_is_read() -> None:
    # 64 levels are allowed, as in a submission file: the limit refuses no more than it must
    payload = '{"problem": "p", "x": ' + "[" * 63 + "]" * 63 + "}"
    body = {"student_info": _INFO, "student_response": "1", "grader_payload": payload}
    assert parse_xqueue({"xqueue_body": json.dumps(body)}).problem == "p"


def test_the_revealed_solution_is_one_html_table(client: TestClient) -> None:
    """exact-states reveals its solution after the third attempt: the table comes once, as a table."""
    for attempt in (1, 2, 3):
        request = xqueue_request("[0, 0, 0]", "exact-states", time=f"2026030111000{attempt}")
        message = client.post("/xqueue/grade", json=request, headers=STAFF).json()["msg"]
    assert message.count("<table") == 1 and message.count("<tr>") == 1 + 3  # header + one per step
    assert "Worked solution:" not in message and "h_t before rounding" not in message  # no text table
    assert '<th scope="col">h_{t-1}</th>' in message and "<td>0.2748" in message
    lesson = message.split("</p>")[0]
    assert lesson.startswith('<div class="grader-feedback"><p>Not correct') and "\n" not in lesson


@pytest.mark.parametrize(
    ("response", "counted"), [("[1, -1, 0, 0, 1]", True), ("seven", False)], ids=["wrong", "unreadable"]
)
def test_a_redelivery_gets_the_stored_reply_and_uses_no_attempt(
    make_client: Callable[[Storage], TestClient], storage: Storage, response: str, counted: bool
) -> None:
    client = make_client(storage)
    request = xqueue_request(response, "lstm-states-2", submission_id=72)
    replies = [client.post("/xqueue/grade", json=request, headers=STAFF) for _ in range(3)]
    assert [r.status_code for r in replies] == [200] * 3
    assert replies[1].json() == replies[0].json() == replies[2].json()
    assert f"used {1 if counted else 0} of 5" in replies[0].json()["msg"]
    assert storage.count(student="a1b2c3") == 1
    assert storage.attempts_used("a1b2c3", "lstm-states-2") == (1 if counted else 0)
    # a new submission_id is a new submission
    client.post("/xqueue/grade", json=xqueue_request(response, "lstm-states-2"), headers=STAFF)
    assert storage.count(student="a1b2c3") == 2


def test_concurrent_deliveries_of_one_submission_claim_one_attempt(
    make_client: Callable[[Storage], TestClient], storage: Storage
) -> None:
    deliveries = 8
    client = make_client(storage)
    request = xqueue_request("[1, -1, 0, 0, 1]", "lstm-states-2", submission_id="4242")
    barrier = threading.Barrier(deliveries)

    def deliver(_: int) -> Any:
        barrier.wait()
        reply = client.post("/xqueue/grade", json=request, headers=STAFF)
        return reply.status_code, reply.json()

    with ThreadPoolExecutor(max_workers=deliveries) as pool:
        replies = list(pool.map(deliver, range(deliveries)))
    assert {status for status, _ in replies} == {200}
    assert all(body == replies[0][1] for _, body in replies)
    assert "used 1 of 5" in replies[0][1]["msg"]
    assert storage.count(student="a1b2c3") == 1
    assert storage.attempts_used("a1b2c3", "lstm-states-2") == 1


def test_submission_ids_are_answered_once_per_queue_and_never_for_another_learner(client: TestClient) -> None:
    first = xqueue_request("[1, -1, 0, 0, 1]", "lstm-states-2", submission_id=7)
    assert client.post("/xqueue/grade", json=first, headers=STAFF).status_code == 200
    other_queue = client.post("/xqueue/grade?queue=lstm-2", json=first, headers=STAFF)
    assert "used 2 of 5" in other_queue.json()["msg"]
    reused = xqueue_request("[1, -1, 0, 0, 1]", "lstm-states-2", student="someone-else", submission_id=7)
    answer = client.post("/xqueue/grade", json=reused, headers=STAFF)
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "delivery_conflict")
    assert "[1, -1" not in answer.text


@pytest.mark.parametrize(
    "header", ["not json", json.dumps({"submission_id": [1]}), json.dumps({"submission_id": ""})]
)
def test_a_malformed_submission_id_is_refused(client: TestClient, header: str) -> None:
    request = xqueue_request("1", "lstm-states-2") | {"xqueue_header": header}
    answer = client.post("/xqueue/grade", json=request, headers=STAFF)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_request")
    assert "xqueue_header" in answer.json()["error"]["message"]
