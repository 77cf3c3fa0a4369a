"""Tables of rows for display or download, with readable column names."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

INCIDENT_COLUMNS = {
    "event_date": "Date",
    "location": "Location",
    "admin1_name": "Region",
    "event_type": "Event type",
    "sub_event_type": "Sub-type",
    "actor1": "Actor 1",
    "actor2": "Actor 2",
    "fatalities": "Fatalities",
    "description": "Description",
    "source": "Source",
    "id": "ID",
}


def incident_table(incidents: gpd.GeoDataFrame) -> pd.DataFrame:
    """Incidents as a plain table, newest first, without geometry."""
    columns = dict(INCIDENT_COLUMNS)
    if "distance_km" in incidents.columns:  # incidents near a place
        columns["distance_km"] = "Distance (km)"
    table = pd.DataFrame(incidents[list(columns)]).rename(columns=columns)
    table["Date"] = table["Date"].dt.date
    return table.sort_values(["Date", "ID"], ascending=[False, True], ignore_index=True)


def _text(column: pd.Series) -> pd.Series:
    return column.astype("string").fillna("")


def incident_tooltips(incidents: gpd.GeoDataFrame) -> pd.Series:
    """The line a marker shows on hover: ``date · place · actor 1 vs actor 2`` (plain text)."""
    actor2 = _text(incidents["actor2"])
    return (
        incidents["event_date"].dt.strftime("%Y-%m-%d")
        + " · "
        + _text(incidents["location"])
        + " · "
        + _text(incidents["actor1"])
        + (" vs " + actor2).where(actor2 != "", "")
    )
