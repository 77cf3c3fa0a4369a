"""Incidents: quick ranges and a month-by-month player, the map, a timeline and the table.

A row picked in the table rings its incident on the map and centres the map on it; a marker
clicked on the map selects its row in the table.
"""

from __future__ import annotations

import streamlit as st

from atlas.filters import data_span, listed_or_asked_on, view_holds, view_listing
from atlas.mapping import view_map
from atlas.tables import TABLE_ROWS_MAX, incident_table, table_note
from atlas.text import plural
from atlas.timeline import QUICK_RANGES, quick_range, step_month
from atlas.viewport import detail_box, reports_extent
from ui.data import layers, layers_key
from ui.export import export_panel
from ui.frame import require_frame
from ui.picks import (
    ROWS,
    focus_token,
    ringed,
    select_picked_row,
    take_map_click,
    take_row_picked_in_table,
)
from ui.player import month_player
from ui.view import current_view, request_range
from ui.widgets import (
    copy_link_button,
    event_type_bars,
    map_screen,
    reported_viewport,
    show_map,
)

require_frame()

data_key = layers_key()
data = layers(data_key)
view = current_view()
data_start, data_end = data_span(data)
start, end = view.date_range(data_start, data_end)
# The view's figures, timelines and newest rows: a shared store counts and sorts its
# incidents itself, and only the rows the table lists travel.
listing = view_listing(data, view, start, end, TABLE_ROWS_MAX)
total = listing.totals.incidents

years = [str(y) for y in range(data_end.year, data_start.year - 1, -1)]


def _apply_quick_range() -> None:
    choice = st.session_state["quick_range"]
    if choice != "Custom":
        request_range(*quick_range(choice, data_start, data_end))


with map_screen():
    st.title("Incidents")
    st.markdown(f"**{plural(total, 'incident')}** between {start:%d %B %Y} and {end:%d %B %Y}.")

    quick_col, back_col, next_col, play_col = st.columns([3, 1, 1, 1], vertical_alignment="bottom")

    quick_col.selectbox(
        "Quick range",
        ["Custom", *QUICK_RANGES, *years],
        key="quick_range",
        on_change=_apply_quick_range,
    )
    back_col.button(
        "◀ Month",
        on_click=lambda: request_range(*step_month(start, -1, data_start, data_end)),
        width="stretch",
    )
    next_col.button(
        "Month ▶",
        on_click=lambda: request_range(*step_month(end, 1, data_start, data_end)),
        width="stretch",
    )
    month_player(play_col, start, end, data_start, data_end)

    take_row_picked_in_table()
    highlight, token = ringed(), focus_token()
    # A view in hexagons shows the incidents of the reader's part of the map, zoomed in.
    placeable = listing.totals.on_map
    viewport = reported_viewport("incidents_map")
    box = detail_box(view.agg, placeable, viewport)
    clicked = show_map(
        lambda: view_map(
            data,
            view,
            highlight_id=highlight,
            focus_token=token,
            viewport=viewport if box else None,
        ),
        key="incidents_map",
        cache_key=(data_key, "view", view.to_query_string(), highlight, token, box),
        on_click=True,
        fill_screen=True,
        report_extent=reports_extent(view.agg, placeable),
    )
take_map_click(clicked, lambda day, box: listed_or_asked_on(data, listing, day, box))
copy_link_button()

period = st.radio("Timeline by", ["month", "week"], horizontal=True, key="timeline_period")
timeline = listing.timelines[period]
if timeline.empty:
    st.info("No incidents in this view.")
else:
    event_type_bars(timeline.per_key(), "incidents", 220)
    st.line_chart(timeline.per_period()["fatalities"], height=160, y_label="fatalities")

table = incident_table(listing.latest, TABLE_ROWS_MAX)
select_picked_row(table)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key=ROWS,
    column_config={
        "Date": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "Fatalities": st.column_config.NumberColumn(format="%d"),
    },
)
if note := table_note(len(table), total):
    st.caption(note)
if (ring := ringed()) and view_holds(data, listing, ring):
    st.caption(f"Ringed on the map: incident {ring}.")

export_panel(data, view)
