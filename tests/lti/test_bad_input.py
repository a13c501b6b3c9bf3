"""Every bad login or launch the issue lists is refused with a clear 4xx and its code, logged
without the token, and stores nothing (no nonce, no user mapping, no outbox row).

One server (SQLite) for the module: each test starts its own login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.lti.conftest import Deployment, deployed, post_launch, start_login, wait_for_log
from tests.lti.platform import CLIENT_ID, DEPLOYMENT_ID, TestPlatform, new_key


@pytest.fixture(scope="module")
def shared_tool(tmp_path_factory: pytest.TempPathFactory, course_dir: Path) -> Iterator[Deployment]:
    directory = tmp_path_factory.mktemp("lti-bad-input")
    with (
        TestPlatform().running() as platform,
        deployed(platform, str(directory / "grader.db"), directory, course_dir) as deployment,
    ):
        yield deployment


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], body: dict[str, Any]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(body).encode())


def refused(
    tool: Deployment, response: httpx.Response, status: int, code: str, before: dict[str, int]
) -> None:
    assert response.status_code == status, response.text
    assert f'data-code="{code}"' in response.text
    assert tool.stored() == before  # nothing stored
    assert not [h for h in response.headers.get_list("set-cookie") if h.startswith("grader_token=")]


def attempt(tool: Deployment, change: Any = None, *, problem: str = "lstm-states-2") -> httpx.Response:
    """A launch through a real login whose id_token the test made (`change(body) -> token`)."""
    platform = tool.platform
    login = start_login(tool, "hint", "user-x")
    body = platform.launch_claims("user-x", problem) | {"nonce": login.nonce}
    token = change(body) if change is not None else platform.sign(body)
    return post_launch(tool, token, login.state, login.cookie)


def test_a_good_launch_passes_the_same_way(shared_tool: Deployment) -> None:
    # the control: the helper's untouched launch is accepted, so each refusal below is its change's
    assert attempt(shared_tool).status_code == 303


def test_a_token_signed_by_an_unknown_key_under_the_platforms_kid(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    forger = new_key(shared_tool.platform.key.kid or "")
    response = attempt(shared_tool, lambda body: shared_tool.platform.sign(body, key=forger))
    refused(shared_tool, response, 401, "lti_invalid_token", before)
    assert "signature" in response.text


def test_a_kid_missing_from_the_platforms_jwks(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    other = new_key("not-published")
    response = attempt(shared_tool, lambda body: shared_tool.platform.sign(body, key=other))
    refused(shared_tool, response, 401, "lti_invalid_token", before)
    assert "kid" in response.text


def test_a_token_from_another_platform(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    stranger = new_key("stranger")
    response = attempt(
        shared_tool,
        lambda body: shared_tool.platform.sign(body | {"iss": "https://other.example"}, key=stranger),
    )
    refused(shared_tool, response, 400, "lti_unknown_platform", before)


def test_an_expired_token(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    response = attempt(
        shared_tool,
        lambda body: shared_tool.platform.sign(body | {"exp": body["iat"] - 3600, "iat": body["iat"] - 4000}),
    )
    refused(shared_tool, response, 401, "lti_invalid_token", before)
    assert "expired" in response.text


def test_a_token_issued_in_the_future(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    response = attempt(
        shared_tool, lambda body: shared_tool.platform.sign(body | {"iat": body["iat"] + 3600})
    )
    refused(shared_tool, response, 401, "lti_invalid_token", before)


def test_a_replayed_nonce(shared_tool: Deployment) -> None:
    platform = shared_tool.platform
    login = start_login(shared_tool, "hint", "user-replay")
    token = platform.sign(platform.launch_claims("user-replay", "lstm-states-2") | {"nonce": login.nonce})
    assert post_launch(shared_tool, token, login.state, login.cookie).status_code == 303
    before = shared_tool.stored()
    again = post_launch(shared_tool, token, login.state, login.cookie)
    refused(shared_tool, again, 401, "lti_nonce_replayed", before)


def test_a_nonce_other_than_the_logins(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    response = attempt(
        shared_tool, lambda body: shared_tool.platform.sign(body | {"nonce": "chosen-by-attacker"})
    )
    refused(shared_tool, response, 401, "lti_invalid_token", before)


def test_a_state_that_does_not_match_the_cookie(shared_tool: Deployment) -> None:
    platform = shared_tool.platform
    first = start_login(shared_tool, "hint", "user-x")
    second = start_login(shared_tool, "hint", "user-x")
    before = shared_tool.stored()
    token = platform.sign(platform.launch_claims("user-x", "lstm-states-2") | {"nonce": first.nonce})
    # the first login's state with the second login's cookie
    response = post_launch(shared_tool, token, first.state, second.cookie)
    refused(shared_tool, response, 400, "lti_bad_state", before)
    # a cookie whose value was not signed by the tool
    forged = first.cookie.split("=", 1)[0] + "=" + "x" * 40
    refused(shared_tool, post_launch(shared_tool, token, first.state, forged), 400, "lti_bad_state", before)


def test_a_launch_without_the_login_cookie(shared_tool: Deployment) -> None:
    platform = shared_tool.platform
    login = start_login(shared_tool, "hint", "user-x")
    before = shared_tool.stored()
    token = platform.sign(platform.launch_claims("user-x", "lstm-states-2") | {"nonce": login.nonce})
    refused(shared_tool, post_launch(shared_tool, token, login.state, None), 400, "lti_bad_state", before)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"iss": "https://unknown.example"}, "iss"),
        ({"client_id": "someone-else"}, "client_id"),
        ({"lti_deployment_id": "deployment-9"}, "lti_deployment_id"),
    ],
)
def test_a_login_from_an_unknown_issuer_client_or_deployment(
    shared_tool: Deployment, change: dict[str, str], named: str
) -> None:
    before = shared_tool.stored()
    query = {
        "iss": shared_tool.platform.issuer, "login_hint": "user-x", "client_id": CLIENT_ID,
        "lti_deployment_id": DEPLOYMENT_ID, "target_link_uri": f"{shared_tool.url}/lti/launch",
    } | change  # fmt: skip
    response = httpx.get(f"{shared_tool.url}/lti/login", params=query)
    refused(shared_tool, response, 400, "lti_unknown_platform", before)
    assert named in response.text
    assert not response.headers.get_list("set-cookie")


def test_a_launch_from_an_unregistered_deployment(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    key = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
    response = attempt(shared_tool, lambda body: shared_tool.platform.sign(body | {key: "deployment-9"}))
    refused(shared_tool, response, 400, "lti_unknown_platform", before)


def test_a_wrong_aud(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    response = attempt(shared_tool, lambda body: shared_tool.platform.sign(body | {"aud": "another-tool"}))
    refused(shared_tool, response, 401, "lti_invalid_token", before)
    assert "aud" in response.text


def test_a_wrong_azp(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    change = {"aud": [CLIENT_ID, "another-tool"], "azp": "another-tool"}
    response = attempt(shared_tool, lambda body: shared_tool.platform.sign(body | change))
    refused(shared_tool, response, 401, "lti_invalid_token", before)


def test_alg_none(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    response = attempt(
        shared_tool, lambda body: _unsigned({"alg": "none", "kid": "platform-key-1"}, body) + "."
    )
    refused(shared_tool, response, 401, "lti_invalid_token", before)
    assert "alg" in response.text


def test_hs256_with_the_platforms_public_key_as_the_secret(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    public = shared_tool.platform.key.as_pem(private=False)

    def forge(body: dict[str, Any]) -> str:
        signing_input = _unsigned({"alg": "HS256", "kid": "platform-key-1"}, body)
        return signing_input + "." + _b64(hmac.new(public, signing_input.encode(), hashlib.sha256).digest())

    response = attempt(shared_tool, forge)
    refused(shared_tool, response, 401, "lti_invalid_token", before)


def test_a_message_type_the_tool_does_not_handle(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    key = "https://purl.imsglobal.org/spec/lti/claim/message_type"
    response = attempt(
        shared_tool, lambda body: shared_tool.platform.sign(body | {key: "LtiSubmissionReviewRequest"})
    )
    refused(shared_tool, response, 400, "lti_unsupported_message", before)


def test_a_version_other_than_1_3_0(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    key = "https://purl.imsglobal.org/spec/lti/claim/version"
    response = attempt(shared_tool, lambda body: shared_tool.platform.sign(body | {key: "1.1"}))
    refused(shared_tool, response, 401, "lti_invalid_token", before)


def test_a_launch_for_a_problem_that_does_not_exist(shared_tool: Deployment) -> None:
    before = shared_tool.stored()
    response = attempt(shared_tool, problem="no-such-problem")
    refused(shared_tool, response, 404, "unknown_problem", before)


def test_a_learner_cannot_deep_link(shared_tool: Deployment) -> None:
    platform = shared_tool.platform
    login = start_login(shared_tool, "hint", "user-x")
    body = platform.deep_linking_claims("user-x") | {"nonce": login.nonce}
    body["https://purl.imsglobal.org/spec/lti/claim/roles"] = [
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
    ]
    before = shared_tool.stored()
    response = post_launch(shared_tool, platform.sign(body), login.state, login.cookie)
    refused(shared_tool, response, 400, "lti_unsupported_message", before)


def test_refusals_are_logged_without_the_token(shared_tool: Deployment) -> None:
    marker = "aud-marker-that-appears-only-in-the-token"
    token_seen: list[str] = []

    def sign(body: dict[str, Any]) -> str:
        token_seen.append(shared_tool.platform.sign(body | {"aud": marker}))
        return token_seen[-1]

    assert attempt(shared_tool, sign).status_code == 401
    # the refusal is logged before the response is sent; read what the server wrote so far
    log = wait_for_log(shared_tool.server, "LTI launch refused: lti_invalid_token")
    assert token_seen[0] not in log
    assert token_seen[0].split(".")[1] not in log
