from datetime import date

import pytest

from atlas.view import LAYER_NAMES, ViewState, parse_query_string, parse_view


def test_default_view_has_an_empty_query():
    assert ViewState().to_query() == {}
    assert parse_view({}).view == ViewState()


def test_view_round_trips_through_its_query_string():
    view = ViewState(
        date_from=date(2015, 1, 1),
        date_to=date(2015, 12, 31),
        layers=("regions", "incidents"),
        regions=("ML-BKO", "ML-7"),
        event_types=("Battles",),
        sub_types=("Armed clash",),
        actors=("JNIM: Group for Support of Islam and Muslims",),
        families=("al-Qaeda network",),
        min_fatalities=5,
        agg="hexes",
        rings=True,
        precise_only=True,
        lat=16.25,
        lon=-0.05,
        zoom=7,
        near="Gao",
        radius_km=25.5,
    )
    parsed = parse_query_string(view.to_query_string())
    assert parsed.errors == ()
    assert parsed.view == view


def test_layers_none_hides_every_overlay():
    view = ViewState(layers=())
    assert view.to_query() == {"layers": "none"}
    assert parse_view({"layers": "none"}).view.layers == ()


@pytest.mark.parametrize(
    ("query", "name", "reason"),
    [
        ("from=2015-02-30", "from", "not a date written YYYY-MM-DD"),
        ("from=05/03/2015", "from", "not a date written YYYY-MM-DD"),
        ("to=2014-01-01&from=2015-01-01", "to", "is before from=2015-01-01"),
        ("from=2015-01-01&from=2016-01-01", "from", "give one value"),
        ("region=ML-99", "region", "unknown value"),
        ("type=Skirmish", "type", "unknown value"),
        ("minfat=-1", "minfat", "outside 0..100000"),
        ("minfat=lots", "minfat", "not a whole number"),
        ("agg=cubes", "agg", "not one of auto, points"),
        ("rings=maybe", "rings", "not 1 or 0"),
        ("zoom=30", "zoom", "outside 4..13"),
        ("lat=16", "lat/lon", "give both lat and lon"),
        ("radius=0", "radius", "outside 1..500"),
        ("layers=incidents,bogus", "layers", "unknown value"),
    ],
)
def test_bad_parameter_is_reported_and_replaced_by_its_default(query, name, reason):
    parsed = parse_query_string(query)
    assert [e.name for e in parsed.errors] == [name]
    assert reason in parsed.errors[0].reason
    assert "using the default" in str(parsed.errors[0])


def test_valid_parts_survive_a_bad_neighbour():
    parsed = parse_query_string("from=2015-01-01&to=nonsense&layers=incidents,bogus")
    assert parsed.view.date_from == date(2015, 1, 1)
    assert parsed.view.date_to is None
    assert parsed.view.layers == ("incidents",)


def test_only_unknown_layers_falls_back_to_all():
    assert parse_query_string("layers=bogus").view.layers == LAYER_NAMES


def test_repeated_and_comma_separated_values_are_both_read():
    assert parse_view({"layers": ["towns", "incidents,regions"]}).view.layers == (
        "regions",
        "towns",
        "incidents",
    )


def test_date_range_fills_open_ends_from_the_data():
    view = ViewState(date_from=date(2015, 6, 1))
    assert view.date_range(date(2012, 1, 1), date(2020, 1, 1)) == (
        date(2015, 6, 1),
        date(2020, 1, 1),
    )


@pytest.mark.parametrize(
    ("query", "zoom"),
    [
        ("zoom=5.75", 5.75),
        ("zoom=5.6", 5.5),  # to the nearest quarter, where the map would settle
        ("zoom=12.9", 13),
        ("zoom=7", 7),
        ("zoom=7.0", 7),
    ],
)
def test_a_zoom_is_read_to_the_nearest_quarter(query, zoom):
    parsed = parse_query_string(query)
    assert parsed.errors == ()
    assert parsed.view.zoom == zoom
    assert isinstance(parsed.view.zoom, int) == float(zoom).is_integer()


@pytest.mark.parametrize(("zoom", "written"), [(5.75, "5.75"), (7, "7"), (10.25, "10.25")])
def test_a_fractional_zoom_survives_a_link(zoom, written):
    view = ViewState(lat=17.66, lon=-3.99, zoom=zoom)
    assert view.to_query()["zoom"] == written
    assert parse_query_string(view.to_query_string()).view == view


@pytest.mark.parametrize(
    ("query", "reason"), [("zoom=far", "not a number"), ("zoom=13.5", "outside 4..13")]
)
def test_a_zoom_that_is_not_a_number_in_range_is_reported(query, reason):
    parsed = parse_query_string(query)
    assert [(e.name, e.reason) for e in parsed.errors] == [("zoom", reason)]
    assert parsed.view.zoom is None


@pytest.mark.parametrize(("zoom", "level"), [(None, None), (5.75, 5), (7, 7), (12.25, 12)])
def test_the_zoom_level_is_the_whole_zoom_at_or_below(zoom, level):
    assert ViewState(zoom=zoom).zoom_level == level
