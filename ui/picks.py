"""The incident a reader picked, shared by the Incidents page's map and table.

A pick comes from a click on a marker or from a row of the table; the table shows its row
selected, whichever way it was picked. A row picked in the table is also ringed on the map,
which centres on it once per pick. A click on the map changes nothing on the map: the reader
is looking at the incident already, and its popup stays open. The table's own selection is a
row position in the table the last run drew, so it is read against the ids that table listed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from atlas.filters import BBox
from atlas.picking import incident_at, pick_box, tooltip_day

IncidentsNear = Callable[[date, BBox], gpd.GeoDataFrame]
"""The view's incidents of one day inside a box (where a click looks for its incident)."""

PICKED = "picked_incident"  # the id of the incident picked (its table row is selected)
RINGED = "ringed_incident"  # the id of the incident ringed on the map (picked in the table)
ROWS = "incident_rows"  # the table's widget; its selection is a row position
LISTED = "incident_rows_listed"  # the ids of the rows the table showed, in order
SELECTED = "incident_rows_selected"  # the row selected for the reader by the last run
SEEN_CLICKS = "incident_map_clicks"  # clicks on the map already acted on
PICKS = "incident_picks"  # how many picks so far: each new one recentres the map


def picked() -> str | None:
    """The id of the picked incident, if any."""
    value = st.session_state.get(PICKED)
    return None if value is None else str(value)


def ringed() -> str | None:
    """The id of the incident ringed on the map, if any."""
    value = st.session_state.get(RINGED)
    return None if value is None else str(value)


def focus_token() -> str:
    """Names the current pick; the map recentres when it changes."""
    return f"{ringed()}#{st.session_state.get(PICKS, 0)}"


def _pick(incident_id: str | None, *, ring: bool = True) -> None:
    """Pick an incident (None: none); with ``ring``, ring it and have the map centre on it,
    even if it is ringed already."""
    if incident_id is None:
        st.session_state.pop(PICKED, None)
        st.session_state.pop(RINGED, None)
        return
    st.session_state[PICKED] = incident_id
    if ring:
        st.session_state[RINGED] = incident_id
        st.session_state[PICKS] = st.session_state.get(PICKS, 0) + 1


def take_row_picked_in_table() -> None:
    """Take the row the reader picked, or unpicked, in the table the last run drew.

    Call it before drawing the map. A selection this page made itself is no news.
    """
    state = st.session_state.get(ROWS)
    if state is None:  # the table is new on this visit of the page: nothing was picked in it
        return
    rows = list(state["selection"]["rows"])
    row = rows[0] if rows else None
    if row == st.session_state.get(SELECTED):
        return
    listed = st.session_state.get(LISTED, [])
    if row is None or row < len(listed):
        _pick(None if row is None else listed[row])


def take_map_click(clicked: dict[str, Any] | None, incidents_near: IncidentsNear) -> None:
    """Pick the incident a new click on the map landed on, and rerun to select its row.

    The map reports its last click on every run; a new click has a new count. An
    incident's tooltip begins with its day, so only the view's incidents of that day
    around the click (:func:`pick_box`) are asked of ``incidents_near``: the pick is the
    one :func:`atlas.picking.incident_at` finds among all the view's incidents, without
    them.
    """
    if clicked is None:
        st.session_state.pop(SEEN_CLICKS, None)
        return
    if clicked["count"] == st.session_state.get(SEEN_CLICKS):
        return
    st.session_state[SEEN_CLICKS] = clicked["count"]
    lat, lon, tooltip = clicked["lat"], clicked["lng"], clicked["tooltip"]
    day = tooltip_day(tooltip)
    if day is None:  # not an incident's tooltip: a region, a river, a hexagon
        return
    hit = incident_at(incidents_near(day, pick_box(lat, lon)), lat, lon, tooltip)
    if hit:
        _pick(hit, ring=False)
        st.rerun()


def select_picked_row(table: pd.DataFrame) -> None:
    """Have the table, about to be drawn under the key :data:`ROWS`, show the pick's row."""
    listed = table["ID"].tolist()
    selected = listed.index(picked()) if picked() in listed else None
    st.session_state[ROWS] = {"selection": {"rows": [] if selected is None else [selected]}}
    st.session_state[LISTED] = listed
    st.session_state[SELECTED] = selected
