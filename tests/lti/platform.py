"""A test LMS on 127.0.0.1: its own key pair and JWKS, an OIDC authorization endpoint that posts an
id_token back to the tool, a token endpoint and AGS line items that record what they receive.

Built on the same JOSE library as the tool (joserfc) and the standard library's HTTP server, so
the tests drive the whole flow through real HTTP. Switches (`token_mode`, `scores_mode`) make the
platform misbehave the ways the issue lists.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from grader.lti import claims

CLIENT_ID = "grader-tool"
DEPLOYMENT_ID = "deployment-1"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)


@dataclass
class Received:
    """What the platform's endpoints were sent."""

    scores: list[dict[str, Any]] = field(default_factory=list)
    score_headers: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    deep_links: list[dict[str, str]] = field(default_factory=list)
    #: Posts to a line item's scores, taken or refused (a platform that is down still sees them).
    score_posts: int = 0
    jwks_fetches: int = 0


class TestPlatform:
    """The platform; `url` once started. `tool_url` is set by the test once the tool listens."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, host: str = "127.0.0.1") -> None:
        #: The host in the platform's URLs: "localhost" makes it another site than a tool on 127.0.0.1
        self.host = host
        self.key = new_key("platform-key-1")
        self.url = ""
        self.tool_url = ""
        self.received = Received()
        self.changed = threading.Condition()
        #: "ok", "error" (an OAuth error response), "garbage" (not JSON), "down" (503)
        self.token_mode = "ok"
        #: "ok", "down" (503), "missing" (404)
        self.scores_mode = "ok"
        #: prepared launches, by the lti_message_hint the login carries
        self.launches: dict[str, dict[str, Any]] = {}
        self._server: ThreadingHTTPServer | None = None
        #: The tool's public keys, fetched from its /lti/jwks once (as a real platform caches them)
        self._tool_keys: KeySet | None = None

    def tool_keys(self) -> KeySet:
        if self._tool_keys is None:
            self._tool_keys = KeySet.import_key_set(httpx.get(f"{self.tool_url}/lti/jwks").json())
        return self._tool_keys

    # -- what the tool is registered with --------------------------------------------------------

    @property
    def issuer(self) -> str:
        return self.url

    def registration(self) -> list[str]:
        """The `grade lti add` arguments for this platform."""
        return [
            "--issuer", self.issuer, "--client-id", CLIENT_ID, "--deployment-id", DEPLOYMENT_ID,
            "--auth-login-url", f"{self.url}/auth", "--auth-token-url", f"{self.url}/token",
            "--keyset-url", f"{self.url}/jwks",
        ]  # fmt: skip

    def lineitem(self, problem: str) -> str:
        return f"{self.url}/lineitems/{problem}"

    # -- tokens ----------------------------------------------------------------------------------

    def launch_claims(
        self, user: str, problem: str | None, *, roles: tuple[str, ...] = (LEARNER,)
    ) -> dict[str, Any]:
        """The claims of a resource-link launch of `problem` by `user` (nonce added at login)."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": user,
            "iat": now,
            "exp": now + 300,
            claims.MESSAGE_TYPE: claims.RESOURCE_LINK_REQUEST,
            claims.VERSION: claims.LTI_VERSION,
            claims.DEPLOYMENT_ID: DEPLOYMENT_ID,
            claims.TARGET_LINK_URI: f"{self.tool_url}/lti/launch",
            claims.RESOURCE_LINK: {"id": f"link-{problem}"},
            claims.ROLES: list(roles),
        }
        if problem is not None:
            body[claims.CUSTOM] = {"problem": problem}
            body[claims.AGS_ENDPOINT] = {
                "scope": [claims.SCOPE_SCORE, claims.SCOPE_LINEITEM],
                "lineitems": f"{self.url}/lineitems",
                "lineitem": self.lineitem(problem),
            }
        return body

    def deep_linking_claims(self, user: str) -> dict[str, Any]:
        body = self.launch_claims(user, None, roles=(INSTRUCTOR,))
        body.pop(claims.RESOURCE_LINK)
        body[claims.MESSAGE_TYPE] = claims.DEEP_LINKING_REQUEST
        body[claims.DEEP_LINKING_SETTINGS] = {
            "deep_link_return_url": f"{self.url}/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "data": "opaque-platform-data",
        }
        return body

    def sign(
        self, body: dict[str, Any], *, key: RSAKey | None = None, header: dict[str, Any] | None = None
    ) -> str:
        signing = key or self.key
        return jwt.encode({"alg": "RS256", "kid": signing.kid, **(header or {})}, body, signing)

    def prepare(self, body: dict[str, Any]) -> str:
        """Register a launch the next login with the returned hint gets (its nonce filled in there)."""
        hint = secrets.token_urlsafe(8)
        self.launches[hint] = body
        return hint

    # -- waiting for what the tool sends -----------------------------------------------------------

    def wait_for_scores(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The scores received once there are `count` (or what there is after `timeout`)."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.received.scores) >= count, timeout=timeout)
            return list(self.received.scores)

    def wait_until(self, condition: Any, timeout: float = 30.0) -> bool:
        """Wait for `condition(received)` to hold (it is checked at each request the platform gets)."""
        with self.changed:
            return bool(self.changed.wait_for(lambda: condition(self.received), timeout=timeout))

    def wait_for_score_posts(self, count: int, timeout: float = 30.0) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.received.score_posts >= count, timeout=timeout)
            return self.received.score_posts

    def wait_for_token_requests(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.received.token_requests) >= count, timeout=timeout)
            return list(self.received.token_requests)

    def _record(self, action: Any) -> None:
        with self.changed:
            action()
            self.changed.notify_all()

    # -- the server ------------------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[TestPlatform]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, value: Any) -> None:
                self._send(status, json.dumps(value).encode())

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
                if parts.path == "/jwks":
                    platform._record(
                        lambda: setattr(platform.received, "jwks_fetches", platform.received.jwks_fetches + 1)
                    )
                    self._json(200, KeySet([platform.key]).as_dict(private=False))
                elif parts.path == "/auth":
                    self._authorize(query)
                elif parts.path == "/course":
                    frame = html.escape(query.get("src", ""))
                    page = (
                        "<!doctype html><title>Course</title>"
                        f'<iframe id="tool" src="{frame}" width="900" height="700"></iframe>'
                    )
                    self._send(200, page.encode(), "text/html")
                else:
                    self._json(404, {"error": "not found"})

            def _authorize(self, query: dict[str, str]) -> None:
                """The OIDC authorization endpoint: an auto-posted form carrying the id_token."""
                body = dict(platform.launches.get(query.get("lti_message_hint", ""), {}))
                if (
                    query.get("client_id") != CLIENT_ID
                    or not body
                    or query.get("redirect_uri") != f"{platform.tool_url}/lti/launch"
                ):
                    self._json(400, {"error": "invalid_request"})
                    return
                body.setdefault("nonce", query.get("nonce", ""))
                token = platform.sign(body)
                page = (
                    "<!doctype html><title>Launching</title>"
                    f'<form id="launch" method="post" action="{html.escape(query["redirect_uri"])}">'
                    f'<input type="hidden" name="id_token" value="{html.escape(token)}">'
                    f'<input type="hidden" name="state" value="{html.escape(query.get("state", ""))}">'
                    "</form><script>document.getElementById('launch').submit()</script>"
                )
                self._send(200, page.encode(), "text/html")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                if parts.path == "/token":
                    self._token(parse_qs(raw.decode()))
                elif parts.path.startswith("/lineitems/") and parts.path.endswith("/scores"):
                    self._score(parts.path, raw)
                elif parts.path == "/deep-link-return":
                    form = {name: values[-1] for name, values in parse_qs(raw.decode()).items()}
                    platform._record(lambda: platform.received.deep_links.append(form))
                    self._send(200, b"<!doctype html><title>Added</title><p>Added.</p>", "text/html")
                else:
                    self._json(404, {"error": "not found"})

            def _token(self, form: dict[str, list[str]]) -> None:
                values = {name: items[-1] for name, items in form.items()}
                mode = platform.token_mode
                if mode == "down":
                    self._json(503, {"error": "temporarily_unavailable"})
                    return
                if mode == "garbage":
                    self._send(200, b"<html>not json</html>", "text/html")
                    return
                if mode == "error":
                    self._json(400, {"error": "invalid_client"})
                    return
                try:
                    tool_keys = platform.tool_keys()
                    assertion = jwt.decode(
                        values.get("client_assertion", ""), tool_keys, algorithms=["RS256"]
                    )
                except Exception as error:  # a bad assertion is the tool's bug: refuse and record it
                    refused = {"refused": str(error)}
                    platform._record(lambda: platform.received.token_requests.append(refused))
                    self._json(401, {"error": "invalid_client"})
                    return
                platform._record(
                    lambda: platform.received.token_requests.append({**values, "assertion": assertion.claims})
                )
                self._json(
                    200,
                    {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 3600},
                )

            def _score(self, path: str, raw: bytes) -> None:
                platform._record(
                    lambda: setattr(platform.received, "score_posts", platform.received.score_posts + 1)
                )
                mode = platform.scores_mode
                if mode == "down":
                    self._json(503, {"error": "down"})
                    return
                if mode == "missing":
                    self._json(404, {"error": "no such line item"})
                    return
                if not self.headers.get("Authorization", "").startswith("Bearer "):
                    self._json(401, {"error": "no token"})
                    return
                score = json.loads(raw)
                score["lineitem"] = platform.url + path.removesuffix("/scores")
                headers = {"content-type": self.headers.get("Content-Type", "")}
                platform._record(
                    lambda: (
                        platform.received.scores.append(score),
                        platform.received.score_headers.append(headers),
                    )
                )
                self._send(204, b"")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server = server
        self.url = f"http://{self.host}:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def login_query(platform: TestPlatform, hint: str, user: str) -> str:
    """The query of the third-party login a platform starts at the tool's /lti/login."""
    return urlencode(
        {
            "iss": platform.issuer,
            "login_hint": user,
            "target_link_uri": f"{platform.tool_url}/lti/launch",
            "lti_message_hint": hint,
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID,
        }
    )
