"""A view's figures and hexagons without its rows, and boxes on the map, on both stores.

The shipped curated incidents plus one made-up ACLED export (with unknown tolls, incidents
located only to the country and incidents across the border) are kept once in a data
directory, where every incident is held in the process, and once in PostGIS, where the
imported ones stay in the database: the totals of a view must be what the rows give.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from atlas import aggregate, viewport
from atlas.access import restricted_layers
from atlas.aggregate import hex_cells
from atlas.db import engine
from atlas.filters import headline, on_map, view_incidents, view_totals
from atlas.leaflet import HexCells, LayerCredits
from atlas.mapping import LayeredMap, view_layers, view_map
from atlas.view import parse_query_string
from atlas.viewport import Viewport
from loaders import AtlasLayers
from tests.conftest import PostgisForTests
from tests.factories import legend_html_of, overlay_elements

STORES = ("embedded", "postgis")

VIEWS = [
    "",
    "region=ML-7",
    "from=2015-01-01&to=2016-12-31",
    "actor=JNIM:+Jama'at+Nusrat+al-Islam+wal+Muslimin",
    "minfat=3",
    "type=Battles&type=Explosions/Remote+violence&subtype=Armed+clash",
    "family=jihadist&precise=1",
]
RESTRICTIONS = [None, frozenset({"ML-7", "ML-6"})]

ACROSS_THE_NIGER_BEND = (-4.5, 14.0, 0.5, 17.2)
"""Timbuktu, Mopti and Gao, but not Ménaka, Kidal or Ségou."""


def _export(path: Path) -> Path:
    """600 made-up ACLED events, some with no toll, some located only to Mali or to Niger,
    some placed in Burkina Faso and Niger."""
    from bench.import_bench import acled_frame

    table = acled_frame(600, seed=11)
    table.loc[table.index % 7 == 0, "fatalities"] = ""
    table.loc[table.index % 29 == 0, "location"] = "Mali"
    table.loc[table.index % 41 == 3, ["country", "location", "iso"]] = ["Niger", "Niger", "562"]
    burkina, niger = table.index % 31 == 1, table.index % 37 == 2
    table.loc[burkina, ["latitude", "longitude"]] = ["12.3714", "-1.5197"]
    table.loc[niger, ["latitude", "longitude"]] = ["14.2000", "1.4500"]
    table.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def stores(
    tmp_path_factory: pytest.TempPathFactory, postgis_server: PostgisForTests
) -> Iterator[dict[str, AtlasLayers]]:
    """The same incidents held in the process and kept in PostGIS, loaded once."""
    yield from held_and_kept(tmp_path_factory, postgis_server, "totals")


def held_and_kept(
    tmp_path_factory: pytest.TempPathFactory, postgis_server: PostgisForTests, name: str
) -> Iterator[dict[str, AtlasLayers]]:
    """The made-up export (:func:`_export`) imported into a data directory, where every
    incident is held in the process, and into a fresh PostGIS database, where the imported
    ones stay: ``{"embedded": ..., "postgis": ...}``, the database let go at the end."""
    from atlas.store import EmbeddedStore

    folder = tmp_path_factory.mktemp(name)
    export = _export(folder / "acled.csv")
    url = postgis_server.fresh()
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("ATLAS_DATABASE_URL", raising=False)
        files = EmbeddedStore(data_folder=folder / "files")
        files.datasets.import_file(export)
        held = files.layers()
        patch.setenv("ATLAS_DATABASE_URL", url)
        shared = EmbeddedStore(data_folder=folder / "unused")
        shared.datasets.import_file(export)
        asked = shared.layers()
    yield {"embedded": held, "postgis": asked}
    engine(url).dispose()


def test_the_made_up_export_has_what_the_totals_must_get_right(stores):
    held = stores["embedded"]
    assert stores["postgis"].imported is not None
    assert held.imported is None
    incidents = held.incidents
    assert incidents["fatalities"].isna().sum() > 50
    assert (~on_map(incidents)).sum() > 10
    assert ((incidents["country"] != "MLI") & on_map(incidents)).sum() > 20
    assert ((incidents["country"] == "NER") & ~on_map(incidents)).sum() > 10


@pytest.mark.parametrize("restriction", RESTRICTIONS, ids=["all", "restricted"])
@pytest.mark.parametrize("query", VIEWS)
@pytest.mark.parametrize("store", STORES)
def test_totals_are_the_headline_and_hexagons_of_the_views_rows(stores, store, query, restriction):
    layers = restricted_layers(stores[store], restriction)
    view = parse_query_string(query).view
    start, end, rows, active = view_layers(layers, view)
    assert len(rows) > 0
    for resolution in (3, 6):
        totals = view_totals(layers, view, start, end, resolution)
        assert totals.headline(active) == headline(rows, active)
        assert totals.headline(active, top=20) == headline(rows, active, top=20)
        assert totals.on_map == int(on_map(rows).sum())
        assert_geodataframe_equal(totals.hex_cells(), hex_cells(rows.loc[on_map(rows)], resolution))


def test_the_totals_of_both_stores_agree(stores):
    view = parse_query_string("from=2014-01-01").view
    found = []
    for store in STORES:
        start, end, _, active = view_layers(stores[store], view)
        totals = view_totals(stores[store], view, start, end, 5)
        found.append((totals.headline(active, top=20), totals.hex_cells()))
    assert found[0][0] == found[1][0]
    assert found[0][0].outside_mali
    assert found[0][0].not_on_map
    assert_geodataframe_equal(found[0][1], found[1][1])


def test_totals_on_the_database_never_fetch_rows(stores, monkeypatch):
    from atlas.db import query

    def no_rows(*args: object, **kwargs: object) -> None:
        raise AssertionError("rows were fetched")

    monkeypatch.setattr(query, "_rows", no_rows)
    monkeypatch.setattr(query, "fetch_rows", no_rows)
    query._totals.cache_clear()
    layers = stores["postgis"]
    view = parse_query_string("from=2013-01-01&to=2019-12-31").view
    start, end = pd.Timestamp("2013-01-01").date(), pd.Timestamp("2019-12-31").date()
    totals = view_totals(layers, view, start, end, 4)
    assert totals.incidents > len(layers.incidents)  # the imported were counted too
    with pytest.raises(AssertionError, match="rows were fetched"):
        view_incidents(layers, view, start, end)


def test_totals_are_asked_once_per_store_version_and_filter(stores, monkeypatch):
    from atlas.db import query

    query._totals.cache_clear()
    layers = stores["postgis"]
    view = parse_query_string("region=ML-7").view
    start, end, _, _ = view_layers(layers, view)
    first = view_totals(layers, view, start, end, 3)
    asked: list[object] = []

    def fetch(url: str, statement: object) -> list[object]:
        asked.append(statement)
        return []

    monkeypatch.setattr(query, "_fetch", fetch)
    again = view_totals(layers, view, start, end, 3)
    assert again == first
    assert asked == []
    view_totals(layers, view, start, end, 4)  # another resolution is another question
    assert len(asked) == 1


# -- a box on the map ---------------------------------------------------------------------------


def _inside(rows: pd.DataFrame, bbox: tuple[float, float, float, float]) -> list[str]:
    """Ids of the rows whose point lies in ``bbox``, by plain comparisons (no filter code)."""
    west, south, east, north = bbox
    lon, lat = rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy()
    placed = rows["geo_precision"].to_numpy() != 4
    keep = placed & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    return list(rows.loc[keep, "id"])


@pytest.mark.parametrize("query", ["", "type=Battles", "from=2018-01-01&to=2020-12-31"])
def test_a_box_selects_the_same_incidents_on_both_stores(stores, query):
    view = parse_query_string(query).view
    found = {}
    for store in STORES:
        start, end, rows, _ = view_layers(stores[store], view)
        boxed = view_incidents(stores[store], view, start, end, bbox=ACROSS_THE_NIGER_BEND)
        assert list(boxed["id"]) == _inside(rows, ACROSS_THE_NIGER_BEND)
        assert 0 < len(boxed) < len(rows)
        found[store] = list(boxed["id"])
    assert found["embedded"] == found["postgis"]


@pytest.mark.parametrize("store", STORES)
def test_a_box_keeps_points_on_its_edges_and_leaves_out_country_only_incidents(stores, store):
    layers = stores[store]
    view = parse_query_string("").view
    start, end, rows, _ = view_layers(layers, view)
    imported = rows["dataset"] != "curated"  # kept in the database on PostGIS
    placed = rows.loc[on_map(rows) & imported].iloc[5]
    x, y = placed.geometry.x, placed.geometry.y
    for bbox in [(x, y, x, y), (x - 1, y, x, y + 1), (x, y - 1, x + 1, y)]:
        assert placed["id"] in set(view_incidents(layers, view, start, end, bbox=bbox)["id"])
    nudge = np.nextafter(x, np.inf)
    assert placed["id"] not in set(
        view_incidents(layers, view, start, end, bbox=(nudge, y - 1, x + 1, y + 1))["id"]
    )
    centre = rows.loc[~on_map(rows) & imported].iloc[0]
    cx, cy = centre.geometry.x, centre.geometry.y
    around = view_incidents(layers, view, start, end, bbox=(cx - 1, cy - 1, cx + 1, cy + 1))
    assert not (~on_map(around)).any()
    assert centre["id"] not in set(around["id"])


@pytest.mark.parametrize("store", STORES)
def test_a_box_across_nothing_selects_nothing(stores, store):
    layers = stores[store]
    view = parse_query_string("").view
    start, end, _, active = view_layers(layers, view)
    atlantic = (-30.0, 0.0, -20.0, 10.0)
    assert view_incidents(layers, view, start, end, bbox=atlantic).empty
    totals = view_totals(layers, view, start, end, 3, bbox=atlantic)
    assert totals.headline(active).incidents == 0
    assert totals.hex_cells().empty


@pytest.mark.parametrize("store", STORES)
def test_totals_of_a_box_are_those_of_its_rows(stores, store):
    layers = stores[store]
    view = parse_query_string("from=2015-01-01").view
    start, end, _, active = view_layers(layers, view)
    rows = view_incidents(layers, view, start, end, bbox=ACROSS_THE_NIGER_BEND)
    totals = view_totals(layers, view, start, end, 5, bbox=ACROSS_THE_NIGER_BEND)
    assert totals.headline(active, top=20) == headline(rows, active, top=20)
    assert totals.not_on_map == 0
    assert_geodataframe_equal(totals.hex_cells(), hex_cells(rows, 5))


def _hexagons_drawn(drawn: LayeredMap) -> list[tuple[str, str]]:
    """(label, colour) of every hexagon the map's script draws, in order."""
    for cells in overlay_elements(drawn, HexCells):
        data = json.loads(cells.data_json)
        return list(zip(data["label"], data["colour"], strict=True))
    return []


def test_a_map_in_hexagons_is_drawn_from_the_stores_counts_without_rows(stores, monkeypatch):
    from atlas.db import query

    forgotten = query.views.get
    monkeypatch.setattr(query.views, "get", lambda key: None)  # no answer kept from before
    view = parse_query_string("agg=hexes&minfat=1").view
    expected = view_map(stores["embedded"], view)

    def no_rows(*args: object, **kwargs: object) -> None:
        raise AssertionError("a map in hexagons fetched the view's rows")

    monkeypatch.setattr(query, "_rows", no_rows)
    counted = view_map(stores["postgis"], view)
    monkeypatch.setattr(query.views, "get", forgotten)

    assert _hexagons_drawn(counted) == _hexagons_drawn(expected) != []
    assert legend_html_of(counted) == legend_html_of(expected)
    assert "Incidents per hexagon" in legend_html_of(counted)
    assert overlay_elements(counted, LayerCredits), (
        "the imported dataset's licence is credited on the map"
    )


def test_zoomed_in_the_map_fetches_only_the_box_and_counts_the_rest(stores, monkeypatch, request):
    # Few incidents here: hexagons from 20 on, so that zooming in asks for the box's rows.
    monkeypatch.setattr(aggregate, "POINTS_MAX", 10)
    monkeypatch.setattr(aggregate, "CLUSTERS_MAX", 20)
    monkeypatch.setattr(viewport, "CLUSTERS_MAX", 20)
    view = parse_query_string("").view
    box = Viewport(*ACROSS_THE_NIGER_BEND, zoom=9)
    expected = view_map(stores["embedded"], view, viewport=box)
    fetched = request.getfixturevalue("rows_fetched")  # from here on
    counted = view_map(stores["postgis"], view, viewport=box)
    every = len(stores["embedded"].incidents) - len(stores["postgis"].incidents)
    assert len(fetched) == 1
    assert 0 < fetched[0] < every / 2  # the box's imported rows only
    legend = legend_html_of(counted)
    assert legend == legend_html_of(expected)
    assert "outside this part of the map" in legend
    assert _hexagons_drawn(counted) == _hexagons_drawn(expected)


def test_a_ringed_incident_on_a_map_in_hexagons_is_asked_for_alone(stores, request):
    from atlas.leaflet import FocusOn

    layers = stores["postgis"]
    view = parse_query_string("agg=hexes").view
    rows = view_layers(stores["embedded"], view)[2]
    ringed = str(rows.loc[rows["dataset"] != "curated", "id"].iloc[0])
    fetched = request.getfixturevalue("rows_fetched")  # from here on
    drawn = view_map(layers, view, highlight_id=ringed)
    assert fetched == [1]  # the ringed incident, not the view
    assert len(overlay_elements(drawn, FocusOn)) == 1
