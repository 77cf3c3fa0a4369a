"""Data exports: CSV safe for spreadsheets, GeoJSON with its notes, the licence rule."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date

import pytest

from atlas.export.data import incidents_csv, incidents_geojson
from atlas.export.describe import summarise
from atlas.export.formats import export_view
from atlas.export.licence import ALLOW_RAW_EXPORT_ENV, raw_export_allowed, restricted_rows
from atlas.spreadsheet import neutralise_cell
from atlas.view import ViewState
from tests.factories import incident_row, small_layers

FORMULA = '=HYPERLINK("http://x","y")'
ACLED_LICENCE = "ACLED (acleddata.com), accessed 2025-03-01; raw rows not for redistribution"


@pytest.fixture
def layers(tmp_path):
    return small_layers(tmp_path)


@pytest.fixture(autouse=True)
def no_raw_export(monkeypatch):
    monkeypatch.delenv(ALLOW_RAW_EXPORT_ENV, raising=False)


def _rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for spreadsheets"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _with_acled_row(layers):
    incidents = layers.incidents.copy()
    first = incidents.index[0]
    incidents.loc[first, "dataset"] = "acled"
    incidents.loc[first, "licence"] = ACLED_LICENCE
    return replace(layers, incidents=incidents), incidents.loc[first, "id"]


def test_geojson_holds_the_incidents_in_view(layers):
    view = ViewState(date_from=date(2015, 1, 1), date_to=date(2016, 12, 31))
    document = json.loads(export_view(layers, view, "geojson").content)
    assert document["type"] == "FeatureCollection"
    assert len(document["features"]) == 2  # T-1 (2015) and T-3 (2016), not T-2 (2017)
    ids = {f["properties"]["id"] for f in document["features"]}
    assert ids == {"T-1", "T-3"}
    feature = next(f for f in document["features"] if f["properties"]["id"] == "T-1")
    assert feature["geometry"] == {"type": "Point", "coordinates": [-8.0029, 12.6392]}
    assert feature["properties"]["event_date"] == "2015-11-20"
    assert feature["properties"]["fatalities"] == 22
    metadata = document["metadata"]
    assert metadata["view"] == view.to_query_string()
    assert metadata["date_from"] == "2015-01-01"
    assert any("curated set" in line for line in metadata["attribution"])
    assert metadata["withheld_rows"] == 0


def test_geojson_writes_unknown_fatalities_as_null(layers):
    document = json.loads(export_view(layers, ViewState(), "geojson").content)
    gao = next(f for f in document["features"] if f["properties"]["id"] == "T-2")
    assert gao["properties"]["fatalities"] is None


def test_csv_neutralises_formula_cells_and_keeps_numbers(tmp_path):
    layers = small_layers(tmp_path, [incident_row(actor1=FORMULA, description="-5 killed")])
    content = export_view(layers, ViewState(), "csv").content
    (row,) = _rows(content)
    assert row["actor1"] == "'" + FORMULA
    assert row["description"] == "'-5 killed"
    assert row["longitude"] == "-8.0029"
    assert float(row["longitude"]) == -8.0029
    assert row["latitude"] == "12.6392"
    assert row["fatalities"] == "22"
    assert row["event_date"] == "2015-11-20"
    # The raw text carries the number unquoted and unprefixed.
    assert b",-8.0029," in content


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_prefix_is_neutralised(text):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Gao", "", "1 = 1", "'quoted", "JNIM: Group"])
def test_ordinary_text_is_left_alone(text):
    assert neutralise_cell(text) == text


def test_restricted_rows_are_named_by_licence_or_dataset(layers):
    incidents = layers.incidents.copy()
    incidents["dataset"] = ["curated", "acled-2024", "ucdp"]
    incidents["licence"] = ["CC BY 4.0", "see terms", "Data: ACLED, accessed 2025"]
    assert restricted_rows(incidents).tolist() == [False, True, True]


def test_acled_rows_are_withheld_from_data_exports_and_the_export_says_why(layers):
    acled, acled_id = _with_acled_row(layers)
    summary = summarise(acled, ViewState())
    csv_export = incidents_csv(summary)
    assert acled_id not in {row["id"] for row in _rows(csv_export.content)}
    assert csv_export.withheld == 1
    assert any("withheld" in note and "ACLED" in note for note in csv_export.notes)
    assert "withheld" in csv_export.readme
    assert ALLOW_RAW_EXPORT_ENV in csv_export.readme

    document = json.loads(incidents_geojson(summary).content)
    assert acled_id not in {f["properties"]["id"] for f in document["features"]}
    assert document["metadata"]["withheld_rows"] == 1
    assert any("withheld" in note for note in document["metadata"]["notes"])
    assert "withheld" in document["metadata"]["readme"]


def test_the_operator_can_allow_raw_export(layers, monkeypatch):
    acled, acled_id = _with_acled_row(layers)
    monkeypatch.setenv(ALLOW_RAW_EXPORT_ENV, "1")
    result = export_view(acled, ViewState(), "csv")
    assert acled_id in {row["id"] for row in _rows(result.content)}
    assert any("included because" in note for note in result.notes)


def test_maps_still_draw_restricted_rows(layers):
    acled, _ = _with_acled_row(layers)
    assert summarise(acled, ViewState()).figures.incidents == 3


@pytest.mark.parametrize(
    ("value", "allowed"), [("1", True), ("true", True), ("0", False), ("", False), ("no", False)]
)
def test_raw_export_switch_reads_the_environment(value, allowed):
    assert raw_export_allowed({ALLOW_RAW_EXPORT_ENV: value}) is allowed
    assert raw_export_allowed({}) is False


def test_csv_of_an_empty_view_has_only_its_header(layers):
    view = ViewState(date_from=date(2030, 1, 1), date_to=date(2030, 1, 2))
    content = export_view(layers, view, "csv").content
    assert content.decode("utf-8-sig").splitlines()[0].startswith("id,event_date,")
    assert _rows(content) == []


def test_the_maps_own_cell_columns_are_never_exported(layers):
    from atlas.aggregate import CELL_COLUMNS, with_cells

    located = replace(layers, incidents=with_cells(layers.incidents))
    assert set(located.incidents.columns) >= CELL_COLUMNS
    summary = summarise(located, ViewState())
    header = _rows(incidents_csv(summary).content)[0].keys()
    assert not CELL_COLUMNS & set(header)
    feature = json.loads(incidents_geojson(summary).content)["features"][0]
    assert not CELL_COLUMNS & set(feature["properties"])
