"""Widgets every page uses: the map and the attribution footer."""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from atlas.attribution import footer_markdown
from atlas.datasets import DatasetStore
from atlas.mapping import LayeredMap


def show_map(
    lmap: LayeredMap,
    key: str,
    height: int = 640,
    *,
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
    """
    if on_click and pick_point:
        raise ValueError("ask for the marker clicked or for the point clicked, not both")
    returned: list[str] = []
    if on_click:
        returned = [
            "last_object_clicked",
            "last_object_clicked_tooltip",
            "last_object_clicked_count",
        ]
    elif pick_point:
        returned = ["last_clicked"]
    state = st_folium(
        lmap.for_app(),
        height=height,
        use_container_width=True,
        returned_objects=returned,
        key=key,
        feature_group_to_add=lmap.overlays,
        layer_control=lmap.layer_control(),
    )
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


def footer() -> None:
    """The data attribution, required by the sources' licences."""
    st.divider()
    st.caption(footer_markdown(DatasetStore().attributions()))
    st.caption(
        "Regions: Ménaka and Taoudénit (created 2016) have no offline boundaries and are "
        "shown within Gao and Timbuktu."
    )
