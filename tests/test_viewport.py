"""Detail where the reader looks: the extent a map reports, and the incidents inside it."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pytest

from atlas.aggregate import CLUSTERS_MAX, POINTS_MAX
from atlas.viewport import (
    DETAIL_ZOOM,
    Viewport,
    detail,
    detail_box,
    reports_extent,
    wants_detail,
)


def _bounds(west: float, south: float, east: float, north: float) -> dict:
    return {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}


def _points(lons: np.ndarray, lats: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [f"i{n}" for n in range(len(lons))]},
        geometry=gpd.points_from_xy(lons, lats),
        crs="EPSG:4326",
    )


def test_the_extent_leaflet_reports_is_read():
    viewport = Viewport.from_map(_bounds(-0.5, 15.9, 0.4, 16.6), 9.0)
    assert viewport == Viewport(-0.5, 15.9, 0.4, 16.6, 9)


@pytest.mark.parametrize(
    ("bounds", "zoom"),
    [
        (None, 9),
        ({}, 9),
        (_bounds(0, 0, 1, 1), None),
        (_bounds(0, 0, 1, 1), "deep"),
        (_bounds(1, 0, 0, 1), 9),  # west east of east
        (_bounds(0, 1, 1, 1), 9),  # no height
        (_bounds(float("nan"), 0, 1, 1), 9),
        (_bounds(-400, -80, 400, 80), 2),  # more than the world
        ({"_southWest": {"lat": "x", "lng": 0}, "_northEast": {"lat": 1, "lng": 1}}, 9),
    ],
)
def test_a_bad_extent_is_no_extent(bounds, zoom):
    assert Viewport.from_map(bounds, zoom) is None


def test_nearby_pans_share_a_rounded_extent_that_holds_them():
    first = Viewport(-0.50, 15.90, 0.40, 16.60, 9)
    panned = Viewport(-0.49, 15.91, 0.41, 16.61, 9)
    assert first.rounded() == panned.rounded()
    wide = first.rounded()
    assert wide.west < first.west < first.east < wide.east
    assert wide.south < first.south < first.north < wide.north


def test_only_a_zoomed_in_view_in_automatic_hexagons_asks_for_detail():
    near = Viewport(0, 15, 1, 16, DETAIL_ZOOM)
    far = Viewport(-12, 10, 5, 25, DETAIL_ZOOM - 1)
    assert wants_detail("hexes", "auto", near)
    assert not wants_detail("hexes", "auto", far)
    assert not wants_detail("hexes", "hexes", near)  # the reader asked for hexagons
    assert not wants_detail("points", "auto", near)  # already every incident
    assert not wants_detail("hexes", "auto", None)


def test_detail_draws_the_incidents_inside_and_counts_the_rest():
    rng = np.random.default_rng(1)
    lons = np.concatenate([rng.uniform(-0.3, 0.3, 800), rng.uniform(-8, -5, 9_000)])
    lats = np.concatenate([rng.uniform(16.0, 16.5, 800), rng.uniform(12, 14, 9_000)])
    shown = detail(_points(lons, lats), Viewport(-0.4, 15.9, 0.4, 16.6, 10))
    assert len(shown.inside) == 800
    assert shown.outside == 9_000
    assert shown.mode == "points"


def test_a_dense_extent_is_clustered_then_counted_in_finer_hexagons():
    rng = np.random.default_rng(2)
    viewport = Viewport(-0.4, 15.9, 0.4, 16.6, 9)
    for count, mode in ((POINTS_MAX + 10, "clusters"), (CLUSTERS_MAX + 10, "hexes")):
        points = _points(rng.uniform(-0.3, 0.3, count), rng.uniform(16.0, 16.5, count))
        shown = detail(points, viewport)
        assert (len(shown.inside), shown.outside, shown.mode) == (count, 0, mode)


def test_a_zoomed_in_map_of_many_incidents_draws_those_in_view_and_counts_the_rest():
    from atlas.mapping import view_map
    from atlas.view import ViewState
    from bench.map import bench_layers
    from tests.test_mapping import _calls

    layers = bench_layers(20_000, seed=5)
    country = view_map(layers, ViewState()).merged().get_root().render()
    assert _calls(country, "hexCells")
    assert not _calls(country, "incidentMarkers")
    gao = Viewport(-0.25, 16.15, 0.15, 16.4, 10)
    zoomed = view_map(layers, ViewState(), viewport=gao).merged().get_root().render()
    ((_, drawn),) = _calls(zoomed, "incidentMarkers") or _calls(zoomed, "clusteredIncidents")
    inside = gao.rounded()
    assert drawn["lat"]
    assert all(inside.south <= lat <= inside.north for lat in drawn["lat"])
    assert all(inside.west <= lon <= inside.east for lon in drawn["lon"])
    outside = 20_000 - len(drawn["lat"])
    assert f"{outside:,} incidents of this view outside this part of the map" in zoomed
    # Asked for hexagons, the reader gets hexagons wherever the map is.
    asked = view_map(layers, ViewState(agg="hexes"), viewport=gao).merged().get_root().render()
    assert _calls(asked, "hexCells")
    assert not _calls(asked, "incidentMarkers")


def test_only_a_view_the_count_puts_in_hexagons_asks_for_the_readers_extent():
    assert reports_extent("auto", CLUSTERS_MAX + 1)
    assert not reports_extent("auto", CLUSTERS_MAX)  # clustered: every incident is drawn
    assert not reports_extent("hexes", CLUSTERS_MAX + 1)  # hexagons asked for stay hexagons
    assert not reports_extent("points", 10 * CLUSTERS_MAX)


def test_the_detail_box_is_asked_for_zoomed_in_only_and_shared_by_nearby_pans():
    many = CLUSTERS_MAX + 1
    near = Viewport(-0.3, 16.1, 0.2, 16.4, DETAIL_ZOOM)
    assert detail_box("auto", many, None) is None
    assert detail_box("auto", many, replace(near, zoom=DETAIL_ZOOM - 1)) is None
    assert detail_box("auto", CLUSTERS_MAX, near) is None
    box = detail_box("auto", many, near)
    assert box == near.rounded()
    nudged = Viewport(-0.29, 16.11, 0.21, 16.41, DETAIL_ZOOM)
    assert detail_box("auto", many, nudged) == box  # a short pan keeps the map's cache key
