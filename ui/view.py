"""The current view: read from the URL once, kept in session state, written back to the URL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import cast

import streamlit as st

from atlas.filters import data_span
from atlas.view import AGGREGATIONS, LAYER_NAMES, ParamError, ViewState, parse_view
from loaders import AtlasLayers
from loaders.vocabulary import ACTOR_FAMILIES, EVENT_TYPES

_VIEW_KEY = "atlas_view"
_ERRORS_KEY = "atlas_view_errors"
AGGREGATION_LABELS = {
    "auto": "Automatic (by count)",
    "points": "Points",
    "clusters": "Clusters",
    "hexes": "Hexagons",
    "heat": "Heat map",
}


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


# Parameters that are not part of the view but name what a page shows (a briefing): kept
# when the view is written back to the URL.
KEPT_PARAMS = ("briefing",)


def set_view(view: ViewState) -> None:
    """Make ``view`` current and mirror it in the URL so the link reproduces it."""
    st.session_state[_VIEW_KEY] = view
    query = view.to_query()
    for name in KEPT_PARAMS:
        if name in st.query_params:
            query[name] = st.query_params[name]
    if dict(st.query_params.to_dict()) != query:
        st.query_params.from_dict(query)


DATE_RANGE_KEY = "date_range"
_PENDING_RANGE_KEY = "pending_date_range"


def request_range(start: date, end: date) -> None:
    """Ask for a new date range; the sidebar slider takes it on this or the next run.

    A widget's value cannot be set once the widget exists in a run, so buttons and the
    player leave the range here and the slider picks it up before it is drawn.
    """
    st.session_state[_PENDING_RANGE_KEY] = (start, end)


def _actor_options(layers: AtlasLayers, chosen: tuple[str, ...]) -> list[str]:
    names = set(layers.incidents["actor1"].unique()) | set(layers.incidents["actor2"].unique())
    if layers.imported is not None:
        names |= layers.imported.names("actor1") | layers.imported.names("actor2")
    names |= set(chosen)
    names |= set(layers.lineage["group"]) | set(layers.lineage["related_group"])
    return sorted(n for n in names if isinstance(n, str) and n)


def _sub_type_options(layers: AtlasLayers, event_types: list[str]) -> list[str]:
    """The sub-types in the data of the chosen event types (of all, if none is chosen)."""
    incidents = layers.incidents
    if event_types:
        incidents = incidents[incidents["event_type"].isin(event_types)]
    found = {str(s) for s in incidents["sub_event_type"].dropna().unique()}
    if layers.imported is not None:
        found |= layers.imported.sub_types_of(tuple(event_types))
    return sorted(s for s in found if s)


def sidebar_controls(layers: AtlasLayers) -> ViewState:
    """The shared sidebar: date range, filters and map options. Returns the resulting view."""
    view = current_view()
    data_start, data_end = data_span(layers)
    start, end = view.date_range(data_start, data_end)
    start, end = max(start, data_start), min(end, data_end)
    if start > end:
        start, end = data_start, data_end
    region_names = dict(zip(layers.regions["iso_code"], layers.regions["name"], strict=True))
    with st.sidebar:
        st.header("View")
        if _PENDING_RANGE_KEY in st.session_state:
            st.session_state[DATE_RANGE_KEY] = st.session_state.pop(_PENDING_RANGE_KEY)
        st.session_state.setdefault(DATE_RANGE_KEY, (start, end))
        chosen = st.slider(
            "Date range",
            min_value=data_start,
            max_value=data_end,
            format="YYYY-MM-DD",
            key=DATE_RANGE_KEY,
        )
        filtering = any(
            (view.regions, view.event_types, view.sub_types, view.actors, view.families)
        ) or bool(view.min_fatalities or view.precise_only)
        with st.expander("Filters", expanded=filtering):
            regions = st.multiselect(
                "Regions",
                options=sorted(region_names),
                default=list(view.regions),
                format_func=lambda code: f"{region_names.get(code, code)} ({code})",
                key="f_regions",
            )
            event_types = st.multiselect(
                "Event types",
                options=list(EVENT_TYPES),
                default=list(view.event_types),
                key="f_types",
            )
            sub_type_options = _sub_type_options(layers, event_types)
            sub_types = st.multiselect(
                "Sub-types",
                options=sub_type_options,
                default=[s for s in view.sub_types if s in sub_type_options],
                help="Within the event types chosen above.",
                key="f_subtypes",
            )
            for name in view.sub_types:
                if name not in sub_type_options:
                    st.warning(f"Sub-type {name!r} is not among the event types chosen; left out.")
            actors = st.multiselect(
                "Actors",
                options=_actor_options(layers, view.actors),
                default=list(view.actors),
                help="A group also selects the groups that merged into it (JNIM: Ansar Dine, "
                "al-Mourabitoun, the Macina Liberation Front …).",
                key="f_actors",
            )
            families = st.multiselect(
                "Actor families",
                options=list(ACTOR_FAMILIES),
                default=list(view.families),
                key="f_families",
            )
            min_fatalities = st.number_input(
                "Fewest fatalities",
                min_value=0,
                max_value=100_000,
                value=view.min_fatalities,
                step=1,
                key="f_minfat",
            )
            precise_only = st.checkbox(
                "Leave out incidents located only to a region",
                value=view.precise_only,
                key="f_precise",
            )
        with st.expander("Map", expanded=False):
            shown = st.multiselect(
                "Layers",
                options=list(LAYER_NAMES),
                default=[name for name in LAYER_NAMES if view.shows(name)],
                format_func=str.capitalize,
                key="layers",
            )
            agg = st.selectbox(
                "Draw incidents as",
                options=list(AGGREGATIONS),
                index=AGGREGATIONS.index(view.agg),
                format_func=lambda mode: AGGREGATION_LABELS[mode],
                key="f_agg",
            )
            rings = st.checkbox(
                "Show location uncertainty",
                value=view.rings,
                key="f_rings",
                help="A ring around each incident whose place is known only roughly.",
            )
    new_start, new_end = cast(tuple[date, date], chosen)
    updated = replace(
        view,
        date_from=None if new_start == data_start else new_start,
        date_to=None if new_end == data_end else new_end,
        regions=tuple(regions),
        event_types=tuple(event_types),
        sub_types=tuple(sub_types),
        actors=tuple(actors),
        families=tuple(families),
        min_fatalities=int(min_fatalities),
        precise_only=precise_only,
        layers=tuple(name for name in LAYER_NAMES if name in shown),
        agg=str(agg),
        rings=rings,
    )
    set_view(updated)
    return updated
