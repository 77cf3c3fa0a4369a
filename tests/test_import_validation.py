"""Import validation: every bad row is reported with its row and reason; good rows are kept.

Bad files (too big, zip bombs, XML disguised as GeoJSON, shapefiles without .prj …) are
refused as a whole with one clear message.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from loaders.errors import LayerError
from loaders.imports import (
    ImportLimits,
    ImportOptions,
    NothingImportedError,
    Reference,
    read_import,
)
from loaders.imports.dates import AMBIGUOUS, OUT_OF_RANGE, parse_date
from tests.factories import reference_frames

FIXTURES = Path(__file__).parent / "fixtures" / "import"


@pytest.fixture
def reference() -> Reference:
    frames = reference_frames()
    return Reference(regions=frames["regions"], countries=frames["countries"])


def _acled(tmp_path: Path, *changes: dict[str, str], name: str = "export.csv") -> Path:
    """An ACLED export: one good row (id MLI1), then one row per change set (MLI2, MLI3 …)."""
    template = pd.read_csv(
        FIXTURES / "acled_current_dyadic.csv", dtype=str, keep_default_na=False
    ).iloc[0]
    rows = [{**template.to_dict(), "event_id_cnty": "MLI1"}]
    rows += [
        {**template.to_dict(), "event_id_cnty": f"MLI{n}", **change}
        for n, change in enumerate(changes, start=2)
    ]
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("change", "reason", "column"),
    [
        ({"latitude": ""}, "missing coordinates", "latitude/longitude"),
        ({"longitude": "west"}, "invalid coordinates", "latitude/longitude"),
        ({"latitude": "95"}, "invalid coordinates", "latitude/longitude"),
        (
            {"latitude": "-1.9667", "longitude": "15.0167"},
            "latitude/longitude likely swapped",
            None,
        ),
        ({"latitude": "48.85", "longitude": "2.35"}, "outside Mali and its neighbours", None),
        ({"event_date": "05/03/2024"}, AMBIGUOUS, "event_date"),
        ({"event_date": "31 February 2021"}, "invalid date", "event_date"),
        ({"event_date": "yesterday"}, "invalid date", "event_date"),
        ({"event_date": ""}, "missing date", "event_date"),
        ({"event_date": "9999-12-31"}, OUT_OF_RANGE, "event_date"),
        ({"event_date": "1677-01-01"}, OUT_OF_RANGE, "event_date"),
        ({"event_date": "0001-01-01"}, OUT_OF_RANGE, "event_date"),
        ({"event_date": "31 December 2262"}, OUT_OF_RANGE, "event_date"),
        ({"fatalities": "-2"}, "negative fatalities", "fatalities"),
        ({"fatalities": "many"}, "fatalities not a whole number", "fatalities"),
        ({"fatalities": "2.5"}, "fatalities not a whole number", "fatalities"),
        ({"event_id_cnty": "MLI1"}, "duplicate id", "event_id_cnty"),
        ({"event_type": "Skirmish"}, "unknown event type", "event_type"),
        ({"actor1": ""}, "missing actor1", "actor1"),
    ],
)
def test_bad_row_is_rejected_with_its_row_and_reason_and_good_rows_kept(
    tmp_path, reference, change, reason, column
):
    result = read_import(_acled(tmp_path, change, {}), reference)
    assert result.report.accepted == 2
    assert sorted(result.frame["source_id"]) == ["MLI1", "MLI3"]
    (problem,) = result.report.rejected
    assert (problem.row, problem.reason) == (2, reason)
    if column:
        assert problem.column == column
    if column in change:
        assert problem.value == change[column]
    assert result.report.rejected_by_reason == {reason: 1}


def test_every_bad_row_is_reported_not_only_the_first(tmp_path, reference):
    path = _acled(tmp_path, {"latitude": ""}, {"event_date": "05/03/2024"}, {"fatalities": "-1"})
    report = read_import(path, reference).report
    assert [p.row for p in report.rejected] == [2, 3, 4]
    table = report.rejected_table()
    assert list(table.columns) == ["row", "status", "reason", "column", "value"]
    assert table.loc[1, "value"] == "05/03/2024"


def test_rows_outside_the_area_are_kept_and_flagged_on_request(tmp_path, reference):
    path = _acled(tmp_path, {"latitude": "48.85", "longitude": "2.35"})
    report = read_import(path, reference, ImportOptions(keep_outside=True)).report
    assert report.accepted == 2
    assert report.rejected == []
    assert [(p.row, p.reason) for p in report.flagged] == [(2, "outside Mali and its neighbours")]


def test_swapped_coordinates_are_rejected_even_when_keeping_outside_rows(tmp_path, reference):
    path = _acled(tmp_path, {"latitude": "-1.9667", "longitude": "15.0167"})
    report = read_import(path, reference, ImportOptions(keep_outside=True)).report
    assert [p.reason for p in report.rejected] == ["latitude/longitude likely swapped"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("01 March 2024", date(2024, 3, 1)),
        ("1 March 2024", date(2024, 3, 1)),
        ("1-Mar-2024", date(2024, 3, 1)),
        ("March 1, 2024", date(2024, 3, 1)),
        ("1 mars 2024", date(2024, 3, 1)),
        ("2024-03-01 00:00:00.000", date(2024, 3, 1)),
        ("25/03/2024", date(2024, 3, 25)),  # 25 cannot be a month
        ("03/25/2024", date(2024, 3, 25)),
        ("05/05/2024", date(2024, 5, 5)),  # both orders agree
    ],
)
def test_dates_are_read_only_when_their_meaning_is_certain(text, expected):
    assert parse_date(text) == (expected, "")


@pytest.mark.parametrize("text", ["05/03/2024", "1.2.2024", "12-11-2020"])
def test_day_month_order_is_never_guessed(text):
    assert parse_date(text) == (None, AMBIGUOUS)


def test_cp1252_file_reads_place_names_right_and_says_so(tmp_path, reference):
    source = _acled(tmp_path, {"location": "Ségou"})
    path = tmp_path / "cp1252.csv"
    path.write_bytes(source.read_text(encoding="utf-8").encode("cp1252"))
    result = read_import(path, reference)
    assert result.report.encoding == "cp1252"
    assert set(result.frame["location"]) == {"Boni", "Ségou"}


def test_utf8_file_with_bom_reads_its_first_column(tmp_path, reference):
    source = _acled(tmp_path, {"location": "Ménaka"})
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    result = read_import(path, reference)
    assert result.report.encoding == "utf-8-sig"
    assert "Ménaka" in set(result.frame["location"])


def test_file_where_every_row_is_bad_is_refused_with_the_count(tmp_path, reference):
    path = _acled(tmp_path, {"latitude": ""})
    path.write_text(path.read_text().replace(",15.0167,", ",,"))  # the first row too
    with pytest.raises(NothingImportedError) as error:
        read_import(path, reference)
    assert "no row could be imported (2 rejected; missing coordinates: 2)" in str(error.value)
    assert error.value.report.rows_read == 2


def _refused(path: Path, reference: Reference, options: ImportOptions | None = None) -> str:
    with pytest.raises(LayerError) as error:
        read_import(path, reference, options)
    return str(error.value)


def test_empty_file_is_refused(tmp_path, reference):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "the file is empty" in _refused(path, reference)


def test_header_without_rows_is_refused(tmp_path, reference):
    path = tmp_path / "header.csv"
    path.write_text("date,latitude,longitude\n")
    assert "no data rows" in _refused(path, reference)


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path, reference):
    path = _acled(tmp_path)
    limits = ImportLimits(max_bytes=100)
    assert "over the 0 MB limit" in _refused(path, reference, ImportOptions(limits=limits))


def test_zip_bomb_is_refused_from_its_listed_sizes(tmp_path, reference):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("events.shp", b"\0" * (8 * 1024 * 1024))
    assert "possible zip bomb" in _refused(path, reference)


def test_zip_larger_than_allowed_unpacked_is_refused(tmp_path, reference):
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("events.shp", b"\0" * 4096)
    limits = ImportLimits(max_unpacked_bytes=1024)
    assert "would unpack to" in _refused(path, reference, ImportOptions(limits=limits))


def test_zip_member_with_an_unsafe_path_is_refused(tmp_path, reference):
    path = tmp_path / "escape.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../events.shp", b"\0\0\x27\x0a")
    assert "unsafe path" in _refused(path, reference)


def test_vrt_disguised_as_geojson_is_refused_and_reads_nothing(tmp_path, reference):
    secret = tmp_path / "secret.csv"
    secret.write_text("date,latitude,longitude\n2021-01-12,16.27,-0.04\n")
    path = tmp_path / "innocent.geojson"
    path.write_text(
        f"<OGRVRTDataSource><OGRVRTLayer name='s'><SrcDataSource>{secret}</SrcDataSource>"
        "</OGRVRTLayer></OGRVRTDataSource>"
    )
    assert "XML content" in _refused(path, reference)
    assert "XML content" in _refused(path, reference, ImportOptions(format="geojson"))


def test_bare_shp_file_is_refused_with_what_to_upload_instead(tmp_path, reference):
    folder = tmp_path / "shape"
    folder.mkdir()
    gpd.GeoDataFrame({"when": ["2021-01-12"]}, geometry=[Point(-0.04, 16.27)], crs=4326).to_file(
        folder / "events.shp"
    )
    message = _refused(folder / "events.shp", reference)
    assert "must be uploaded as one zip" in message


def test_shapefile_without_prj_is_refused(tmp_path, reference):
    folder = tmp_path / "shape"
    folder.mkdir()
    gpd.GeoDataFrame({"when": ["2021-01-12"]}, geometry=[Point(-0.04, 16.27)], crs=4326).to_file(
        folder / "events.shp"
    )
    path = tmp_path / "events.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            if part.suffix != ".prj":
                archive.write(part, part.name)
    message = _refused(path, reference, ImportOptions(mapping={"date": "when"}))
    assert "has no .prj file, so its coordinate system is unknown" in message


def test_unknown_table_is_refused_with_its_columns(tmp_path, reference):
    path = tmp_path / "budget.csv"
    path.write_text("item,amount\nfuel,300\n")
    message = _refused(path, reference)
    assert "unknown format" in message
    assert "item, amount" in message


def test_unknown_binary_is_refused(tmp_path, reference):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    assert "unknown binary content" in _refused(path, reference)


def test_format_asked_for_is_checked_against_the_content(tmp_path, reference):
    message = _refused(FIXTURES / "ucdp_ged.csv", reference, ImportOptions(format="acled"))
    assert "do not look like a acled file" in message
    message = _refused(FIXTURES / "ucdp_ged.csv", reference, ImportOptions(format="gpkg"))
    assert "is not gpkg" in message


def test_mapping_to_a_missing_column_is_refused(tmp_path, reference):
    path = tmp_path / "points.csv"
    path.write_text("date,latitude,longitude\n2021-01-12,16.27,-0.04\n")
    options = ImportOptions(mapping={"date": "when"})
    assert "column 'when' (mapped to date) is not in the file" in _refused(path, reference, options)


def test_plain_csv_without_coordinates_asks_for_a_mapping(tmp_path, reference):
    path = tmp_path / "points.csv"
    path.write_text("date,place\n2021-01-12,Gao\n")
    message = _refused(path, reference, ImportOptions(format="csv"))
    assert "no column found for lat, lon" in message
    assert "--map lat=COLUMN,lon=COLUMN" in message


def test_non_point_features_are_rejected_row_by_row(tmp_path, reference):
    path = tmp_path / "mixed.geojson"
    gpd.GeoDataFrame(
        {"when": ["2021-01-12", "2021-01-13"]},
        geometry=[Point(-0.04, 16.27), Point(-0.04, 16.27).buffer(0.1)],
        crs=4326,
    ).to_file(path, driver="GeoJSON")
    report = read_import(path, reference, ImportOptions(mapping={"date": "when"})).report
    assert [(p.row, p.reason, p.value) for p in report.rejected] == [
        (2, "not a point geometry", "Polygon")
    ]


def test_bad_dataset_name_is_refused(tmp_path, reference):
    options = ImportOptions(dataset="../etc")
    assert "dataset name '../etc' must be" in _refused(
        FIXTURES / "ucdp_ged.csv", reference, options
    )
    options = ImportOptions(dataset="curated")
    assert "reserved" in _refused(FIXTURES / "ucdp_ged.csv", reference, options)
