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


def test_a_small_marker_reports_its_own_point(incidents):
    assert incident_at(incidents, 16.2717, -0.0447) == "G-1"


def test_a_large_marker_reports_the_point_clicked_inside_it(incidents):
    # 22 deaths draw a marker of 14 px radius: a click off its centre still picks it.
    assert incident_at(incidents, 16.31, -0.01) == "G-1"


def test_the_tooltip_tells_apart_incidents_at_one_place(incidents):
    tooltips = dict(zip(incidents["id"], incident_tooltips(incidents), strict=True))
    assert tooltips["B-1"] == "2015-11-20 · Bamako · Al Mourabitoun vs Civilians (International)"
    assert incident_at(incidents, 12.6392, -8.0029, tooltips["B-1"]) == "B-1"
    assert incident_at(incidents, 12.6392, -8.0029, tooltips["B-2"]) == "B-2"
    # Without one, the latest of the incidents at that point.
    assert incident_at(incidents, 12.6392, -8.0029) == "B-2"


def test_an_unknown_tooltip_falls_back_to_the_nearest(incidents):
    assert incident_at(incidents, 16.28, -0.05, "not a tooltip of ours") == "G-1"


def test_a_click_far_from_every_marker_picks_nothing(incidents):
    assert incident_at(incidents, 22.0, -5.0) is None
    assert incident_at(incidents.iloc[0:0], 16.2717, -0.0447) is None


def test_a_click_counts_as_far_as_the_largest_marker_reaches_at_the_widest_zoom(incidents):
    # 22 px at zoom 4, where the world is 4,096 px wide: 1.93 degrees.
    gao = incidents[incidents["id"] == "G-1"]
    assert incident_at(gao, 16.2717 + 1.9, -0.0447) == "G-1"
    assert incident_at(gao, 16.2717 + 2.0, -0.0447) is None
