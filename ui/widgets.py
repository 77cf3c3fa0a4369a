"""Widgets every page uses: the map and the attribution footer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
import streamlit_folium
from streamlit_folium import st_folium

from atlas import style
from atlas.attribution import footer_markdown
from atlas.datasets import open_datasets
from atlas.mapping import LayeredMap

MapSource = LayeredMap | Callable[[], LayeredMap]
"""A map, or what builds it (called only when the cache does not hold it already)."""

# The map component itself. Every map of the app goes through :func:`show_map`, which asks
# st_folium for the component's arguments under a lock (st_folium would otherwise send them
# at once) and sends them itself, so that identical arguments, kept in a cache shared by every
# session, cost no map work at all on a rerun.
_COMPONENT = streamlit_folium._component_func
_CAPTURE = threading.Lock()


def _component_arguments(
    lmap: LayeredMap, key: str, height: int, returned: tuple[str, ...]
) -> dict[str, Any]:
    """What st_folium would send the browser for ``lmap``: scripts, links and defaults."""
    captured: dict[str, Any] = {}

    def capture(**arguments: Any) -> None:
        captured.update(arguments)

    with _CAPTURE:
        streamlit_folium._component_func = capture
        try:
            st_folium(
                lmap.for_app(),
                height=height,
                use_container_width=True,
                returned_objects=list(returned),
                key=key,
                feature_group_to_add=lmap.overlays,
                layer_control=lmap.layer_control(),
            )
        finally:
            streamlit_folium._component_func = _COMPONENT
    captured.pop("on_change", None)
    return captured


# Each entry is a whole map's script (about 4 MB at 3,535 incidents): sixteen hold the views
# sessions share at once; more only keep memory after the sessions have gone.
@st.cache_resource(show_spinner=False, max_entries=16)
def _cached_arguments(
    cache_key: Hashable, key: str, height: int, returned: tuple[str, ...], _build: MapSource
) -> dict[str, Any]:
    lmap = _build() if callable(_build) else _build
    return _component_arguments(lmap, key, height, returned)


def show_map(
    source: MapSource,
    key: str,
    height: int = 640,
    *,
    cache_key: Hashable | None = None,
    on_click: bool = False,
    pick_point: bool = False,
) -> dict[str, Any] | None:
    """Draw a map; with ``on_click``, return the last marker clicked: the point clicked
    (``lat``, ``lng``), the marker's ``tooltip`` (plain text) and the ``count`` of clicks
    since the map was mounted (a new click has a new count). With ``pick_point`` instead,
    return the last point clicked anywhere on the map (``lat``, ``lng``).

    The base stays mounted in the browser for as long as it does not change; a new range or
    filter only swaps the overlays, so the map keeps its pan and zoom and redraws fast. Only
    clicks are returned, never the extent, so panning and zooming do not rerun the script.

    With a ``cache_key`` (everything the map depends on: the data's fingerprint, the
    viewer's restriction, the view …) the component's arguments are built once and shared
    by every session asking for the same key; ``source`` is then best given as a function
    that builds the map, so a hit builds nothing.
    """
    if on_click and pick_point:
        raise ValueError("ask for the marker clicked or for the point clicked, not both")
    returned: tuple[str, ...] = ()
    if on_click:
        returned = (
            "last_object_clicked",
            "last_object_clicked_tooltip",
            "last_object_clicked_count",
        )
    elif pick_point:
        returned = ("last_clicked",)
    if cache_key is None:
        lmap = source() if callable(source) else source
        arguments = _component_arguments(lmap, key, height, returned)
    else:
        arguments = _cached_arguments(cache_key, key, height, returned, _build=source)
    component_key = arguments["key"]

    def keep_state() -> None:  # as st_folium does: the page's key holds the last answer
        st.session_state[key] = st.session_state.get(component_key, {})

    state = _COMPONENT(**arguments, on_change=keep_state)
    if pick_point:
        point = (state or {}).get("last_clicked")
        return point if isinstance(point, dict) and "lat" in point else None
    clicked = (state or {}).get("last_object_clicked") if on_click else None
    if not isinstance(clicked, dict) or "lat" not in clicked:
        return None
    return {
        **clicked,
        "tooltip": state.get("last_object_clicked_tooltip"),
        "count": state.get("last_object_clicked_count"),
    }


_COPY_LINK = (Path(__file__).parent / "assets" / "copy_link.html").read_text(encoding="utf-8")


def copy_link_button() -> None:
    """A button under a map that copies the page's link with the map's centre and zoom as
    the reader left them (read in the browser, so panning never reruns the page)."""
    components.html(_COPY_LINK, height=40)


def event_type_bars(by_type: pd.DataFrame, y_label: str, height: int) -> None:
    """Incidents per period stacked by event type, in the map's colours (one palette)."""
    colours: list[Any] = style.event_colours(pd.Series(by_type.columns))
    st.bar_chart(
        by_type,
        color=colours,
        y_label=y_label,
        height=height,
    )


def footer() -> None:
    """The data attribution, required by the sources' licences."""
    st.divider()
    st.caption(footer_markdown(open_datasets().attributions()))
    st.caption(
        "Regions: Ménaka and Taoudénit (created 2016) have no offline boundaries and are "
        "shown within Gao and Timbuktu."
    )
