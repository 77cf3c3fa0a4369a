"""Selecting rows for a view and summarising them. Pure functions of their arguments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import pandas as pd


def _timestamp(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def incidents_between(incidents: gpd.GeoDataFrame, start: date, end: date) -> gpd.GeoDataFrame:
    """Incidents whose ``event_date`` lies in ``[start, end]`` (both days included)."""
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    dates = incidents["event_date"]
    mask = (dates >= _timestamp(start)) & (dates <= _timestamp(end))
    return incidents.loc[mask]


def deployments_active_between(
    deployments: gpd.GeoDataFrame, start: date, end: date
) -> gpd.GeoDataFrame:
    """Deployments present at any time in ``[start, end]``; an open end means still present."""
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    began = deployments["start_date"] <= _timestamp(end)
    not_ended = deployments["end_date"].isna() | (deployments["end_date"] >= _timestamp(start))
    return deployments.loc[began & not_ended]


@dataclass(frozen=True)
class Headline:
    """The figures a briefing opens with, for one date range."""

    incidents: int
    fatalities: int
    incidents_without_fatality_figure: int
    active_deployments: int
    top_regions: tuple[tuple[str, int], ...]


def headline(
    incidents: gpd.GeoDataFrame, deployments: gpd.GeoDataFrame, start: date, end: date, top: int = 3
) -> Headline:
    """Headline figures for ``[start, end]``: counts, fatalities and most affected regions.

    Regions are ranked by incident count (then fatalities); incidents outside Mali are counted
    in the totals but not in the regional ranking.
    """
    selected = incidents_between(incidents, start, end)
    fatalities = selected["fatalities"]
    in_mali = selected.dropna(subset=["admin1_name"])
    ranked = (
        in_mali.groupby("admin1_name")
        .agg(n=("id", "size"), dead=("fatalities", "sum"))
        .sort_values(["n", "dead"], ascending=False)
        .head(top)
    )
    return Headline(
        incidents=len(selected),
        fatalities=int(fatalities.sum(skipna=True)),
        incidents_without_fatality_figure=int(fatalities.isna().sum()),
        active_deployments=len(deployments_active_between(deployments, start, end)),
        top_regions=tuple((str(name), int(n)) for name, n in ranked["n"].items()),
    )
