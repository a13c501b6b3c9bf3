"""Text a database cannot store (NUL, lone surrogates) is refused as bad input on both backends, not a 500."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from grader.storage import Storage
from tests.service.conftest import STAFF, as_student

SUBMIT = "/api/problems/lstm-states-2/submissions"
XQUEUE_BODY = {
    "student_info": json.dumps({"anonymous_student_id": "a\x00b"}),
    "student_response": "1",
    "grader_payload": "lstm-states-2",
}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", SUBMIT, b'{"answer": "[1, -1, 0,\\u0000 1, -1]"}'),  # JSON's \u0000 decodes to NUL
        ("POST", SUBMIT, b'{"answer": ["a\\u0000"]}'),
        ("POST", SUBMIT, b'{"answer": "\\ud800"}'),  # a lone surrogate: no UTF-8 encoding
        ("POST", SUBMIT, b'{"answer": ["1", "\\udfff"]}'),
        ("GET", "/api/staff/submissions?student=a%00b", None),
        ("GET", "/api/problems/lstm-states-2?student=a%00b", None),
        ("POST", "/xqueue/grade", json.dumps({"xqueue_body": json.dumps(XQUEUE_BODY)}).encode()),
    ],
)
def test_unstorable_text_is_bad_input(
    make_client: Callable[[Storage], TestClient], storage: Storage, method: str, path: str, body: bytes | None
) -> None:
    headers = as_student("alice") if path == SUBMIT else STAFF
    response = make_client(storage).request(
        method, path, headers=headers | {"Content-Type": "application/json"}, content=body
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "invalid_request")
    assert storage.count() == 0
