"""The shared store under a large table: view to map with the filter in SQL, and replicas.

Run ``.venv/bin/python -m bench.shared_store map --events 1000000 --json``,
``.venv/bin/python -m bench.shared_store totals --events 1000000 --json`` or
``.venv/bin/python -m bench.shared_store replicas --replicas 2 --sessions 20 --json``.

Both start a private PostgreSQL + PostGIS server on a free loopback port
(:mod:`atlas.db.local`), create the schema, import synthetic incidents spread like Sahel
incidents (:mod:`bench.synthetic`, written as an ACLED export and imported as an analyst's
file would be), measure, and delete the server at the end.

``map``: from a view to the map's HTML, with the imported incidents asked of the database
(the filter and, for large views, the hexagon counts in SQL) against the same view with
every incident held in the process (the embedded store), for the country view and for one
region and year. ``totals``: a view's headline figures and hexagon counts summed by the
database (:func:`atlas.filters.view_totals`) against fetching its rows to count them in the
process, for the same views. ``replicas``: N app processes on one database, each with S sessions
opening Home and moving the date range three times (as :mod:`bench.load`), all at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loaders.imports.acled import EXPORT_COLUMNS

ACLED_EVENT_DAY = "%d %B %Y"


def acled_export(events: int, seed: int = 7) -> pd.DataFrame:
    """``events`` synthetic incidents (:func:`bench.synthetic.synthetic_incidents`) as the
    rows of an ACLED export, so they are imported through the real importer."""
    from atlas.paths import REPO_ROOT
    from bench.synthetic import synthetic_incidents
    from loaders import load_layers

    shipped = load_layers(REPO_ROOT / "geodata")  # the shipped towns and rivers, always
    made = synthetic_incidents(events, shipped.towns, shipped.rivers, seed=seed)
    count = len(made)
    fatalities = made["fatalities"].astype("Int64").astype(str).replace("<NA>", "")
    frame = pd.DataFrame(
        {
            "event_id_cnty": np.char.add("SYN", np.arange(1, count + 1).astype(str)),
            "event_date": made["event_date"].dt.strftime(ACLED_EVENT_DAY),
            "year": made["event_date"].dt.year.astype(str),
            "time_precision": made["date_precision"].astype(str),
            "disorder_type": "Political violence",
            "event_type": made["event_type"],
            "sub_event_type": made["sub_event_type"],
            "actor1": made["actor1"],
            "assoc_actor_1": "",
            "inter1": "2",
            "actor2": made["actor2"].fillna(""),
            "assoc_actor_2": "",
            "inter2": "1",
            "interaction": "12",
            "civilian_targeting": "",
            "iso": "466",
            "region": "Western Africa",
            "country": "Mali",
            "admin1": "",
            "admin2": "",
            "admin3": "",
            "location": made["location"],
            "latitude": made.geometry.y.round(4).astype(str),
            "longitude": made.geometry.x.round(4).astype(str),
            "geo_precision": made["geo_precision"].clip(1, 3).astype(str),
            "source": "Synthetic",
            "source_scale": "National",
            "notes": "Synthetic.",  # short: a million rows stay under the upload limit
            "fatalities": fatalities.where(fatalities != "", "0"),
            "tags": "",
            "timestamp": (1_600_000_000 + np.arange(count)).astype(str),
        }
    )
    return frame[list(EXPORT_COLUMNS)]


@contextmanager
def shared_store(events: int) -> Iterator[tuple[str, float]]:
    """A fresh PostGIS store holding ``events`` synthetic incidents: its address and the
    seconds the import took."""
    from atlas.db.datasets import DatabaseDatasetStore
    from atlas.db.local import LocalServer
    from atlas.db.migrate import upgrade

    with LocalServer() as server, tempfile.TemporaryDirectory(prefix="atlas-bench-") as folder:
        upgrade(server.url)
        export = Path(folder) / "acled.csv"
        acled_export(events).to_csv(export, index=False)
        started = time.perf_counter()
        DatabaseDatasetStore(server.url).import_file(export)
        seconds = time.perf_counter() - started
        export.unlink()
        yield server.url, seconds


# -- view to map ----------------------------------------------------------------------------

MAP_VIEWS = {
    "country": "",
    "gao-2020": "region=ML-7&from=2020-01-01&to=2020-12-31",
    "since-2024": "from=2024-01-01",
}
"""The views measured: every incident, one region in one year, the last years."""


def _forget_answers() -> None:
    from atlas.db import query

    query.views.clear()
    query._span.cache_clear()
    query._distinct.cache_clear()
    query._totals.cache_clear()
    query._timelines.cache_clear()


def _timed(make: Any) -> tuple[float, int]:
    began = time.perf_counter()
    html = make().get_root().render()
    return time.perf_counter() - began, len(html.encode())


@contextmanager
def _database(url: str) -> Iterator[None]:
    """``ATLAS_DATABASE_URL`` set to ``url`` for the block only."""
    from atlas.db import DATABASE_ENV

    before = os.environ.get(DATABASE_ENV)
    os.environ[DATABASE_ENV] = url
    try:
        yield
    finally:
        if before is None:
            del os.environ[DATABASE_ENV]
        else:
            os.environ[DATABASE_ENV] = before


def map_figures(url: str, runs: int) -> dict[str, Any]:
    """For each view: the shared store asked cold and warm, the same incidents held in the
    process, and naive folium (extrapolated from at most 20,000 points)."""
    from dataclasses import replace

    from atlas.filters import data_span, on_map, view_incidents
    from atlas.mapping import build_map, view_layers
    from atlas.store import EmbeddedStore
    from atlas.view import ViewState, parse_query_string
    from bench.map import NAIVE_LIMIT, naive_map

    with _database(url):
        shared = EmbeddedStore().layers()
    everything = view_incidents(shared, ViewState(), *data_span(shared))
    held = replace(shared, incidents=everything, imported=None)
    figures: dict[str, Any] = {"events": len(everything)}
    for name, query in MAP_VIEWS.items():
        view = parse_query_string(query).view
        _forget_answers()
        cold = _timed(lambda: build_map(shared, view))  # noqa: B023 - run at once
        warm = [_timed(lambda: build_map(shared, view))[0] for _ in range(runs)]  # noqa: B023
        in_process = [_timed(lambda: build_map(held, view)) for _ in range(runs)]  # noqa: B023
        selected = view_layers(held, view)[2]
        placed = selected.loc[on_map(selected)]
        sample = placed.iloc[:NAIVE_LIMIT]
        naive_seconds, naive_bytes = _timed(lambda: naive_map(sample))  # noqa: B023
        scale = max(len(placed), 1) / max(len(sample), 1)
        figures[name] = {
            "incidents": len(selected),
            "shared_cold": {"seconds": round(cold[0], 3), "bytes": cold[1]},
            "shared_warm": {"seconds": round(statistics.median(warm), 4), "bytes": cold[1]},
            "held": {
                "seconds": round(statistics.median(t for t, _ in in_process), 4),
                "bytes": in_process[0][1],
            },
            "naive": {
                "seconds": round(naive_seconds * scale, 2),
                "bytes": round(naive_bytes * scale),
                "extrapolated_from": len(sample) if scale > 1 else None,
            },
        }
    return figures


# -- figures without rows ---------------------------------------------------------------------


def totals_figures(url: str, runs: int) -> dict[str, Any]:
    """For each view, asked with every answer of the process forgotten (the database warm):
    the rows fetched and counted (``headline`` and ``hex_cells``, as pages do now) against
    the totals summed by the database, and the hexagons drawn from those totals."""
    from atlas.aggregate import DEFAULT_HEX_RESOLUTION, hex_cells
    from atlas.filters import (
        data_span,
        deployments_active_between,
        headline,
        on_map,
        view_incidents,
        view_totals,
    )
    from atlas.store import EmbeddedStore
    from atlas.view import parse_query_string

    with _database(url):
        shared = EmbeddedStore().layers()
    resolution = DEFAULT_HEX_RESOLUTION
    figures: dict[str, Any] = {"resolution": resolution}
    for name, query in MAP_VIEWS.items():
        view = parse_query_string(query).view
        start, end = view.date_range(*data_span(shared))
        active = deployments_active_between(shared.deployments, start, end)
        by_rows, by_sums, drawing = [], [], []
        for _ in range(runs):  # alternately, so neither finds the database warmer
            _forget_answers()
            began = time.perf_counter()
            rows = view_incidents(shared, view, start, end)
            expected = (headline(rows, active), hex_cells(rows.loc[on_map(rows)], resolution))
            by_rows.append(time.perf_counter() - began)
            _forget_answers()
            began = time.perf_counter()
            totals = view_totals(shared, view, start, end, resolution)
            by_sums.append(time.perf_counter() - began)
            began = time.perf_counter()
            cells = totals.hex_cells()
            drawing.append(time.perf_counter() - began)
        began = time.perf_counter()
        view_totals(shared, view, start, end, resolution)
        cached = time.perf_counter() - began
        figures[name] = {
            "incidents": len(rows),
            "cells": len(cells),
            "rows_seconds": round(statistics.median(by_rows), 3),
            "totals_seconds": round(statistics.median(by_sums), 3),
            "hexagons_from_totals_seconds": round(statistics.median(drawing), 4),
            "totals_cached_seconds": round(cached, 5),
            "same_answer": totals.headline(active) == expected[0] and cells.equals(expected[1]),
        }
    return figures


def _totals_table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['events']:,} incidents in PostGIS (imported in {result['import_seconds']} s), "
        f"hexagons at resolution {result['resolution']}",
        f"{'view':<11} {'incidents':>10} {'cells':>6} {'rows s':>8} {'totals s':>9} "
        f"{'hexes s':>8} {'cached s':>9} {'same':>5}",
    ]
    for name in MAP_VIEWS:
        f = result[name]
        lines.append(
            f"{name:<11} {f['incidents']:>10,} {f['cells']:>6} {f['rows_seconds']:>8.3f} "
            f"{f['totals_seconds']:>9.3f} {f['hexagons_from_totals_seconds']:>8.4f} "
            f"{f['totals_cached_seconds']:>9.5f} {f['same_answer']!s:>5}"
        )
    return "\n".join(lines)


# -- replicas -------------------------------------------------------------------------------


def replica_figures(url: str, replicas: int, sessions: int, limit: float) -> dict[str, Any]:
    """``replicas`` app processes on the store at ``url``, ``sessions`` sessions each."""
    from bench.load import (
        RUN_TIMEOUT_S,
        SERVER_ENV,
        SESSION_TTL_S,
        _all_sessions,
        percentile,
        rss_mb,
        sweep_expired,
    )
    from tests.serving import serve_app

    with ExitStack() as stack:
        apps = [
            stack.enter_context(
                serve_app(
                    timeout=120,
                    ATLAS_DATABASE_URL=url,
                    ATLAS_DATA_DIR=stack.enter_context(
                        tempfile.TemporaryDirectory(prefix="atlas-replica-")
                    ),
                    STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL=str(SESSION_TTL_S),
                    STREAMLIT_SERVER_FILE_WATCHER_TYPE="none",
                    **SERVER_ENV,
                )
            )
            for _ in range(replicas)
        ]
        started = [rss_mb(app.process.pid) for app in apps]

        async def everyone() -> list[Any]:
            return await asyncio.gather(
                *(
                    _all_sessions(app.url, sessions, min(RUN_TIMEOUT_S, limit), limit)
                    for app in apps
                )
            )

        outcomes = asyncio.run(everyone())
        peaks = [rss_mb(app.process.pid, "VmHWM") for app in apps]
        time.sleep(SESSION_TTL_S + 1)
        for app in apps:
            asyncio.run(sweep_expired(app.url))
        time.sleep(2)
        after = [rss_mb(app.process.pid) for app in apps]
    per_replica = []
    every_move: list[float] = []
    errors = 0
    for (results, late), first, peak, last in zip(outcomes, started, peaks, after, strict=True):
        moves = [move for _, session_moves in results for move in session_moves]
        runs = [opened for opened, _ in results] + moves
        failed = sum(1 for run in runs if run.errors) + late
        timed = [move.seconds for move in moves if not move.errors]
        every_move += timed
        errors += failed
        per_replica.append(
            {
                "p50": round(statistics.median(timed), 2) if timed else 0.0,
                "p95": round(percentile(timed, 0.95), 2),
                "errors": failed,
                "rss_start_mb": first,
                "rss_peak_mb": peak,
                "rss_after_mb": last,
            }
        )
    return {
        "replicas": replicas,
        "sessions_per_replica": sessions,
        "p50": round(statistics.median(every_move), 2) if every_move else 0.0,
        "p95": round(percentile(every_move, 0.95), 2),
        "max": round(max(every_move, default=0.0), 2),
        "errors": errors,
        "per_replica": per_replica,
    }


def main(argv: list[str] | None = None) -> int:
    """Run one of the two measurements and print its figures (and a JSON line)."""
    parser = argparse.ArgumentParser(prog="python -m bench.shared_store", description=__doc__)
    which = parser.add_subparsers(dest="what", required=True)
    on_map = which.add_parser("map", help="view to map with the filter in SQL")
    on_map.add_argument("--events", type=int, default=1_000_000)
    on_map.add_argument("--runs", type=int, default=3)
    on_map.add_argument("--json", action="store_true")
    totals = which.add_parser("totals", help="a view's figures summed by the database")
    totals.add_argument("--events", type=int, default=1_000_000)
    totals.add_argument("--runs", type=int, default=3)
    totals.add_argument("--json", action="store_true")
    replicas = which.add_parser("replicas", help="app replicas on one database")
    replicas.add_argument("--replicas", type=int, default=2)
    replicas.add_argument("--sessions", type=int, default=20, help="per replica")
    replicas.add_argument("--events", type=int, default=3_535)
    replicas.add_argument("--limit", type=float, default=600.0)
    replicas.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.events < 1 or (
        args.what == "replicas" and not 1 <= args.replicas * args.sessions <= 200
    ):
        parser.error("--events must be at least 1, and replicas × sessions 1 to 200")
    with shared_store(args.events) as (url, import_seconds):
        if args.what == "map":
            result = map_figures(url, args.runs)
        elif args.what == "totals":
            result = totals_figures(url, args.runs)
            result["events"] = result["country"]["incidents"]
        else:
            result = replica_figures(url, args.replicas, args.sessions, args.limit)
    result["import_seconds"] = round(import_seconds, 1)
    tables = {"map": _table, "totals": _totals_table, "replicas": _replica_line}
    print(tables[args.what](result))
    if args.json:
        print(json.dumps(result))
    return 0 if result.get("errors", 0) == 0 else 1


def _table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['events']:,} incidents in PostGIS (imported in {result['import_seconds']} s)",
        f"{'view':<11} {'incidents':>10} {'cold s':>8} {'warm s':>8} {'held s':>8} "
        f"{'naive s':>9} {'MB':>6} {'naive MB':>9} {'x naive time':>13}",
    ]
    for name in MAP_VIEWS:
        f = result[name]
        lines.append(
            f"{name:<11} {f['incidents']:>10,} {f['shared_cold']['seconds']:>8.2f} "
            f"{f['shared_warm']['seconds']:>8.3f} {f['held']['seconds']:>8.3f} "
            f"{f['naive']['seconds']:>9.1f} {f['shared_cold']['bytes'] / 1e6:>6.2f} "
            f"{f['naive']['bytes'] / 1e6:>9.1f} "
            f"{f['naive']['seconds'] / max(f['shared_warm']['seconds'], 1e-6):>13.0f}"
        )
    return "\n".join(lines)


def _replica_line(result: dict[str, Any]) -> str:
    per = "; ".join(
        f"replica {n}: p50 {r['p50']} s, p95 {r['p95']} s, RSS {r['rss_start_mb']} → "
        f"{r['rss_peak_mb']} → {r['rss_after_mb']} MB"
        for n, r in enumerate(result["per_replica"], start=1)
    )
    return (
        f"{result['replicas']} replicas × {result['sessions_per_replica']} sessions on one "
        f"PostGIS: p50 {result['p50']} s, p95 {result['p95']} s, max {result['max']} s, "
        f"{result['errors']} errors ({per})"
    )


if __name__ == "__main__":
    sys.exit(main())
