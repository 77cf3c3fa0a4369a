"""How long a map of N incidents takes to build and how heavy it is, against naive folium.

Run: ``make bench`` or ``.venv/bin/python -m bench.map_bench [--sizes 1000 10000 100000]``.
Prints one line per (size, method): seconds to build and render the HTML (best of three for
ours), and its size, with the ratio to one folium CircleMarker with a Popup per incident (the
naive way).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import replace

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from atlas.mapping import build_map
from atlas.store import EmbeddedStore
from atlas.view import ViewState
from loaders import AtlasLayers
from loaders.reference import assign_regions
from loaders.vocabulary import EVENT_TYPES, SUB_EVENT_TYPES

NAIVE_LIMIT = 20_000  # beyond this the naive map takes minutes; its cost is linear


def synthetic_incidents(count: int, seed: int = 7) -> gpd.GeoDataFrame:
    """``count`` incidents over Mali, 2012-2023, shaped like the curated layer."""
    rng = np.random.default_rng(seed)
    types = rng.choice(EVENT_TYPES, count)
    frame = pd.DataFrame(
        {
            "id": [f"SYN-{i:07d}" for i in range(count)],
            "event_date": pd.Timestamp("2012-01-01")
            + pd.to_timedelta(rng.integers(0, 12 * 365, count), unit="D"),
            "date_precision": 1,
            "location": "Synthetic",
            "country": "MLI",
            "geo_precision": rng.integers(1, 4, count),
            "event_type": types,
            "sub_event_type": [SUB_EVENT_TYPES[t][0] for t in types],
            "actor1": rng.choice(["AQIM: Al Qaeda in the Islamic Maghreb", "Ansar Dine"], count),
            "actor1_family": "al-Qaeda network",
            "actor2": "",
            "actor2_family": "",
            "fatalities": pd.array(rng.poisson(2, count), dtype="Int64"),
            "description": "Synthetic incident for benchmarking <b>&</b>",
            "source": "bench",
            "dataset": "synthetic",
            "licence": "none",
        }
    )
    lon = rng.uniform(-11.5, 4.0, count)
    lat = rng.uniform(11.0, 24.0, count)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


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


def measure(make: Callable[[], folium.Map], repeat: int = 1) -> tuple[float, int]:
    """Seconds to build and render a map to HTML (the best of ``repeat`` runs), and the
    HTML's size in bytes."""
    best = float("inf")
    html = ""
    for _ in range(repeat):
        began = time.perf_counter()
        html = make().get_root().render()
        best = min(best, time.perf_counter() - began)
    return best, len(html.encode())


def main() -> None:
    """Print build time and HTML size per size and method, with ratios to naive folium."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    shipped = EmbeddedStore().layers()
    print(f"{'incidents':>9} {'method':<10} {'seconds':>8} {'MB':>7} {'x naive time':>12}")
    for size in args.sizes:
        layers: AtlasLayers = replace(
            shipped, incidents=assign_regions(synthetic_incidents(size), shipped.regions)
        )
        if size <= NAIVE_LIMIT:
            naive_s, naive_b = measure(lambda: naive_map(layers.incidents))  # noqa: B023
            print(f"{size:>9} {'naive':<10} {naive_s:>8.2f} {naive_b / 1e6:>7.2f} {1.0:>12.2f}")
        else:
            sample = layers.incidents.iloc[:NAIVE_LIMIT]
            naive_s, naive_b = measure(lambda: naive_map(sample))  # noqa: B023
            naive_s, naive_b = naive_s * size / NAIVE_LIMIT, int(naive_b * size / NAIVE_LIMIT)
            print(f"{size:>9} {'naive*':<10} {naive_s:>8.2f} {naive_b / 1e6:>7.2f} {1.0:>12.2f}")
        for mode in ("points", "clusters", "hexes", "heat", "auto"):
            view = ViewState(agg=mode, layers=("incidents",))
            seconds, size_b = measure(lambda: build_map(layers, view), repeat=3)  # noqa: B023
            print(
                f"{size:>9} {mode:<10} {seconds:>8.2f} {size_b / 1e6:>7.2f} "
                f"{seconds / naive_s:>12.3f}"
            )
    print("naive* is extrapolated linearly from 20,000 incidents.")


if __name__ == "__main__":
    main()
