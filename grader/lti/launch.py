"""Verifying an LTI 1.3 launch: the OIDC login's state and nonce, the id_token and its claims.

Every refusal is a LaunchRefused with a stable code, raised before anything is stored; the
messages never quote the token.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from grader.lti import claims
from grader.lti.errors import LaunchRefused
from grader.lti.platforms import Platform

__all__ = [
    "LEEWAY",
    "STATE_MAX_AGE",
    "DeepLinkSettings",
    "JwksCache",
    "Launch",
    "LoginState",
    "authorization_url",
    "verify_id_token",
]

#: Clock difference tolerated on `exp` and `iat`.
LEEWAY = timedelta(seconds=60)
#: How long a browser has between the login redirect and the launch.
STATE_MAX_AGE = 600
#: A JWKS fetched is kept this long; an unknown kid refetches it (a platform rotated its keys),
#: at most once per `_REFETCH_SECONDS` per platform so forged kids cannot make us hammer it.
_JWKS_SECONDS = 600.0
_REFETCH_SECONDS = 10.0
_HANDLED = (claims.RESOURCE_LINK_REQUEST, claims.DEEP_LINKING_REQUEST)


@dataclass(frozen=True)
class DeepLinkSettings:
    return_url: str
    accept_types: tuple[str, ...]
    data: str | None


@dataclass(frozen=True)
class Launch:
    """A verified launch: who, from where, for what."""

    platform: Platform
    message_type: str
    sub: str
    roles: tuple[str, ...]
    deployment_id: str
    nonce: str
    expires: datetime
    #: The problem a resource link opens (its `custom.problem`, or `?problem=` of the target link).
    problem: str | None
    #: The AGS line item the scores of this link go to, when the platform granted the score scope.
    lineitem: str | None
    deep_link: DeepLinkSettings | None

    @property
    def staff(self) -> bool:
        return claims.is_staff(self.roles)


class LoginState:
    """The OIDC `state` and `nonce` of one login, bound to the browser by a signed cookie."""

    def __init__(self, secret: str) -> None:
        self._signer = TimestampSigner(secret, salt="grader.lti.state")

    @staticmethod
    def cookie_name(state: str) -> str:
        return f"lti-state-{state}"

    def new(self) -> tuple[str, str, str]:
        """(state, nonce, the cookie's value)."""
        state = secrets.token_urlsafe(24)
        nonce = secrets.token_urlsafe(24)
        return state, nonce, self._signer.sign(nonce).decode()

    def nonce_of(self, state: str, cookies: dict[str, str]) -> str:
        """The nonce the login made for `state`, when this browser holds its cookie."""
        if not state or len(state) > 64 or not all(c.isalnum() or c in "-_" for c in state):
            raise LaunchRefused("lti_bad_state", "state: missing or malformed")
        value = cookies.get(self.cookie_name(state))
        if value is None:
            raise LaunchRefused(
                "lti_bad_state",
                "state: this browser did not start this login (no cookie for it; third-party "
                "cookies blocked, or the login was started elsewhere)",
            )
        try:
            return self._signer.unsign(value, max_age=STATE_MAX_AGE).decode()
        except SignatureExpired:
            raise LaunchRefused(
                "lti_bad_state", "state: the login is older than 10 minutes; launch again"
            ) from None
        except BadSignature:
            raise LaunchRefused("lti_bad_state", "state: the cookie does not match the state") from None


def authorization_url(
    platform: Platform,
    *,
    redirect_uri: str,
    login_hint: str,
    message_hint: str | None,
    state: str,
    nonce: str,
) -> str:
    """Where the login sends the browser: the platform's OIDC authorization endpoint."""
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": redirect_uri,
        "login_hint": login_hint,
        "state": state,
        "nonce": nonce,
    }
    if message_hint is not None:
        query["lti_message_hint"] = message_hint
    separator = "&" if urlsplit(platform.auth_login_url).query else "?"
    return platform.auth_login_url + separator + urlencode(query)


class JwksCache:
    """The platforms' public keys, fetched on first use and cached; refetched for an unknown kid."""

    def __init__(
        self, fetch: Callable[[str], Any] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fetch = fetch or _fetch_json
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[float, dict[str, RSAKey]]] = {}

    def key(self, keyset_url: str, kid: str) -> RSAKey:
        with self._lock:
            fetched = self._keys.get(keyset_url)
            now = self._clock()
            stale = fetched is None or now - fetched[0] > _JWKS_SECONDS
            missing = fetched is not None and kid not in fetched[1] and now - fetched[0] > _REFETCH_SECONDS
            if stale or missing:
                fetched = (now, self._load(keyset_url))
                self._keys[keyset_url] = fetched
            assert fetched is not None
        key = fetched[1].get(kid)
        if key is None:
            raise LaunchRefused(
                "lti_invalid_token", f"kid {kid!r} is not among the platform's keys ({keyset_url})"
            )
        return key

    def _load(self, keyset_url: str) -> dict[str, RSAKey]:
        try:
            data = self._fetch(keyset_url)
            keyset = KeySet.import_key_set(data)
        except (httpx.HTTPError, ValueError, TypeError, KeyError, JoseError) as error:
            raise LaunchRefused(
                "lti_platform_unavailable",
                f"the platform's keys could not be read from {keyset_url}: {error}",
            ) from None
        return {key.kid: key for key in keyset.keys if isinstance(key, RSAKey) and key.kid}


def _fetch_json(url: str) -> Any:
    response = httpx.get(url, timeout=10.0, follow_redirects=False)
    response.raise_for_status()
    return response.json()


def _segment(token: str, index: int) -> dict[str, Any]:
    try:
        part = token.split(".")[index]
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        raise LaunchRefused("lti_invalid_token", "id_token: not a signed JWT") from None
    if not isinstance(value, dict):
        raise LaunchRefused("lti_invalid_token", "id_token: not a signed JWT")
    return value


def _audiences(payload: dict[str, Any]) -> list[str]:
    aud = payload.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        return aud
    raise LaunchRefused("lti_invalid_token", "aud: missing")


def _problem_of(payload: dict[str, Any]) -> str | None:
    custom = payload.get(claims.CUSTOM)
    if isinstance(custom, dict) and isinstance(custom.get("problem"), str):
        return str(custom["problem"])
    target = payload.get(claims.TARGET_LINK_URI)
    if isinstance(target, str):
        found = parse_qs(urlsplit(target).query).get("problem")
        if found:
            return found[-1]
    return None


def _time(payload: dict[str, Any], name: str) -> float:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LaunchRefused("lti_invalid_token", f"{name}: missing or not a number")
    return float(value)


def verify_id_token(
    id_token: str,
    *,
    platforms: Callable[[str], list[Platform]],
    jwks: JwksCache,
    nonce: str,
    now: datetime,
) -> Launch:
    """Verify a launch's id_token; `platforms(issuer)` are those registered for its issuer.

    The checks, in order: a JWT signed with RS256 (not `none`, not HS256), a registered issuer,
    `aud` naming a client id registered for it (and `azp` that one when present), a `kid` in the
    platform's JWKS and a signature by that key, `exp` and `iat` within LEEWAY, the login's nonce,
    a registered deployment id, LTI version 1.3.0 and a message type the tool handles.
    """
    header = _segment(id_token, 0)
    if header.get("alg") != "RS256":
        raise LaunchRefused("lti_invalid_token", f"alg: expected RS256; got {header.get('alg')!r}")
    unverified = _segment(id_token, 1)
    issuer = unverified.get("iss")
    registered = platforms(issuer) if isinstance(issuer, str) else []
    if not registered:
        raise LaunchRefused("lti_unknown_platform", f"iss: no platform registered with issuer {issuer!r}")
    audiences = _audiences(unverified)
    matching = [p for p in registered if p.client_id in audiences]
    if not matching:
        raise LaunchRefused(
            "lti_invalid_token", f"aud: {audiences} names none of this tool's client ids at {issuer}"
        )
    platform = matching[0]
    azp = unverified.get("azp")
    if (azp is not None or len(audiences) > 1) and azp != platform.client_id:
        raise LaunchRefused("lti_invalid_token", f"azp: expected {platform.client_id!r}; got {azp!r}")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise LaunchRefused("lti_invalid_token", "kid: missing from the token's header")
    key = jwks.key(platform.keyset_url, kid)
    try:
        payload = jwt.decode(id_token, key, algorithms=["RS256"]).claims
    except JoseError:
        raise LaunchRefused(
            "lti_invalid_token", "signature: does not verify with the platform's key"
        ) from None
    moment = now.timestamp()
    if _time(payload, "exp") < moment - LEEWAY.total_seconds():
        raise LaunchRefused("lti_invalid_token", "exp: the token has expired")
    if _time(payload, "iat") > moment + LEEWAY.total_seconds():
        raise LaunchRefused("lti_invalid_token", "iat: the token was issued in the future")
    if not isinstance(payload.get("nonce"), str) or not secrets.compare_digest(payload["nonce"], nonce):
        raise LaunchRefused("lti_invalid_token", "nonce: not the one this login made")
    deployment = payload.get(claims.DEPLOYMENT_ID)
    if deployment not in platform.deployment_ids:
        raise LaunchRefused(
            "lti_unknown_platform", f"deployment_id: {deployment!r} is not registered for {issuer}"
        )
    if payload.get(claims.VERSION) != claims.LTI_VERSION:
        raise LaunchRefused(
            "lti_invalid_token", f"version: expected 1.3.0; got {payload.get(claims.VERSION)!r}"
        )
    message_type = payload.get(claims.MESSAGE_TYPE)
    if message_type not in _HANDLED:
        raise LaunchRefused(
            "lti_unsupported_message",
            f"message_type: {message_type!r}; this tool handles {', '.join(_HANDLED)}",
        )
    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise LaunchRefused("lti_invalid_token", "sub: missing (an anonymous launch cannot answer problems)")
    roles = payload.get(claims.ROLES, [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise LaunchRefused("lti_invalid_token", "roles: expected a list of role URIs")
    deep_link = None
    if message_type == claims.DEEP_LINKING_REQUEST:
        settings = payload.get(claims.DEEP_LINKING_SETTINGS)
        if not isinstance(settings, dict) or not isinstance(settings.get("deep_link_return_url"), str):
            raise LaunchRefused("lti_invalid_token", "deep_linking_settings: deep_link_return_url missing")
        data = settings.get("data")
        deep_link = DeepLinkSettings(
            return_url=settings["deep_link_return_url"],
            accept_types=tuple(str(t) for t in settings.get("accept_types", [])),
            data=data if isinstance(data, str) else None,
        )
    elif not isinstance(payload.get(claims.RESOURCE_LINK), dict):
        raise LaunchRefused("lti_invalid_token", "resource_link: missing")
    endpoint = payload.get(claims.AGS_ENDPOINT)
    lineitem = None
    if isinstance(endpoint, dict) and claims.SCOPE_SCORE in endpoint.get("scope", []):
        found = endpoint.get("lineitem")
        lineitem = found if isinstance(found, str) else None
    return Launch(
        platform=platform,
        message_type=str(message_type),
        sub=sub,
        roles=tuple(roles),
        deployment_id=str(deployment),
        nonce=nonce,
        expires=datetime.fromtimestamp(_time(payload, "exp"), now.tzinfo) + LEEWAY,
        problem=_problem_of(payload),
        lineitem=lineitem,
        deep_link=deep_link,
    )
