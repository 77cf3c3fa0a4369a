"""Incidents outside Mali and incidents located only to the country: counted, and said so.

An event known only to its country keeps its place in every figure, timeline and table, but no
map draws it at the country's centre as if it happened there.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from atlas.filters import headline
from atlas.mapping import build_map, view_layers
from atlas.view import ViewState
from loaders import AtlasLayers
from loaders.vocabulary import COUNTRY_ONLY
from tests.factories import incident_row, small_layers

VIEW = ViewState(date_from=date(2015, 1, 1), date_to=date(2015, 12, 31), agg="points")


@pytest.fixture
def layers(tmp_path) -> AtlasLayers:
    """Three incidents: one in Bamako, one in Burkina Faso, one known only to be in Mali."""
    loaded = small_layers(
        tmp_path,
        [
            incident_row(id="IN-MALI"),
            incident_row(id="IN-BURKINA", country="BFA", latitude="11.2", longitude="-4.3"),
            incident_row(id="SOMEWHERE", location="Mali", fatalities="5"),
        ],
    )
    incidents = loaded.incidents.copy()
    incidents.loc[incidents["id"] == "SOMEWHERE", ["geo_precision", "admin1", "admin1_name"]] = (
        COUNTRY_ONLY,
        None,
        None,
    )
    return replace(loaded, incidents=incidents)


def test_totals_count_every_incident_and_say_what_they_include(layers):
    _start, _end, incidents, deployments = view_layers(layers, VIEW)
    figures = headline(incidents, deployments)
    assert (figures.incidents, figures.fatalities) == (3, 22 + 22 + 5)
    assert (figures.outside_mali, figures.not_on_map) == (1, 1)
    assert figures.includes == (
        "Totals include 1 incident outside Mali and "
        "1 incident not on the map (located only to the country)."
    )
    assert figures.top_regions == (("Bamako", 1),)


def test_totals_of_incidents_placed_in_mali_need_no_note(layers):
    only_mali = replace(VIEW, regions=("ML-BKO",))
    _start, _end, incidents, deployments = view_layers(layers, only_mali)
    assert headline(incidents, deployments).includes == ""


@pytest.mark.parametrize("agg", ["points", "clusters", "hexes", "heat"])
def test_the_map_never_draws_an_incident_located_only_to_the_country(layers, agg):
    html = build_map(layers, replace(VIEW, agg=agg)).get_root().render()
    assert "SOMEWHERE" not in html
    assert "1 incident not on the map (located only to the country)" in html
    if agg in ("points", "clusters"):
        assert "IN-MALI" in html
        assert "IN-BURKINA" in html  # drawn where it is, outside Mali


def test_a_map_with_every_incident_placed_has_no_note(layers):
    placed = replace(layers, incidents=layers.incidents[layers.incidents["id"] != "SOMEWHERE"])
    html = build_map(placed, VIEW).get_root().render()
    assert "not on the map" not in html


def test_exports_count_but_never_draw_an_incident_located_only_to_the_country(layers):
    from atlas.export.describe import summarise
    from atlas.export.static_map import _figures_lines, _legend_items
    from atlas.mapspec import map_spec

    summary = summarise(layers, VIEW)
    assert summary.figures.incidents == 3
    assert dict(_figures_lines(summary))["Totals include"] == (
        "1 incident outside Mali and 1 incident not on the map (located only to the country)"
    )
    spec = map_spec(layers.regions, VIEW, summary.incidents, summary.deployments)
    assert sorted(spec.incidents["id"]) == ["IN-BURKINA", "IN-MALI"]
    incident_rows, _others = _legend_items(spec, 1.0)
    assert "1 incident not on the map (located only to the country)" in [
        label for _handle, label, _bold in incident_rows
    ]
