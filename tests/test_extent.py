"""One rule for what a view frames: the live map, the slides and ``python -m atlas view``."""

from __future__ import annotations

import json

import pytest

from atlas.cli import main
from atlas.export.describe import summarise
from atlas.export.static_map import _TO_MAP, view_extent
from atlas.extent import MALI_EXTENT, centre_extent, regions_extent
from atlas.extent import view_extent as framed
from atlas.view import ViewState
from tests.factories import small_geodata_dir, small_layers


@pytest.fixture
def layers(tmp_path):
    return small_layers(tmp_path)


def test_a_view_without_a_place_frames_mali(layers):
    assert framed(layers.regions, ViewState()) == MALI_EXTENT


def test_a_region_view_frames_the_region_with_a_margin(layers):
    west, south, east, north = framed(layers.regions, ViewState(regions=("ML-BKO",)))
    bamako = layers.regions.set_index("iso_code").loc["ML-BKO"].geometry.bounds
    assert west < bamako[0] < bamako[2] < east
    assert south < bamako[1] < bamako[3] < north
    assert east - west < 2
    assert north - south < 2


def test_several_regions_are_framed_together(layers):
    both = regions_extent(layers.regions, ("ML-BKO", "ML-7"))
    assert both is not None
    assert both[0] < -8.0
    assert both[2] > 4.0


def test_an_unknown_region_code_frames_mali(layers):
    assert framed(layers.regions, ViewState(regions=("ML-99",))) == MALI_EXTENT


def test_a_centre_frames_what_the_screen_shows_at_its_zoom():
    near = centre_extent(16.27, -0.04, 9)
    far = centre_extent(16.27, -0.04, 5)
    assert near[0] < -0.04 < near[2]
    assert near[1] < 16.27 < near[3]
    assert (far[2] - far[0]) == pytest.approx(16 * (near[2] - near[0]))


def test_the_slide_is_framed_on_the_same_region(layers):
    summary = summarise(layers, ViewState(regions=("ML-BKO",)))
    page = view_extent(summary, layers.regions)
    west, south, east, north = framed(layers.regions, summary.view)
    x0, y0, x1, y1 = _TO_MAP.transform_bounds(west, south, east, north, densify_pts=21)
    assert (page.xmin, page.ymin, page.xmax, page.ymax) == pytest.approx((x0, y0, x1, y1))
    whole = view_extent(summarise(layers, ViewState()), layers.regions)
    assert page.width < whole.width / 5


def test_the_command_line_gives_the_extent(tmp_path, monkeypatch, capsys):
    geodata = tmp_path / "geodata"
    geodata.mkdir()
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(small_geodata_dir(geodata)))
    assert main(["view", "region=ML-BKO", "--json"]) == 0
    west, south, east, north = json.loads(capsys.readouterr().out)["extent"]
    assert east - west < 2
    assert north - south < 2
    assert west < -8.0 < east
