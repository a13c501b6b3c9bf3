"""A launch from the test platform through real HTTP: a student lands on their answer page signed in,
answers, and the platform receives the score the gradebook shows, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from tests.lti.conftest import Deployment, launch, signed_in_cookie
from tests.lti.platform import INSTRUCTOR


def test_a_student_launch_opens_the_answer_page_and_the_score_reaches_the_platform(tool: Deployment) -> None:
    platform = tool.platform
    response, _ = launch(tool, platform.launch_claims("user-7", "lstm-states-2"), user="user-7")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/p/lstm-states-2"
    cookie = signed_in_cookie(response)
    set_cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("grader_token="))
    set_cookie = set_cookie.lower()
    assert "samesite=none" in set_cookie and "secure" in set_cookie and "httponly" in set_cookie
    assert "partitioned" in set_cookie  # kept by browsers that block third-party cookies (CHIPS)

    page = httpx.get(f"{tool.url}/p/lstm-states-2", headers={"Cookie": cookie})
    assert page.status_code == 200 and "lti1-user-7" in page.text
    # the registered platform may frame the page
    assert page.headers["content-security-policy"].endswith(f"frame-ancestors 'self' {platform.url}")

    answered = httpx.post(
        f"{tool.url}/p/lstm-states-2", data={"answer": "[1, -1, 0, 1, -1]"},
        headers={"Cookie": cookie, "Origin": tool.url},
    )  # fmt: skip
    assert answered.status_code == 200 and "Correct." in answered.text

    [score] = platform.wait_for_scores(1)
    assert score["userId"] == "user-7"
    assert score["scoreGiven"] == 1.0 and score["scoreMaximum"] == 1.0
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert score["lineitem"] == platform.lineitem("lstm-states-2")
    assert platform.received.score_headers[0]["content-type"] == "application/vnd.ims.lis.v1.score+json"
    # the token came from the client-credentials grant with the tool's signed assertion
    [grant] = platform.received.token_requests
    assert grant["grant_type"] == "client_credentials"
    assert grant["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert grant["assertion"]["iss"] == grant["assertion"]["sub"] == "grader-tool"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in grant["scope"].split()
    assert tool.stored()["lti_users"] == 1


def test_an_instructor_launch_shows_the_staff_view(tool: Deployment) -> None:
    body = tool.platform.launch_claims("teacher", "lstm-states-2", roles=(INSTRUCTOR,))
    response, _ = launch(tool, body, user="teacher")
    assert response.status_code == 200, response.text
    assert 'data-view="staff"' in response.text and "LSTM states 2" in response.text
    assert not [h for h in response.headers.get_list("set-cookie") if h.startswith("grader_token=")]
