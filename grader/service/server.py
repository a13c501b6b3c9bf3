"""Building the app from command-line settings, and running it under uvicorn (one or N workers)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from grader.auth import read_secret, read_staff_token, secret_warnings
from grader.lti.keys import ToolKeys
from grader.service.app import create_app
from grader.service.middleware import DEFAULT_FRAME_ANCESTORS
from grader.service.settings import DEFAULT_LIMITS, ServiceSettings
from grader.spec.loader import load_problems
from grader.storage import Limits, RateLimit, open_storage

__all__ = ["ServeOptions", "build_app", "app_from_environment", "serve", "startup_warnings"]

_ENV_PREFIX = "GRADER_SERVE_"


@dataclass(frozen=True)
class ServeOptions:
    """What `grade serve` was asked for."""

    problems: Path
    db: str
    secret_file: Path | None = None
    staff_token_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    access_log: bool = False
    log_level: str = "warning"
    #: Addresses whose X-Forwarded-Proto/-For are believed (uvicorn's list: IPs, networks, `*`);
    #: None: no proxy is trusted and those headers are ignored.
    forwarded_allow_ips: str | None = None
    frame_ancestors: tuple[str, ...] = DEFAULT_FRAME_ANCESTORS
    limits: Limits = DEFAULT_LIMITS
    #: The LTI tool's key file (created, mode 0600, when missing); None: LTI is off.
    lti_keys: Path | None = None

    def to_environment(self) -> dict[str, str]:
        """The options worker processes need, as environment variables (secrets stay where they are)."""
        cap = self.limits.max_unreadable
        values = {
            "PROBLEMS": str(self.problems.resolve()),
            "DB": self.db,
            "SECRET_FILE": "" if self.secret_file is None else str(self.secret_file.resolve()),
            "STAFF_TOKEN_FILE": "" if self.staff_token_file is None else str(self.staff_token_file.resolve()),
            "WORKERS": str(self.workers),
            "FRAME_ANCESTORS": " ".join(self.frame_ancestors),
            "RATE_LIMIT": "off" if self.limits.rate is None else str(self.limits.rate),
            "MAX_UNREADABLE": "off" if cap is None else str(cap),
            "LTI_KEYS": "" if self.lti_keys is None else str(self.lti_keys.resolve()),
        }
        return {_ENV_PREFIX + name: value for name, value in values.items()}

    @classmethod
    def from_environment(cls) -> ServeOptions:
        def path(name: str) -> Path | None:
            value = os.environ.get(_ENV_PREFIX + name, "")
            return Path(value) if value else None

        problems = path("PROBLEMS")
        assert problems is not None, "app_from_environment runs under `grade serve`"
        cap = os.environ.get(_ENV_PREFIX + "MAX_UNREADABLE", "off")
        limits = Limits(
            rate=RateLimit.parse(os.environ.get(_ENV_PREFIX + "RATE_LIMIT", "off")),
            max_unreadable=None if cap == "off" else int(cap),
        )
        return cls(
            problems=problems,
            db=os.environ[_ENV_PREFIX + "DB"],
            secret_file=path("SECRET_FILE"),
            staff_token_file=path("STAFF_TOKEN_FILE"),
            workers=int(os.environ.get(_ENV_PREFIX + "WORKERS", "1")),
            frame_ancestors=tuple(os.environ.get(_ENV_PREFIX + "FRAME_ANCESTORS", "'self'").split()),
            limits=limits,
            lti_keys=path("LTI_KEYS"),
        )


def startup_warnings(options: ServeOptions) -> list[str]:
    """What is weak in the settings, one line each (a missing secret is an error, as in build_app)."""
    secret = read_secret(options.secret_file)
    staff_token = read_staff_token(options.staff_token_file)
    return secret_warnings(secret, staff_token, options.secret_file, options.staff_token_file)


def build_app(options: ServeOptions, *, migrate: bool = True) -> FastAPI:
    """Load the problems, read the secrets, open (and migrate) the database, build the app.

    Every error is a GraderError with a one-line message (spec, secrets, database URL, schema).
    """
    problems = load_problems(options.problems)
    secret = read_secret(options.secret_file)
    staff_token = read_staff_token(options.staff_token_file)
    lti_keys = None if options.lti_keys is None else ToolKeys.load(options.lti_keys)
    storage = open_storage(options.db, migrate=migrate, processes=options.workers)
    settings = ServiceSettings(
        problems=problems, storage=storage, secret=secret, staff_token=staff_token,
        frame_ancestors=options.frame_ancestors, limits=options.limits, lti_keys=lti_keys,
    )
    return create_app(settings)


def app_from_environment() -> FastAPI:
    """uvicorn's factory in each worker: the parent already migrated, so workers only check the schema."""
    return build_app(ServeOptions.from_environment(), migrate=False)


def serve(options: ServeOptions) -> None:
    """Check everything in this process (clear errors, exit 2), then run uvicorn."""
    import uvicorn

    app = build_app(options)  # migrates; fails here, before any worker starts, on any bad setting
    # X-Forwarded-Proto decides whether the login cookie is Secure: believe it only from the
    # proxies named, never from whoever reaches the port (uvicorn's default trusts 127.0.0.1)
    proxy_headers = options.forwarded_allow_ips is not None
    if options.workers == 1:
        uvicorn.run(
            app, host=options.host, port=options.port, access_log=options.access_log,
            log_level=options.log_level, proxy_headers=proxy_headers,
            forwarded_allow_ips=options.forwarded_allow_ips,
        )
        return
    app.state.checker.storage.close()
    os.environ.update(options.to_environment())
    uvicorn.run(
        "grader.service.server:app_from_environment",
        factory=True,
        host=options.host,
        port=options.port,
        workers=options.workers,
        access_log=options.access_log,
        log_level=options.log_level,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=options.forwarded_allow_ips,
    )
