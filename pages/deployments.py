"""Deployments: bases active on a chosen day, their timeline, and incidents near a place."""

from __future__ import annotations

from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st

from atlas.filters import data_span, deployments_active_between, view_incidents
from atlas.mapping import deployment_map
from atlas.proximity import box_around, incidents_within_km, place_names, place_point
from atlas.style import MISSION_SYMBOLS
from atlas.tables import TABLE_ROWS_MAX, incident_table, table_note
from atlas.text import plural
from atlas.timeline import counts_by_period
from ui.data import layers, layers_key
from ui.export import export_panel
from ui.frame import require_frame
from ui.view import current_view, set_view
from ui.widgets import event_type_bars, map_screen, show_map

require_frame()

data = layers()
view = current_view()
start, end = view.date_range(*data_span(data))
deployments = data.deployments

with map_screen():
    st.title("Deployments")
    first_day = min(deployments["start_date"].min().date(), start)
    as_of = st.slider(
        "Bases active on",
        min_value=first_day,
        max_value=end,
        value=end,
        format="YYYY-MM-DD",
        key="as_of",
    )
    active = deployments_active_between(deployments, as_of, as_of)

    places = place_names(data)
    near_col, radius_col = st.columns([2, 3])
    near = near_col.selectbox(
        "Incidents near",
        places,
        index=places.index(view.near) if view.near in places else None,
        placeholder="Choose a town or base",
        key="near",
    )
    radius = radius_col.slider("Within (km)", 5, 300, int(view.radius_km), step=5, key="radius")
    set_view(replace(view, near=near, radius_km=float(radius)))

    point = place_point(data, near) if near else None
    # Only the incidents of a box around the place are asked for (a store keeping them in a
    # database selects the box there), then measured.
    nearby = (
        incidents_within_km(
            view_incidents(data, view, start, end, box_around(point, radius)), point, radius
        )
        if point
        else data.incidents.iloc[0:0]
    )
    circle = (point.y, point.x, radius * 1000.0) if point else None
    st.markdown(
        f"**{plural(len(active), 'base')}** active on {as_of:%d %B %Y}"
        + (
            f"; **{plural(len(nearby), 'incident')}** within {radius} km of {near} "
            f"between {start:%d %B %Y} and {end:%d %B %Y}."
            if point
            else "."
        )
    )
    show_map(
        lambda: deployment_map(data, view, active, nearby, circle),
        key="deployments_map",
        cache_key=(layers_key(), "deployments", view.to_query_string(), as_of, near, radius),
        fill_screen=True,
    )

st.subheader("Timeline by mission")
# The place first: every MINUSMA site's name starts "MINUSMA camp, …", which a cut label hides.
bars = deployments.assign(
    until=deployments["end_date"].fillna(pd.Timestamp(end)),
    label=deployments["location"] + " · " + deployments["mission"],
)
missions = [m for m in MISSION_SYMBOLS if m in set(bars["mission"])]
chart = (
    alt.Chart(bars[["label", "mission", "site", "start_date", "until"]])
    .mark_bar(height=8)
    .encode(
        x=alt.X("start_date:T", title=None),
        x2="until:T",
        y=alt.Y(
            "label:N",
            sort=alt.SortField("start_date"),
            title=None,
            axis=alt.Axis(labelLimit=320),
        ),
        color=alt.Color(
            "mission:N",
            title="Mission",
            scale=alt.Scale(domain=missions, range=[MISSION_SYMBOLS[m][1] for m in missions]),
            legend=alt.Legend(labelLimit=260),
        ),
        tooltip=[
            alt.Tooltip("mission", title="Mission"),
            alt.Tooltip("site", title="Site"),
            alt.Tooltip("start_date:T", title="From"),
            alt.Tooltip("until:T", title="Until"),
        ],
    )
)
rule = (
    alt.Chart(pd.DataFrame({"day": [pd.Timestamp(as_of)]}))
    .mark_rule(color="black")
    .encode(x="day:T")
)
st.altair_chart(chart + rule, use_container_width=True)

if point:
    st.subheader(f"Incidents within {radius} km of {near}")
    if nearby.empty:
        st.info("None in this view.")
    else:
        event_type_bars(counts_by_period(nearby, "month"), "incidents per month", 200)
        listed = incident_table(nearby, TABLE_ROWS_MAX)
        st.dataframe(listed, hide_index=True, width="stretch")
        if note := table_note(len(listed), len(nearby)):
            st.caption(note)

export_panel(data, view)
