"""Home: the briefing-room screen: headline figures for the range and the map."""

from __future__ import annotations

import streamlit as st

from atlas.mapping import view_map
from atlas.text import plural
from atlas.viewport import detail_box, reports_extent
from ui.data import layers, layers_key, view_figures
from ui.export import export_panel
from ui.frame import require_frame
from ui.view import current_view
from ui.widgets import copy_link_button, map_screen, reported_viewport, show_map

require_frame()

data_key = layers_key()
data = layers(data_key)
view = current_view()
start, end, figures = view_figures(data_key, data, view)

with map_screen():
    st.title("Mali Security Atlas")
    st.caption(f"{start:%d %B %Y} – {end:%d %B %Y}")

    incidents_col, deaths_col, bases_col, regions_col = st.columns(4)
    incidents_col.metric("Incidents", f"{figures.incidents:,}")
    deaths_col.metric(
        "Fatalities",
        f"{figures.fatalities:,}",
        help=plural(figures.incidents_without_fatality_figure, "incident") + " have no figure.",
    )
    bases_col.metric("Active deployments", f"{figures.active_deployments:,}")
    regions_col.metric(
        "Most affected region",
        figures.top_regions[0][0] if figures.top_regions else "–",
        help="Regions of Mali ranked by incident count in the range.",
    )
    notes = []
    if figures.top_regions:
        notes.append(
            "Most affected regions: "
            + ", ".join(f"{name} ({count})" for name, count in figures.top_regions)
            + "."
        )
    if figures.includes:
        notes.append(figures.includes)
    if notes:
        st.caption(" ".join(notes))

    # A view in hexagons shows the incidents of the reader's part of the map, zoomed in.
    placeable = figures.incidents - figures.not_on_map
    viewport = reported_viewport("home_map")
    box = detail_box(view.agg, placeable, viewport)
    show_map(
        lambda: view_map(data, view, viewport=viewport if box else None),
        key="home_map",
        cache_key=(data_key, "view", view.to_query_string(), box),
        fill_screen=True,
        report_extent=reports_extent(view.agg, placeable),
    )
copy_link_button()

export_panel(data, view)
