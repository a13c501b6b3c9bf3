"""The platforms (LMSs) registered with the tool, kept in the service's database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, insert, select, update

from grader.lti.errors import LtiError
from grader.storage.schema import lti_platforms, lti_scores, lti_users

__all__ = ["Platform", "add_platform", "check_url", "find_platform", "list_platforms", "remove_platform"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Platform:
    """A registered platform: who it is (issuer, the tool's client id there) and its endpoints."""

    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    auth_login_url: str
    auth_token_url: str
    keyset_url: str
    id: int = 0

    @property
    def origin(self) -> str:
        """The platform's web origin (where its pages frame the tool): its login URL's."""
        parts = urlsplit(self.auth_login_url)
        return f"{parts.scheme}://{parts.netloc}"


def check_url(option: str, url: str) -> str:
    """An https URL (http only on this machine's loopback, for testing); LtiError naming `option`."""
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in _LOOPBACK
    if not (parts.scheme == "https" or loopback) or not parts.netloc:
        raise LtiError(f"{option}: expected an https:// URL; got {url!r}")
    return url


def _row(row: Any) -> Platform:
    return Platform(
        id=int(row.id),
        issuer=row.issuer,
        client_id=row.client_id,
        deployment_ids=tuple(json.loads(row.deployment_ids)),
        auth_login_url=row.auth_login_url,
        auth_token_url=row.auth_token_url,
        keyset_url=row.keyset_url,
    )


def add_platform(engine: Engine, platform: Platform) -> tuple[Platform, bool]:
    """Register `platform`, or add its deployment ids to the one already registered with the same
    issuer and client id (its URLs updated). Returns (the stored platform, whether it is new)."""
    check_url("--issuer", platform.issuer)
    for option, url in (
        ("--auth-login-url", platform.auth_login_url),
        ("--auth-token-url", platform.auth_token_url),
        ("--keyset-url", platform.keyset_url),
    ):
        check_url(option, url)
    if not platform.client_id.strip():
        raise LtiError("--client-id: empty")
    if not platform.deployment_ids or not all(d.strip() for d in platform.deployment_ids):
        raise LtiError("--deployment-id: at least one, none empty")
    with engine.begin() as connection:
        existing = connection.execute(
            select(lti_platforms).where(
                lti_platforms.c.issuer == platform.issuer, lti_platforms.c.client_id == platform.client_id
            )
        ).first()
        values = {
            "auth_login_url": platform.auth_login_url,
            "auth_token_url": platform.auth_token_url,
            "keyset_url": platform.keyset_url,
        }
        if existing is None:
            new_id = connection.execute(
                insert(lti_platforms)
                .values(
                    issuer=platform.issuer,
                    client_id=platform.client_id,
                    deployment_ids=json.dumps(list(dict.fromkeys(platform.deployment_ids))),
                    **values,
                )
                .returning(lti_platforms.c.id)
            ).scalar_one()
            created = True
        else:
            new_id = existing.id
            deployments = list(
                dict.fromkeys([*json.loads(existing.deployment_ids), *platform.deployment_ids])
            )
            connection.execute(
                update(lti_platforms)
                .where(lti_platforms.c.id == new_id)
                .values(deployment_ids=json.dumps(deployments), **values)
            )
            created = False
        stored = connection.execute(select(lti_platforms).where(lti_platforms.c.id == new_id)).one()
    return _row(stored), created


def list_platforms(engine: Engine) -> list[Platform]:
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(select(lti_platforms).order_by(lti_platforms.c.id))]


def find_platform(engine: Engine, issuer: str, client_id: str | None = None) -> Platform | None:
    """The platform of `issuer` (and `client_id`, when given or when the issuer has several)."""
    query = select(lti_platforms).where(lti_platforms.c.issuer == issuer)
    if client_id is not None:
        query = query.where(lti_platforms.c.client_id == client_id)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return _row(rows[0]) if len(rows) == 1 else None


def remove_platform(engine: Engine, issuer: str, client_id: str) -> bool:
    """Forget a platform (its users' mapping and pending scores with it); False if none was registered."""
    with engine.begin() as connection:
        found = connection.execute(
            select(lti_platforms.c.id).where(
                lti_platforms.c.issuer == issuer, lti_platforms.c.client_id == client_id
            )
        ).scalar_one_or_none()
        if found is None:
            return False
        # deleted explicitly: SQLite enforces ON DELETE CASCADE only with its foreign_keys pragma on
        connection.execute(delete(lti_scores).where(lti_scores.c.platform_id == found))
        connection.execute(delete(lti_users).where(lti_users.c.platform_id == found))
        connection.execute(delete(lti_platforms).where(lti_platforms.c.id == found))
    return True
