"""Notes: the analysts' shared map notes; read them, pin new ones, change or delete your own."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from atlas.filters import data_span
from atlas.mapping import view_map
from atlas.notes import NotesStore, notes_table
from loaders import LayerError
from ui.auth import current_user, refused
from ui.data import layers
from ui.frame import require_frame
from ui.notes import add_panel, change_panel, show_done
from ui.view import current_view
from ui.widgets import show_map

require_frame()

user = current_user()
data = layers()
view = current_view()
start, end = view.date_range(*data_span(data))
store = NotesStore(regions=data.regions)
region_names = dict(zip(data.regions["iso_code"], data.regions["name"], strict=True))

st.title("Notes")
st.caption(
    "A note is pinned to a point or a region for a span of days. It shows on every map whose "
    "range it overlaps, as the *Notes* layer, and in the exports of such views."
)
show_done()

refusal = refused(user, "write_note", "Notes page")
# The notes are what this page is about: its map shows them whatever layers the view hides.
with_notes = replace(view, layers=(*(name for name in view.layers if name != "notes"), "notes"))
st.caption(f"Notes applying between {start:%d %B %Y} and {end:%d %B %Y}:")
point = show_map(
    view_map(data, with_notes), key="notes_map", height=480, pick_point=refusal is None
)

if refusal:
    st.info(f"Writing notes is for analysts and admins: {refusal}.")
else:
    add_panel(store, user, point, region_names, (start, end))

try:
    notes = store.list(user)
except LayerError as exc:
    st.error(str(exc))
    st.stop()
st.subheader(f"All notes you can see ({len(notes):,})")
if notes:
    st.dataframe(
        notes_table(notes, region_names),
        hide_index=True,
        width="stretch",
        column_config={
            "From": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "To": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "Text": st.column_config.TextColumn(width="large"),
        },
    )
else:
    st.caption("No notes yet.")

if refusal is None:
    change_panel(store, user, notes)
