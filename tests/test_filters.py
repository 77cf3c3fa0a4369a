from dataclasses import replace
from datetime import date

import pytest

from atlas.filters import data_span, deployments_active_between, headline, incidents_between
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
