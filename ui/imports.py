"""Streamlit glue for the Data page: import reports, confirming removals and replacements."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from atlas.access import RefusedError, User, may, require
from atlas.audit import record, record_import
from atlas.datasets import DatasetInfo, DatasetStore, rejected_rows_csv, staged_file
from atlas.text import plural
from loaders import LayerError
from loaders.imports import (
    FIELDS,
    FORMAT_TITLES,
    ImportOptions,
    ImportReport,
    Preview,
    default_dataset_name,
    preview_file,
    required_fields,
)


def show_report(report: ImportReport) -> None:
    """Figures, reasons for rejection and a download of the rejected rows of one import."""
    what = "deployments" if report.kind == "deployments" else "incidents"
    rows, accepted, rejected, changes = st.columns(4)
    rows.metric("Rows read", f"{report.rows_read:,}")
    accepted.metric(f"{what.capitalize()} accepted", f"{report.accepted:,}")
    rejected.metric("Rows rejected", f"{len(report.rejected):,}")
    changes.metric(
        "Added / updated / unchanged", f"{report.added} / {report.updated} / {report.unchanged}"
    )
    if report.removed:
        st.caption(f"{plural(report.removed, 'stored row')} the file does not have removed.")
    st.caption(
        f"{report.file}: {FORMAT_TITLES.get(report.format, report.format)}"
        + (f", encoding {report.encoding}" if report.encoding else "")
        + (f", dates {report.date_min} to {report.date_max}" if report.date_min else "")
    )
    if report.merged:
        st.caption(
            f"{plural(report.merged, 'row')} merged into another row of the same event "
            "(one event told once per actor)."
        )
    if report.rejected or report.flagged:
        for title, reasons in (
            ("Rejected", report.rejected_by_reason),
            ("Kept, flagged", report.flagged_by_reason),
        ):
            if reasons:
                st.dataframe(
                    {title: list(reasons), "Rows": list(reasons.values())}, hide_index=True
                )
        st.download_button(
            "Download rejected and flagged rows (CSV)",
            rejected_rows_csv(report),
            file_name=f"{report.dataset}-rejected-rows.csv",
            mime="text/csv",
            icon=":material/download:",
        )


_REMOVING_KEY = "data_removing"
REPORT_KEY = "data_import_report"
NO_COLUMN = "(none)"


def _stop_removing() -> None:
    st.session_state.pop(_REMOVING_KEY, None)


def ask_to_remove(name: str) -> None:
    """Open the confirmation for removing dataset ``name`` (shown by :func:`removal_dialog`)."""
    st.session_state[_REMOVING_KEY] = name


def removal_dialog(store: DatasetStore, user: User) -> None:
    """The open confirmation, if one was asked for; it stays until answered or dismissed."""
    name = st.session_state.get(_REMOVING_KEY)
    info = next((d for d in store.datasets() if d.name == name), None)
    if info is None:
        _stop_removing()
        return
    _confirm_removal(store, user, info)


@st.dialog("Remove a dataset", on_dismiss=_stop_removing)
def _confirm_removal(store: DatasetStore, user: User, info: DatasetInfo) -> None:
    st.write(
        f"Remove **{info.name}** ({plural(info.rows, 'row')}, imported from "
        f"{info.source_file})? Its rows leave every map, table and export. "
        "This cannot be undone."
    )
    keep, remove = st.columns(2)
    if keep.button("Keep it", key="remove-cancel"):
        _stop_removing()
        st.rerun()
    if remove.button("Remove", type="primary", icon=":material/delete:", key="remove-confirm"):
        try:
            require(user, "remove_dataset", what=info.name)
            removed = store.remove(info.name, wait=0.5)
        except RefusedError as refusal:
            st.error(f"Not removed: {refusal.reason}.")
            return
        except LayerError as exc:
            record(user, "remove", info.name, outcome="failed", reason=str(exc))
            st.error(str(exc))
            return
        except KeyError:
            st.error(f"{info.name} was already removed.")
            return
        record(user, "remove", f"{removed.name} ({removed.rows:,} rows)")
        _stop_removing()
        st.session_state.pop(REPORT_KEY, None)
        st.rerun()


_REPLACING_KEY = "data_replacing"


@dataclass(frozen=True)
class _PendingReplacement:
    """An import asked to replace a stored dataset, waiting for the user to confirm it."""

    file_id: str
    options: ImportOptions


def _stop_replacing() -> None:
    st.session_state.pop(_REPLACING_KEY, None)


def replacement_dialog(store: DatasetStore, user: User, upload: UploadedFile) -> None:
    """The open confirmation of a replacement, if one was asked for with this very file."""
    pending = st.session_state.get(_REPLACING_KEY)
    if not isinstance(pending, _PendingReplacement) or pending.file_id != upload.file_id:
        _stop_replacing()
        return
    # Asked again on every run: the rows named are those stored now.
    info = next((d for d in store.datasets() if d.name == pending.options.dataset), None)
    if info is None:
        _stop_replacing()
        return
    _confirm_replacement(store, user, upload, pending, info)


@st.dialog("Replace a dataset", on_dismiss=_stop_replacing)
def _confirm_replacement(
    store: DatasetStore,
    user: User,
    upload: UploadedFile,
    pending: _PendingReplacement,
    info: DatasetInfo,
) -> None:
    st.write(
        f"Replace **{info.name}** ({plural(info.rows, 'row')}) with the rows of this file? "
        "Stored rows the file does not have leave every map, table and export. The version "
        "stored now stays in the import history."
    )
    keep, replace = st.columns(2)
    if keep.button("Keep it", key="replace-cancel"):
        _stop_replacing()
        st.rerun()
    if replace.button(
        "Replace", type="primary", icon=":material/swap_horiz:", key="replace-confirm"
    ):
        _stop_replacing()
        _import(store, user, upload, pending.options, replace=True)


def _import(
    store: DatasetStore, user: User, upload: UploadedFile, options: ImportOptions, *, replace: bool
) -> None:
    """Import the uploaded file; on success keep its report and rerun, else say why here."""
    action = "replace" if replace else "import"
    bar = st.progress(0.0, text="Starting")
    try:
        require(user, "import", what=upload.name)
        if replace:
            require(user, "replace_dataset", what=upload.name)
        with staged_file(upload.getvalue()) as path:
            report = store.import_file(
                path,
                options,
                name=upload.name,
                progress=lambda f, m: bar.progress(f, text=m),
                replace=replace,
            )
    except RefusedError as refusal:
        bar.empty()
        st.error(f"Not imported: {refusal.reason}.")
    except LayerError as exc:
        record(user, action, upload.name, outcome="failed", reason=str(exc).splitlines()[0])
        bar.empty()
        st.error(str(exc))
        if hasattr(exc, "report"):
            show_report(exc.report)
    except Exception:  # a file no check foresaw: say so plainly, keep details in the log
        logging.getLogger(__name__).exception("import of %s failed", upload.name)
        bar.empty()
        st.error("The file could not be imported: its content could not be read.")
    else:
        record_import(user, report, replace=replace)
        st.session_state[REPORT_KEY] = report
        st.rerun()


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def _preview(data: bytes, name: str, layer: str | None) -> Preview:
    with staged_file(data) as path:
        return preview_file(path, ImportOptions(layer=layer), name=name)


def import_panel(store: DatasetStore, user: User) -> None:
    """Upload a file, see what it is, confirm its columns, import it and read the report."""
    st.caption(
        "ACLED export (CSV or XLSX), UCDP GED CSV, Geo-PKO CSV, GeoJSON, GeoPackage, zipped "
        "shapefile, or a CSV with coordinates and a date. The content decides the format."
    )
    if REPORT_KEY in st.session_state:
        show_report(st.session_state[REPORT_KEY])

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
                    choices = [NO_COLUMN, *preview.columns]
                    suggested = preview.suggested_mapping.get(field)
                    chosen = cells[position % 3].selectbox(
                        f"{field}{' *' if field in needed else ''}",
                        choices,
                        index=choices.index(suggested) if suggested else 0,
                        help=FIELDS[field][0],
                        key=f"data_map_{field}",
                    )
                    if chosen != NO_COLUMN:
                        mapping[field] = chosen
            name = st.text_input("Dataset name", default_dataset_name(preview.format, upload.name))
            accessed = st.date_input("Downloaded on (cited with the data)", date.today())
            keep_outside = st.checkbox("Keep rows outside Mali and its neighbours (flagged)")
            replace = False
            if may(user, "replace_dataset"):
                replace = st.checkbox(
                    "Replace the stored dataset (rows not in the file are removed)",
                    key="data_replace",
                )
            submitted = st.form_submit_button("Import", type="primary", icon=":material/upload:")
        if submitted:
            options = ImportOptions(
                dataset=name.strip() or None,
                layer=preview.layer,
                mapping=mapping or None,
                keep_outside=keep_outside,
                access_date=accessed if isinstance(accessed, date) else None,
            )
            target = options.dataset or default_dataset_name(preview.format, upload.name)
            if replace and any(d.name == target for d in store.datasets()):
                # Destructive: asked first, naming what is stored now (replacement_dialog).
                st.session_state[_REPLACING_KEY] = _PendingReplacement(
                    upload.file_id, dataclasses.replace(options, dataset=target)
                )
            else:
                _import(store, user, upload, options, replace=replace)
        replacement_dialog(store, user, upload)
