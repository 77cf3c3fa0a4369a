"""Linking the same event told by two datasets (ACLED and UCDP GED, say) as one.

Two incidents are linked when they come from different datasets, lie within ``distance_m``
metres of each other (measured in a metric projection, never in degrees), their dates are at
most ``days`` apart, and their actors are compatible: the actor families each names (empty,
``Other`` and ``Unidentified`` set aside) overlap, or one of them names none. Links are
transitive: linked incidents form one group. The rule is documented in ``docs/import.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from atlas.filters import on_map

METRIC_CRS = "EPSG:32630"
"""UTM zone 30N: metres, scale within about 2 % across Mali (ample for a 1 km rule)."""

UNINFORMATIVE_FAMILIES = frozenset({"", "Other", "Unidentified"})


def _families(incidents: gpd.GeoDataFrame) -> list[frozenset[str]]:
    pairs = zip(
        incidents["actor1_family"].fillna(""), incidents["actor2_family"].fillna(""), strict=True
    )
    return [frozenset({a, b}) - UNINFORMATIVE_FAMILIES for a, b in pairs]


def _compatible(left: frozenset[str], right: frozenset[str]) -> bool:
    return not left or not right or bool(left & right)


def _groups(count: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Connected components of ``pairs`` over ``count`` items (union-find with path halving)."""
    parent = np.arange(count)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(count)])


def link_duplicates(
    incidents: gpd.GeoDataFrame, *, distance_m: float = 1000.0, days: int = 1
) -> gpd.GeoDataFrame:
    """Add ``linked_ids``: the ids of incidents in other datasets that tell the same event.

    Parameters
    ----------
    incidents
        Point incidents in a geographic or projected CRS, with ``id``, ``dataset``,
        ``event_date``, ``actor1_family`` and ``actor2_family``.
    distance_m
        Greatest distance between two linked incidents, in metres.
    days
        Greatest number of days between their dates.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``linked_ids`` (``"; "``-joined, empty when unlinked) and ``link_group``
        (the position of the group's first member; equal for linked incidents).
    """
    if incidents.crs is None:
        raise ValueError("incidents have no CRS, so distances cannot be measured")
    if distance_m < 0 or days < 0:
        raise ValueError(f"distance_m and days must be >= 0, got {distance_m} and {days}")
    result = incidents.copy()
    count = len(result)
    projected = result.geometry.to_crs(METRIC_CRS).reset_index(drop=True)
    left, right = projected.sindex.query(projected, predicate="dwithin", distance=distance_m)
    keep = left < right
    left, right = left[keep], right[keep]
    datasets = result["dataset"].to_numpy()
    dates = result["event_date"].to_numpy(dtype="datetime64[ns]")
    apart = np.abs(dates[left] - dates[right]) <= np.timedelta64(days, "D")
    other = datasets[left] != datasets[right]
    # Two events known only to their country share a point (its centre), not a place.
    placed = on_map(result).to_numpy()
    both_placed = placed[left] & placed[right]
    left, right = left[apart & other & both_placed], right[apart & other & both_placed]
    families = _families(result)
    pairs = [
        (int(a), int(b))
        for a, b in zip(left, right, strict=True)
        if _compatible(families[a], families[b])
    ]
    groups = _groups(count, pairs)
    ids = result["id"].astype(str).to_numpy()
    members: dict[int, list[str]] = {}
    for position, group in enumerate(groups):
        members.setdefault(int(group), []).append(ids[position])
    result["linked_ids"] = [
        "; ".join(sorted(i for i in members[int(g)] if i != ids[p])) for p, g in enumerate(groups)
    ]
    result["link_group"] = groups
    return result


def deduplicated(
    incidents: gpd.GeoDataFrame,
    *,
    prefer: Sequence[str] = (),
    distance_m: float = 1000.0,
    days: int = 1,
) -> gpd.GeoDataFrame:
    """One incident per linked group, with the others' ids in ``linked_ids``.

    The incident kept is from the first dataset named in ``prefer`` that the group has
    (then the most precise date, then place, then the smallest id), so a briefing can
    favour one source's wording while still showing that another recorded the event.
    """
    linked = link_duplicates(incidents, distance_m=distance_m, days=days)
    rank = {name: position for position, name in enumerate(prefer)}
    order = pd.DataFrame(
        {
            "group": linked["link_group"].to_numpy(),
            "preference": linked["dataset"].map(lambda d: rank.get(d, len(rank))).to_numpy(),
            "date_precision": linked["date_precision"].to_numpy(),
            "geo_precision": linked["geo_precision"].to_numpy(),
            "id": linked["id"].astype(str).to_numpy(),
        }
    ).sort_values(["group", "preference", "date_precision", "geo_precision", "id"])
    chosen = order.drop_duplicates("group", keep="first").index
    return linked.iloc[np.sort(chosen.to_numpy())].drop(columns="link_group")
