"""The LTI library's pieces in the tests' own process: the keys, the deep-linking response, the
student ids of platform users (the end-to-end tests drive them through a `grade serve`)."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from grader.lti import claims
from grader.lti.deeplink import content_item, deep_linking_response
from grader.lti.errors import LtiError
from grader.lti.keys import ToolKeys
from grader.lti.records import student_id_for
from grader.storage.schema import STUDENT_LENGTH

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_the_key_file_is_made_once_private_and_rotation_keeps_the_previous_key(tmp_path: Path) -> None:
    path = tmp_path / "lti-keys.json"
    keys = ToolKeys.load(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ToolKeys.load(path).kid == keys.kid  # read back, not made again
    rotated = keys.rotate()
    assert rotated.kid != keys.kid
    assert [key["kid"] for key in rotated.jwks()["keys"]] == [keys.kid, rotated.kid]
    assert all("d" not in key for key in rotated.jwks()["keys"])  # public halves only


def test_a_missing_or_foreign_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LtiError, match="no such key file"):
        ToolKeys.load(tmp_path / "absent.json", create=False)
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"something": "else"}), encoding="utf-8")
    with pytest.raises(LtiError, match="not a key file of the LTI tool"):
        ToolKeys.load(foreign)


def test_the_deep_linking_response_links_each_problem_with_its_line_item(tmp_path: Path) -> None:
    keys = ToolKeys.load(tmp_path / "lti-keys.json")
    items = [content_item("https://grader.example/lti/launch", "lstm-states-2", "LSTM states 2", 1.0)]
    token = deep_linking_response(
        keys, client_id="tool-1", issuer="https://lms.example", deployment_id="d-1",
        data="opaque", items=items, now=NOW,
    )
    decoded = jwt.decode(token, KeySet.import_key_set(keys.jwks()))
    assert decoded.header["kid"] == keys.kid
    body = decoded.claims
    assert (body["iss"], body["aud"], body["exp"] - body["iat"]) == ("tool-1", "https://lms.example", 600)
    assert body[claims.MESSAGE_TYPE] == claims.DEEP_LINKING_RESPONSE and body[claims.DL_DATA] == "opaque"
    (item,) = body[claims.CONTENT_ITEMS]
    assert item["url"] == "https://grader.example/lti/launch?problem=lstm-states-2"
    assert item["lineItem"] == {"scoreMaximum": 1.0, "label": "LSTM states 2", "resourceId": "lstm-states-2"}


def test_a_platform_user_gets_a_readable_student_id_within_the_column() -> None:
    assert student_id_for(3, "user-1") == "lti3-user-1"
    long = student_id_for(3, "x" * (STUDENT_LENGTH + 10))
    assert len(long) <= STUDENT_LENGTH and long.startswith("lti3-")
    assert long != student_id_for(3, "y" * (STUDENT_LENGTH + 10))
