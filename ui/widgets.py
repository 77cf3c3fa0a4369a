"""Widgets every page uses: the map and the attribution footer."""

from __future__ import annotations

import folium
import streamlit as st
from streamlit_folium import st_folium

from atlas.attribution import footer_markdown


def show_map(fmap: folium.Map, key: str, height: int = 640) -> None:
    """Draw a map. No map event is returned, so panning and zooming never rerun the script."""
    st_folium(fmap, height=height, use_container_width=True, returned_objects=[], key=key)


def footer() -> None:
    """The data attribution, required by the sources' licences."""
    st.divider()
    st.caption(footer_markdown())
    st.caption(
        "Regions: Ménaka and Taoudénit (created 2016) have no offline boundaries and are "
        "shown within Gao and Timbuktu."
    )
