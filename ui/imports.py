"""Streamlit glue for the Data page: the import report, recording imports, confirming removals."""

from __future__ import annotations

import streamlit as st

from atlas.access import RefusedError, User, require
from atlas.audit import record
from atlas.datasets import DatasetInfo, DatasetStore, rejected_rows_csv
from atlas.text import plural
from loaders import LayerError
from loaders.imports import FORMAT_TITLES, ImportReport


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
        st.session_state.pop("data_import_report", None)
        st.rerun()
