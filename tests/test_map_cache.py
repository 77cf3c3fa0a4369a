"""A map is built once per data, viewer's restriction and view, and shared between sessions."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import atlas.mapping
from tests.factories import incident_row, sign_in, small_geodata_dir

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ROLES = """
[[users]]
email = "all@example.org"
role = "viewer"

[[users]]
email = "gao@example.org"
role = "viewer"
regions = ["ML-7"]
"""
pytestmark = pytest.mark.usefixtures("navigation_owns_pages")


@pytest.fixture
def built(tmp_path, monkeypatch) -> list[str]:
    """Counts the maps built (the view of each), on a small store."""
    geodata = tmp_path / "geodata"
    geodata.mkdir()
    small_geodata_dir(
        geodata,
        [
            incident_row(id="BAMAKO"),
            incident_row(id="GAO", location="Gao", latitude="16.27", longitude="-0.04"),
        ],
    )
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(geodata))
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "data"))
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES)
    monkeypatch.setenv("ATLAS_ROLES_FILE", str(roles))
    st.cache_resource.clear()
    views: list[str] = []
    original = atlas.mapping.view_map

    def counting(layers, view, **kwargs):
        views.append(f"{view.to_query_string()} ({len(layers.incidents)} incidents)")
        return original(layers, view, **kwargs)

    monkeypatch.setattr(atlas.mapping, "view_map", counting)
    return views


def _home(email: str | None = None, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if email:
        sign_in(at, email)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_rerun_that_changes_nothing_builds_no_map(built):
    at = _home()
    at.run()
    at.run()
    assert len(built) == 1


def test_sessions_asking_for_the_same_view_share_one_map(built):
    _home(query={"agg": "points"})
    _home(query={"agg": "points"})
    _home(query={"agg": "hexes"})
    assert len(built) == 2


def test_a_restricted_viewer_never_gets_a_map_drawn_for_another(built):
    _home("all@example.org")
    _home("gao@example.org")
    _home("all@example.org")
    _home("gao@example.org")
    assert built == [" (2 incidents)", " (1 incidents)"]


def test_new_data_draws_a_new_map(built, tmp_path):
    from atlas.datasets import DatasetStore

    _home()
    fixture = Path(__file__).parent / "fixtures" / "import" / "acled_current_dyadic.csv"
    DatasetStore(tmp_path / "data").import_file(fixture)
    _home()
    assert len(built) == 2
