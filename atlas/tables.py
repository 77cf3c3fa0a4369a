"""Tables of rows for display or download, with readable column names."""

from __future__ import annotations

import re

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


TABLE_ROWS_MAX = 5_000
"""The most incidents a page lists: more is no reading, and a browser grid of 100,000 rows
slows every redraw of the page. Downloads (CSV, GeoJSON) carry every incident."""


def incident_table(incidents: gpd.GeoDataFrame, limit: int | None = None) -> pd.DataFrame:
    """Incidents as a plain table, newest first, without geometry; the first ``limit`` rows."""
    columns = dict(INCIDENT_COLUMNS)
    if "distance_km" in incidents.columns:  # incidents near a place
        columns["distance_km"] = "Distance (km)"
    table = pd.DataFrame(incidents[list(columns)]).rename(columns=columns)
    table = table.sort_values(["Date", "ID"], ascending=[False, True], ignore_index=True)
    if limit is not None:
        table = table.head(limit)
    table["Date"] = table["Date"].dt.date
    return table


def change_table(
    changed: gpd.GeoDataFrame,
    added: list[str],
    updated: dict[str, tuple[str, ...]],
    removed: list[str],
) -> pd.DataFrame:
    """What changed, one row an incident: added and updated ones (from ``changed``, the
    incidents as they are now) with the fields that changed, then the removed ids."""
    rows = pd.DataFrame(changed[["id", "event_date", "location", "event_type"]])
    rows["Change"] = rows["id"].map(
        lambda i: "added" if i in set(added) else "updated: " + ", ".join(updated.get(i, ()))
    )
    rows["event_date"] = rows["event_date"].dt.date
    gone = pd.DataFrame({"id": removed, "Change": "removed"})
    table = pd.concat([rows, gone], ignore_index=True)
    table = table.rename(
        columns={"id": "ID", "event_date": "Date", "location": "Location", "event_type": "Type"}
    )
    return table[["Change", "Date", "Location", "Type", "ID"]].fillna("")


def table_note(listed: int, total: int) -> str | None:
    """What a page says under a table cut to :data:`TABLE_ROWS_MAX` rows; None if whole."""
    if listed >= total:
        return None
    return f"The table lists the latest {listed:,} of {total:,} incidents; export the view for all."


def _text(column: pd.Series) -> pd.Series:
    return column.astype("string").fillna("")


_BLANKS = r"[\s\x00-\x1f\x7f]+"


def one_line(text: str) -> str:
    """``text`` with every run of spaces and control characters made one space, trimmed."""
    return re.sub(_BLANKS, " ", text).strip()


def incident_tooltips(incidents: gpd.GeoDataFrame) -> pd.Series:
    """The line a marker shows on hover: ``date · place · actor 1 vs actor 2`` (plain text).

    On one line, as :func:`one_line` makes it, so that it reads back from the page as it
    was written.
    """
    actor2 = _text(incidents["actor2"])
    line = (
        incidents["event_date"].dt.strftime("%Y-%m-%d")
        + " · "
        + _text(incidents["location"])
        + " · "
        + _text(incidents["actor1"])
        + (" vs " + actor2).where(actor2 != "", "")
    )
    return line.str.replace(_BLANKS, " ", regex=True).str.strip()
