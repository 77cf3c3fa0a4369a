"""The Incidents page's data of a view on both stores, with no more rows than it lists.

The same incidents are held in a data directory and kept in PostGIS (as in
tests/test_db_totals.py): the count, the newest rows, the timelines and the lookups behind
a click on the map or a ringed incident must be what all the view's rows give, and on the
database only the listed rows may travel.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from atlas.access import restricted_layers
from atlas.filters import (
    Listing,
    incident_filter,
    listed_or_asked_on,
    newest_first,
    on_map,
    view_holds,
    view_incidents,
    view_listing,
)
from atlas.mapping import view_layers
from atlas.picking import incident_at, pick_box, tooltip_day
from atlas.tables import incident_table, incident_tooltips
from atlas.timeline import PERIODS, counts_by_period
from atlas.view import ViewState, parse_query_string
from loaders import AtlasLayers
from tests.conftest import PostgisForTests
from tests.test_db_totals import RESTRICTIONS, STORES, VIEWS, held_and_kept

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(scope="module")
def stores(
    tmp_path_factory: pytest.TempPathFactory, postgis_server: PostgisForTests
) -> Iterator[dict[str, AtlasLayers]]:
    """The same incidents held in the process and kept in PostGIS, loaded once."""
    yield from held_and_kept(tmp_path_factory, postgis_server, "listing")


@pytest.fixture
def fetched(rows_fetched: list[int]) -> list[int]:
    """How many rows each query for rows brought from the database (no answer kept from
    before, so every question is asked)."""
    from atlas.db import query

    query._timelines.cache_clear()
    query._totals.cache_clear()
    return rows_fetched


def _listing(layers: AtlasLayers, view: ViewState, limit: int) -> tuple[Listing, pd.DataFrame]:
    start, end, rows, _ = view_layers(layers, view)
    return view_listing(layers, view, start, end, limit), rows


def _split_day(rows: pd.DataFrame) -> int:
    """A limit that cuts the newest rows between two imported incidents of one day (kept
    in the database on PostGIS, which must then order them as the process does), else
    between any two of one day; 3 when no two share a day."""
    ordered = newest_first(rows).reset_index(drop=True)
    days, imported = ordered["event_date"], ordered["dataset"] != "curated"
    ties = [n for n in range(3, len(days)) if days[n - 1] == days[n]]
    both = [n for n in ties if imported[n - 1] and imported[n]]
    return (both or ties or [3])[0]


@pytest.mark.parametrize("restriction", RESTRICTIONS, ids=["all", "restricted"])
@pytest.mark.parametrize("query", VIEWS)
@pytest.mark.parametrize("store", STORES)
def test_the_listing_is_what_the_views_rows_give(stores, store, query, restriction):
    layers = restricted_layers(stores[store], restriction)
    view = parse_query_string(query).view
    start, end, rows, _ = view_layers(layers, view)
    assert len(rows) > 0
    for limit in (_split_day(rows), 40, len(rows) + 10):
        listing = view_listing(layers, view, start, end, limit)
        assert listing.totals.incidents == len(rows)
        assert listing.totals.on_map == int(on_map(rows).sum())
        assert len(listing.latest) == min(limit, len(rows))
        assert listing.complete == (limit >= len(rows))
        assert_geodataframe_equal(
            listing.latest.reset_index(drop=True),
            newest_first(rows, limit).reset_index(drop=True),
        )
        assert_frame_equal(incident_table(listing.latest, limit), incident_table(rows, limit))
    for period in PERIODS:
        timeline = listing.timelines[period]
        assert_frame_equal(timeline.per_key(), counts_by_period(rows, period), check_freq=True)
        assert_frame_equal(
            timeline.per_period(), counts_by_period(rows, period, by=None), check_freq=True
        )


def test_both_stores_list_the_same_newest_incidents_and_timelines(stores):
    view = parse_query_string("from=2014-01-01").view
    rows = view_layers(stores["embedded"], view)[2]
    limit = _split_day(rows)
    listed = {store: _listing(stores[store], view, limit)[0] for store in STORES}
    ids = {store: list(listing.latest["id"]) for store, listing in listed.items()}
    assert ids["embedded"] == ids["postgis"]
    cut = listed["postgis"].latest["event_date"]
    assert (rows["event_date"] == cut.iloc[-1]).sum() > (cut == cut.iloc[-1]).sum()  # a day cut
    for period in PERIODS:
        assert_frame_equal(
            listed["embedded"].timelines[period].per_key(),
            listed["postgis"].timelines[period].per_key(),
        )


@pytest.mark.parametrize("query", ["", "type=Battles", "from=2016-01-01&to=2019-12-31"])
def test_the_database_sends_its_newest_in_the_order_of_the_process(stores, query):
    layers = stores["postgis"]
    assert layers.imported is not None
    view = parse_query_string(query).view
    start, end, rows, _ = view_layers(layers, view)
    chosen = incident_filter(view, layers.lineage, start, end, layers.incidents, layers.imported)
    kept = rows.loc[rows["dataset"] != "curated"]  # those the database keeps
    limit = _split_day(kept)
    newest = newest_first(kept, limit)
    assert (kept["event_date"] == newest["event_date"].iloc[-1]).sum() > (
        newest["event_date"] == newest["event_date"].iloc[-1]
    ).sum()  # the limit cuts a day
    assert list(layers.imported.latest(chosen, limit)["id"]) == list(newest["id"])


def test_an_empty_view_lists_nothing_and_has_no_timeline(stores):
    view = parse_query_string("from=2015-01-01&to=2015-01-01&minfat=500").view
    for store in STORES:
        listing = view_listing(stores[store], view, date(2015, 1, 1), date(2015, 1, 1), 10)
        assert listing.totals.incidents == 0
        assert listing.latest.empty
        assert listing.complete
        assert listing.timelines["month"].empty
        assert listing.timelines["week"].per_key().empty


def test_a_negative_limit_is_refused(stores):
    with pytest.raises(ValueError, match="limit -1 is negative"):
        view_listing(stores["embedded"], ViewState(), date(2015, 1, 1), date(2016, 1, 1), -1)


def test_the_database_sends_only_the_listed_rows_for_the_whole_view(stores, fetched):
    layers = stores["postgis"]
    view = parse_query_string("").view
    start, end = view.date_range(date(2000, 1, 1), date(2030, 1, 1))
    listing = view_listing(layers, view, start, end, 30)
    imported = listing.totals.incidents - len(view_incidents_held(layers, view, start, end))
    assert imported > 500
    assert fetched == [30]  # the newest imported only; counts and timelines without rows
    assert len(listing.latest) == 30


def view_incidents_held(
    layers: AtlasLayers, view: ViewState, start: date, end: date
) -> pd.DataFrame:
    """The view's incidents the process holds (the curated ones on the shared store)."""
    from dataclasses import replace

    return view_incidents(replace(layers, imported=None), view, start, end)


def test_timelines_and_newest_rows_are_asked_once_per_store_version_and_filter(stores, monkeypatch):
    from atlas.db import query

    query._timelines.cache_clear()
    layers = stores["postgis"]
    view = parse_query_string("region=ML-7").view
    first, _ = _listing(layers, view, 20)
    asked: list[object] = []

    def fetch(*args: object, **kwargs: object) -> list[object]:
        asked.append(args)
        return []

    monkeypatch.setattr(query, "_fetch", fetch)
    monkeypatch.setattr(query, "_rows", fetch)
    again, _ = _listing(layers, view, 20)
    assert asked == []
    assert list(again.latest["id"]) == list(first.latest["id"])
    assert_frame_equal(again.timelines["week"].per_key(), first.timelines["week"].per_key())


def _clicks(rows: pd.DataFrame, listing: Listing) -> pd.DataFrame:
    """Incidents on the map to click on: listed ones and some older than the list."""
    placed = rows.loc[on_map(rows)]
    listed = placed["id"].isin(listing.latest["id"])
    return pd.concat([placed.loc[listed].head(3), placed.loc[~listed].iloc[::97]])


@pytest.mark.parametrize("store", STORES)
def test_a_click_on_the_map_picks_what_all_the_rows_would_give(stores, store, fetched):
    layers = stores[store]
    view = parse_query_string("from=2012-01-01").view
    listing, rows = _listing(layers, view, 25)
    tooltips = incident_tooltips(rows)
    clicks = _clicks(rows, listing)
    assert len(clicks) > 5
    fetched.clear()
    for index, clicked in clicks.iterrows():
        lat, lon = clicked.geometry.y + 0.05, clicked.geometry.x - 0.05  # inside its marker
        tooltip = tooltips[index]
        day = tooltip_day(tooltip)
        assert day == clicked["event_date"].date()
        near = listed_or_asked_on(layers, listing, day, pick_box(lat, lon))
        assert incident_at(near, lat, lon, tooltip) == incident_at(rows, lat, lon, tooltip)
        assert incident_at(near, lat, lon, tooltip) is not None
        assert len(near) < 20
    assert all(size < 20 for size in fetched)  # one day in one box at a time, never the view


def test_a_tooltip_that_is_no_incidents_names_no_day():
    assert tooltip_day("Gao") is None
    assert tooltip_day(None) is None
    assert tooltip_day("2019-02-30 · Gao") is None
    assert tooltip_day("2019-02-03 · Gao · JNIM") == date(2019, 2, 3)


@pytest.mark.parametrize("lat", [10.5, 16.27, 24.9])
def test_the_pick_box_holds_every_point_a_click_may_pick(lat):
    from atlas.picking import PICK_DEGREES

    lon = -0.04
    west, south, east, north = pick_box(lat, lon)
    stretch = math.cos(math.radians(lat))  # how incident_at measures east and west
    for turn in np.linspace(0, 2 * math.pi, 72, endpoint=False):
        reach = PICK_DEGREES * 0.9999  # just inside the distance a click may pick
        x = lon + reach * math.cos(turn) / stretch
        y = lat + reach * math.sin(turn)
        assert west <= x <= east
        assert south <= y <= north
    assert east - west < 2.1 * PICK_DEGREES / stretch  # not much more than that


@pytest.mark.parametrize("store", STORES)
def test_an_incident_ringed_is_found_in_the_view_listed_or_not(stores, store, fetched):
    layers = stores[store]
    view = parse_query_string("from=2012-01-01").view
    listing, rows = _listing(layers, view, 25)
    older = rows.loc[~rows["id"].isin(listing.latest["id"]), "id"].iloc[0]
    outside = view_layers(layers, parse_query_string("from=2000-01-01").view)[2]
    before = outside.loc[outside["event_date"] < pd.Timestamp("2012-01-01"), "id"].iloc[0]
    fetched.clear()
    assert view_holds(layers, listing, listing.latest["id"].iloc[3])
    assert view_holds(layers, listing, older)
    assert not view_holds(layers, listing, before)
    assert not view_holds(layers, listing, "no-such-incident")
    assert all(size <= 1 for size in fetched)  # by its id, one row at most


# -- the page -----------------------------------------------------------------------------------


def _incidents_page(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    at.switch_page("pages/incidents.py").run()
    assert not at.exception, at.exception
    return at


def test_the_incidents_page_on_the_shared_store_fetches_only_the_rows_it_lists(
    shared_page_store, monkeypatch, fetched
):
    from atlas import tables

    monkeypatch.setattr(tables, "TABLE_ROWS_MAX", 2)
    at = _incidents_page({"from": "2000-01-01", "agg": "hexes"})
    assert "**7 incidents** between" in at.markdown[0].value  # 3 curated, 4 imported
    table = at.dataframe[0].value
    assert list(table["ID"]) == ["acled:BFA2001", "acled:MLI1003"]  # the newest two, imported
    assert "The table lists the latest 2 of 7 incidents; export the view for all." in [
        caption.value for caption in at.caption
    ]
    assert fetched == [2]  # the listed rows only, not the 4 imported of the view
    assert "No incidents in this view." not in [info.value for info in at.info]


def test_the_incidents_page_on_the_shared_store_says_a_ringed_incident_not_listed(
    shared_page_store, monkeypatch
):
    from atlas import tables

    monkeypatch.setattr(tables, "TABLE_ROWS_MAX", 2)
    at = _incidents_page({"from": "2000-01-01"})
    assert len(at.dataframe[0].value) == 2
    at.session_state["ringed_incident"] = "T-1"  # the oldest: in the view, not listed
    at.run()
    assert not at.exception, at.exception
    assert "Ringed on the map: incident T-1." in [caption.value for caption in at.caption]
