"""Which incident a click on the map picked."""

import pytest

from atlas.picking import incident_at
from atlas.tables import incident_tooltips
from tests.factories import incident_row, small_layers


@pytest.fixture
def incidents(tmp_path):
    # Two incidents at one point in Bamako, a day apart, and one in Gao.
    rows = [
        incident_row(id="B-1", event_date="2015-11-20", actor1="Al Mourabitoun"),
        incident_row(id="B-2", event_date="2015-11-21", actor1="AQIM", fatalities="0"),
        incident_row(
            id="G-1", location="Gao", latitude="16.2717", longitude="-0.0447", actor1="MUJAO"
        ),
    ]
    return small_layers(tmp_path, rows).incidents


@pytest.fixture
def tooltips(incidents):
    return dict(zip(incidents["id"], incident_tooltips(incidents), strict=True))


def test_a_small_marker_reports_its_own_point(incidents, tooltips):
    assert incident_at(incidents, 16.2717, -0.0447, tooltips["G-1"]) == "G-1"


def test_a_large_marker_reports_the_point_clicked_inside_it(incidents, tooltips):
    # 22 deaths draw a marker of 14 px radius; at zoom 5 a click 10 px from its centre is
    # about 0.4 degrees away.
    assert incident_at(incidents, 16.6, 0.2, tooltips["G-1"]) == "G-1"


def test_the_tooltip_tells_apart_incidents_at_one_place(incidents, tooltips):
    assert tooltips["B-1"] == "2015-11-20 · Bamako · Al Mourabitoun vs Civilians (International)"
    assert incident_at(incidents, 12.6392, -8.0029, tooltips["B-1"]) == "B-1"
    assert incident_at(incidents, 12.6392, -8.0029, tooltips["B-2"]) == "B-2"


@pytest.mark.parametrize(
    "tooltip",
    ["Gao (ML-7)", "MINUSMA · Sector East headquarters", "Niger", "", None],
    ids=["region", "base", "river", "empty", "none"],
)
def test_a_click_on_another_layer_picks_no_incident(incidents, tooltip):
    # Regions cover the whole country: a click on one lands near some incident.
    assert incident_at(incidents, 16.2717, -0.0447, tooltip) is None


def test_a_click_far_from_the_marker_picks_nothing(incidents, tooltips):
    # Farther than the largest marker reaches at the widest zoom (22 px at zoom 4).
    assert incident_at(incidents, 16.2717 + 2.0, -0.0447, tooltips["G-1"]) is None
    assert incident_at(incidents.iloc[0:0], 16.2717, -0.0447, tooltips["G-1"]) is None


def test_a_tooltip_read_back_from_the_page_matches_across_line_breaks(tmp_path):
    # The page gives back a tooltip's text with its line breaks and outer spaces as the
    # browser keeps them; names are compared on one line.
    rows = [incident_row(id="K-1", location="Kidal\r\n  camp", actor1="MNLA ")]
    incidents = small_layers(tmp_path, rows).incidents
    (tooltip,) = incident_tooltips(incidents)
    assert tooltip == "2015-11-20 · Kidal camp · MNLA vs Civilians (International)"
    from_page = "2015-11-20 · Kidal\n  camp · MNLA  vs Civilians (International) "
    assert incident_at(incidents, 12.6392, -8.0029, from_page) == "K-1"
