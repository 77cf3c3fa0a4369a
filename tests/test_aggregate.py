"""Counting incidents into H3 cells: precomputed cells, parents by bits, numpy counting."""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from atlas.aggregate import (
    PRECOMPUTED_RESOLUTIONS,
    ZOOM_TO_RESOLUTION,
    CellCounts,
    cell_column,
    hex_cells,
    hex_cells_from_counts,
    hex_resolution,
    with_cells,
)
from atlas.filters import select_incidents
from atlas.view import ViewState
from tests.factories import incident_row, small_layers

POINTS = [(16.77, -3.01), (14.49, -4.2), (12.65, -8.0), (16.27, -0.04), (11.32, -5.67)]


def _points(points: list[tuple[float, float]], fatalities: list[int | None]) -> gpd.GeoDataFrame:
    lats, lons = zip(*points, strict=True)
    frame = pd.DataFrame({"fatalities": pd.array(fatalities, dtype="Int64")})
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lons, lats), crs="EPSG:4326")


def test_every_resolution_a_map_asks_for_is_precomputed():
    zooms = [None, *range(4, 14)]
    assert {hex_resolution(zoom) for zoom in zooms} <= set(PRECOMPUTED_RESOLUTIONS)
    assert set(ZOOM_TO_RESOLUTION.values()) <= set(PRECOMPUTED_RESOLUTIONS)


def test_with_cells_holds_the_cell_of_each_point_at_each_resolution():
    located = with_cells(_points(POINTS, [1] * len(POINTS)))
    for resolution in PRECOMPUTED_RESOLUTIONS:
        column = located[cell_column(resolution)]
        assert column.dtype == np.uint64
        assert [h3.int_to_str(int(cell)) for cell in column] == [
            h3.latlng_to_cell(lat, lon, resolution) for lat, lon in POINTS
        ]


def test_hex_cells_count_and_sum_per_cell_most_first_then_by_cell():
    # Two incidents in Timbuktu's cell, one each elsewhere; an unknown toll counts as 0.
    points = [POINTS[0], POINTS[0], POINTS[1], POINTS[2]]
    cells = hex_cells(_points(points, [2, None, 5, 0]), 4)
    assert cells["cell"].iloc[0] == h3.latlng_to_cell(*POINTS[0], 4)
    assert cells["incidents"].tolist() == [2, 1, 1]
    assert cells["fatalities"].iloc[0] == 2
    singles = cells["cell"].iloc[1:].tolist()
    assert singles == sorted(singles)
    assert cells["incidents"].dtype == np.int64
    assert cells["fatalities"].dtype == np.int64


def test_hex_cells_agree_with_and_without_precomputed_cells():
    incidents = _points(POINTS * 3, [1, 2, None, 4, 5] * 3)
    for resolution in (3, 5, 7):
        pd.testing.assert_frame_equal(
            hex_cells(with_cells(incidents), resolution).drop(columns="geometry"),
            hex_cells(incidents, resolution).drop(columns="geometry"),
        )


def test_hex_cells_outline_is_the_cell_boundary():
    cells = hex_cells(_points(POINTS[:1], [1]), 5)
    boundary = [
        (round(lon, 4), round(lat, 4)) for lat, lon in h3.cell_to_boundary(cells["cell"][0])
    ]
    assert list(cells.geometry.iloc[0].exterior.coords)[:-1] == boundary


def test_a_view_that_keeps_everything_keeps_every_incident_once(tmp_path):
    layers = small_layers(tmp_path, [incident_row(id=f"X-{i}") for i in range(3)])
    everything = select_incidents(
        layers.incidents,
        ViewState(),
        layers.lineage,
        pd.Timestamp("1990-01-01").date(),
        pd.Timestamp("2100-01-01").date(),
    )
    assert sorted(everything["id"]) == ["X-0", "X-1", "X-2"]


def test_a_range_that_ends_before_it_starts_is_named(tmp_path):
    layers = small_layers(tmp_path)
    with pytest.raises(ValueError, match="is after end"):
        select_incidents(
            layers.incidents,
            ViewState(),
            layers.lineage,
            pd.Timestamp("2020-01-02").date(),
            pd.Timestamp("2020-01-01").date(),
        )


def test_synthetic_incidents_are_repeatable_and_gather_in_the_sahel():
    from atlas.paths import GEODATA_DIR
    from bench.synthetic import synthetic_incidents

    towns = gpd.read_file(GEODATA_DIR / "towns.geojson")
    rivers = gpd.read_file(GEODATA_DIR / "rivers.geojson")
    first = synthetic_incidents(2_000, towns, rivers, seed=3)
    pd.testing.assert_frame_equal(first, synthetic_incidents(2_000, towns, rivers, seed=3))
    assert len(first) == 2_000
    assert first["id"].is_unique
    years = first["event_date"].dt.year
    assert years.min() >= 2012
    assert years.max() <= 2026
    assert years.ge(2020).mean() > 0.5  # more incidents in later years
    inside = first.geometry.x.between(-13, 5) & first.geometry.y.between(9, 26)
    assert inside.mean() > 0.98
    # Every one inside the atlas area, as the store requires (100,000 reached past Dakar).
    from loaders.checks import STUDY_AREA

    west, south, east, north = STUDY_AREA
    many = synthetic_incidents(100_000, towns, rivers, seed=7)
    assert many.geometry.x.between(west, east).all()
    assert many.geometry.y.between(south, north).all()


def test_synthetic_incidents_refuse_a_negative_count():
    from bench.synthetic import synthetic_incidents

    with pytest.raises(ValueError, match="count must be 0 or more"):
        synthetic_incidents(-1, gpd.GeoDataFrame(), gpd.GeoDataFrame())


def test_counts_added_from_parts_draw_what_one_count_of_all_draws():
    incidents = with_cells(_points(POINTS * 3, [1, 2, None, 4, 5] * 3))
    whole = CellCounts.of(incidents, 4)
    first, second = CellCounts.of(incidents.iloc[:7], 4), CellCounts.of(incidents.iloc[7:], 4)
    assert first.add(second) == whole
    assert second.add(first) == whole
    assert whole.incidents.tolist() == [3] * 5
    assert_geodataframe_equal(first.add(second).hex_cells(), hex_cells(incidents, 4))


def test_hex_cells_from_counts_in_any_order_are_the_hex_cells_of_the_rows():
    incidents = _points([POINTS[0], POINTS[0], POINTS[1], POINTS[2]], [2, None, 5, 0])
    counted = CellCounts.of(incidents, 5)
    backwards = hex_cells_from_counts(
        counted.cells[::-1], counted.incidents[::-1], counted.fatalities[::-1]
    )
    assert_geodataframe_equal(backwards, hex_cells(incidents, 5))
    assert hex_cells_from_counts(np.zeros(0), np.zeros(0), np.zeros(0)).empty


def test_counts_of_different_resolutions_or_lengths_are_refused():
    incidents = _points(POINTS, [1] * len(POINTS))
    with pytest.raises(ValueError, match="resolution 5 to counts at resolution 4"):
        CellCounts.of(incidents, 4).add(CellCounts.of(incidents, 5))
    with pytest.raises(ValueError, match="differ in length: 2, 1, 1"):
        hex_cells_from_counts(np.zeros(2, dtype=np.uint64), np.ones(1), np.ones(1))


def test_cached_counts_cannot_be_changed_by_a_caller():
    counted = CellCounts.of(_points(POINTS, [1] * len(POINTS)), 4)
    with pytest.raises(ValueError, match="read-only"):
        counted.incidents[0] = 99
