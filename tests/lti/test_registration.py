"""Registering platforms (`grade lti add|list|remove`), the tool's key file, /lti/jwks and /lti/config."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from grader.cli.main import main
from tests.lti.conftest import Deployment
from tests.service.conftest import Database

PLATFORM = [
    "--issuer", "https://canvas.example.edu", "--client-id", "10000000000001",
    "--auth-login-url", "https://canvas.example.edu/api/lti/authorize_redirect",
    "--auth-token-url", "https://canvas.example.edu/login/oauth2/token",
    "--keyset-url", "https://canvas.example.edu/api/lti/security/jwks",
]  # fmt: skip


def test_add_list_and_remove_a_platform(database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lti", "add", "--db", database.url, *PLATFORM, "--deployment-id", "1:abc"]) == 0
    assert main(["lti", "add", "--db", database.url, *PLATFORM, "--deployment-id", "2:def"]) == 0
    assert main(["lti", "list", "--db", database.url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "added https://canvas.example.edu client 10000000000001: deployments 1:abc"
    assert out[1] == "updated https://canvas.example.edu client 10000000000001: deployments 1:abc, 2:def"
    assert out[2].split("\t")[:3] == [
        "https://canvas.example.edu",
        "client 10000000000001",
        "deployments 1:abc,2:def",
    ]
    remove = ["lti", "remove", "--db", database.url, "--issuer", "https://canvas.example.edu"]
    assert main([*remove, "--client-id", "10000000000001"]) == 0
    assert main(["lti", "list", "--db", database.url]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "no platforms registered"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ["--issuer", "http://canvas.example.edu"],
            "--issuer: expected an https:// URL; got 'http://canvas.example.edu'",
        ),
        (["--keyset-url", "ftp://x/jwks"], "--keyset-url: expected an https:// URL; got 'ftp://x/jwks'"),
        (["--client-id", " "], "--client-id: empty"),
    ],
)
def test_a_bad_registration_is_refused_naming_the_option(
    sqlite_database: Database, capsys: pytest.CaptureFixture[str], change: list[str], message: str
) -> None:
    arguments = dict(zip(PLATFORM[::2], PLATFORM[1::2], strict=True)) | dict(
        zip(change[::2], change[1::2], strict=True)
    )
    flat = [item for pair in arguments.items() for item in pair]
    assert main(["lti", "add", "--db", sqlite_database.url, *flat, "--deployment-id", "1"]) == 2
    assert capsys.readouterr().err == f"grade: error: {message}\n"


def test_removing_an_unknown_platform_is_an_error(
    sqlite_database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["lti", "remove", "--db", sqlite_database.url, "--issuer", "https://x.example", "--client-id", "1"]
    )
    assert code == 2
    assert "no such platform registered" in capsys.readouterr().err


def test_the_key_file_is_made_once_owner_only_and_rotation_keeps_the_old_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "lti-keys.json"
    assert main(["lti", "rotate-key", "--keys", str(keys)]) == 0
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    first = json.loads(keys.read_text())["keys"]
    assert len(first) == 1 and "d" in first[0]  # private
    assert main(["lti", "rotate-key", "--keys", str(keys)]) == 0
    second = json.loads(keys.read_text())["keys"]
    assert second[0]["kid"] == first[0]["kid"] and len(second) == 2
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert main(["lti", "rotate-key", "--keys", str(keys)]) == 0
    third = json.loads(keys.read_text())["keys"]
    assert third[0]["kid"] == second[1]["kid"] and len(third) == 2
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == f"{keys}: signing key {third[1]['kid']} (2 published at /lti/jwks)"


def test_the_key_file_defaults_to_beside_the_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("x" * 32)
    assert main(["lti", "rotate-key", "--secret-file", str(secret)]) == 0
    assert (tmp_path / "lti-keys.json").exists()


def test_jwks_and_config_are_served(sqlite_tool: Deployment) -> None:
    jwks = httpx.get(f"{sqlite_tool.url}/lti/jwks").json()
    [key] = jwks["keys"]
    stored = json.loads(sqlite_tool.keys.read_text())["keys"][0]
    assert key["kid"] == stored["kid"] and key["alg"] == "RS256" and key["use"] == "sig"
    assert "d" not in key and "p" not in key  # public parts only
    assert stat.S_IMODE(sqlite_tool.keys.stat().st_mode) == 0o600
    config = httpx.get(f"{sqlite_tool.url}/lti/config").json()
    assert config["oidc_initiation_url"] == f"{sqlite_tool.url}/lti/login"
    assert config["redirect_uris"] == [f"{sqlite_tool.url}/lti/launch"]
    assert config["public_jwk_url"] == f"{sqlite_tool.url}/lti/jwks"
    assert set(config["scopes"]) == {
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    }


def test_lti_routes_say_when_the_server_has_no_key_file(client: TestClient) -> None:
    response = client.get("/lti/jwks")
    assert response.status_code == 404 and response.json()["error"]["code"] == "lti_not_configured"
