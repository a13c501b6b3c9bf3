"""The answer page as HTML (the browser test drives the same pages in Chromium)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import student_token


def signed_in(client: TestClient, student: str = "alice") -> TestClient:
    response = client.post(
        "/login", data={"token": student_token(student), "next": "/p/lstm-states-2"}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/p/lstm-states-2")
    assert (
        "httponly" in response.headers["set-cookie"].lower()
        and "samesite=strict" in response.headers["set-cookie"].lower()
    )
    return client


def test_the_page_shows_statement_math_inputs_form_and_attempts(client: TestClient) -> None:
    page = signed_in(client).get("/p/lstm-states-2").text
    assert page.count("<math") >= 20  # every $…$ of the statement is MathML
    assert '<code id="inputs">1, 1, 0, 1, 1</code>' in page
    assert '<label for="answer">' in page and '<input id="answer" name="answer"' in page
    assert "You have used 0 of 5 attempts." in page
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/1998/Math/MathML"', ""
    )


def test_submitting_the_form(client: TestClient) -> None:
    signed_in(client)
    page = client.post("/p/lstm-states-2", data={"answer": "[1, -1, 0, 0, 1]"}).text
    assert "Not correct: h_3 and h_4 are wrong; the other entries are right." in page
    assert "You have used 1 of 5 attempts." in page
    page = client.post("/p/lstm-states-2", data={"answer": "[1, -1, 0, 1, -1]"}).text
    assert '<strong class="status">Correct</strong>' in page and "You have used 2 of 5 attempts." in page


def test_checkboxes_for_a_choice_problem(client: TestClient) -> None:
    signed_in(client)
    page = client.post("/p/lstm-info", data={"kind": "choice", "answer": ["c"]}).text
    assert "Correct" in page and 'id="choice-c" name="answer"' in page
    assert "You have used 1 of 2 attempts." in page


def test_pages_refuse_strangers_and_cross_site_posts(client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/p/lstm-states-2").status_code == 401
    bad = client.post("/login", data={"token": "st.forged"})
    assert bad.status_code == 401 and "signature does not match" in bad.text
    signed_in(client)
    assert client.get("/p/nope").status_code == 404
    cross = client.post("/p/lstm-states-2", data={"answer": "1"}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403


def test_redirects_stay_on_this_site(client: TestClient) -> None:
    response = client.post(
        "/login", data={"token": student_token("a"), "next": "https://evil.example/"}, follow_redirects=False
    )
    assert response.headers["location"] == "/"


def test_sign_in_and_sign_out_posted_from_another_site_are_refused(client: TestClient) -> None:
    evil = {"Origin": "https://evil.example"}
    # a forged sign-in would leave the attacker's token in the student's browser
    mallory = {"token": student_token("mallory")}
    forged = client.post("/login", data=mallory, headers=evil, follow_redirects=False)
    assert forged.status_code == 403 and "set-cookie" not in forged.headers
    signed_in(client)
    kept = client.post("/logout", headers=evil, follow_redirects=False)
    assert kept.status_code == 403 and "set-cookie" not in kept.headers
    assert client.get("/p/lstm-states-2").status_code == 200
    # from this site (the test client's Host is `testserver`) both still work
    same = {"Origin": "http://testserver"}
    assert client.post("/logout", headers=same, follow_redirects=False).status_code == 303
    response = client.post("/login", data={"token": student_token("a")}, headers=same, follow_redirects=False)
    assert response.status_code == 303


def test_the_worked_solution_is_one_table_under_solution(client: TestClient) -> None:
    signed_in(client)
    for _ in range(3):  # exact-states reveals its solution after the last of three attempts
        page = client.post("/p/exact-states", data={"answer": "[0, 0, 0]"}).text
    feedback = page.split('id="feedback">')[1].split("</div>")[0]
    assert "Worked solution" not in feedback and "h_{t-1}" not in feedback
    solution = page.split('<section class="solution"')[1].split("</section>")[0]
    assert solution.count("<table") == 1 and solution.count("<tr>") == 1 + 3  # header + one per step
    assert '<th scope="col"><math' in solution and "<td>0.2748</td>" in solution
    assert "<pre" not in page and page.count("<table") == 1
