"""Create or migrate the service's database (`grade db upgrade --db URL`), or show its schema revision."""

from __future__ import annotations

import argparse

from grader.cli.commands.common import add_database_options, database_of
from grader.errors import EXIT_OK, EXIT_USAGE, UsageError

EXIT_CODES = {
    EXIT_OK: "migrated (or already at the newest schema), or the revision printed",
    EXIT_USAGE: "usage error, a database that cannot be reached, a schema newer than this grader knows, "
    "or (current) a SQLite file that does not exist",
}

#: grader.storage.DEFAULT_DATABASE, spelled out so `grade` starts without the server extra.
DEFAULT_DATABASE = "grader.db"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("upgrade", "current"),
        help="upgrade: create or migrate to the newest schema; current: print the database's revision "
        "(never creates it)",
    )
    add_database_options(
        parser,
        help="SQLite file or postgresql://user@host/db URL (default: --db-url-file, else "
        f"$GRADER_DATABASE_URL, else {DEFAULT_DATABASE})",
    )


def run(args: argparse.Namespace) -> int:
    try:
        from grader.storage import (
            check_schema,
            database_url,
            existing_database_url,
            head_revision,
            make_engine,
            masked,
        )
        from grader.storage import upgrade as upgrade_schema
    except ImportError as error:
        raise UsageError(f"grade db needs the server extra: pip install 'grader[server]' ({error})") from None
    db = database_of(args, default=DEFAULT_DATABASE)
    assert db is not None
    url = existing_database_url(db) if args.action == "current" else database_url(db)
    engine = make_engine(url)
    try:
        if args.action == "current":
            revision = check_schema(engine)
            state = revision or "empty (no grader schema)"
            print(f"{masked(url)}: {state} (newest known: {head_revision()})")
        else:
            before, after = upgrade_schema(engine)
            if before == after:
                print(f"{masked(url)}: already at {after}")
            else:
                print(f"{masked(url)}: migrated {before or 'empty'} → {after}")
    finally:
        engine.dispose()
    return EXIT_OK
