"""Curated and reference loaders: good files load typed; every bad one names file, row, column."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from loaders import LayerError
from loaders.curated import load_deployments, load_incidents
from loaders.reference import assign_regions, load_regions, load_towns
from tests.factories import (
    DEPLOYMENT_HEADER,
    INCIDENT_HEADER,
    deployment_row,
    incident_row,
    write_csv,
)


def _incidents(tmp_path: Path, *rows: dict[str, str], header: list[str] = INCIDENT_HEADER) -> Path:
    return write_csv(tmp_path / "incidents.csv", header, list(rows))


def _only_problem(error: pytest.ExceptionInfo[LayerError]):
    assert len(error.value.problems) == 1, str(error.value)
    return error.value.problems[0]


def test_valid_incidents_load_as_typed_points(tmp_path):
    path = _incidents(tmp_path, incident_row(), incident_row(id="T-2", fatalities=""))
    incidents = load_incidents(path)
    assert incidents.crs == "EPSG:4326"
    assert list(incidents["id"]) == ["T-1", "T-2"]
    assert incidents.loc[0, "event_date"] == pd.Timestamp("2015-11-20")
    assert incidents.loc[0, "fatalities"] == 22
    assert pd.isna(incidents.loc[1, "fatalities"])
    assert incidents.loc[0].geometry.equals(Point(-8.0029, 12.6392))
    assert incidents.loc[0, "source"] == (
        "UN News, Security Council condemns hotel attack in Bamako, 2015-11-20"
    )


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("event_date", "20/11/2015", "is not a date written YYYY-MM-DD"),
        ("event_date", "2015-02-30", "is not a date written YYYY-MM-DD"),
        ("latitude", "north", "is not a latitude inside the atlas area"),
        ("latitude", "-8.0029", "is not a latitude inside the atlas area"),
        ("longitude", "45.2", "is not a longitude inside the atlas area"),
        ("fatalities", "-3", "is not empty or a whole number >= 0"),
        ("fatalities", "many", "is not empty or a whole number >= 0"),
        ("event_type", "Skirmish", "is not one of the allowed values"),
        ("geo_precision", "7", "is not one of the allowed values"),
        ("actor1", "  ", "is empty"),
        ("source_publisher", "", "is empty"),
        ("source_url", "javascript:alert(1)", "is not empty or an http(s) URL"),
        ("country", "Mali", "is not an ISO alpha-3 code"),
    ],
)
def test_bad_cell_is_reported_with_file_row_column_and_value(tmp_path, column, value, reason):
    path = _incidents(tmp_path, incident_row(), incident_row(id="T-2", **{column: value}))
    with pytest.raises(LayerError) as error:
        load_incidents(path)
    problem = _only_problem(error)
    assert (problem.row, problem.column, problem.value) == (2, column, value)
    assert reason in problem.reason
    assert str(problem).startswith(f"{path}, row 2, column {column!r}")


def test_every_bad_row_is_reported_at_once(tmp_path):
    path = _incidents(
        tmp_path,
        incident_row(event_date="yesterday"),
        incident_row(id="T-2"),
        incident_row(id="T-3", fatalities="x"),
    )
    with pytest.raises(LayerError) as error:
        load_incidents(path)
    assert [(p.row, p.column) for p in error.value.problems] == [
        (1, "event_date"),
        (3, "fatalities"),
    ]


def test_duplicate_id_names_the_later_row(tmp_path):
    path = _incidents(tmp_path, incident_row(), incident_row())
    with pytest.raises(LayerError) as error:
        load_incidents(path)
    problem = _only_problem(error)
    assert (problem.row, problem.column, problem.reason) == (2, "id", "duplicates an earlier row")


def test_sub_event_type_must_belong_to_event_type(tmp_path):
    path = _incidents(tmp_path, incident_row(event_type="Battles", sub_event_type="Suicide bomb"))
    with pytest.raises(LayerError) as error:
        load_incidents(path)
    assert _only_problem(error).reason == "sub_event_type does not belong to event_type"


def test_actor2_family_without_actor2_is_rejected(tmp_path):
    path = _incidents(tmp_path, incident_row(actor2=""))
    with pytest.raises(LayerError) as error:
        load_incidents(path)
    problem = _only_problem(error)
    assert (problem.row, problem.reason) == (
        1,
        "actor2_family must be given exactly when actor2 is",
    )


def test_missing_and_unexpected_columns_are_named(tmp_path):
    header = [c for c in INCIDENT_HEADER if c != "fatalities"] + ["notes"]
    row = {k: v for k, v in incident_row().items() if k != "fatalities"} | {"notes": "x"}
    path = _incidents(tmp_path, row, header=header)
    with pytest.raises(LayerError) as error:
        load_incidents(path)
    reasons = {p.reason for p in error.value.problems}
    assert "required column 'fatalities' is missing" in reasons
    assert "unexpected column 'notes'" in reasons


def test_missing_file_and_non_utf8_file(tmp_path):
    with pytest.raises(LayerError, match="file not found"):
        load_incidents(tmp_path / "nope.csv")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(",".join(INCIDENT_HEADER).encode() + b"\nS\xe9gou\n")
    with pytest.raises(LayerError, match="not UTF-8 text"):
        load_incidents(bad)


def test_deployment_open_end_and_end_before_start(tmp_path):
    good = write_csv(
        tmp_path / "d.csv", DEPLOYMENT_HEADER, [deployment_row(end_date="", end_precision="")]
    )
    assert pd.isna(load_deployments(good).loc[0, "end_date"])
    bad = write_csv(tmp_path / "e.csv", DEPLOYMENT_HEADER, [deployment_row(end_date="2012-01-01")])
    with pytest.raises(LayerError) as error:
        load_deployments(bad)
    assert _only_problem(error).reason == "end_date is before start_date"


def test_deployment_mission_outside_vocabulary(tmp_path):
    path = write_csv(tmp_path / "d.csv", DEPLOYMENT_HEADER, [deployment_row(mission="Wagner")])
    with pytest.raises(LayerError) as error:
        load_deployments(path)
    assert _only_problem(error).column == "mission"


def _write_geojson(tmp_path: Path, frame: gpd.GeoDataFrame, name: str = "layer.geojson") -> Path:
    path = tmp_path / name
    frame.to_file(path, driver="GeoJSON")
    return path


def _regions(**overrides) -> gpd.GeoDataFrame:
    data = {
        "iso_code": ["ML-BKO", "ML-2"],
        "name": ["Bamako", "Koulikoro"],
        "name_fr": ["Bamako", "Koulikoro"],
        "geometry": [box(-8.2, 12.4, -7.8, 12.8), box(-9, 12.8, -6, 15)],
    }
    data.update(overrides)
    return gpd.GeoDataFrame(data, crs="EPSG:4326")


def test_regions_load_and_reject_a_duplicate_iso_code(tmp_path):
    assert list(load_regions(_write_geojson(tmp_path, _regions()))["iso_code"]) == [
        "ML-BKO",
        "ML-2",
    ]
    path = _write_geojson(tmp_path, _regions(iso_code=["ML-2", "ML-2"]), "dup.geojson")
    with pytest.raises(LayerError) as error:
        load_regions(path)
    problem = _only_problem(error)
    assert (problem.row, problem.column) == (2, "iso_code")


def test_reference_layer_in_another_crs_is_refused(tmp_path):
    path = _write_geojson(tmp_path, _regions().to_crs("EPSG:32630"), "utm.gpkg")
    with pytest.raises(LayerError, match="expected EPSG:4326"):
        load_regions(path)


def test_towns_must_be_points(tmp_path):
    towns = gpd.GeoDataFrame(
        {
            "name": ["Gao"],
            "name_fr": ["Gao"],
            "country": ["MLI"],
            "rank": [2],
            "source": ["test"],
            "geometry": [box(0, 16, 0.1, 16.1)],
        },
        crs="EPSG:4326",
    )
    with pytest.raises(LayerError) as error:
        load_towns(_write_geojson(tmp_path, towns))
    problem = _only_problem(error)
    assert (problem.row, problem.column, problem.value) == (1, "geometry", "Polygon")


def test_assign_regions_by_location_and_leaves_foreign_points_empty():
    points = gpd.GeoDataFrame(
        {"id": ["in", "out"]}, geometry=[Point(-8.0, 12.6), Point(-1.5, 12.4)], crs="EPSG:4326"
    )
    joined = assign_regions(points, _regions())
    assert joined.loc[0, "admin1"] == "ML-BKO"
    assert joined.loc[0, "admin1_name"] == "Bamako"
    assert pd.isna(joined.loc[1, "admin1"])
    assert len(joined) == 2


def test_assign_regions_refuses_a_crs_mismatch():
    points = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:32630")
    with pytest.raises(ValueError, match="CRS mismatch"):
        assign_regions(points, _regions())
