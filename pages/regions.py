"""Regions: a choropleth of the range, change against the previous period, and a drill-down."""

from __future__ import annotations

import streamlit as st

from atlas.filters import data_span
from atlas.mapping import region_map
from atlas.regions import Baselines, previous_period, region_drilldown, region_figures
from atlas.tables import incident_table
from ui.data import layers, layers_key
from ui.export import export_panel
from ui.frame import require_frame
from ui.view import current_view
from ui.widgets import event_type_bars, map_screen, show_map

require_frame()

METRICS = {
    "incidents": "incidents",
    "fatalities": "fatalities",
    "per_10k_km2": "incidents per 10,000 km²",
}

data = layers()
view = current_view()
start, end, figures = region_figures(data, view)
before = previous_period(start, end)

with map_screen():
    st.title("Regions")
    st.caption(
        f"{start:%d %B %Y} – {end:%d %B %Y}, compared with {before[0]:%d %B %Y} – "
        f"{before[1]:%d %B %Y}. Ménaka and Taoudénit have no offline boundaries and count "
        "within Gao and Timbuktu."
    )
    metric = st.radio(
        "Shade regions by",
        list(METRICS),
        format_func=lambda m: METRICS[m],
        horizontal=True,
        key="region_metric",
    )
    flagged = figures[figures["rise"] | figures["fatality_high"]]
    surges = []
    for row in flagged.itertuples(index=False):
        reasons = []
        if row.rise:
            reasons.append(f"incidents up from {row.previous_incidents} to {row.incidents}")
        if row.fatality_high:
            reasons.append("30-day fatalities at a one-year high")
        surges.append(f"- **{row.name}**: " + "; ".join(reasons) + ".")
    if surges:
        st.warning("Surges in this range:\n" + "\n".join(surges))
    data_start = data_span(data)[0]
    if note := Baselines.of(start, end, data_start).note(data_start):
        st.caption(note)

    show_map(
        lambda: region_map(data, view, figures, metric, METRICS[metric]),
        key="regions_map",
        cache_key=(layers_key(), "regions", view.to_query_string(), metric),
        fill_screen=True,
    )

st.dataframe(
    figures.rename(
        columns={
            "iso_code": "Code",
            "name": "Region",
            "incidents": "Incidents",
            "fatalities": "Fatalities",
            "per_10k_km2": "Per 10,000 km²",
            "previous_incidents": "Previous period",
            "change_pct": "Change %",
            "rise": "Surge (≥100% rise)",
            "fatality_high": "Fatalities at 1-year high",
        }
    ),
    hide_index=True,
    width="stretch",
)

st.subheader("Drill down")
names = dict(zip(figures["iso_code"], figures["name"], strict=True))
code = st.selectbox("Region", list(names), format_func=lambda c: names[c], key="drill_region")
# Counted where the incidents are kept: a store keeping them in a database sends its counts
# and its deadliest few, never the region's rows. A region the view leaves out has none.
drill = region_drilldown(data, view, code, start, end)
if drill is None:
    st.info(f"No incidents in {names[code]} in this view.")
else:
    event_type_bars(drill.per_month, "incidents per month", 220)
    actors_col, types_col, towns_col = st.columns(3)
    actors_col.markdown("**Top actors**")
    actors_col.dataframe(
        drill.actors.rename("Incidents").rename_axis("Actor"),
        column_config={"Actor": st.column_config.TextColumn(width="large")},
    )
    types_col.markdown("**Event types**")
    types_col.dataframe(drill.event_types.rename("Incidents").rename_axis("Event type"))
    towns_col.markdown("**Towns most affected** (within 30 km)")
    towns_col.dataframe(drill.towns.rename("Incidents").rename_axis("Town"))
    st.markdown("**Deadliest incidents**")
    st.dataframe(incident_table(drill.deadliest), hide_index=True, width="stretch")

export_panel(data, view)
