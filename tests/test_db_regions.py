"""The Regions page's data on both stores, from counts: never the rows of a view.

The same incidents are held in a data directory and kept in PostGIS (as in
tests/test_db_totals.py): the regional comparison and a region's drill-down (its months,
actors, event types, towns most affected and deadliest incidents) must be what the rows of
the view give, and on the database only the deadliest few incidents may travel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal, assert_series_equal
from pyproj import CRS
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from atlas.access import restricted_layers
from atlas.filters import data_span, on_map, view_filter, view_incidents
from atlas.proximity import (
    PointSums,
    nearest_town,
    nearest_town_in,
    towns_in_zone,
    utm_crs_for,
)
from atlas.regions import (
    EQUAL_AREA,
    Baselines,
    RegionDrilldown,
    deadliest,
    is_rise,
    previous_period,
    region_drilldown,
    region_figures,
    top_counts,
    towns_most_affected,
    view_deadliest,
    view_top_counts,
    view_towns_most_affected,
)
from atlas.timeline import counts_by_period
from atlas.view import ViewState, parse_query_string
from loaders import AtlasLayers
from tests.conftest import PostgisForTests
from tests.test_db_totals import RESTRICTIONS, STORES, VIEWS, held_and_kept

APP = str(Path(__file__).resolve().parents[1] / "app.py")

RANGES = [
    "from=2019-07-01&to=2019-12-31",
    "from=2016-01-01&to=2016-06-30&type=Battles",
    "from=2018-01-01&to=2018-12-31&region=ML-7&region=ML-6&region=ML-5",
    "from=2014-03-01&to=2014-04-15&minfat=1",
    "from=2020-09-01&to=2020-09-28",
]
"""Views with a previous period and a year of history in the data (the comparisons made)."""


@pytest.fixture(scope="module")
def stores(
    tmp_path_factory: pytest.TempPathFactory, postgis_server: PostgisForTests
) -> Iterator[dict[str, AtlasLayers]]:
    """The same incidents held in the process and kept in PostGIS, loaded once."""
    yield from held_and_kept(tmp_path_factory, postgis_server, "regions")


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows each query for rows brought from the database, with nothing asked
    before kept (every question is asked again)."""
    from atlas.db import datasets, query

    sizes: list[int] = []

    def recording(original: Callable[..., gpd.GeoDataFrame]) -> Callable[..., gpd.GeoDataFrame]:
        def fetch(*args: object, **kwargs: object) -> gpd.GeoDataFrame:
            rows = original(*args, **kwargs)
            sizes.append(len(rows))
            return rows

        return fetch

    monkeypatch.setattr(query, "fetch_rows", recording(query.fetch_rows))
    monkeypatch.setattr(datasets, "fetch_rows", recording(datasets.fetch_rows))
    monkeypatch.setattr(query.views, "get", lambda key: None)
    for cached in (
        query._region_counts,
        query._region_days,
        query._value_counts,
        query._point_sums,
        query._nearest_towns,
        query._timelines,
        query._span,
    ):
        cached.cache_clear()
    return sizes


# -- the comparison as the rows give it ---------------------------------------------------------


def _high_from_rows(incidents: pd.DataFrame, end: date) -> bool:
    """The one-year-high rule over rows, as the page computed it before it counted."""
    last_day = pd.Timestamp(end)
    first_day = last_day - pd.Timedelta(days=365 + 29)
    recent = incidents[
        (incidents["event_date"] >= first_day) & (incidents["event_date"] <= last_day)
    ]
    if recent.empty:
        return False
    daily = (
        recent.groupby(recent["event_date"].dt.normalize())["fatalities"]
        .sum(min_count=1)
        .fillna(0)
        .reindex(pd.date_range(first_day, last_day, freq="D"), fill_value=0)
    )
    rolling = daily.rolling(30).sum().dropna()
    latest = float(rolling.iloc[-1])
    return latest > 0 and latest >= float(rolling.iloc[:-1].max())


def _figures_from_rows(layers: AtlasLayers, view: ViewState) -> tuple[date, date, pd.DataFrame]:
    """The regional comparison from the rows of the view, its previous period and its
    history, as the page computed it before it counted."""
    data_start, data_end = data_span(layers)
    start, end = view.date_range(data_start, data_end)
    in_range = view_incidents(layers, view, start, end)
    in_previous = view_incidents(layers, view, *previous_period(start, end))
    history = view_incidents(layers, view, min(data_start, end - timedelta(days=400)), end)
    baselines = Baselines.of(start, end, data_start)
    regions = layers.regions
    areas = regions.geometry.to_crs(EQUAL_AREA).area / 1e6
    rows = []
    for code, name, area in zip(regions["iso_code"], regions["name"], areas, strict=True):
        current = in_range[in_range["admin1"] == code]
        previous = in_previous[in_previous["admin1"] == code]
        n, before = len(current), len(previous)
        compared = baselines.previous_period
        rows.append(
            {
                "iso_code": code,
                "name": name,
                "incidents": n,
                "fatalities": int(current["fatalities"].fillna(0).sum()),
                "per_10k_km2": round(n / area * 10_000, 2) if area else 0.0,
                "previous_incidents": before if compared else None,
                "change_pct": round((n - before) / before * 100, 1)
                if compared and before
                else None,
                "rise": compared and is_rise(n, before),
                "fatality_high": baselines.year_before
                and _high_from_rows(history[history["admin1"] == code], end),
            }
        )
    table = pd.DataFrame(rows).sort_values(
        ["incidents", "fatalities"], ascending=False, ignore_index=True
    )
    return start, end, table


def test_the_made_up_export_has_what_the_comparison_must_get_right(stores):
    held = stores["embedded"]
    assert stores["postgis"].imported is not None
    assert held.imported is None
    incidents = held.incidents
    assert incidents["fatalities"].isna().sum() > 50
    assert incidents["admin1"].isna().sum() > 10  # outside Mali or only to the country
    assert incidents["admin1"].nunique() >= 6


@pytest.mark.parametrize("restriction", RESTRICTIONS, ids=["all", "restricted"])
@pytest.mark.parametrize("query", VIEWS + RANGES)
@pytest.mark.parametrize("store", STORES)
def test_the_comparison_is_what_the_views_rows_give(stores, store, query, restriction):
    layers = restricted_layers(stores[store], restriction)
    view = parse_query_string(query).view
    expected = _figures_from_rows(layers, view)
    start, end, table = region_figures(layers, view)
    assert (start, end) == expected[:2]
    assert_frame_equal(table, expected[2])
    assert table["incidents"].sum() > 0


def test_the_comparison_is_the_same_on_both_stores_and_flags_surges(stores):
    flagged = {"rise": 0, "fatality_high": 0}
    for query in RANGES:
        view = parse_query_string(query).view
        embedded = region_figures(stores["embedded"], view)
        shared = region_figures(stores["postgis"], view)
        assert embedded[:2] == shared[:2]
        assert_frame_equal(embedded[2], shared[2])
        assert shared[2]["previous_incidents"].notna().all()  # compared with a period before
        for flag in flagged:
            flagged[flag] += int(shared[2][flag].sum())
    assert flagged["rise"] > 0  # both rules are met somewhere: the counts feed them
    assert flagged["fatality_high"] > 0


def test_the_comparison_on_the_database_fetches_no_rows(stores, fetched):
    layers = stores["postgis"]
    for query in ["", *RANGES]:
        table = region_figures(layers, parse_query_string(query).view)[2]
        assert table["incidents"].sum() > 0
    assert fetched == []


def test_the_pages_data_is_asked_once_per_store_version_and_filter(stores, monkeypatch):
    from atlas.db import query

    layers = stores["postgis"]
    view = parse_query_string(RANGES[0]).view
    start, end, first = region_figures(layers, view)
    drilled = region_drilldown(layers, view, "ML-6", start, end)
    asked: list[object] = []

    def fetch(*args: object, **kwargs: object) -> list[object]:
        asked.append(args)
        return []

    monkeypatch.setattr(query, "_fetch", fetch)
    monkeypatch.setattr(query, "_rows", fetch)
    assert_frame_equal(region_figures(layers, view)[2], first)
    again = region_drilldown(layers, view, "ML-6", start, end)
    assert asked == []
    assert drilled is not None
    assert again is not None
    assert_series_equal(again.towns, drilled.towns)
    assert list(again.deadliest["id"]) == list(drilled.deadliest["id"])


# -- a region's drill-down ----------------------------------------------------------------------

DRILLS = [
    ("", "ML-7"),
    ("", "ML-5"),
    ("from=2019-01-01&to=2019-12-31", "ML-6"),
    ("from=2015-01-01&to=2015-06-30", "ML-5"),
    ("type=Battles&type=Explosions/Remote+violence&subtype=Armed+clash", "ML-8"),
    ("family=jihadist&precise=1", "ML-4"),
    ("minfat=3", "ML-7"),
]


def _region_rows(
    layers: AtlasLayers, view: ViewState, code: str
) -> tuple[date, date, gpd.GeoDataFrame]:
    start, end = view.date_range(*data_span(layers))
    return start, end, view_incidents(layers, replace(view, regions=(code,)), start, end)


def _assert_drilldown_of(drill: RegionDrilldown | None, rows: gpd.GeoDataFrame, towns) -> None:
    """``drill`` is what the region's rows give, part by part."""
    assert drill is not None
    assert drill.incidents == len(rows)
    assert_frame_equal(drill.per_month, counts_by_period(rows, "month"), check_freq=True)
    assert_series_equal(drill.actors, top_counts(rows, ["actor1", "actor2"]))
    assert_series_equal(drill.event_types, top_counts(rows, ["event_type"]))
    assert_series_equal(drill.towns, towns_most_affected(rows, towns))
    assert_geodataframe_equal(
        drill.deadliest.reset_index(drop=True), deadliest(rows).reset_index(drop=True)
    )


@pytest.mark.parametrize("restriction", RESTRICTIONS, ids=["all", "restricted"])
@pytest.mark.parametrize(("query", "code"), DRILLS)
@pytest.mark.parametrize("store", STORES)
def test_the_drilldown_is_what_the_regions_rows_give(stores, store, query, code, restriction):
    layers = restricted_layers(stores[store], restriction)
    view = parse_query_string(query).view
    start, end, rows = _region_rows(layers, view, code)
    drill = region_drilldown(layers, view, code, start, end)
    if rows.empty:  # a region a restricted user does not see
        assert restriction is not None
        assert code not in restriction
        assert drill is None
        return
    _assert_drilldown_of(drill, rows, layers.towns)


def test_the_drilldowns_test_ties_and_towns_held_and_kept(stores):
    """The views drilled into rank values as frequent, and count towns near incidents both
    held (curated) and kept in the database: what adding up the stores must get right."""
    layers = stores["postgis"]
    tied, towns = 0, 0
    for query, code in DRILLS:
        rows = _region_rows(layers, parse_query_string(query).view, code)[2]
        for counted in (top_counts(rows, ["actor1", "actor2"]), top_counts(rows, ["event_type"])):
            tied += int(counted.duplicated().sum())
        near = nearest_town(rows, layers.towns, 30)
        curated = rows["dataset"] == "curated"
        towns += int(near[curated].notna().any() and near[~curated].notna().any())
    assert tied > 5
    assert towns >= 2


def test_the_drilldown_of_both_stores_agrees(stores):
    view = parse_query_string("from=2013-01-01").view
    for code in ("ML-7", "ML-6", "ML-5"):
        start, end = view.date_range(*data_span(stores["embedded"]))
        drills = [region_drilldown(stores[store], view, code, start, end) for store in STORES]
        embedded, shared = drills
        assert embedded is not None
        assert shared is not None
        assert embedded.incidents == shared.incidents
        assert_frame_equal(embedded.per_month, shared.per_month)
        assert_series_equal(embedded.actors, shared.actors)
        assert_series_equal(embedded.event_types, shared.event_types)
        assert_series_equal(embedded.towns, shared.towns)
        assert not shared.towns.empty
        assert list(embedded.deadliest["id"]) == list(shared.deadliest["id"])


def test_a_region_the_view_leaves_out_or_without_incidents_has_no_drilldown(stores):
    only_gao = parse_query_string("region=ML-7").view
    nothing = parse_query_string("from=2015-01-01&to=2015-01-01&minfat=500").view
    for store in STORES:
        layers = stores[store]
        start, end = only_gao.date_range(*data_span(layers))
        assert region_drilldown(layers, only_gao, "ML-6", start, end) is None
        assert region_drilldown(layers, only_gao, "ML-7", start, end) is not None
        assert region_drilldown(layers, nothing, "ML-7", date(2015, 1, 1), date(2015, 1, 1)) is None


def test_ties_in_fatalities_and_day_are_broken_by_id_held_ones_first(stores):
    layers = stores["postgis"]
    view = parse_query_string("").view
    start, end = view.date_range(*data_span(layers))
    rows = view_incidents(layers, view, start, end)
    ranked = rows.sort_values(["fatalities", "event_date"], ascending=False, na_position="last")
    alike = ranked.duplicated(["fatalities", "event_date"], keep=False)
    assert alike.any()  # the data have incidents alike in both
    chosen = view_filter(layers, view, start, end)
    for top in (1, 5, 40, 200):
        assert list(view_deadliest(layers, chosen, top)["id"]) == list(deadliest(rows, top)["id"])


def test_the_database_ranks_values_and_towns_as_the_rows_do_whatever_the_top(stores):
    layers = stores["postgis"]
    view = parse_query_string("from=2014-01-01&to=2016-12-31").view
    start, end = view.date_range(*data_span(layers))
    rows = view_incidents(layers, view, start, end)
    chosen = view_filter(layers, view, start, end)
    for top in (1, 3, 100):
        for columns in (["actor1", "actor2"], ["event_type"], ["sub_event_type"]):
            assert_series_equal(
                view_top_counts(layers, chosen, columns, top), top_counts(rows, columns, top)
            )
        assert_series_equal(
            view_towns_most_affected(layers, chosen, 50, top),
            towns_most_affected(rows, layers.towns, 50, top),
        )


def test_the_database_measures_towns_in_the_zone_of_all_the_points(stores):
    """A radius between an incident's distances to a town in two zones: the database must
    measure in the zone the rows are measured in (that of the centre of all the points)."""
    layers = stores["postgis"]
    view = parse_query_string("region=ML-8").view
    start, end = view.date_range(*data_span(layers))
    rows = view_incidents(layers, view, start, end)
    centre = rows.geometry.union_all().centroid
    zone = utm_crs_for(centre.x, centre.y)
    other = CRS.from_epsg(int(zone.to_epsg() or 0) - 1)
    kept = rows.loc[rows["dataset"] != "curated"]

    def distances(crs: CRS) -> np.ndarray:
        points = kept.geometry.to_crs(crs)
        towns = layers.towns.geometry.to_crs(crs)
        return np.array([[point.distance(town) for town in towns] for point in points])

    here, there = distances(zone), distances(other)
    within = (here > 5_000) & (here < 60_000)
    gap = np.where(within, np.abs(here - there), 0)
    incident, town = np.unravel_index(np.argmax(gap), gap.shape)
    assert gap[incident, town] > 20  # metres: the zones disagree by more than rounding
    max_km = (here[incident, town] + there[incident, town]) / 2 / 1000
    chosen = view_filter(layers, view, start, end)
    expected = towns_most_affected(rows, layers.towns, max_km, top=60)
    assert_series_equal(view_towns_most_affected(layers, chosen, max_km, top=60), expected)
    elsewhere = nearest_town_in(rows, layers.towns, max_km, other).dropna().value_counts()
    assert elsewhere.to_dict() != expected.to_dict()  # the radius tells the zones apart


def test_the_whole_pages_data_on_the_database_fetches_only_the_deadliest(stores, fetched):
    layers = stores["postgis"]
    view = parse_query_string("").view
    start, end, table = region_figures(layers, view)
    drilled = 0
    for code in table["iso_code"]:
        drill = region_drilldown(layers, view, code, start, end)
        drilled += drill is not None
    assert drilled >= 6
    assert len(fetched) == drilled  # one question for rows per region: its deadliest
    assert all(size <= 5 for size in fetched)
    assert sum(fetched) > 0


# -- the centre of points and the zone they are measured in -------------------------------------


def test_point_sums_give_the_centre_of_the_union_of_points():
    points = gpd.GeoSeries(
        [Point(-0.5, 16.0), Point(-0.5, 16.0), Point(1.5, 17.0), None, Point(0.7, 15.5)],
        crs="EPSG:4326",
    )
    sums = PointSums.of(points)
    centre = points.union_all().centroid
    assert sums.count == 3  # a point given twice counts once, a missing one not at all
    assert (sums.x / sums.count, sums.y / sums.count) == pytest.approx((centre.x, centre.y))
    assert sums.utm_epsg() == utm_crs_for(centre.x, centre.y).to_epsg() == 32631
    parts = PointSums.of(points.iloc[:2]).add(PointSums.of(points.iloc[2:]))
    assert (parts.count, parts.x, parts.y) == (3, pytest.approx(sums.x), pytest.approx(sums.y))
    assert PointSums().utm_epsg() is None


def test_points_already_counted_are_left_out_of_the_databases_sums(stores):
    layers = stores["postgis"]
    assert layers.imported is not None
    view = parse_query_string("region=ML-6").view
    start, end = view.date_range(*data_span(layers))
    rows = view_incidents(layers, view, start, end)
    kept = PointSums.of(rows.loc[rows["dataset"] != "curated"].geometry)
    chosen = view_filter(layers, view, start, end)
    whole = layers.imported.point_sums(chosen, frozenset())
    assert (whole.count, whole.x, whole.y) == (
        kept.count,
        pytest.approx(kept.x),
        pytest.approx(kept.y),
    )
    one = rows.loc[rows["dataset"] != "curated"].geometry.iloc[0]
    less = layers.imported.point_sums(chosen, frozenset({(one.x, one.y), (-30.0, 5.0)}))
    assert less.count == whole.count - 1
    assert less.x == pytest.approx(whole.x - one.x)
    assert less.y == pytest.approx(whole.y - one.y)


def test_towns_in_a_zone_have_a_box_holding_every_point_within_the_distance(stores):
    towns = stores["embedded"].towns
    epsg = 32630
    placed = towns_in_zone(towns, epsg, 30)
    assert [town.name for town in placed] == list(towns["name"])
    projected = towns.geometry.to_crs(epsg)
    assert [(town.x, town.y) for town in placed] == list(zip(projected.x, projected.y, strict=True))
    for town, origin in zip(placed, towns.geometry, strict=True):
        west, south, east, north = town.box
        for turn in np.linspace(0, 2 * np.pi, 36, endpoint=False):
            # 30 km from the town as the zone measures, back in degrees
            at = gpd.GeoSeries(
                [Point(town.x + 30_000 * np.cos(turn), town.y + 30_000 * np.sin(turn))], crs=epsg
            ).to_crs("EPSG:4326")
            assert west <= at.x.iloc[0] <= east, origin
            assert south <= at.y.iloc[0] <= north, origin


def test_incidents_only_to_the_country_count_towards_a_town_as_the_rows_do(stores):
    """The rows never left them out of the nearest town (their point is the country's
    centre), so the database does not either."""
    layers = stores["postgis"]
    view = parse_query_string("from=2014-01-01").view
    start, end = view.date_range(*data_span(layers))
    rows = view_incidents(layers, view, start, end)
    expected = towns_most_affected(rows, layers.towns, 400, top=60)
    placed_only = towns_most_affected(rows.loc[on_map(rows)], layers.towns, 400, top=60)
    assert expected.sum() > placed_only.sum()
    chosen = view_filter(layers, view, start, end)
    assert_series_equal(view_towns_most_affected(layers, chosen, 400, top=60), expected)


# -- the page -----------------------------------------------------------------------------------


def test_the_regions_page_on_the_shared_store_counts_and_fetches_only_the_deadliest(
    shared_page_store, fetched
):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["from"] = "2000-01-01"
    at.run()  # the home page, whose map of 7 points asks for them
    fetched.clear()
    at.switch_page("pages/regions.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Regions"
    table = at.dataframe[0].value.set_index("Code")
    assert table.loc["ML-7", "Incidents"] == 2  # T-2 held, Ménaka's IED kept in the database
    assert table.loc["ML-BKO", "Incidents"] == 1
    assert at.selectbox(key="drill_region").value == "ML-7"  # the most incidents first
    assert list(at.dataframe[-1].value["ID"]) == ["acled:MLI1002", "T-2"]  # newest first
    towns = at.dataframe[-2].value
    assert towns.to_dict() == {"Incidents": {"Gao": 1}}  # Ménaka is 300 km from Gao
    assert fetched == [1]  # Gao's one imported incident, for its deadliest
    fetched.clear()
    at.selectbox(key="drill_region").set_value("ML-BKO").run()
    assert not at.exception, at.exception
    assert list(at.dataframe[-1].value["ID"]) == ["T-1"]
    assert fetched == [0]  # none of Bamako's is kept in the database
