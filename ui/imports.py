"""Streamlit glue for the Data page: how an import report is shown."""

from __future__ import annotations

import streamlit as st

from atlas.datasets import rejected_rows_csv
from atlas.text import plural
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
