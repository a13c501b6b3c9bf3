"""A PostgreSQL database that turns read-only while serving (a failover to a standby, or set
read-only by its administrator): submissions get 503 database_unavailable, reads still work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from grader.storage import Storage, open_storage
from tests.service.conftest import Database, as_student

ALICE = as_student("alice")


@pytest.fixture
def read_only_storage(postgres_database: Database) -> Iterator[Storage]:
    """The test database, migrated, then opened with every transaction read-only (as on a standby)."""
    open_storage(postgres_database.url).close()
    # libpq's `options` URL parameter: a server setting for every connection
    url = f"{postgres_database.url}&options={quote('-cdefault_transaction_read_only=on')}"
    store = open_storage(url, migrate=False)
    yield store
    store.close()


def test_a_read_only_database_answers_503_to_submissions_and_serves_reads(
    make_client: Callable[[Storage], TestClient], read_only_storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(read_only_storage)
    response = client.post(
        "/api/problems/lstm-states-2/submissions", json={"answer": "[1, -1, 0, 1, -1]"}, headers=ALICE
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response.headers["retry-after"] == "2"
    # the client is told to come back; the operator's log says why
    assert "cannot execute INSERT in a read-only transaction" in caplog.text

    view = client.get("/api/problems/lstm-states-2", headers=ALICE)
    assert (view.status_code, view.json()["attempts_used"]) == (200, 0)
