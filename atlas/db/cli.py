"""``python -m atlas db upgrade|status`` and ``python -m atlas migrate --to URL``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from atlas.db import DATABASE_ENV, database_url, shown

URL_HELP = f"postgresql://user@host:port/name (default: ${DATABASE_ENV})"


def _url(args: argparse.Namespace) -> str | None:
    url = getattr(args, "url", None) or database_url()
    if url is None:
        print(f"error: no database: set {DATABASE_ENV} or pass --url", file=sys.stderr)
    return url


def _cmd_upgrade(args: argparse.Namespace) -> int:
    from atlas.access import cli_user, require
    from atlas.db.migrate import current, upgrade

    url = _url(args)
    if url is None:
        return 2
    require(cli_user(), "manage_store", what="database schema")
    before = current(url)
    after = upgrade(url)
    if before == after:
        print(f"{shown(url)}: schema {after}, already current")
    else:
        print(f"{shown(url)}: schema {before or 'none'} -> {after}")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from atlas.db.migrate import current, head

    url = _url(args)
    if url is None:
        return 2
    found = current(url)
    expected = head()
    state = "current" if found == expected else f"needs `python -m atlas db upgrade` to {expected}"
    print(f"{shown(url)}: schema {found or 'none'} ({state})")
    return 0 if found == expected else 2


def _cmd_migrate(args: argparse.Namespace) -> int:
    from atlas.access import cli_user, require
    from atlas.datasets import DatasetStore
    from atlas.db.datasets import DatabaseDatasetStore
    from atlas.db.documents import copy_documents
    from atlas.db.migrate import upgrade

    require(cli_user(), "manage_store", what=f"copy into {shown(args.to)}")
    source = DatasetStore(args.data, geodata=getattr(args, "geodata", None))
    upgrade(args.to)
    target = DatabaseDatasetStore(args.to)
    copied = target.copy_from(source)
    documents = copy_documents(source.folder, args.to)
    print(
        f"{source.folder} -> {shown(args.to)}: {copied.versions:,} dataset versions copied, "
        f"{copied.skipped:,} already there; {documents.briefings:,} briefings, "
        f"{documents.positions:,} presentation positions, {documents.notes:,} notes and "
        f"{documents.audit:,} audit entries copied"
    )
    return 0


def add_database_commands(commands: Any) -> None:
    """Add ``db`` and ``migrate`` to the subcommands of ``python -m atlas``."""
    db = commands.add_parser("db", help="the shared database's schema (admins)")
    actions = db.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="create or upgrade the schema (idempotent)")
    upgrade.add_argument("--url", help=URL_HELP)
    upgrade.set_defaults(run=_cmd_upgrade)
    status = actions.add_parser("status", help="say which schema the database has")
    status.add_argument("--url", help=URL_HELP)
    status.set_defaults(run=_cmd_status)
    migrate = commands.add_parser(
        "migrate",
        help="copy the data directory (datasets with their history, briefings, notes, "
        "audit log) into a database; run again, it copies only what is missing",
    )
    migrate.add_argument("--to", required=True, metavar="URL", help="postgresql://…")
    migrate.add_argument(
        "--data", type=Path, default=None, help="data directory (default: $ATLAS_DATA_DIR or data/)"
    )
    migrate.set_defaults(run=_cmd_migrate)
