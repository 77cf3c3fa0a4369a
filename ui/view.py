"""The current view: read from the URL once, kept in session state, written back to the URL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st

from atlas.view import LAYER_NAMES, ParamError, ViewState, parse_view

_VIEW_KEY = "atlas_view"
_ERRORS_KEY = "atlas_view_errors"


def _query_params() -> dict[str, list[str]]:
    return {name: st.query_params.get_all(name) for name in st.query_params}


def current_view() -> ViewState:
    """The view of this session; the first call reads it from the URL."""
    if _VIEW_KEY not in st.session_state:
        parsed = parse_view(_query_params())
        st.session_state[_VIEW_KEY] = parsed.view
        st.session_state[_ERRORS_KEY] = parsed.errors
    view: ViewState = st.session_state[_VIEW_KEY]
    return view


def url_errors() -> tuple[ParamError, ...]:
    """Parameters of the opening URL that were invalid and replaced by defaults."""
    current_view()
    errors: tuple[ParamError, ...] = st.session_state[_ERRORS_KEY]
    return errors


def set_view(view: ViewState) -> None:
    """Make ``view`` current and mirror it in the URL so the link reproduces it."""
    st.session_state[_VIEW_KEY] = view
    query = view.to_query()
    if dict(st.query_params.to_dict()) != query:
        st.query_params.from_dict(query)


def sidebar_controls(data_start: date, data_end: date) -> ViewState:
    """The shared sidebar: date range and visible layers. Returns the resulting view."""
    view = current_view()
    start, end = view.date_range(data_start, data_end)
    start, end = max(start, data_start), min(end, data_end)
    if start > end:
        start, end = data_start, data_end
    with st.sidebar:
        st.header("View")
        chosen = st.slider(
            "Date range",
            min_value=data_start,
            max_value=data_end,
            value=(start, end),
            format="YYYY-MM-DD",
            key="date_range",
        )
        shown = st.multiselect(
            "Layers",
            options=list(LAYER_NAMES),
            default=[name for name in LAYER_NAMES if view.shows(name)],
            format_func=str.capitalize,
            key="layers",
        )
    new_start, new_end = chosen
    updated = replace(
        view,
        date_from=None if new_start == data_start else new_start,
        date_to=None if new_end == data_end else new_end,
        layers=tuple(name for name in LAYER_NAMES if name in shown),
    )
    set_view(updated)
    return updated
