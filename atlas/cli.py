"""``python -m atlas``: the atlas from the command line (no Streamlit needed).

Exit codes: 0 done; 1 a file could not be written; 2 bad input or data; 141 (128 + SIGPIPE,
as for any tool stopped by a closed pipe) when the reader of the output went away, as
``head`` does after its first lines. That exit is quiet: the output was cut short on purpose.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from atlas.access import RefusedError, cli_user, require, visible_layers
from atlas.audit import read_log
from atlas.briefing_cli import add_briefing_commands
from atlas.briefings import BriefingError
from atlas.db.cli import add_database_commands
from atlas.export.cli import text_argument
from atlas.extent import view_extent
from atlas.fetch import add_fetch_commands
from atlas.filters import deployments_active_between
from atlas.mapping import view_layers
from atlas.store import EmbeddedStore
from atlas.view import parse_query_string
from loaders import AtlasLayers, LayerError

NAMED_LAYERS = {"countries", "regions", "towns"}
EXIT_BAD_INPUT = 2
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE, the status a shell reports for a tool a pipe stopped


def layer_summary(name: str, frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """Rows, CRS, bounds and (for named layers) names of one layer, as plain JSON values."""
    minx, miny, maxx, maxy = (round(float(v), 4) for v in frame.total_bounds)
    summary: dict[str, Any] = {
        "rows": len(frame),
        "crs": frame.crs.to_string() if frame.crs else None,
        "bounds": [minx, miny, maxx, maxy],
    }
    if name in NAMED_LAYERS:
        summary["names"] = sorted(frame["name"].astype(str))
    if name == "regions":
        summary["codes"] = sorted(frame["iso_code"].astype(str))
    return summary


def _cmd_layers(args: argparse.Namespace) -> int:
    layers = EmbeddedStore(args.geodata).layers()
    summaries = {name: layer_summary(name, frame) for name, frame in layers.by_name().items()}
    if layers.imported is not None:  # kept in the shared database, asked per view
        summaries["incidents"]["in_database"] = layers.imported.count()
    if args.json:
        print(json.dumps(summaries, ensure_ascii=False))
        return 0
    print(f"{'layer':<12} {'rows':>6}  {'crs':<10} bounds (min lon, min lat, max lon, max lat)")
    for name, s in summaries.items():
        bounds = ", ".join(f"{v:.2f}" for v in s["bounds"])
        print(f"{name:<12} {s['rows']:>6}  {s['crs']:<10} {bounds}")
    if "in_database" in summaries["incidents"]:
        held = summaries["incidents"]["in_database"]
        print(f"and {held:,} imported incidents in the shared database, asked for per view")
    return 0


def _day_or_none(value: Any) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def view_summary(layers: AtlasLayers, query: str) -> dict[str, Any]:
    """The view a query string resolves to, its parameter errors and the incidents it selects.

    ``deployments`` lists the bases active on the view's last day; ``active_deployments``
    counts those active at any time in its range.
    """
    parsed = parse_query_string(query)
    start, end, incidents, deployments = view_layers(layers, parsed.view)
    view = asdict(parsed.view)
    view.update(date_from=start.isoformat(), date_to=end.isoformat())
    rows = incidents.sort_values(["event_date", "id"])
    on_last_day = deployments_active_between(layers.deployments, end, end)
    bases = on_last_day.sort_values(["start_date", "id"])
    return {
        "view": view,
        "query": parsed.view.to_query_string(),
        "extent": [round(v, 4) for v in view_extent(layers.regions, parsed.view)],
        "errors": [asdict(e) for e in parsed.errors],
        "count": len(incidents),
        "fatalities": int(incidents["fatalities"].fillna(0).sum()),
        "active_deployments": len(deployments),
        "incidents": [
            {
                "id": r.id,
                "date": r.event_date.date().isoformat(),
                "location": r.location,
                "event_type": r.event_type,
                "actor1": r.actor1,
                "fatalities": None if pd.isna(r.fatalities) else int(r.fatalities),
            }
            for r in rows.itertuples(index=False)
        ],
        "deployments": [
            {
                "id": r.id,
                "name": r.site,
                "mission": r.mission,
                "start": _day_or_none(r.start_date),
                "end": _day_or_none(r.end_date),
            }
            for r in bases.itertuples(index=False)
        ],
    }


def _cmd_view(args: argparse.Namespace) -> int:
    layers = visible_layers(EmbeddedStore(args.geodata).layers(), cli_user())
    summary = view_summary(layers, args.query)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        for error in summary["errors"]:
            print(f"warning: URL parameter {error['name']}={error['value']!r}: {error['reason']}")
        view = summary["view"]
        print(
            f"{view['date_from']} to {view['date_to']}: {summary['count']} incidents, "
            f"{summary['fatalities']} fatalities, {summary['active_deployments']} deployments"
        )
        for row in summary["incidents"]:
            dead = "?" if row["fatalities"] is None else row["fatalities"]
            print(
                f"{row['date']}  {row['id']:<12} {row['location']:<16} {dead:>4}  "
                f"{row['event_type']}: {row['actor1']}"
            )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m atlas``."""
    parser = argparse.ArgumentParser(prog="python -m atlas", description="Mali Security Atlas")
    parser.add_argument(
        "--geodata",
        type=Path,
        default=None,
        help="folder of the layer files (default: $ATLAS_GEODATA_DIR or the shipped geodata/)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    layers = commands.add_parser("layers", help="summarise every layer")
    layers.add_argument("--json", action="store_true", help="print one JSON object")
    layers.set_defaults(run=_cmd_layers)
    view = commands.add_parser("view", help="resolve a view's query string and list its incidents")
    view.add_argument(
        "query",
        type=text_argument,
        help='the query string of a page URL, e.g. "from=2015-01-01"',
    )
    view.add_argument("--json", action="store_true", help="print one JSON object")
    view.set_defaults(run=_cmd_view)
    _add_export_commands(commands)
    _add_dataset_commands(commands)
    add_briefing_commands(commands)
    add_fetch_commands(commands)
    add_database_commands(commands)
    audit = commands.add_parser("audit", help="read the audit log (admins)")
    audit.add_argument("--since", type=_moment, help="entries at or after this ISO date or time")
    audit.add_argument("--user", help="entries of one user (an e-mail or cli:<name>)")
    audit.add_argument("--json", action="store_true", help="print one JSON array")
    audit.add_argument(
        "--data", type=Path, default=None, help="data directory (default: $ATLAS_DATA_DIR or data/)"
    )
    audit.set_defaults(run=_cmd_audit)
    return parser


def _moment(text: str) -> datetime:
    """An ISO date or date-time for ``--since`` (UTC unless it names its zone)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date or time (e.g. 2026-11-29 or 2026-11-29T08:00)"
        ) from None


def _cmd_audit(args: argparse.Namespace) -> int:
    require(cli_user(), "read_audit", what="audit log", folder=args.data)
    log = read_log(args.data, since=args.since, user=args.user)
    if args.json:
        print(json.dumps([asdict(entry) for entry in log.entries], ensure_ascii=False))
    else:
        for e in log.entries:
            why = f" ({e.reason})" if e.reason else ""
            print(
                f"{e.time}  {e.user:<28} {e.role:<8} {e.action:<10} {e.outcome:<8} {e.object}{why}"
            )
    if log.skipped:
        print(f"note: {log.skipped} unreadable lines skipped", file=sys.stderr)
    return 0


def _add_dataset_commands(commands: Any) -> None:
    """``import``, ``datasets`` and ``remove``: analysts' own data files."""
    from atlas.datasets import add_dataset_commands

    add_dataset_commands(commands)


def _add_export_commands(commands: Any) -> None:
    """``export`` and ``pack``: files of views, for scheduled briefings."""
    from atlas.export.cli import add_export_commands

    add_export_commands(commands)


def _stdout_to_devnull() -> None:
    """Point standard output at the null device, so the flush at exit finds no closed pipe."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test's capture): nothing is flushed to a pipe at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (see the module's docstring)."""
    try:
        args = build_parser().parse_args(argv)
        try:
            code = int(args.run(args))
        except LayerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            code = EXIT_BAD_INPUT
        except RefusedError as refusal:
            print(f"error: refused: {refusal.reason}", file=sys.stderr)
            code = EXIT_BAD_INPUT
        except BriefingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            code = EXIT_BAD_INPUT
        # Output to a pipe is buffered: a reader that has gone shows up here at the latest.
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()
        return EXIT_CLOSED_PIPE
    return code
