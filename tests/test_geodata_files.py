"""The committed reference layers in geodata/, read the way the app reads them."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

GEODATA = Path(__file__).resolve().parents[1] / "geodata"
LAYERS = ("countries", "regions", "towns", "rivers")
MAX_TOTAL_BYTES = 2 * 1024 * 1024

COUNTRY_CODES = {"MLI", "DZA", "NER", "BFA", "MRT", "SEN", "GIN", "CIV"}
REGION_CODES = {"ML-1", "ML-2", "ML-3", "ML-4", "ML-5", "ML-6", "ML-7", "ML-8", "ML-BKO"}
REQUIRED_TOWNS = {
    "Gao", "Bamako", "Timbuktu", "Kidal", "Mopti", "Sévaré", "Ménaka", "Tessalit",
    "Aguelhok", "Ansongo", "Bourem", "Douentza", "Léré", "Niono", "Diabaly", "Konna",
    "Ségou", "Sikasso", "Kayes", "Koulikoro", "Kati", "Gossi", "Hombori", "Ber", "Anefis",
    "Tessit", "Goundam", "Boni", "Nampala", "Djenné",
}  # fmt: skip
TOWN_BOX = (-18.0, 4.0, 16.0, 28.0)  # lon min, lat min, lon max, lat max


def _read(layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(GEODATA / f"{layer}.geojson", engine="pyogrio")


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_is_in_wgs84(layer: str) -> None:
    frame = _read(layer)
    assert frame.crs is not None
    assert frame.crs.to_epsg() == 4326


def test_the_four_layers_stay_small() -> None:
    total = sum((GEODATA / f"{layer}.geojson").stat().st_size for layer in LAYERS)
    assert total < MAX_TOTAL_BYTES


def test_countries_are_mali_and_its_seven_neighbours() -> None:
    countries = _read("countries")
    assert list(countries.columns) == ["iso_a3", "name", "name_fr", "geometry"]
    assert len(countries) == len(COUNTRY_CODES)
    assert set(countries["iso_a3"]) == COUNTRY_CODES
    assert countries.geometry.is_valid.all()


def test_regions_are_the_nine_keyed_by_iso_3166_2() -> None:
    regions = _read("regions")
    assert list(regions.columns) == ["iso_code", "name", "name_fr", "source_hasc", "geometry"]
    assert len(regions) == len(REGION_CODES)
    assert set(regions["iso_code"]) == REGION_CODES
    names = dict(zip(regions["iso_code"], regions["name"], strict=True))
    assert names["ML-6"] == "Timbuktu"
    assert names["ML-4"] == "Ségou"
    assert regions.geometry.is_valid.all()


def test_bamako_lies_in_its_district_and_menaka_in_gao() -> None:
    regions = _read("regions").set_index("iso_code")
    assert regions.geometry["ML-BKO"].contains(Point(-7.99, 12.63))
    assert regions.geometry["ML-7"].contains(Point(2.40, 15.92))


def test_regions_tile_mali() -> None:
    regions = _read("regions")
    mali = _read("countries").set_index("iso_a3").geometry["MLI"]
    union = regions.geometry.union_all()
    assert union.symmetric_difference(mali).area < 1e-6 * mali.area


def test_every_required_town_is_present_and_in_the_region() -> None:
    towns = _read("towns")
    assert len(towns) >= 40
    assert towns["name"].is_unique
    missing = REQUIRED_TOWNS - set(towns["name"])
    assert not missing, f"missing towns: {sorted(missing)}"
    lon_min, lat_min, lon_max, lat_max = TOWN_BOX
    assert (towns.geometry.geom_type == "Point").all()
    assert towns.geometry.x.between(lon_min, lon_max).all()
    assert towns.geometry.y.between(lat_min, lat_max).all()
    assert set(towns["rank"]) <= {1, 2, 3}


def test_towns_in_mali_lie_in_mali() -> None:
    towns = _read("towns")
    mali = _read("countries").set_index("iso_a3").geometry["MLI"]
    malian = towns[towns["country"] == "MLI"]
    outside = malian[~malian.geometry.within(mali.buffer(0.05))]
    assert outside.empty, f"outside Mali: {sorted(outside['name'])}"


def test_rivers_include_the_niger_and_the_bani() -> None:
    rivers = _read("rivers")
    assert {"Niger", "Bani"} <= set(rivers["name"])
    niger = rivers.set_index("name").geometry["Niger"]
    for lon, lat in ((-7.99, 12.63), (-4.18, 14.48), (-3.01, 16.77), (-0.04, 16.27)):
        assert niger.distance(Point(lon, lat)) < 0.15
