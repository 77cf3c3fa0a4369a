"""Synthetic incidents spread as Sahel incidents are, for benchmarks at any count.

Real incidents cluster around towns, along the Niger and along the roads between towns; they
grow in number over the years and most kill few people while a few kill many. The generator
draws from the shipped reference layers (``geodata/towns.geojson``, ``geodata/rivers.geojson``)
so the map, its hexagons and its filters see data of the real shape. Same seed, same data.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from loaders.checks import STUDY_AREA
from loaders.vocabulary import SUB_EVENT_TYPES

# Share of incidents near a town, along the Niger, and along a road between two towns.
NEAR_TOWN, ALONG_RIVER, ALONG_ROAD = 0.55, 0.2, 0.25
FIRST_DAY, LAST_DAY = pd.Timestamp("2012-01-01"), pd.Timestamp("2026-06-30")
ROAD_MAX_DEGREES = 4.0  # towns further apart than this are not joined by a synthetic road

EVENT_TYPE_SHARES = {
    "Battles": 0.3,
    "Explosions/Remote violence": 0.17,
    "Violence against civilians": 0.33,
    "Strategic developments": 0.1,
    "Riots": 0.04,
    "Protests": 0.06,
}
ACTORS = (
    ("JNIM: Jama'at Nusrat al-Islam wal Muslimin", "al-Qaeda network", 0.26),
    ("Unidentified Armed Group (Mali)", "Unidentified", 0.2),
    ("Military Forces of Mali (2021-)", "Malian state forces", 0.14),
    ("ISGS: Islamic State in the Greater Sahara", "Islamic State network", 0.1),
    ("AQIM: Al Qaeda in the Islamic Maghreb", "al-Qaeda network", 0.06),
    ("MNLA: National Movement for the Liberation of Azawad", "Azawad separatist movements", 0.06),
    ("Dan Na Ambassagou", "Communal militias", 0.06),
    ("Military Forces of France (Operation Barkhane)", "French forces", 0.05),
    (
        "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali",
        "UN peacekeepers",
        0.04,
    ),
    ("Wagner Group", "Other state forces", 0.03),
)
TARGETS = (
    ("Civilians (Mali)", "Civilians", 0.45),
    ("Military Forces of Mali (2021-)", "Malian state forces", 0.25),
    ("", "", 0.3),
)
# Weight of a town by its country: the Sahel's incidents are mostly in Mali and its borders.
COUNTRY_WEIGHTS = {"MLI": 1.0, "BFA": 0.6, "NER": 0.6, "MRT": 0.2}


def _pick(rng: np.random.Generator, shares: dict[str, float], count: int) -> np.ndarray:
    weights = np.array(list(shares.values()))
    return rng.choice(np.array(list(shares), dtype=object), count, p=weights / weights.sum())


def _river_points(rivers: gpd.GeoDataFrame, rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` points on the Niger (or every river if it is missing), as (lon, lat)."""
    niger = rivers[rivers["name"] == "Niger"]
    lines = (niger if not niger.empty else rivers).geometry.explode(index_parts=False)
    coords = np.concatenate([np.asarray(line.coords)[:, :2] for line in lines])
    # Vertices stand in for the line: they are dense where the river bends, as settlements are.
    return coords[rng.integers(0, len(coords), count)]


def _road_points(
    towns: np.ndarray, weights: np.ndarray, rng: np.random.Generator, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points on straight roads between pairs of towns, and the first town of each."""
    gap = np.linalg.norm(towns[:, None, :] - towns[None, :, :], axis=2)
    pairs = np.argwhere((gap > 0) & (gap < ROAD_MAX_DEGREES))
    pair_weights = weights[pairs[:, 0]] * weights[pairs[:, 1]]
    chosen = pairs[rng.choice(len(pairs), count, p=pair_weights / pair_weights.sum())]
    along = rng.random(count)[:, None]
    points = towns[chosen[:, 0]] * (1 - along) + towns[chosen[:, 1]] * along
    return points, chosen[:, 0]


def synthetic_incidents(
    count: int, towns: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame, seed: int = 7
) -> gpd.GeoDataFrame:
    """``count`` incidents shaped like the curated layer, spread like Sahel incidents.

    Parameters
    ----------
    count
        How many incidents to make.
    towns, rivers
        The reference layers the incidents gather around (``geodata/towns.geojson`` and
        ``geodata/rivers.geojson``); towns are weighted by population and country.
    seed
        The random seed: the same seed gives the same incidents.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`loaders.curated.load_incidents` (without regions: join them
        with :func:`loaders.reference.assign_regions`), dates 2012 to mid-2026 with more
        incidents in later years, fatalities mostly few and sometimes unknown.
    """
    if count < 0:
        raise ValueError(f"count must be 0 or more, not {count}")
    rng = np.random.default_rng(seed)
    town_xy = np.column_stack([towns.geometry.x.to_numpy(), towns.geometry.y.to_numpy()])
    population = towns["population"].fillna(5_000).to_numpy(float)
    country_weight = towns["country"].map(COUNTRY_WEIGHTS).fillna(0.0).to_numpy(float)
    weights = np.sqrt(population) * country_weight

    kind = rng.choice(3, count, p=[NEAR_TOWN, ALONG_RIVER, ALONG_ROAD])
    xy = np.empty((count, 2))
    origin = np.empty(count, dtype=np.int64)
    near = kind == 0
    origin[near] = rng.choice(len(towns), near.sum(), p=weights / weights.sum())
    spread = rng.exponential(0.12, near.sum())[:, None]  # most within ten km or so
    xy[near] = town_xy[origin[near]] + rng.normal(0.0, 1.0, (near.sum(), 2)) * spread
    river = kind == 1
    xy[river] = _river_points(rivers, rng, int(river.sum())) + rng.normal(
        0.0, 0.05, (river.sum(), 2)
    )
    origin[river] = -1
    road = kind == 2
    xy[road], origin[road] = _road_points(town_xy, weights, rng, int(road.sum()))
    xy[road] += rng.normal(0.0, 0.03, (road.sum(), 2))
    # Spread around a coastal town (Dakar) may reach the sea past the atlas area's edge; the
    # store would refuse such a row, so keep every point inside, as real events are.
    west, south, east, north = STUDY_AREA
    xy[:, 0] = xy[:, 0].clip(west, east)
    xy[:, 1] = xy[:, 1].clip(south, north)

    span = (LAST_DAY - FIRST_DAY).days
    # More incidents each year, as since 2012: the square root of a uniform draw leans late.
    days = (np.sqrt(rng.random(count)) * span).astype(np.int64)
    types = _pick(rng, EVENT_TYPE_SHARES, count)
    sub_index = rng.integers(0, 3, count)
    sub_types = np.array(
        [
            SUB_EVENT_TYPES[t][i % len(SUB_EVENT_TYPES[t])]
            for t, i in zip(types, sub_index, strict=True)
        ],
        dtype=object,
    )
    actor = rng.choice(len(ACTORS), count, p=[share for *_, share in ACTORS])
    target = rng.choice(len(TARGETS), count, p=[share for *_, share in TARGETS])
    fatalities = pd.array(rng.negative_binomial(0.4, 0.05, count), dtype="Int64")
    fatalities[rng.random(count) < 0.05] = pd.NA
    town_names = towns["name"].to_numpy(dtype=object)
    town_countries = towns["country"].to_numpy(dtype=object)
    known = origin >= 0
    location = np.where(known, town_names[np.maximum(origin, 0)], "Niger valley")
    frame = pd.DataFrame(
        {
            "id": [f"SYN-{i:07d}" for i in range(count)],
            "event_date": FIRST_DAY + pd.to_timedelta(days, unit="D"),
            "date_precision": 1,
            "location": location,
            "country": np.where(known, town_countries[np.maximum(origin, 0)], "MLI"),
            "geo_precision": rng.choice([1, 2, 3], count, p=[0.6, 0.27, 0.13]),
            "event_type": types,
            "sub_event_type": sub_types,
            "actor1": np.array([a for a, _, _ in ACTORS], dtype=object)[actor],
            "actor1_family": np.array([f for _, f, _ in ACTORS], dtype=object)[actor],
            "actor2": np.array([a for a, _, _ in TARGETS], dtype=object)[target],
            "actor2_family": np.array([f for _, f, _ in TARGETS], dtype=object)[target],
            "fatalities": fatalities,
            "description": "Synthetic incident for benchmarks <b>&</b> ${x} `",
            "source": "bench",
            "dataset": "synthetic",
            "licence": "none",
        }
    )
    points = gpd.points_from_xy(xy[:, 0], xy[:, 1])
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")
