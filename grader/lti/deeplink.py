"""The deep-linking response: one ltiResourceLink per problem picked, each with its line item."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from joserfc import jwt

from grader.lti import claims
from grader.lti.keys import ToolKeys

__all__ = ["content_item", "deep_linking_response"]


def content_item(launch_url: str, problem_id: str, title: str, points: float) -> dict[str, Any]:
    """The resource link of one problem; its line item's maximum is the problem's points."""
    return {
        "type": "ltiResourceLink",
        "title": title,
        "url": f"{launch_url}?problem={problem_id}",
        "custom": {"problem": problem_id},
        "lineItem": {"scoreMaximum": points, "label": title, "resourceId": problem_id},
    }


def deep_linking_response(
    keys: ToolKeys,
    *,
    client_id: str,
    issuer: str,
    deployment_id: str,
    data: str | None,
    items: Sequence[dict[str, Any]],
    now: datetime,
) -> str:
    """The LtiDeepLinkingResponse JWT, signed with the tool's current key (the platform reads its
    kid from /lti/jwks)."""
    payload: dict[str, Any] = {
        "iss": client_id,
        "aud": issuer,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + 600,
        "nonce": secrets.token_urlsafe(16),
        claims.MESSAGE_TYPE: claims.DEEP_LINKING_RESPONSE,
        claims.VERSION: claims.LTI_VERSION,
        claims.DEPLOYMENT_ID: deployment_id,
        claims.CONTENT_ITEMS: list(items),
    }
    if data is not None:
        payload[claims.DL_DATA] = data
    return jwt.encode({"alg": "RS256", "kid": keys.kid, "typ": "JWT"}, payload, keys.signing)
