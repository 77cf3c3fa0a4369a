"""The "Export this view" panel, run by Streamlit's AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import ui.export


def _panel_app(folder: str, query: str) -> None:
    from pathlib import Path

    import streamlit as st

    from atlas.view import parse_query_string
    from tests.factories import small_layers
    from ui.export import export_panel

    chosen = st.session_state.get("query", query)  # a test changes the view through this key
    export_panel(small_layers(Path(folder)), parse_query_string(chosen).view)


def _app(tmp_path, query: str = "") -> AppTest:
    at = AppTest.from_function(_panel_app, args=(str(tmp_path), query), default_timeout=60)
    return at.run()


def _downloads(at: AppTest) -> list[str]:
    return [element.proto.label for element in at.get("download_button")]


def test_files_are_prepared_on_demand_then_offered(tmp_path):
    at = _app(tmp_path)
    assert not at.exception
    assert _downloads(at) == []
    at.button(key="export_prepare_csv").click().run()
    assert _downloads(at) == ["Download CSV", "README for the CSV"]
    at.button(key="export_prepare_png").click().run()
    assert "Download PNG slide" in _downloads(at)
    assert not at.error


def test_a_failure_is_an_error_message_not_a_traceback(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(ui.export, "export_view", broken)
    at = _app(tmp_path)
    at.button(key="export_prepare_pdf").click().run()
    assert not at.exception
    assert len(at.error) == 1
    assert "Could not prepare the PDF (A4)" in at.error[0].value
    assert "exploded" not in at.error[0].value
    assert _downloads(at) == []


def test_a_file_made_for_another_view_is_not_offered(tmp_path):
    at = _app(tmp_path)
    at.button(key="export_prepare_geojson").click().run()
    assert _downloads(at) == ["Download GeoJSON"]
    at.session_state["query"] = "from=2016-01-01"
    at.run()
    assert _downloads(at) == []


def test_withheld_rows_are_explained(tmp_path, monkeypatch):
    from atlas.export.formats import ExportResult

    def withheld(*args, **kwargs):
        return ExportResult(b"{}", "application/geo+json", "x.geojson", ("2 rows were withheld",))

    monkeypatch.setattr(ui.export, "export_view", withheld)
    at = _app(tmp_path)
    at.button(key="export_prepare_geojson").click().run()
    assert [info.value for info in at.info] == ["2 rows were withheld"]
