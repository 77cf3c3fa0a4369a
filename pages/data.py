"""Data: the datasets feeding the maps, and importing an analyst's file into them."""

from __future__ import annotations

import logging
from datetime import date

import streamlit as st

from atlas.access import RefusedError, may, require
from atlas.audit import record, record_import
from atlas.datasets import DatasetStore, datasets_table, staged_file
from loaders import LayerError
from loaders.imports import (
    FIELDS,
    FORMAT_TITLES,
    ImportOptions,
    Preview,
    default_dataset_name,
    preview_file,
    required_fields,
)
from ui.auth import current_user
from ui.data import layers
from ui.frame import require_frame
from ui.imports import ask_to_remove, removal_dialog, show_report

require_frame()

_REPORT_KEY = "data_import_report"
_NONE = "(none)"
store = DatasetStore()
user = current_user()


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def _preview(data: bytes, name: str, layer: str | None) -> Preview:
    with staged_file(data) as path:
        return preview_file(path, ImportOptions(layer=layer), name=name)


st.title("Data")
st.markdown(
    "The maps show the embedded curated set and every dataset imported here. Imported "
    "licences and access dates are shown in the footer of every page."
)

st.subheader("Datasets feeding the maps")
st.dataframe(datasets_table(layers(), store), hide_index=True, width="stretch")
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
if not may(user, "import"):
    st.info(f"Importing is for analysts and admins: {may(user, 'import').reason}.")
    st.stop()
st.caption(
    "ACLED export (CSV or XLSX), UCDP GED CSV, Geo-PKO CSV, GeoJSON, GeoPackage, zipped "
    "shapefile, or a CSV with coordinates and a date. The content decides the format."
)
if _REPORT_KEY in st.session_state:
    show_report(st.session_state[_REPORT_KEY])

upload = st.file_uploader("Data file", key="data_upload")
preview: Preview | None = None
if upload is not None:
    try:
        preview = _preview(upload.getvalue(), upload.name, None)
        if len(preview.layers) > 1:
            layer = st.selectbox("Layer", preview.layers, key="data_layer")
            preview = _preview(upload.getvalue(), upload.name, layer)
    except LayerError as exc:
        st.error(str(exc))

if upload is not None and preview is not None:
    st.info(
        f"Detected **{FORMAT_TITLES[preview.format]}**: {preview.rows:,} rows"
        + (f", encoding {preview.encoding}" if preview.encoding else "")
    )
    with st.form("data_import"):
        mapping: dict[str, str] = {}
        if preview.needs_mapping:
            st.markdown("Confirm which column holds what (* required):")
            needed = required_fields(preview.has_geometry)
            cells = st.columns(3)
            fields = [f for f in FIELDS if not (preview.has_geometry and f in ("lat", "lon"))]
            for position, field in enumerate(fields):
                choices = [_NONE, *preview.columns]
                suggested = preview.suggested_mapping.get(field)
                chosen = cells[position % 3].selectbox(
                    f"{field}{' *' if field in needed else ''}",
                    choices,
                    index=choices.index(suggested) if suggested else 0,
                    help=FIELDS[field][0],
                    key=f"data_map_{field}",
                )
                if chosen != _NONE:
                    mapping[field] = chosen
        name = st.text_input("Dataset name", default_dataset_name(preview.format, upload.name))
        accessed = st.date_input("Downloaded on (cited with the data)", date.today())
        keep_outside = st.checkbox("Keep rows outside Mali and its neighbours (flagged)")
        submitted = st.form_submit_button("Import", type="primary", icon=":material/upload:")
    if submitted:
        bar = st.progress(0.0, text="Starting")
        options = ImportOptions(
            dataset=name.strip() or None,
            layer=preview.layer,
            mapping=mapping or None,
            keep_outside=keep_outside,
            access_date=accessed if isinstance(accessed, date) else None,
        )
        try:
            require(user, "import", what=upload.name)
            with staged_file(upload.getvalue()) as path:
                report = store.import_file(
                    path, options, name=upload.name, progress=lambda f, m: bar.progress(f, text=m)
                )
        except RefusedError as refusal:
            bar.empty()
            st.error(f"Not imported: {refusal.reason}.")
        except LayerError as exc:
            record(user, "import", upload.name, outcome="failed", reason=str(exc).splitlines()[0])
            bar.empty()
            st.error(str(exc))
            if hasattr(exc, "report"):
                show_report(exc.report)
        except Exception:  # a file no check foresaw: say so plainly, keep details in the log
            logging.getLogger(__name__).exception("import of %s failed", upload.name)
            bar.empty()
            st.error("The file could not be imported: its content could not be read.")
        else:
            record_import(user, report)
            st.session_state[_REPORT_KEY] = report
            st.rerun()
