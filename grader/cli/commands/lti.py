"""Register LMS platforms for LTI 1.3 launches, rotate the tool's key, re-send scores to line items.

  grade lti add --db URL --issuer URL --client-id ID --deployment-id ID --auth-login-url URL
                --auth-token-url URL --keyset-url URL      (again with another --deployment-id adds it)
  grade lti list --db URL
  grade lti remove --db URL --issuer URL --client-id ID
  grade lti rotate-key --keys FILE                         (a new signing key; the old one stays published)
  grade lti sync --db URL --keys FILE --problems DIR       (re-send every stored score; prints each)

The tool's key file is --keys, else $GRADER_LTI_KEYS (as for `grade serve --lti-keys`), else
lti-keys.json beside --secret-file; rotate-key creates it (mode 0600) when missing. See docs/lti.md.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from grader.cli.commands.common import add_problems_option
from grader.errors import EXIT_OK, EXIT_USAGE, UsageError

EXIT_CODES = {
    EXIT_OK: "done (sync: every score delivered)",
    1: "sync: some scores could not be delivered (each named on stdout; they stay queued)",
    EXIT_USAGE: "usage error, a bad URL, a database that cannot be reached, or an unreadable key file",
}

#: The environment variable naming the tool's key file when --keys and --secret-file are not given.
KEYS_ENV = "GRADER_LTI_KEYS"
DEFAULT_DATABASE = "grader.db"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("add", "list", "remove", "rotate-key", "sync"))
    parser.add_argument(
        "--db",
        default=DEFAULT_DATABASE,
        metavar="PATH|URL",
        help=f"SQLite file or postgresql://… URL (default: {DEFAULT_DATABASE})",
    )
    parser.add_argument("--issuer", metavar="URL", help="add, remove: the platform's issuer (iss)")
    parser.add_argument("--client-id", metavar="ID", help="add, remove: the tool's client id at the platform")
    parser.add_argument(
        "--deployment-id",
        action="append",
        default=[],
        metavar="ID",
        help="add: a deployment id the platform launches with (repeatable)",
    )
    parser.add_argument("--auth-login-url", metavar="URL", help="add: the platform's OIDC authorization URL")
    parser.add_argument("--auth-token-url", metavar="URL", help="add: the platform's OAuth2 token URL")
    parser.add_argument("--keyset-url", metavar="URL", help="add: the platform's public keys (JWKS) URL")
    parser.add_argument(
        "--keys",
        type=Path,
        metavar="FILE",
        help=f"rotate-key, sync: the tool's key file (default: ${KEYS_ENV}, else beside --secret-file)",
    )
    parser.add_argument("--secret-file", type=Path, metavar="FILE", help="the service's secret file")
    add_problems_option(parser)


def key_file(keys: Path | None, secret_file: Path | None) -> Path:
    """The tool's key file: --keys, else $GRADER_LTI_KEYS (as `grade serve` reads it), else
    lti-keys.json beside --secret-file."""
    from grader.lti import default_key_file

    found = (
        keys
        or (Path(os.environ[KEYS_ENV]) if os.environ.get(KEYS_ENV, "").strip() else None)
        or default_key_file(secret_file)
    )
    if found is None:
        raise UsageError(f"the tool's key file: give --keys FILE or --secret-file FILE, or set ${KEYS_ENV}")
    return found


def _require(args: argparse.Namespace, *names: str) -> None:
    missing = [f"--{name.replace('_', '-')}" for name in names if not getattr(args, name)]
    if missing:
        raise UsageError(f"grade lti {args.action}: {', '.join(missing)} required")


def run(args: argparse.Namespace) -> int:
    try:
        from grader.lti import Platform, ToolKeys, add_platform, list_platforms, remove_platform
        from grader.storage import open_storage
    except ImportError as error:
        raise UsageError(
            f"grade lti needs the server extra: pip install 'grader[server]' ({error})"
        ) from None
    if args.action == "rotate-key":
        path = key_file(args.keys, args.secret_file)
        existed = path.exists()
        keys = ToolKeys.load(path)
        if existed:
            keys = keys.rotate()
        print(f"{path}: signing key {keys.kid} ({len(keys.keys)} published at /lti/jwks)")
        return EXIT_OK
    storage = open_storage(args.db)
    try:
        engine = storage.engine
        if args.action == "add":
            _require(
                args, "issuer", "client_id", "deployment_id", "auth_login_url", "auth_token_url", "keyset_url"
            )
            platform, created = add_platform(
                engine,
                Platform(
                    issuer=args.issuer,
                    client_id=args.client_id,
                    deployment_ids=tuple(args.deployment_id),
                    auth_login_url=args.auth_login_url,
                    auth_token_url=args.auth_token_url,
                    keyset_url=args.keyset_url,
                ),
            )
            verb = "added" if created else "updated"
            deployments = ", ".join(platform.deployment_ids)
            print(f"{verb} {platform.issuer} client {platform.client_id}: deployments {deployments}")
        elif args.action == "list":
            platforms = list_platforms(engine)
            for platform in platforms:
                fields = (
                    platform.issuer,
                    f"client {platform.client_id}",
                    f"deployments {','.join(platform.deployment_ids)}",
                    f"login {platform.auth_login_url}",
                    f"token {platform.auth_token_url}",
                    f"keys {platform.keyset_url}",
                )
                print("\t".join(fields))
            if not platforms:
                print("no platforms registered")
        elif args.action == "remove":
            _require(args, "issuer", "client_id")
            if not remove_platform(engine, args.issuer, args.client_id):
                raise UsageError(
                    f"--issuer {args.issuer} --client-id {args.client_id}: no such platform registered"
                )
            print(f"removed {args.issuer} client {args.client_id}")
        else:
            return _sync(args, storage)
    finally:
        storage.close()
    return EXIT_OK


def _sync(args: argparse.Namespace, storage: object) -> int:
    from grader.lti import ToolKeys
    from grader.lti.passback import ScoreSender
    from grader.service.checking import Checker
    from grader.spec.loader import load_problems
    from grader.storage import Storage

    assert isinstance(storage, Storage)
    problems = load_problems(args.problems)
    checker = Checker(problems, storage)
    keys = ToolKeys.load(key_file(args.keys, args.secret_file), create=False)
    sender = ScoreSender(storage.engine, keys, checker.lti_score)
    queued = sender.resend_all()
    delivered = failed = 0
    try:
        # a row that fails is put off (backoff), so each pass takes new rows until none is due
        while results := sender.send_due():
            for sent in results:
                where = f"{sent.student} {sent.problem} -> {sent.lineitem}"
                if sent.error is None:
                    delivered += 1
                    print(f"sent {sent.score:g}/{sent.maximum:g}: {where}")
                else:
                    failed += 1
                    print(f"not sent: {where}: {sent.error}")
    finally:
        sender.close()
    print(f"{queued} score(s) queued: {delivered} delivered, {failed} not delivered (retried by the server)")
    return 1 if failed else EXIT_OK
