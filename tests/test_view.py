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
