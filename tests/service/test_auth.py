"""Tokens and secrets: who gets in, who does not, and why."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from grader.auth import (
    Caller,
    TokenExpired,
    TokenInvalid,
    identify,
    issue_student_token,
    read_secret,
    read_staff_token,
    verify_student_token,
)
from grader.errors import UsageError
from tests.service.conftest import NOW, SECRET, STAFF_TOKEN, student_token


def test_a_token_names_its_student_until_it_expires() -> None:
    token = issue_student_token(SECRET, "alice", now=NOW, valid_for=timedelta(days=2))
    assert verify_student_token(SECRET, token, now=NOW) == "alice"
    assert verify_student_token(SECRET, token, now=NOW + timedelta(days=2, seconds=-1)) == "alice"
    with pytest.raises(TokenExpired, match="expired at 2026-03-03T12:00:00"):
        verify_student_token(SECRET, token, now=NOW + timedelta(days=2))


def _altered(token: str) -> str:
    """The same token with its payload claiming bob (signature unchanged)."""
    import base64
    import json

    payload, signature = token.removeprefix("st.").split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["student"] = "bob"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"st.{forged}.{signature}"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda: _altered(student_token("alice")), id="payload-altered"),
        pytest.param(lambda: student_token("alice", secret="another-secret-of-20-chars"), id="other-secret"),
        pytest.param(lambda: student_token("alice")[:-2], id="truncated"),
        pytest.param(lambda: "st.", id="empty"),
        pytest.param(lambda: "hello", id="not-a-token"),
        pytest.param(lambda: STAFF_TOKEN + "x", id="staff-token-plus-one"),
    ],
)
def test_forged_tokens_are_refused(forge: object) -> None:
    token = forge()  # type: ignore[operator]
    with pytest.raises(TokenInvalid):
        identify(token, secret=SECRET, staff_token=STAFF_TOKEN, now=NOW)


def test_identify_tells_staff_from_students() -> None:
    assert identify(STAFF_TOKEN, secret=SECRET, staff_token=STAFF_TOKEN, now=NOW) == Caller("staff")
    assert identify(student_token("bo"), secret=SECRET, staff_token=STAFF_TOKEN, now=NOW) == Caller(
        "student", "bo"
    )


def test_secrets_come_from_a_file_or_the_environment_and_never_default(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("from-a-file-0123456789\n")
    assert read_secret(path, environ={}) == "from-a-file-0123456789"
    assert (
        read_secret(None, environ={"GRADER_SECRET": "from-the-env-0123456789"}) == "from-the-env-0123456789"
    )
    assert (
        read_staff_token(None, environ={"GRADER_STAFF_TOKEN": "staff-0123456789abc"}) == "staff-0123456789abc"
    )
    with pytest.raises(UsageError, match="no GRADER_SECRET: set the environment variable"):
        read_secret(None, environ={})
    with pytest.raises(UsageError, match="no GRADER_STAFF_TOKEN"):
        read_staff_token(None, environ={"GRADER_STAFF_TOKEN": "  "})
    with pytest.raises(UsageError, match="too short"):
        read_secret(None, environ={"GRADER_SECRET": "short"})
    with pytest.raises(UsageError, match="cannot read"):
        read_secret(tmp_path / "missing", environ={})
