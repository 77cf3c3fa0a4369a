"""Hostile files: every one refused with a message naming what is wrong, or read safely.

No import may reach the network (a loopback listener counts every connection), no zip or
spreadsheet may unpack past its budget, and a coordinate system that cannot place the
coordinates is refused by name instead of failing in reprojection or becoming WGS 84.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path

import pyogrio
import pyproj
import pytest

from loaders import gdal_env
from loaders.errors import LayerError
from loaders.imports import ImportLimits, ImportOptions, Reference, preview_file, read_import
from loaders.imports.source import read_xlsx_table
from tests.factories import reference_frames, small_geodata_dir
from tests.hostile_files import (
    GOOD_ROWS,
    SHEET,
    add_tables,
    corrupt_member_data,
    feature_collection,
    geopackage,
    linked_crs,
    loopback_listener,
    named_crs,
    patch_member,
    rewrite_member,
    shapefile_zip,
    spreadsheet,
    write_json,
    zeros_member,
)

REPO = Path(__file__).resolve().parent.parent
WHEN = ImportOptions(mapping={"date": "when"})
TABLE = ImportOptions(
    format="csv", mapping={"date": "event_date", "lat": "latitude", "lon": "longitude"}
)


@pytest.fixture
def reference() -> Reference:
    frames = reference_frames()
    return Reference(regions=frames["regions"], countries=frames["countries"])


def _refusals(path: Path, reference: Reference, options: ImportOptions = WHEN) -> list[str]:
    """The messages of preview and import, which must both refuse the file."""
    messages = []
    for read in (
        lambda: preview_file(path, options),
        lambda: read_import(path, reference, options),
    ):
        with pytest.raises(LayerError) as refused:
            read()
        messages.append(str(refused.value))
    return messages


# --- No network -----------------------------------------------------------------------------


def test_gdal_and_proj_are_set_up_offline_when_loaders_are_imported():
    assert gdal_env.gdal_offline()
    assert not pyproj.network.is_network_enabled()
    assert os.environ["PROJ_NETWORK"] == "OFF"
    assert "OGR_VRT" not in pyogrio.list_drivers()


def test_gdal_itself_sends_no_request_for_a_linked_crs(tmp_path):
    with loopback_listener() as listener:
        url = listener.url()
        path = write_json(tmp_path / "linked.geojson", feature_collection(linked_crs(url)))
        pyogrio.read_dataframe(f"GeoJSON:{path}")  # GDAL alone, without the atlas's checks
    assert listener.connections == []
    assert url in gdal_env.refused_urls()


@pytest.mark.parametrize(
    ("scheme", "make"),
    [
        ("http", lambda url: feature_collection(linked_crs(url))),
        ("https", lambda url: feature_collection(linked_crs(url))),
        ("http", lambda url: feature_collection(linked_crs(url, kind="URL"))),
        ("http", lambda url: feature_collection(geometry_crs=linked_crs(url))),
        ("http", lambda url: {"CRS": linked_crs(url), **feature_collection()}),
    ],
    ids=["link", "https-link", "url-type", "on-a-geometry", "upper-case-key"],
)
def test_geojson_crs_link_is_refused_and_never_requested(tmp_path, reference, scheme, make):
    with loopback_listener() as listener:
        path = write_json(tmp_path / "linked.geojson", make(listener.url(scheme)))
        messages = _refusals(path, reference)
    assert listener.connections == []
    for message in messages:
        assert message.startswith("linked.geojson: its coordinate system is a link")
        assert f"{scheme}://127.0.0.1:{listener.port}/crs.wkt" in message
        assert "never followed" in message


def test_crs_member_written_with_escapes_is_still_found(tmp_path, reference):
    with loopback_listener() as listener:
        text = json.dumps(feature_collection(linked_crs(listener.url())))
        path = tmp_path / "escaped.geojson"
        path.write_text(text.replace('"crs"', '"\\u0063r\\u0073"'))
        messages = _refusals(path, reference)
    assert listener.connections == []
    assert all("is a link" in message for message in messages)


def test_geopackage_and_prj_naming_an_address_are_refused_without_a_request(tmp_path, reference):
    with loopback_listener() as listener:
        package = geopackage(tmp_path / "linked.gpkg", srs_id=5000, definition=listener.url())
        prj_folder = tmp_path / "shape"
        prj_folder.mkdir()
        zipped = shapefile_zip(prj_folder, prj=listener.url())
        package_messages = _refusals(package, reference)
        zipped_messages = _refusals(zipped, reference)
    assert listener.connections == []
    for message in package_messages:
        assert "no coordinate reference system that can be read" in message
        assert f"srs_id 5000, defined as '{listener.url()}'" in message
    for message in zipped_messages:
        assert "events.zip: the layer has no coordinate reference system" in message


def test_the_command_line_sends_no_request_either(tmp_path):
    with loopback_listener() as listener:
        path = write_json(
            tmp_path / "linked.geojson", feature_collection(linked_crs(listener.url()))
        )
        (tmp_path / "geodata").mkdir()
        env = {
            **os.environ,
            "ATLAS_GEODATA_DIR": str(small_geodata_dir(tmp_path / "geodata")),
            "ATLAS_DATA_DIR": str(tmp_path / "data"),
        }
        done = subprocess.run(
            [sys.executable, "-m", "atlas", "import", str(path), "--map", "date=when", "--json"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert listener.connections == []
    assert done.returncode == 2
    assert "linked.geojson: its coordinate system is a link" in done.stderr
    assert "Traceback" not in done.stderr


# --- Coordinate systems ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("crs", "named"),
    [
        (named_crs("/etc/passwd"), "'/etc/passwd' is not one that can be used"),
        (
            named_crs("urn:ogc:def:crs:EPSG::999999"),
            "'urn:ogc:def:crs:EPSG::999999' is not a known",
        ),
        (named_crs('LOCAL_CS["site grid",UNIT["metre",1]]'), '\'LOCAL_CS["site grid"'),
        ({"type": "proj4", "properties": {"proj": "+proj=longlat"}}, "unknown type 'proj4'"),
    ],
    ids=["file-path", "unknown-epsg", "local-cs", "unknown-type"],
)
def test_geojson_crs_that_is_not_a_known_system_is_refused_by_name(tmp_path, reference, crs, named):
    path = write_json(tmp_path / "odd.geojson", feature_collection(crs))
    for message in _refusals(path, reference):
        assert message.startswith("odd.geojson: ")
        assert named in message


def test_several_coordinate_systems_in_one_geojson_are_refused(tmp_path, reference):
    collection = feature_collection(
        named_crs("EPSG:4326"), geometry_crs=named_crs("urn:ogc:def:crs:EPSG::32630")
    )
    path = write_json(tmp_path / "mixed.geojson", collection)
    for message in _refusals(path, reference):
        assert "names several coordinate systems (EPSG:32630, EPSG:4326)" in message


@pytest.mark.parametrize(
    ("srs_id", "named"),
    [(-1, "'Undefined Cartesian SRS'"), (0, "'Undefined geographic SRS'")],
)
def test_geopackage_with_an_undefined_crs_is_refused_by_name(tmp_path, reference, srs_id, named):
    path = geopackage(tmp_path / "undefined.gpkg", srs_id=srs_id)
    for message in _refusals(path, reference):
        assert f"its coordinate system {named} is undefined or local" in message


def test_shapefile_with_a_local_prj_is_refused_by_name(tmp_path, reference):
    path = shapefile_zip(tmp_path, prj='LOCAL_CS["site grid",UNIT["metre",1]]')
    for message in _refusals(path, reference):
        assert "its coordinate system 'site grid' is undefined or local" in message


@pytest.mark.parametrize(
    "crs",
    [None, named_crs("urn:ogc:def:crs:OGC:1.3:CRS84"), named_crs("EPSG:4326")],
    ids=["no-crs-member", "crs84", "epsg-4326"],
)
def test_geojson_in_wgs84_is_read(tmp_path, reference, crs):
    path = write_json(tmp_path / "points.geojson", feature_collection(crs))
    assert preview_file(path, WHEN).rows == 2
    assert read_import(path, reference, WHEN).report.accepted == 2


def test_geojson_named_in_utm_is_reprojected(tmp_path, reference):
    utm = pyproj.Transformer.from_crs(4326, 32630, always_xy=True)
    x, y = utm.transform(-0.04, 16.27)
    collection = feature_collection(named_crs("urn:ogc:def:crs:EPSG::32630"))
    for feature in collection["features"]:
        feature["geometry"]["coordinates"] = [x, y]
    path = write_json(tmp_path / "utm.geojson", collection)
    frame = read_import(path, reference, WHEN).frame
    assert math.isclose(frame.geometry.iloc[0].x, -0.04, abs_tol=1e-6)


def test_crs_as_text_in_values_is_not_taken_for_a_member(tmp_path, reference):
    collection = feature_collection()
    collection["features"][0]["properties"] |= {"unit": "crs", "notes": "the 'CRS' arrived"}
    path = write_json(tmp_path / "text.geojson", collection)
    assert read_import(path, reference, WHEN).report.accepted == 2


# --- Zips -----------------------------------------------------------------------------------


def test_zip_whose_directory_lies_about_packed_sizes_is_refused(tmp_path, reference):
    path = shapefile_zip(tmp_path, leave_out=(".cpg",))
    zeros_member(path, "events.cpg", 64 * 1024 * 1024)
    patch_member(path, "events.cpg", compress_size=(64 * 1024 * 1024) // 90)
    for message in _refusals(path, reference):
        assert "events.zip: the zip's directory lists" in message
        assert "its sizes are false" in message


def test_lying_zip_is_refused_in_little_memory(tmp_path):
    path = shapefile_zip(tmp_path, leave_out=(".cpg",))
    zeros_member(path, "events.cpg", 1000 * 1024 * 1024)  # about 1 MB packed
    patch_member(path, "events.cpg", compress_size=(1000 * 1024 * 1024) // 90)
    assert path.stat().st_size < 2 * 1024 * 1024
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from loaders.errors import LayerError\n"
        "from loaders.imports import ImportOptions, Reference, preview_file, read_import\n"
        "from tests.factories import reference_frames\n"
        "frames = reference_frames()\n"
        "reference = Reference(regions=frames['regions'], countries=frames['countries'])\n"
        "options = ImportOptions(mapping={'date': 'when'})\n"
        "for read in (lambda: preview_file(Path(sys.argv[1]), options),\n"
        "             lambda: read_import(Path(sys.argv[1]), reference, options)):\n"
        "    try:\n"
        "        read()\n"
        "    except LayerError as exc:\n"
        "        print(exc)\n"
        # The peak of this process's own memory: ru_maxrss would start from the test run's
        # size, which a forked child inherits on Linux.
        "status = Path('/proc/self/status').read_text().splitlines()\n"
        "print(next(int(l.split()[1]) for l in status if l.startswith('VmHWM:')) // 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    *messages, peak_mb = done.stdout.strip().splitlines()
    assert len(messages) == 2
    assert all("its sizes are false" in message for message in messages)
    assert int(peak_mb) < 700, peak_mb


def _broken(path: Path, member: str, how: str) -> None:
    if how == "bad-crc":
        with zipfile.ZipFile(path) as archive:
            crc = archive.getinfo(member).CRC
        patch_member(path, member, crc=crc ^ 0xFFFF)
    elif how == "encrypted":
        patch_member(path, member, flag_bits=0x1)
    elif how == "deflate64":
        patch_member(path, member, method=9)
    elif how == "corrupt":
        corrupt_member_data(path, member)
    elif how == "size-too-small":
        with zipfile.ZipFile(path) as archive:
            size = archive.getinfo(member).file_size
        patch_member(path, member, file_size=size // 2)


BROKEN = {
    "bad-crc": "is damaged: Bad CRC-32",
    "encrypted": "is encrypted",
    "deflate64": "cannot be unpacked here (Deflate64, method 9)",
    "corrupt": "is damaged",
    "size-too-small": "is damaged",
}


@pytest.mark.parametrize("how", sorted(BROKEN))
def test_broken_shapefile_zip_is_refused_naming_the_member(tmp_path, reference, how):
    path = shapefile_zip(tmp_path, extra={"notes.dbf": b"x" * 50_000})
    _broken(path, "events.dbf", how)
    for message in _refusals(path, reference):
        assert message.startswith("events.zip: zip member 'events.dbf' ")
        assert BROKEN[how] in message


@pytest.mark.parametrize("how", sorted(BROKEN))
def test_broken_spreadsheet_is_refused_naming_the_member(tmp_path, reference, how):
    path = spreadsheet(tmp_path / "export.xlsx", GOOD_ROWS + [["2021-01-14", "16.3", "-0.1"]] * 500)
    _broken(path, SHEET, how)
    for message in _refusals(path, reference, TABLE):
        assert message.startswith(f"export.xlsx: zip member '{SHEET}' ")
        assert BROKEN[how] in message


def test_spreadsheet_part_is_bounded_as_it_is_unpacked(tmp_path):
    path = spreadsheet(tmp_path / "styled.xlsx", GOOD_ROWS)
    padding = b"<!--" + b"x" * 200_000 + b"-->"
    rewrite_member(path, "xl/styles.xml", lambda content: content + padding)
    limits = ImportLimits(max_part_bytes=100_000)
    with pytest.raises(LayerError) as refused:
        read_xlsx_table(path, "styled.xlsx", limits)
    assert str(refused.value) == (
        "styled.xlsx: zip member 'xl/styles.xml' unpacks to more than 100,000 bytes"
    )


# --- Spreadsheets ---------------------------------------------------------------------------


def _with_rows(extra_rows: bytes) -> Callable[[bytes], bytes]:
    return lambda content: content.replace(b"</sheetData>", extra_rows + b"</sheetData>")


def _cell(ref: str, text: str = "x") -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def test_spreadsheet_dimension_that_lies_is_ignored(tmp_path, reference):
    path = spreadsheet(tmp_path / "export.xlsx", GOOD_ROWS)
    rewrite_member(
        path, SHEET, lambda content: content.replace(b'ref="A1:C3"', b'ref="A1:XFD1048576"')
    )
    result = read_import(path, reference, TABLE)
    assert (result.report.rows_read, result.report.accepted) == (2, 2)


def test_spreadsheet_cell_far_away_is_read_without_the_rows_between(tmp_path, reference):
    path = spreadsheet(tmp_path / "export.xlsx", GOOD_ROWS)
    far = b'<row r="1048576">' + _cell("XFD1048576") + b"</row>"
    rewrite_member(path, SHEET, _with_rows(far))
    report = read_import(path, reference, TABLE).report
    assert (report.rows_read, report.accepted) == (3, 2)
    assert [(p.row, p.reason) for p in report.rejected] == [(1048575, "missing date")]


def test_spreadsheet_row_past_the_last_row_a_sheet_has_is_refused(tmp_path, reference):
    path = spreadsheet(tmp_path / "export.xlsx", GOOD_ROWS)
    rewrite_member(path, SHEET, _with_rows(b'<row r="2000000">' + _cell("A2000000") + b"</row>"))
    for message in _refusals(path, reference, TABLE):
        assert "the first sheet goes past row 1,048,576" in message


def test_spreadsheet_padded_wide_row_after_row_is_refused(tmp_path, reference):
    path = spreadsheet(tmp_path / "export.xlsx", GOOD_ROWS)
    rows = b"".join(
        f'<row r="{line}">'.encode() + _cell(f"XFD{line}") + b"</row>" for line in range(4, 700)
    )
    rewrite_member(path, SHEET, _with_rows(rows))
    for message in _refusals(path, reference, TABLE):
        assert "the first sheet spans more than 10,000,000 cells" in message


def test_spreadsheet_row_with_more_cells_than_a_sheet_has_columns_is_refused(tmp_path, reference):
    path = spreadsheet(tmp_path / "export.xlsx", GOOD_ROWS)
    rewrite_member(path, SHEET, _with_rows(b'<row r="4">' + b"<c/>" * 20_000 + b"</row>"))
    for message in _refusals(path, reference, TABLE):
        assert f"zip member '{SHEET}' has a row of more than 16,384 cells" in message


def test_spreadsheet_declaring_entities_is_refused(tmp_path, reference):
    path = spreadsheet(tmp_path / "export.xlsx", GOOD_ROWS)
    doctype = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>'
    rewrite_member(
        path, SHEET, lambda content: content.replace(b"<worksheet", doctype + b"<worksheet", 1)
    )
    for message in _refusals(path, reference, TABLE):
        assert f"zip member '{SHEET}' declares a document type" in message


def test_spreadsheet_values_read_as_text_as_before(tmp_path):
    rows: list[list[object]] = [
        ["event_date", "latitude", "fatalities", "flag", "at", "", "dup", "dup", 5],
        [datetime(2021, 1, 12), 16.27, 3, True, time(12, 30), "x", "a", "b", None],
        [None, 16.0, 3.5, False, None, None, None, None, 7],
    ]
    frame = read_xlsx_table(spreadsheet(tmp_path / "types.xlsx", rows), "types.xlsx")
    assert list(frame.columns) == [
        "event_date",
        "latitude",
        "fatalities",
        "flag",
        "at",
        "Unnamed: 5",
        "dup",
        "dup.1",
        "5",
    ]
    assert frame.loc[1].tolist() == [
        "2021-01-12 00:00:00",
        "16.27",
        "3",
        "True",
        "12:30:00",
        "x",
        "a",
        "b",
        "",
    ]
    assert frame.loc[2].tolist() == ["", "16", "3.5", "False", "", "", "", "", "7"]


# --- Spatial files --------------------------------------------------------------------------


def test_huge_polygon_beside_points_is_rejected_and_the_points_kept(tmp_path, reference):
    ring = [
        [
            -3 + 2 * math.cos(2 * math.pi * i / 2_000_000),
            15 + 2 * math.sin(2 * math.pi * i / 2_000_000),
        ]
        for i in range(2_000_000)
    ]
    collection = feature_collection()
    collection["features"].insert(
        0,
        {
            "type": "Feature",
            "properties": {"when": "2021-01-11"},
            "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        },
    )
    path = write_json(tmp_path / "huge.geojson", collection)
    report = read_import(path, reference, WHEN).report
    assert (report.rows_read, report.accepted) == (3, 2)
    assert [(p.row, p.reason, p.value) for p in report.rejected] == [
        (1, "not a point geometry", "Polygon")
    ]


def test_feature_too_large_to_read_is_refused_clearly(tmp_path, reference):
    collection = feature_collection()
    collection["features"][0]["geometry"] = {
        "type": "LineString",
        "coordinates": [[0, 0]] * 200_000,
    }
    path = write_json(tmp_path / "large.geojson", collection)
    pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": "1"})
    try:
        messages = _refusals(path, reference)
    finally:
        pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": None})
    for message in messages:
        assert "large.geojson: not a readable GeoJSON file: the feature at line 1" in message
        assert "is too large to read" in message
        assert "OGR_GEOJSON_MAX_OBJ_SIZE" not in message


def test_json_that_is_not_geojson_is_refused_clearly(tmp_path, reference):
    path = write_json(tmp_path / "other.geojson", {"type": "Catalogue", "items": [1, 2]})
    for message in _refusals(path, reference):
        assert message.startswith("other.geojson: not a readable GeoJSON file")


def test_geopackage_with_too_many_tables_is_refused_before_they_are_listed(tmp_path, reference):
    path = geopackage(tmp_path / "many.gpkg")
    add_tables(path, 150)
    for message in _refusals(path, reference):
        assert message == "many.gpkg: the GeoPackage has 151 tables, over the limit of 100"
