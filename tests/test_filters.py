from dataclasses import replace
from datetime import date

import pytest
from geopandas.testing import assert_geodataframe_equal

from atlas.aggregate import hex_cells
from atlas.filters import (
    IncidentFilter,
    RegionFigures,
    apply_filter,
    data_span,
    deployments_active_between,
    headline,
    incidents_between,
    on_map,
    totals_of,
    view_incidents,
    view_totals,
)
from atlas.view import ViewState
from loaders.vocabulary import COUNTRY_ONLY
from tests.factories import incident_row, small_layers


@pytest.fixture
def layers(tmp_path):
    return small_layers(tmp_path)


def test_incidents_between_includes_both_end_days(layers):
    selected = incidents_between(layers.incidents, date(2015, 11, 20), date(2016, 1, 15))
    assert sorted(selected["id"]) == ["T-1", "T-3"]
    assert incidents_between(layers.incidents, date(2015, 11, 21), date(2016, 1, 14)).empty


def test_reversed_range_is_an_error(layers):
    with pytest.raises(ValueError, match="after end"):
        incidents_between(layers.incidents, date(2016, 1, 1), date(2015, 1, 1))


def test_deployments_active_between_respects_open_and_closed_ends(layers):
    assert sorted(
        deployments_active_between(layers.deployments, date(2024, 1, 1), date(2024, 2, 1))["id"]
    ) == ["D-2"]
    assert sorted(
        deployments_active_between(layers.deployments, date(2023, 12, 31), date(2024, 1, 1))["id"]
    ) == ["D-1", "D-2"]
    assert deployments_active_between(layers.deployments, date(2012, 1, 1), date(2013, 4, 1)).empty


def test_headline_counts_fatalities_and_ranks_regions(layers):
    start, end = date(2015, 1, 1), date(2017, 12, 31)
    figures = headline(
        incidents_between(layers.incidents, start, end),
        deployments_active_between(layers.deployments, start, end),
    )
    assert figures.incidents == 3
    assert figures.fatalities == 52  # 22 + 30; the Gao row has no published figure
    assert figures.incidents_without_fatality_figure == 1
    assert figures.active_deployments == 2
    # Ouagadougou is outside Mali: in the totals, not in the regional ranking.
    assert figures.top_regions == (("Bamako", 1), ("Gao", 1))


def test_data_span_is_never_a_single_day(tmp_path):
    one = small_layers(tmp_path, [incident_row()])
    assert data_span(one) == (date(2015, 11, 20), date(2015, 11, 21))
    empty = replace(one, incidents=one.incidents.iloc[0:0])
    first, last = data_span(empty)
    assert (last - first).days == 365


def test_headline_ranks_by_count_then_fatalities_then_name(tmp_path):
    def at(ident, lat, lon, fatalities):
        return incident_row(id=ident, latitude=lat, longitude=lon, fatalities=fatalities)

    gao = [at("G-1", "16.27", "-0.04", "4"), at("G-2", "16.27", "-0.04", "")]
    bamako = [at("B-1", "12.6392", "-8.0029", "5"), at("B-2", "12.6392", "-8.0029", "0")]
    layers = small_layers(tmp_path, [*gao, *bamako, at("G-3", "16.27", "-0.04", "0")])
    figures = headline(layers.incidents, layers.deployments.iloc[0:0])
    assert figures.top_regions == (("Gao", 3), ("Bamako", 2))
    assert figures.fatalities == 9
    assert figures.incidents_without_fatality_figure == 1
    # Equal counts: more dead first (a missing figure counts as none), then by name.
    tied = small_layers(tmp_path, [*gao, *bamako])
    assert headline(tied.incidents, tied.deployments).top_regions == (("Bamako", 2), ("Gao", 2))
    even = small_layers(tmp_path, [*gao[:1], bamako[0] | {"fatalities": "4"}])
    assert headline(even.incidents, even.deployments, top=1).top_regions == (("Bamako", 1),)
    assert headline(tied.incidents.iloc[0:0], tied.deployments).top_regions == ()


# -- a box on the map, and totals that add up --------------------------------------------------


def _filter(**changes):
    return IncidentFilter(start=date(2010, 1, 1), end=date(2030, 1, 1), **changes)


def _scattered(tmp_path):
    """Six incidents in Bamako, Gao and Ouagadougou; T-6 located only to the country."""

    def at(ident, lat, lon, fatalities, day="2016-01-01", country="MLI"):
        return incident_row(
            id=ident,
            latitude=lat,
            longitude=lon,
            fatalities=fatalities,
            event_date=day,
            country=country,
        )

    rows = [
        at("T-1", "12.6392", "-8.0029", "22"),
        at("T-2", "16.2666", "-0.0400", ""),
        at("T-3", "12.3657", "-1.5339", "30", country="BFA"),
        at("T-4", "16.3000", "-0.0400", "4", "2017-01-01"),
        at("T-5", "12.6000", "-8.0000", "1", "2017-06-01"),
        at("T-6", "16.2666", "-0.0400", "2", "2018-01-01"),
    ]
    layers = small_layers(tmp_path, rows)
    incidents = layers.incidents.copy()
    incidents.loc[incidents["id"] == "T-6", ["geo_precision", "admin1", "admin1_name"]] = [
        COUNTRY_ONLY,
        None,
        None,
    ]
    return replace(layers, incidents=incidents)


def test_a_box_keeps_the_points_inside_it_and_on_its_edges(tmp_path):
    incidents = _scattered(tmp_path).incidents
    gao = (-0.04, 16.2666, 1.0, 16.3)  # T-2 on the south-west corner, T-4 on the north edge
    assert list(apply_filter(incidents, _filter(bbox=gao))["id"]) == ["T-2", "T-4"]
    bamako = (-8.1, 12.5, -7.9, 12.7)
    assert list(apply_filter(incidents, _filter(bbox=bamako))["id"]) == ["T-1", "T-5"]
    assert apply_filter(incidents, _filter(bbox=(-30.0, 0.0, -20.0, 10.0))).empty


def test_an_incident_located_only_to_the_country_is_in_no_box(tmp_path):
    incidents = _scattered(tmp_path).incidents
    around_its_point = (-1.0, 15.0, 1.0, 17.0)
    selected = apply_filter(incidents, _filter(bbox=around_its_point))
    assert list(selected["id"]) == ["T-2", "T-4"]
    assert "T-6" in set(apply_filter(incidents, _filter())["id"])  # without a box it counts


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        ((1.0, 2.0, 0.0, 3.0), "ends before it starts"),
        ((0.0, 3.0, 1.0, 2.0), "ends before it starts"),
        ((0.0, float("nan"), 1.0, 2.0), "not a finite number"),
        ((0.0, 1.0, 2.0), "not four numbers"),
        (("west", 1.0, 2.0, 3.0), "not four numbers"),
    ],
)
def test_a_box_that_is_not_one_is_named(bbox, message):
    with pytest.raises(ValueError, match=message) as raised:
        _filter(bbox=bbox)
    assert repr(bbox) in str(raised.value)


def test_totals_of_two_parts_add_up_to_the_totals_of_the_whole(tmp_path):
    layers = _scattered(tmp_path)
    incidents = layers.incidents
    active = layers.deployments
    whole = totals_of(incidents, 5)
    for split in (1, 3, 5):
        parts = totals_of(incidents.iloc[:split], 5).add(totals_of(incidents.iloc[split:], 5))
        assert parts == whole
        assert parts.headline(active, top=5) == headline(incidents, active, top=5)
        assert_geodataframe_equal(parts.hex_cells(), hex_cells(incidents.loc[on_map(incidents)], 5))
    assert whole.regions == (RegionFigures("Bamako", 2, 23), RegionFigures("Gao", 2, 4))
    figures = whole.headline(active)
    counted = (figures.incidents, figures.fatalities, figures.incidents_without_fatality_figure)
    assert counted == (6, 59, 1)
    assert (figures.outside_mali, figures.not_on_map, whole.on_map) == (1, 1, 5)


def test_totals_without_cells_draw_no_hexagons(tmp_path):
    incidents = _scattered(tmp_path).incidents
    counted = totals_of(incidents)
    assert counted.cells is None
    with pytest.raises(ValueError, match="without cells"):
        counted.hex_cells()
    with pytest.raises(ValueError, match="with cells to totals without"):
        counted.add(totals_of(incidents, 3))


def test_the_totals_of_a_view_are_those_of_its_rows(tmp_path):
    layers = _scattered(tmp_path)
    view = ViewState(regions=("ML-7",))
    start, end = date(2016, 1, 1), date(2017, 12, 31)
    rows = view_incidents(layers, view, start, end)
    assert list(rows["id"]) == ["T-2", "T-4"]
    totals = view_totals(layers, view, start, end, 4)
    assert totals == totals_of(rows, 4)
    boxed = view_totals(layers, ViewState(), start, end, 4, bbox=(-8.1, 12.5, -7.9, 12.7))
    assert boxed.headline(layers.deployments).top_regions == (("Bamako", 2),)
    assert boxed.incidents == 2
