"""Data: the datasets feeding the maps, and importing an analyst's file into them."""

from __future__ import annotations

import streamlit as st

from atlas.access import may
from atlas.datasets import datasets_table, open_datasets
from ui.auth import current_user, refused
from ui.data import layers
from ui.fetch import fetch_panel
from ui.frame import require_frame
from ui.imports import ask_to_remove, import_panel, removal_dialog

require_frame()

store = open_datasets()
user = current_user()

st.title("Data")
st.markdown(
    "The maps show the embedded curated set and every dataset imported here. Imported "
    "licences and access dates are shown in the footer of every page."
)
if may(user, "manage_store"):
    st.caption(f"Imports are stored in {store.where()}.")

st.subheader("Datasets feeding the maps")
st.dataframe(
    datasets_table(layers(), store).fillna("—"),
    hide_index=True,
    width="stretch",
    column_config={
        "name": "Dataset",
        "format": "Format",
        "kind": "Holds",
        "rows": "Rows",
        "date_min": "From",
        "date_max": "To",
        "licence": st.column_config.TextColumn("Licence and attribution", width="large"),
        "imported_at": "Imported (UTC)",
    },
)
if may(user, "remove_dataset"):
    for info in store.datasets():
        st.button(
            f"Remove {info.name}…",
            key=f"remove-{info.name}",
            icon=":material/delete:",
            on_click=ask_to_remove,
            args=(info.name,),
        )
    removal_dialog(store, user)

st.subheader("Import a file")
import_refused = refused(user, "import", "Data page import")
if import_refused:
    st.info(f"Importing is for analysts and admins: {import_refused}.")
else:
    import_panel(store, user)
    fetch_panel(store, user)
