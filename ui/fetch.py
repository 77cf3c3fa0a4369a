"""Streamlit glue for the Data page: fetch the latest events from ACLED's or UCDP's API."""

from __future__ import annotations

from datetime import date

import streamlit as st

from atlas import fetch
from atlas.access import RefusedError, User, may
from atlas.datasets import DatasetStore
from loaders import LayerError
from ui.imports import show_report

OUTCOME_KEY = "data_fetch_outcome"
_SOURCES = {"ACLED": "acled", "UCDP GED": "ucdp"}


def fetch_panel(store: DatasetStore, user: User) -> None:
    """Choose an API, fetch what is new since the data stored, and read the import report.

    Drawn for those who may import (analysts and admins) only.
    """
    if not may(user, "import"):
        return
    st.subheader("Fetch latest")
    st.caption(
        "Ask ACLED's or UCDP's API for the events since the newest one stored (or since a "
        "day you choose) and import them as a file would be: checked row by row and merged "
        "into the dataset. Credentials come from the server's secrets or environment."
    )
    outcome = st.session_state.get(OUTCOME_KEY)
    if isinstance(outcome, fetch.FetchOutcome):
        if outcome.report is None:
            st.info(outcome.message)
        else:
            st.success(outcome.message)
            show_report(outcome.report)

    title = st.radio("Source", list(_SOURCES), horizontal=True, key="fetch_source")
    source = _SOURCES[str(title)]
    country: str | None = None
    version = fetch.UCDP_VERSION
    if source == "acled":
        country = st.text_input(
            "Country (as ACLED names it)", fetch.ACLED_COUNTRY, key="fetch_country"
        )
    else:
        version = st.text_input("GED version", fetch.UCDP_VERSION, key="fetch_version")
    since = st.date_input(
        "Since (empty: the newest day already stored)",
        value=None,
        max_value=date.today(),
        key="fetch_since",
    )
    if st.button("Fetch latest", type="primary", icon=":material/cloud_download:", key="fetch_run"):
        request = fetch.FetchRequest(
            source=source,
            country=country,
            version=version.strip(),
            since=since if isinstance(since, date) else None,
        )
        _fetch(store, user, request)


def _fetch(store: DatasetStore, user: User, request: fetch.FetchRequest) -> None:
    """Fetch and store; on success keep the outcome and rerun, else say why here in one line."""
    try:
        with st.spinner("Fetching…"):
            outcome = fetch.fetch_latest(request, user, store)
    except RefusedError as refusal:
        st.error(f"Not fetched: {refusal.reason}.")
    except fetch.FetchError as exc:
        st.error(f"Not fetched: {exc}; nothing changed.")
    except LayerError as exc:
        st.error(f"Not stored: {str(exc).splitlines()[0]}")
        if hasattr(exc, "report"):
            show_report(exc.report)
    else:
        st.session_state[OUTCOME_KEY] = outcome
        # Everything above the panel (the datasets table, the maps' data) reads the new store.
        st.rerun()
