"""Deep linking: an instructor picks problems; the tool answers an LtiDeepLinkingResponse (signed
with its key, auto-posted by a static script) with one resource link and line item per problem."""

from __future__ import annotations

import re

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.lti.conftest import Deployment, launch
from tests.lti.platform import CLIENT_ID, DEPLOYMENT_ID

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def _picker(tool: Deployment) -> str:
    response, _ = launch(tool, tool.platform.deep_linking_claims("teacher"), user="teacher")
    assert response.status_code == 200, response.text
    [context] = re.findall(r'name="context" value="([^"]+)"', response.text)
    return context


def test_the_instructor_picks_problems_and_the_platform_gets_one_link_and_line_item_each(
    sqlite_tool: Deployment,
) -> None:
    context = _picker(sqlite_tool)
    response = httpx.post(
        f"{sqlite_tool.url}/lti/deep-link",
        data={"context": context, "problem": ["lstm-states-2", "lstm-info"]},
    )
    assert response.status_code == 200, response.text
    return_url = f"{sqlite_tool.platform.url}/deep-link-return"
    assert f'<form id="lti-return" method="post" action="{return_url}">' in response.text
    # no inline script: the form is submitted by a static file the CSP allows
    assert '<script src="/static/lti-return.js"></script>' in response.text
    assert "<script>" not in response.text
    policy = response.headers["content-security-policy"]
    assert f"form-action 'self' {sqlite_tool.platform.url}" in policy and "script-src 'self';" in policy
    assert httpx.get(f"{sqlite_tool.url}/static/lti-return.js").status_code == 200

    [token] = re.findall(r'name="JWT" value="([^"]+)"', response.text)
    keys = KeySet.import_key_set(httpx.get(f"{sqlite_tool.url}/lti/jwks").json())
    claims = jwt.decode(token, keys, algorithms=["RS256"]).claims
    assert claims["iss"] == CLIENT_ID and claims["aud"] == sqlite_tool.platform.issuer
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == DEPLOYMENT_ID
    assert claims[DL + "data"] == "opaque-platform-data"
    items = claims[DL + "content_items"]
    assert [item["type"] for item in items] == ["ltiResourceLink", "ltiResourceLink"]
    assert [item["custom"] for item in items] == [{"problem": "lstm-states-2"}, {"problem": "lstm-info"}]
    assert [item["lineItem"]["resourceId"] for item in items] == ["lstm-states-2", "lstm-info"]
    assert [item["lineItem"]["scoreMaximum"] for item in items] == [1.0, 1.0]
    assert items[0]["url"] == f"{sqlite_tool.url}/lti/launch?problem=lstm-states-2"


def test_a_pick_without_a_context_from_a_launch_is_refused(sqlite_tool: Deployment) -> None:
    response = httpx.post(
        f"{sqlite_tool.url}/lti/deep-link", data={"context": "forged", "problem": "lstm-info"}
    )
    assert response.status_code == 400 and 'data-code="lti_bad_state"' in response.text


def test_a_pick_of_a_problem_that_does_not_exist_is_refused(sqlite_tool: Deployment) -> None:
    context = _picker(sqlite_tool)
    response = httpx.post(f"{sqlite_tool.url}/lti/deep-link", data={"context": context, "problem": "nope"})
    assert response.status_code == 404 and 'data-code="unknown_problem"' in response.text
