"""Cached access to the store, keyed by what changes the answer."""

from __future__ import annotations

import gc

import streamlit as st

from atlas.access import restricted_layers
from atlas.assets import install_assets
from atlas.store import EmbeddedStore
from loaders import AtlasLayers
from ui.auth import current_user


@st.cache_resource(show_spinner=False)
def ensure_assets() -> int:
    """Copy the map's JS/CSS into ``static/`` once per server process."""
    return len(install_assets())


@st.cache_resource(show_spinner="Loading layers…", max_entries=2)
def _layers_for(fingerprint: str) -> AtlasLayers:
    # Shared and read-only: every filter in atlas returns new frames, none mutates these.
    del fingerprint  # part of the cache key only
    gc.unfreeze()  # layers loaded before can be collected once the cache lets them go
    loaded = EmbeddedStore().layers()
    # Python's full collections scanned every object of the layers again and again: about
    # 140 ms at 100,000 incidents, on most slider moves. Frozen objects are left out of those
    # scans and are still freed when nothing refers to them; only cycles among them wait for
    # the next load. The freeze takes in every object alive now, the server's own included:
    # those live as long as the server anyway.
    gc.collect()
    gc.freeze()
    return loaded


@st.cache_resource(show_spinner=False, max_entries=16)
def _visible_for(fingerprint: str, regions: frozenset[str] | None) -> AtlasLayers:
    # The restriction is part of the key: one user's answer never reaches another.
    return restricted_layers(_layers_for(fingerprint), regions)


def layers_key() -> tuple[str, frozenset[str] | None]:
    """What the current user's layers depend on: the store's fingerprint and their regions.

    Part of the key of every cache that holds something drawn from those layers (a map),
    so an answer never crosses users nor outlives the data it was drawn from.
    """
    return EmbeddedStore().fingerprint(), current_user().regions


def layers() -> AtlasLayers:
    """Every layer the current user may see, reloaded when the store's files change."""
    return _visible_for(*layers_key())
