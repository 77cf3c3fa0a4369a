"""Linking the same event told by two datasets: 1 km, 1 day, compatible actors."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from atlas.dedup import deduplicated, link_duplicates
from loaders.vocabulary import COUNTRY_ONLY

# 0.009° of latitude is about 1,000 m; 0.0085° about 940 m.
GAO = (-0.04, 16.27)


def _incident(
    id_: str,
    dataset: str,
    day: str = "2021-01-12",
    offset_lat: float = 0.0,
    families: tuple[str, str] = ("al-Qaeda network", "Malian state forces"),
) -> dict[str, object]:
    return {
        "id": id_,
        "dataset": dataset,
        "event_date": pd.Timestamp(day),
        "actor1_family": families[0],
        "actor2_family": families[1],
        "date_precision": 1,
        "geo_precision": 1,
        "geometry": Point(GAO[0], GAO[1] + offset_lat),
    }


def _frame(*rows: dict[str, object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(list(rows), geometry="geometry", crs="EPSG:4326")


def _links(frame: gpd.GeoDataFrame) -> dict[str, str]:
    linked = link_duplicates(frame)
    return dict(zip(linked["id"], linked["linked_ids"], strict=True))


def test_same_event_in_two_datasets_is_linked_both_ways():
    links = _links(
        _frame(_incident("acled:1", "acled"), _incident("ucdp:9", "ucdp", offset_lat=0.0085))
    )
    assert links == {"acled:1": "ucdp:9", "ucdp:9": "acled:1"}


def test_events_more_than_one_km_apart_are_not_linked():
    links = _links(
        _frame(_incident("acled:1", "acled"), _incident("ucdp:9", "ucdp", offset_lat=0.0095))
    )
    assert links == {"acled:1": "", "ucdp:9": ""}


def test_distance_is_measured_in_metres_not_degrees():
    # 0.0095° of longitude at 16° N is about 1,015 m: still too far, though < 0.01°.
    a = _incident("acled:1", "acled")
    b = _incident("ucdp:9", "ucdp")
    b["geometry"] = Point(GAO[0] + 0.0095, GAO[1])
    assert _links(_frame(a, b))["acled:1"] == ""


def test_events_two_days_apart_are_not_linked():
    links = _links(
        _frame(_incident("acled:1", "acled"), _incident("ucdp:9", "ucdp", day="2021-01-14"))
    )
    assert links["acled:1"] == ""


def test_one_day_apart_is_close_enough():
    links = _links(
        _frame(_incident("acled:1", "acled"), _incident("ucdp:9", "ucdp", day="2021-01-13"))
    )
    assert links["acled:1"] == "ucdp:9"


def test_incompatible_actors_are_not_linked():
    other = _incident("ucdp:9", "ucdp", families=("Islamic State network", "Civilians"))
    assert _links(_frame(_incident("acled:1", "acled"), other))["acled:1"] == ""


def test_unknown_actors_do_not_prevent_a_link():
    other = _incident("ucdp:9", "ucdp", families=("Unidentified", ""))
    assert _links(_frame(_incident("acled:1", "acled"), other))["acled:1"] == "ucdp:9"


def test_two_events_of_the_same_dataset_are_never_linked():
    links = _links(_frame(_incident("acled:1", "acled"), _incident("acled:2", "acled")))
    assert links == {"acled:1": "", "acled:2": ""}


def test_deduplicated_keeps_the_preferred_dataset_and_names_the_other():
    frame = _frame(
        _incident("acled:1", "acled"),
        _incident("ucdp:9", "ucdp"),
        _incident("acled:2", "acled", day="2021-03-01"),
    )
    kept = deduplicated(frame, prefer=("ucdp", "acled"))
    assert dict(zip(kept["id"], kept["linked_ids"], strict=True)) == {
        "ucdp:9": "acled:1",
        "acled:2": "",
    }


def test_incidents_without_crs_are_refused():
    frame = _frame(_incident("acled:1", "acled")).set_crs(None, allow_override=True)
    with pytest.raises(ValueError, match="no CRS"):
        link_duplicates(frame)


def test_events_known_only_to_the_country_are_not_linked_by_their_shared_point():
    a, b = _incident("acled:1", "acled"), _incident("ucdp:9", "ucdp")
    b["geo_precision"] = COUNTRY_ONLY
    assert _links(_frame(a, b)) == {"acled:1": "", "ucdp:9": ""}
