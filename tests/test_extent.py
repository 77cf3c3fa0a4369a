"""One rule for what a view frames: the live map, the slides and ``python -m atlas view``."""

from __future__ import annotations

import json
import math
import re

import pytest

from atlas.cli import main
from atlas.export.describe import summarise
from atlas.export.static_map import _TO_MAP, view_extent
from atlas.extent import MALI_EXTENT, centre_extent, regions_extent
from atlas.extent import view_extent as framed
from atlas.mapping import base_map
from atlas.view import ZOOM_STEP, ViewState, parse_query_string
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


def test_a_fractional_zoom_frames_between_the_whole_ones():
    at = {zoom: centre_extent(16.27, -0.04, zoom) for zoom in (5, 5.5, 6)}
    width = {zoom: east - west for zoom, (west, _, east, _) in at.items()}
    assert width[5.5] == pytest.approx(width[5] / math.sqrt(2))
    assert width[6] < width[5.5] < width[5]


def test_the_command_line_frames_a_fractional_zoom_as_the_map_shows_it(
    tmp_path, monkeypatch, capsys
):
    geodata = tmp_path / "geodata"
    geodata.mkdir()
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(small_geodata_dir(geodata)))
    assert main(["view", "lat=16.27&lon=-0.04&zoom=6.75", "--json"]) == 0
    extent = json.loads(capsys.readouterr().out)["extent"]
    assert extent == pytest.approx(list(centre_extent(16.27, -0.04, 6.75)), abs=1e-4)


# The calls of our layer scripts in a map's page: function, settings (JSON), a line each.
_CALL = re.compile(r"^atlasLayers\.(\w+)\(\w+,\n(.*),\n.*\);$", re.M)


def _page(layers, view: ViewState) -> tuple[dict, list[dict]]:
    """The Leaflet map's options and the settings of each call of ``fitOpening``."""
    html = base_map(layers, view).get_root().render()
    found = re.search(r"L\.map\(\s*\"\w+\",\s*\{(.*?)\}\s*\);", html, re.S)
    assert found, "the page creates one Leaflet map"
    options = dict(re.findall(r'"(\w+)": ([\d.]+)', found.group(1)))
    fits = [json.loads(opts) for name, opts in _CALL.findall(html) if name == "fitOpening"]
    return options, fits


@pytest.mark.parametrize("regions", [(), ("ML-BKO",), ("ML-BKO", "ML-7")])
def test_the_live_map_fits_the_extent_the_rule_gives_at_quarter_zooms(layers, regions):
    view = ViewState(regions=regions)
    options, fits = _page(layers, view)
    west, south, east, north = framed(layers.regions, view)
    assert [fit["bounds"] for fit in fits] == [[[south, west], [north, east]]]
    assert 0 < fits[0]["padding"] <= 16
    assert float(options["zoomSnap"]) == ZOOM_STEP


@pytest.mark.parametrize("zoom", ["8", "6.75"])
def test_a_view_with_a_centre_opens_there_at_its_own_zoom(layers, zoom):
    view = parse_query_string(f"lat=16.27&lon=-0.04&zoom={zoom}").view
    options, fits = _page(layers, view)
    assert fits == []
    assert options["zoom"] == zoom
