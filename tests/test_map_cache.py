"""A map is built once per data, viewer's restriction and view, and shared between sessions."""

from __future__ import annotations

import inspect
import random
import textwrap
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import atlas.mapping
import ui.data
import ui.widgets
from tests.factories import incident_row, sign_in, small_geodata_dir
from ui.widgets import dedent_by_lines

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


def test_a_map_some_session_shows_is_found_by_any_other_until_released(monkeypatch):
    made: list[str] = []

    def recent(cache_key, key, height, returned, _build):  # the recent maps: none kept
        made.append(cache_key)
        return ui.widgets.ShownMap({"key": key})

    monkeypatch.setattr(ui.widgets, "_recent_map", recent)
    shown_map = inspect.unwrap(ui.widgets._shown_map)  # without the session's own cache
    held = shown_map("view", "map", 400, (), _build=None)
    assert shown_map("view", "map", 400, (), _build=None) is held
    assert made == ["view"]
    del held  # the last session showing it moved on
    shown_map("view", "map", 400, (), _build=None)
    assert made == ["view", "view"]


def test_maps_are_built_one_at_a_time(monkeypatch):
    building: list[int] = []
    at_once: list[int] = []

    def source() -> SimpleNamespace:
        building.append(1)
        at_once.append(len(building))
        time.sleep(0.05)
        building.pop()
        return SimpleNamespace(for_app=lambda: None, overlays=[], layer_control=lambda: None)

    monkeypatch.setattr(ui.widgets, "st_folium", lambda *args, **kwargs: None)
    threads = [
        threading.Thread(target=ui.widgets._component_arguments, args=(source, "map", 400, ()))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert at_once == [1, 1, 1, 1]


def test_headline_figures_are_worked_out_once_per_view(built, monkeypatch):
    worked: list[str] = []
    original = ui.data.view_headline

    def counting(layers, view):
        worked.append(view.to_query_string())
        return original(layers, view)

    monkeypatch.setattr(ui.data, "view_headline", counting)
    first = _home()
    second = _home()
    _home(query={"region": "ML-7"})
    assert worked == ["", "region=ML-7"]
    assert first.metric[0].value == second.metric[0].value == "2"


@pytest.mark.parametrize(
    "text",
    ["", "a", "  a\n  b", "\ta\n  b", "  a\n\n    b\n  ", "  a\r\n  b", " \t\n  x\n \ty", "x\n  y"],
)
def test_dedent_by_lines_gives_what_textwrap_gives(text):
    assert dedent_by_lines(text) == textwrap.dedent(text)


def test_dedent_by_lines_gives_what_textwrap_gives_on_any_mix_of_indents():
    chance = random.Random(7)
    pieces = [" ", "\t", "\n", "a", "\r", "\n  ", "\n\t", "b c"]
    for _ in range(20_000):
        text = "".join(chance.choice(pieces) for _ in range(chance.randint(0, 24)))
        assert dedent_by_lines(text) == textwrap.dedent(text), repr(text)
