"""Pages tier: the app run by Streamlit's AppTest against a small geodata folder of our own."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.factories import incident_row, small_geodata_dir

APP = str(Path(__file__).resolve().parents[1] / "app.py")


pytestmark = pytest.mark.usefixtures("navigation_owns_pages")


@pytest.fixture
def geodata(tmp_path, monkeypatch):
    folder = small_geodata_dir(tmp_path)
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(folder))
    return folder


def _run(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _map_scripts(at: AppTest) -> list[str]:
    return [
        el.proto.json_args
        for el in at.main.get("component_instance")  # st_folium, not run by AppTest
    ]


def test_home_shows_headline_figures_for_the_whole_range(geodata):
    at = _run()
    assert at.title[0].value == "Mali Security Atlas"
    assert _metric(at, "Incidents") == "3"
    assert _metric(at, "Fatalities") == "52"
    assert _metric(at, "Active deployments") == "2"
    assert at.slider[0].value == (date(2015, 11, 20), date(2017, 1, 18))
    scripts = _map_scripts(at)
    assert len(scripts) == 1
    assert "atlas-incident" in scripts[0]


def test_url_sets_the_date_range(geodata):
    at = _run({"from": "2016-01-01", "to": "2017-12-31"})
    assert at.slider[0].value == (date(2016, 1, 1), date(2017, 1, 18))
    assert _metric(at, "Incidents") == "2"


def test_bad_url_parameter_is_reported_and_replaced_by_its_default(geodata):
    at = _run({"from": "2015-13-01"})
    assert any("from='2015-13-01'" in w.value for w in at.warning)
    assert at.slider[0].value == (date(2015, 11, 20), date(2017, 1, 18))
    assert _metric(at, "Incidents") == "3"


def test_moving_the_slider_updates_figures_and_url(geodata):
    at = _run()
    at.slider[0].set_value((date(2015, 11, 20), date(2015, 12, 31))).run()
    assert _metric(at, "Incidents") == "1"
    assert at.query_params["to"] == "2015-12-31"
    assert "from" not in at.query_params  # the data's own start is the default


def test_layers_control_hides_layers_on_the_map(geodata):
    at = _run({"layers": "regions,towns"})
    assert at.multiselect(key="layers").value == ["regions", "towns"]
    overlays = json.loads(_map_scripts(at)[0])["feature_group"]
    assert '"atlas-incident"' not in overlays  # no incidents element (towns name its class)
    shown = json.loads(_map_scripts(_run({"layers": "regions,towns,incidents"}))[0])
    assert '"atlas-incident"' in shown["feature_group"]


def test_incidents_page_lists_the_incidents_in_range(geodata):
    at = _run({"from": "2015-01-01", "to": "2015-12-31"}, page="pages/incidents.py")
    assert at.title[0].value == "Incidents"
    table = at.dataframe[0].value
    assert list(table["ID"]) == ["T-1"]
    assert "**1 incident** between" in at.markdown[0].value


def test_broken_data_file_gives_a_clear_error_not_a_traceback(tmp_path, monkeypatch):
    folder = small_geodata_dir(tmp_path, [incident_row(event_date="20/11/2015")])
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(folder))
    at = _run()
    message = at.error[0].value
    assert "incidents.csv, row 1, column 'event_date'" in message
    assert "20/11/2015" in message


def test_data_directory_that_is_a_file_gives_a_clear_error(geodata, tmp_path, monkeypatch):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("")
    monkeypatch.setenv("ATLAS_DATA_DIR", str(not_a_folder))
    at = _run()
    assert f"{not_a_folder}: the data directory is not a folder" in at.error[0].value


def test_regions_page_compares_regions_and_drills_down(geodata):
    at = _run({"from": "2015-01-01", "to": "2017-12-31"}, page="pages/regions.py")
    assert at.title[0].value == "Regions"
    table = at.dataframe[0].value.set_index("Code")
    assert table.loc["ML-BKO", "Incidents"] == 1
    assert table.loc["ML-7", "Incidents"] == 1
    assert at.selectbox(key="drill_region").value in {"ML-BKO", "ML-7"}
    assert len(_map_scripts(at)) == 1
    at.selectbox(key="drill_region").set_value("ML-7").run()
    assert len(at.dataframe[-1].value) == 1  # Gao's deadliest incidents: its one
    # A region the view's filter leaves out has no incidents to drill into.
    only = _run({"from": "2015-01-01", "to": "2017-12-31", "region": "ML-BKO"}, "pages/regions.py")
    only.selectbox(key="drill_region").set_value("ML-7").run()
    assert "No incidents in Gao in this view." in [info.value for info in only.info]


def test_deployments_page_measures_incidents_near_a_place(geodata):
    at = _run({"near": "Bamako", "radius": "25"}, page="pages/deployments.py")
    assert at.title[0].value == "Deployments"
    assert at.selectbox(key="near").value == "Bamako"
    assert "**1 incident** within 25 km of Bamako" in at.markdown[0].value
    assert at.query_params["near"] == "Bamako"
    at.slider(key="radius").set_value(300).run()
    assert "within 300 km of Bamako" in at.markdown[0].value


def test_incidents_page_quick_range_and_month_steps(geodata):
    at = _run(page="pages/incidents.py")
    at.selectbox(key="quick_range").set_value("2016").run()
    assert at.slider(key="date_range").value == (date(2016, 1, 1), date(2016, 12, 31))
    at.button[1].click().run()  # Month ▶ from the end of the range
    assert at.slider(key="date_range").value == (date(2017, 1, 1), date(2017, 1, 18))


def test_filters_in_the_url_reach_the_widgets_and_the_figures(geodata):
    at = _run({"region": "ML-7", "agg": "hexes", "family": "al-Qaeda network"})
    assert at.multiselect(key="f_regions").value == ["ML-7"]
    assert at.selectbox(key="f_agg").value == "hexes"
    assert _metric(at, "Incidents") == "1"
    assert "atlas-hex" in _map_scripts(at)[0]


def test_sub_types_follow_the_event_types_chosen(geodata):
    at = _run()
    # Every sub-type in the data, while no event type is chosen.
    assert at.multiselect(key="f_subtypes").options == ["Attack", "Suicide bomb"]
    at = _run({"type": "Explosions/Remote violence", "subtype": "Suicide bomb"})
    subtypes = at.multiselect(key="f_subtypes")
    assert subtypes.options == ["Suicide bomb"]
    assert subtypes.value == ["Suicide bomb"]
    assert _metric(at, "Incidents") == "1"
    # Widening to all types keeps the sub-type and its figures.
    at.multiselect(key="f_types").set_value([]).run()
    assert at.multiselect(key="f_subtypes").value == ["Suicide bomb"]
    assert _metric(at, "Incidents") == "1"
    assert at.query_params["subtype"] == "Suicide bomb"


def test_a_picked_row_follows_its_incident_when_the_range_changes(geodata):
    at = _run(page="pages/incidents.py")
    # Newest first: T-2 (2017), T-3 (2016), T-1 (2015). The reader picks the third row.
    at.session_state["incident_rows"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert at.session_state["picked_incident"] == "T-1"
    assert "Ringed on the map: incident T-1." in [c.value for c in at.caption]
    # A range without T-2: the table shrinks and T-1 is its second row, still selected.
    at.slider(key="date_range").set_value((date(2015, 11, 20), date(2016, 12, 31))).run()
    assert not at.exception
    assert at.session_state["picked_incident"] == "T-1"
    assert at.session_state["incident_rows"]["selection"]["rows"] == [1]
    # A range without T-1: nothing is selected, nothing said to be ringed.
    at.slider(key="date_range").set_value((date(2016, 1, 1), date(2017, 1, 18))).run()
    assert not at.exception
    assert at.session_state["incident_rows"]["selection"]["rows"] == []
    assert not any("Ringed" in c.value for c in at.caption)


def test_a_sub_type_not_in_the_data_is_named_and_left_out(geodata):
    at = _run({"subtype": "Armed clash"})
    assert "Sub-type 'Armed clash' is not among the event types chosen; left out." in [
        w.value for w in at.warning
    ]
    assert at.multiselect(key="f_subtypes").value == []
    assert _metric(at, "Incidents") == "3"


def test_a_picked_incident_is_still_ringed_after_visiting_another_page(geodata):
    at = _run(page="pages/incidents.py")
    at.session_state["incident_rows"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert at.session_state["picked_incident"] == "T-1"
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/incidents.py").run()
    assert not at.exception
    assert at.session_state["picked_incident"] == "T-1"
    assert "Ringed on the map: incident T-1." in [c.value for c in at.caption]


@pytest.mark.parametrize(
    "page",
    [
        None,
        "pages/incidents.py",
        "pages/regions.py",
        "pages/deployments.py",
        "pages/briefings.py",
        "pages/notes.py",
        "pages/data.py",
        "pages/audit.py",
    ],
)
def test_every_page_runs_on_the_shared_database_with_its_imported_incidents(
    geodata, database, page
):
    from atlas.datasets import open_datasets

    open_datasets(geodata=geodata).import_file(
        Path(__file__).parent / "fixtures" / "import" / "acled_current_dyadic.csv"
    )
    at = _run({"from": "2000-01-01"}, page)
    if page is None:
        assert _metric(at, "Incidents") == "7"  # 3 curated, 4 asked of the database
