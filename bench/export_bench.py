"""Time the static exports of a busy view: PNG slide and PDF page of 10,000 incidents.

Run ``.venv/bin/python -m bench.export_bench``. The incidents are made up in memory, shaped like
the curated ones (same columns and types, spread around the towns of central and northern
Mali), and drawn on the shipped reference layers. Each export runs once to warm caches (fonts,
projected basemap), then is timed; the target is 1.5 s each.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from atlas.export.formats import export_view
from atlas.paths import geodata_dir
from atlas.view import ViewState
from loaders import AtlasLayers
from loaders.curated import CURATED_DATASET, CURATED_LICENCE
from loaders.reference import (
    assign_regions,
    load_countries,
    load_regions,
    load_rivers,
    load_towns,
)
from loaders.vocabulary import ACTOR_FAMILIES, MISSIONS, SUB_EVENT_TYPES

TARGET_SECONDS = 1.5
# (lon, lat, weight): places incidents cluster around.
HOTSPOTS = (
    (-0.04, 16.27, 3.0),  # Gao
    (-3.0, 16.77, 2.0),  # Timbuktu
    (2.22, 15.92, 2.5),  # Ménaka
    (1.41, 18.44, 1.5),  # Kidal
    (-4.19, 14.49, 3.0),  # Mopti / Sévaré
    (-3.9, 13.3, 1.5),  # San
    (-8.0, 12.65, 0.5),  # Bamako
    (-1.6, 15.3, 1.0),  # Gossi
)
ACTORS = (
    ("JNIM: Group for Support of Islam and Muslims", "al-Qaeda network"),
    ("Islamic State Sahel Province", "Islamic State network"),
    ("Military Forces of Mali", "Malian state forces"),
    ("Dan Na Ambassagou", "Communal militias"),
    ("CMA: Coordination of Azawad Movements", "Azawad separatist movements"),
    ("Civilians (Mali)", "Civilians"),
    ("Unidentified Armed Group (Mali)", "Unidentified"),
)


def synthetic_incidents(count: int, regions: gpd.GeoDataFrame, seed: int = 5) -> gpd.GeoDataFrame:
    """``count`` made-up incidents with the columns and types of the curated ones."""
    rng = np.random.default_rng(seed)
    weights = np.array([h[2] for h in HOTSPOTS])
    spot = rng.choice(len(HOTSPOTS), size=count, p=weights / weights.sum())
    lon = np.array([HOTSPOTS[i][0] for i in spot]) + rng.normal(0, 0.6, count)
    lat = np.array([HOTSPOTS[i][1] for i in spot]) + rng.normal(0, 0.45, count)
    types = list(SUB_EVENT_TYPES)
    event_type = rng.choice(types, size=count, p=[0.35, 0.2, 0.3, 0.1, 0.02, 0.03])
    sub_type = [SUB_EVENT_TYPES[t][0] for t in event_type]
    first = rng.integers(0, len(ACTORS), count)
    second = rng.integers(0, len(ACTORS), count)
    fatalities = pd.array(rng.poisson(3, count) * rng.integers(0, 3, count), dtype="Int64")
    fatalities[rng.random(count) < 0.05] = pd.NA
    days = pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 4700, count), unit="D")
    frame = pd.DataFrame(
        {
            "id": [f"S-{i}" for i in range(count)],
            "event_date": days.astype("datetime64[us]"),
            "date_precision": rng.integers(1, 3, count),
            "location": [f"Place {i % 500}" for i in range(count)],
            "country": "MLI",
            "geo_precision": rng.integers(1, 4, count),
            "event_type": event_type,
            "sub_event_type": sub_type,
            "actor1": [ACTORS[i][0] for i in first],
            "actor1_family": [ACTORS[i][1] for i in first],
            "actor2": [ACTORS[i][0] for i in second],
            "actor2_family": [ACTORS[i][1] for i in second],
            "fatalities": fatalities,
            "description": "Synthetic incident for timing.",
            "source_publisher": "bench",
            "source_title": "synthetic",
            "source_date": "",
            "source_url": "",
            "source": "bench, synthetic",
            "dataset": CURATED_DATASET,
            "licence": CURATED_LICENCE,
        }
    )
    assert set(frame["actor1_family"]) <= set(ACTOR_FAMILIES)
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    return assign_regions(points, regions)


def synthetic_deployments(regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One made-up base per mission and hotspot."""
    rows = []
    for i, (mission, (lon, lat, _)) in enumerate(
        (m, h) for m in MISSIONS for h in HOTSPOTS[: 3 + len(m) % 4]
    ):
        rows.append(
            {
                "id": f"SD-{i}",
                "mission": mission,
                "site": f"Base {i}",
                "start_date": pd.Timestamp("2013-01-01"),
                "end_date": pd.NaT,
                "geometry": gpd.points_from_xy([lon + 0.05 * (i % 5)], [lat])[0],
            }
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    return assign_regions(frame, regions)


def synthetic_layers(count: int) -> AtlasLayers:
    """The shipped reference layers with ``count`` synthetic incidents and a few bases."""
    folder = geodata_dir()
    regions = load_regions(folder / "regions.geojson")
    lineage = pd.DataFrame(columns=["group", "related_group", "relation", "from_date", "to_date"])
    return AtlasLayers(
        countries=load_countries(folder / "countries.geojson"),
        regions=regions,
        towns=load_towns(folder / "towns.geojson"),
        rivers=load_rivers(folder / "rivers.geojson"),
        deployments=synthetic_deployments(regions),
        incidents=synthetic_incidents(count, regions),
        lineage=lineage,
    )


def warm_seconds(action: Callable[[], object]) -> float:
    """Seconds the second of two runs of ``action`` takes."""
    action()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    """Print the warm timing of each static export; exit 1 when one misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    args = parser.parse_args(argv)
    layers = synthetic_layers(args.incidents)
    # Points mode on purpose: one marker per incident is the most work a static map does.
    view = ViewState(date_from=date(2012, 1, 1), agg="points")
    print(f"{len(layers.incidents):,} synthetic incidents, view: {view.to_query_string()}")
    missed = 0
    for fmt, size in (("png", "slide"), ("png", "a4"), ("pdf", "a4"), ("pdf", "slide")):
        seconds = warm_seconds(lambda f=fmt, s=size: export_view(layers, view, f, size=s))
        verdict = "ok" if seconds <= TARGET_SECONDS else "SLOW"
        missed += seconds > TARGET_SECONDS
        size_kb = len(export_view(layers, view, fmt, size=size).content) / 1024
        print(f"{fmt} {size:<5} {seconds:6.2f} s  {size_kb:8.0f} KB  {verdict}")
    for agg in ("hexes", "heat"):
        hex_view = ViewState(date_from=date(2012, 1, 1), agg=agg)
        seconds = warm_seconds(lambda v=hex_view: export_view(layers, v, "png", size="slide"))
        print(f"png slide ({agg}) {seconds:6.2f} s")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
