"""How long a view takes to become a map, and how heavy that map is, against plain folium.

Run: ``make bench`` or ``.venv/bin/python -m bench.map --events 1000000 --json``.

For N synthetic incidents spread like Sahel incidents (:mod:`bench.synthetic`) it measures,
in one process and on the same points:

- ``ours``: the country view in mode ``auto`` from the loaded layers to the map's HTML
  (filters, aggregation, building the map and rendering it: what the page receives);
- ``naive``: a folium map with a ``CircleMarker`` and a ``Popup`` per incident; above
  :data:`NAIVE_LIMIT` incidents it is measured on the first :data:`NAIVE_LIMIT` and scaled
  linearly, since it would take minutes;
- ``fastmarkercluster``: folium's ``FastMarkerCluster`` over the same points.

Each figure is the median of ``--runs`` runs (ours and FastMarkerCluster after one run not
counted). The last line printed
with ``--json`` is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import folium
import geopandas as gpd
from folium.plugins import FastMarkerCluster

from atlas.aggregate import with_cells
from atlas.filters import on_map
from atlas.mapping import build_map
from atlas.store import EmbeddedStore
from atlas.view import ViewState
from bench.synthetic import synthetic_incidents
from loaders import AtlasLayers
from loaders.reference import assign_regions

NAIVE_LIMIT = 20_000  # beyond this the naive map takes minutes; its cost is linear
COUNTRY_VIEW = ViewState()  # every layer, the whole span, the whole country, mode auto


@dataclass(frozen=True)
class Figure:
    """The median seconds from view to HTML and the bytes of that HTML."""

    seconds: float
    bytes: int

    def scaled(self, factor: float) -> Figure:
        """The figure of a map ``factor`` times as large (for a cost linear in its points)."""
        return Figure(self.seconds * factor, round(self.bytes * factor))

    def as_json(self) -> dict[str, float | int]:
        """The figure as the JSON line gives it."""
        return {"seconds": round(self.seconds, 4), "bytes": self.bytes}


def measure(make: Callable[[], folium.Map], runs: int, *, warm_up: bool = True) -> Figure:
    """Build and render a map ``runs`` times, after one run not counted when ``warm_up``
    (a map that takes seconds per run has nothing worth warming); the median time."""
    html = make().get_root().render() if warm_up else ""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        html = make().get_root().render()
        times.append(time.perf_counter() - began)
    return Figure(statistics.median(times), len(html.encode()))


def bench_layers(events: int, seed: int = 7) -> AtlasLayers:
    """The shipped layers with ``events`` synthetic incidents in place of the curated ones,
    prepared as the store prepares its layers at load (regions joined, H3 cells)."""
    shipped = EmbeddedStore().layers()
    incidents = synthetic_incidents(events, shipped.towns, shipped.rivers, seed=seed)
    return replace(shipped, incidents=with_cells(assign_regions(incidents, shipped.regions)))


def naive_map(incidents: gpd.GeoDataFrame) -> folium.Map:
    """What a first attempt does: one CircleMarker with a Popup per incident."""
    fmap = folium.Map(location=(17.4, -3.5), zoom_start=5, tiles=None)
    for rec in incidents.itertuples(index=False):
        folium.CircleMarker(
            [rec.geometry.y, rec.geometry.x],
            radius=4,
            popup=folium.Popup(f"{rec.event_type}: {rec.description}"),
        ).add_to(fmap)
    return fmap


def fast_cluster_map(incidents: gpd.GeoDataFrame) -> folium.Map:
    """folium's own answer to many points: one array, clustered in the browser."""
    fmap = folium.Map(location=(17.4, -3.5), zoom_start=5, tiles=None)
    points = list(zip(incidents.geometry.y.tolist(), incidents.geometry.x.tolist(), strict=True))
    FastMarkerCluster(points).add_to(fmap)
    return fmap


def run(events: int, runs: int, *, naive: bool = True) -> dict[str, object]:
    """Every figure for ``events`` incidents, as the JSON line gives them."""
    layers = bench_layers(events)
    placed = layers.incidents.loc[on_map(layers.incidents)]
    ours = measure(lambda: build_map(layers, COUNTRY_VIEW), runs)
    result: dict[str, object] = {"events": events, "ours": ours.as_json(), "naive": None}
    if naive:
        sample = placed.iloc[:NAIVE_LIMIT]
        plain = measure(lambda: naive_map(sample), runs, warm_up=False)
        if len(placed) > NAIVE_LIMIT:
            plain = plain.scaled(len(placed) / NAIVE_LIMIT)
            result["naive_extrapolated_from"] = NAIVE_LIMIT
        result["naive"] = plain.as_json()
    result["fastmarkercluster"] = measure(lambda: fast_cluster_map(placed), runs).as_json()
    return result


def table(result: dict[str, object]) -> str:
    """The figures as a table, with each method's ratios to ours."""
    ours = result["ours"]
    assert isinstance(ours, dict)
    lines = [f"{'method':<18} {'seconds':>9} {'MB':>8} {'x ours time':>12} {'x ours size':>12}"]
    for name in ("ours", "naive", "fastmarkercluster"):
        figure = result[name]
        if not isinstance(figure, dict):
            continue
        lines.append(
            f"{name:<18} {figure['seconds']:>9.3f} {figure['bytes'] / 1e6:>8.3f} "
            f"{figure['seconds'] / ours['seconds']:>12.1f} {figure['bytes'] / ours['bytes']:>12.1f}"
        )
    if "naive_extrapolated_from" in result:
        lines.append(f"naive is extrapolated linearly from {NAIVE_LIMIT:,} incidents.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the table for ``--events`` incidents, and with ``--json`` the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="synthetic incidents")
    parser.add_argument("--runs", type=int, default=3, help="counted runs of each map")
    parser.add_argument("--no-naive", action="store_true", help="leave naive folium out")
    parser.add_argument("--json", action="store_true", help="end with a JSON line")
    args = parser.parse_args(argv)
    if args.events < 1 or args.runs < 1:
        parser.error("--events and --runs must be at least 1")
    result = run(args.events, args.runs, naive=not args.no_naive)
    print(f"{args.events:,} incidents, median of {args.runs} runs")
    print(table(result))
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
