"""Cached access to the store, keyed by what changes the answer."""

from __future__ import annotations

import streamlit as st

from atlas.assets import install_assets
from atlas.store import EmbeddedStore
from loaders import AtlasLayers


@st.cache_resource(show_spinner=False)
def ensure_assets() -> int:
    """Copy the map's JS/CSS into ``static/`` once per server process."""
    return len(install_assets())


@st.cache_resource(show_spinner="Loading layers…")
def _layers_for(fingerprint: str) -> AtlasLayers:
    # Shared and read-only: every filter in atlas returns new frames, none mutates these.
    del fingerprint  # part of the cache key only
    return EmbeddedStore().layers()


def layers() -> AtlasLayers:
    """Every layer of the embedded store, reloaded when its files change."""
    return _layers_for(EmbeddedStore().fingerprint())
