"""``python -m atlas``: the atlas from the command line (no Streamlit needed)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from atlas.store import EmbeddedStore
from loaders import LayerError

NAMED_LAYERS = {"countries", "regions", "towns"}


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
    if args.json:
        print(json.dumps(summaries, ensure_ascii=False))
        return 0
    print(f"{'layer':<12} {'rows':>6}  {'crs':<10} bounds (min lon, min lat, max lon, max lat)")
    for name, s in summaries.items():
        bounds = ", ".join(f"{v:.2f}" for v in s["bounds"])
        print(f"{name:<12} {s['rows']:>6}  {s['crs']:<10} {bounds}")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (2 for bad input or data)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except LayerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
