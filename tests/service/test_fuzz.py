"""A bounded schemathesis run over the OpenAPI schema: whatever it sends, no 5xx, always JSON errors.

Each operation gets a fixed number of generated requests (max_examples), as a student, as staff,
and with no token, so the run takes seconds and is the same size every time.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from grader.storage import Storage
from tests.service.conftest import STAFF, as_student

EXAMPLES_PER_OPERATION = 30
CALLERS = {"student": as_student("fuzz"), "staff": STAFF, "nobody": {}}


@pytest.fixture
def api_schema(make_client: Callable[[Storage], TestClient], storage: Storage) -> object:
    """The schema of an app on SQLite, then on PostgreSQL (which refuses what SQLite lets by)."""
    return schemathesis.openapi.from_asgi("/openapi.json", make_client(storage).app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(case: schemathesis.Case) -> None:
    for caller, headers in CALLERS.items():
        response = case.call(headers={**(case.headers or {}), **headers})
        where = f"{case.method} {case.formatted_path} as {caller}"
        assert response.status_code < 500, f"{where}: {response.text[:500]}"
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, where
        assert "Traceback" not in response.text, where
