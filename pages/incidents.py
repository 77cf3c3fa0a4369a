"""Incidents: the map of the range and a table of the same incidents."""

from __future__ import annotations

import streamlit as st

from atlas.mapping import build_map, view_layers
from atlas.tables import incident_table
from atlas.text import plural
from ui.data import layers
from ui.view import current_view
from ui.widgets import show_map

data = layers()
view = current_view()
start, end, incidents, _ = view_layers(data, view)

st.title("Incidents")
st.markdown(
    f"**{plural(len(incidents), 'incident')}** between {start:%d %B %Y} and {end:%d %B %Y}. "
    "Move the date range in the sidebar to redraw the map and the table."
)

show_map(build_map(data, view), key="incidents_map", height=560)

st.subheader("Incidents in range")
st.dataframe(
    incident_table(incidents),
    hide_index=True,
    width="stretch",
    column_config={
        "Date": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "Fatalities": st.column_config.NumberColumn(format="%d"),
    },
)
