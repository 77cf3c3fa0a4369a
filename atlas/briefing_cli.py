"""``python -m atlas briefings``: list, add, show, remove and pack briefings; what changed.

A briefing name that is not a safe slug, a view string that does not parse and a missing
briefing each raise :class:`atlas.briefings.BriefingError`, which ``python -m atlas`` ends
with exit code 2 and one line naming it.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from atlas.access import cli_user
from atlas.briefings import BriefingStore, BriefingView, new_briefing, parse_time
from atlas.export.cli import text_argument

EXIT_BAD_INPUT = 2


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _list(args: argparse.Namespace) -> int:
    briefings = BriefingStore(args.data).list()
    if args.json:
        print(json.dumps([b.summary() for b in briefings], ensure_ascii=False))
        return 0
    if not briefings:
        print("no briefings yet (python -m atlas briefings add NAME --title T --view QS)")
        return 0
    print(f"{'name':<24} {'views':>5}  {'updated':<24}  {'last presented':<24}  title")
    for b in briefings:
        s = b.summary()
        print(
            f"{s['name']:<24} {s['views']:>5}  {s['updated_at']:<24}  "
            f"{s['last_presented_at'] or '-':<24}  {s['title']}"
        )
    return 0


def _add(args: argparse.Namespace) -> int:
    captions: list[str] = args.caption or []
    if len(captions) > len(args.view):
        return _fail(f"{len(captions)} captions for {len(args.view)} views")
    views = [
        BriefingView.checked(query, captions[n] if n < len(captions) else f"View {n + 1}")
        for n, query in enumerate(args.view)
    ]
    user = cli_user()
    briefing = BriefingStore(args.data).create(
        new_briefing(args.name, args.title or args.name, views, user), user
    )
    print(f"added briefing {briefing.name!r} with {len(briefing.views)} views")
    return 0


def _show(args: argparse.Namespace) -> int:
    briefing = BriefingStore(args.data).get(args.name)
    if args.json:
        print(json.dumps(briefing.to_json(), ensure_ascii=False))
        return 0
    print(
        f"{briefing.title} ({briefing.name}), by {briefing.author}, updated {briefing.updated_at}"
    )
    for number, view in enumerate(briefing.views, start=1):
        print(f"{number:>3}. {view.caption}  ?{view.query}")
        if view.note:
            print(f"     {view.note}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    BriefingStore(args.data).delete(args.name, cli_user())
    print(f"removed briefing {args.name!r}")
    return 0


def _pack(args: argparse.Namespace) -> int:
    from atlas.export.cli import write_pack
    from atlas.view import parse_query_string

    briefing = BriefingStore(args.data).get(args.name)
    views = [(parse_query_string(v.query).view, v.caption) for v in briefing.views]
    return write_pack(views, briefing.title, args.out, args.geodata)


def _changes(args: argparse.Namespace) -> int:
    from atlas.history import changes_since

    briefing = BriefingStore(args.data).get(args.name)
    since = args.since or (
        parse_time(briefing.last_presented_at) if briefing.last_presented_at else None
    )
    if since is None:
        return _fail(f"briefing {args.name!r} has never been presented: give --since")
    changes = changes_since(since, args.data, cli_user().regions)
    body: dict[str, Any] = changes.to_json()
    if args.json:
        print(json.dumps(body, ensure_ascii=False))
        return 0
    print(
        f"since {body['since']}: {len(body['added'])} added, {len(body['updated'])} updated, "
        f"{len(body['removed'])} removed" + ("" if changes.complete else " (history incomplete)")
    )
    return 0


def _moment(text: str) -> datetime:
    try:
        return parse_time(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date-time") from None


def add_briefing_commands(commands: Any) -> None:
    """Add ``briefings`` and its subcommands to the subcommands of ``python -m atlas``."""
    from pathlib import Path

    data_help = "data directory (default: $ATLAS_DATA_DIR or data/)"
    top = commands.add_parser("briefings", help="saved briefings: list, add, show, remove, pack")
    top.add_argument("--json", action="store_true", help="print one JSON array")
    top.add_argument("--data", type=Path, default=None, help=data_help)
    top.set_defaults(run=_list)
    sub = top.add_subparsers(dest="briefing_command")

    def command(name: str, run: Any, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
        parser.add_argument("--data", type=Path, default=None, help=data_help)
        parser.set_defaults(run=run)
        return parser

    add = command("add", _add, "save a briefing of views")
    add.add_argument("name", type=text_argument, help="a short lower-case name (its address)")
    add.add_argument("--title", type=text_argument, help="the briefing's title")
    add.add_argument(
        "--view", type=text_argument, action="append", required=True, help="a view's query string"
    )
    add.add_argument(
        "--caption", type=text_argument, action="append", help="caption of each view, in order"
    )
    show = command("show", _show, "one briefing and its views")
    show.add_argument("name", type=text_argument)
    show.add_argument("--json", action="store_true", help="print one JSON object")
    remove = command("remove", _remove, "remove a briefing")
    remove.add_argument("name", type=text_argument)
    pack = command("pack", _pack, "a PDF briefing pack of a briefing's views")
    pack.add_argument("name", type=text_argument)
    pack.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    changes = command("changes", _changes, "incidents added, updated and removed since")
    changes.add_argument("name", type=text_argument)
    changes.add_argument(
        "--since", type=_moment, help="an ISO date-time (default: when last presented)"
    )
    changes.add_argument("--json", action="store_true", help="print one JSON object")
