"""Makers of hostile files for the import tests, and a loopback listener that counts visits.

Every file is made in the test's own temporary folder; nothing here reaches past 127.0.0.1.
"""

from __future__ import annotations

import json
import socketserver
import sqlite3
import struct
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
from shapely.geometry import Point

WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'
)
GOOD_POINT = Point(-0.04, 16.27)  # Gao


@dataclass
class Listener:
    """A loopback TCP listener: counts connections, answers each with a WGS 84 WKT."""

    port: int
    connections: list[str] = field(default_factory=list)

    def url(self, scheme: str = "http") -> str:
        """An address on the listener."""
        return f"{scheme}://127.0.0.1:{self.port}/crs.wkt"


@contextmanager
def loopback_listener() -> Iterator[Listener]:
    """A listener on a free loopback port for the duration of the block.

    It answers anything with a coordinate system, so a request that got through would change
    what a reader sees, not just fail.
    """
    listener = Listener(port=0)

    class Answer(socketserver.StreamRequestHandler):
        timeout = 2

        def handle(self) -> None:
            listener.connections.append(self.client_address[0])
            try:
                self.rfile.readline(4096)
                body = WGS84_WKT.encode()
                self.wfile.write(
                    b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
                )
            except OSError:
                pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Answer)
    server.daemon_threads = True
    listener.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield listener
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def feature_collection(
    crs: dict[str, Any] | None = None, *, geometry_crs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Two dated point features near Gao, with a ``crs`` on the collection or a geometry."""
    first: dict[str, Any] = {"type": "Point", "coordinates": [-0.04, 16.27]}
    if geometry_crs is not None:
        first["crs"] = geometry_crs
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"when": "2021-01-12"}, "geometry": first},
            {
                "type": "Feature",
                "properties": {"when": "2021-01-13"},
                "geometry": {"type": "Point", "coordinates": [-0.05, 16.28]},
            },
        ],
    }
    if crs is not None:
        collection["crs"] = crs
    return collection


def write_json(path: Path, value: object) -> Path:
    """Write ``value`` as JSON to ``path``."""
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def named_crs(name: str) -> dict[str, Any]:
    """A GeoJSON 2008 ``crs`` member naming a system."""
    return {"type": "name", "properties": {"name": name}}


def linked_crs(href: str, kind: str = "link") -> dict[str, Any]:
    """A GeoJSON 2008 ``crs`` member pointing at an address."""
    return {"type": kind, "properties": {"href": href, "type": "esriwkt"}}


def geopackage(path: Path, *, srs_id: int = 4326, definition: str | None = None) -> Path:
    """A GeoPackage of one dated point whose layer uses ``srs_id`` (defined when given)."""
    gpd.GeoDataFrame({"when": ["2021-01-12"]}, geometry=[GOOD_POINT], crs=4326).to_file(path)
    with sqlite3.connect(path) as database:
        if definition is not None:
            database.execute(
                "INSERT INTO gpkg_spatial_ref_sys "
                "(srs_name, srs_id, organization, organization_coordsys_id, definition) "
                "VALUES ('custom', ?, 'NONE', ?, ?)",
                (srs_id, srs_id, definition),
            )
        database.execute("UPDATE gpkg_contents SET srs_id = ?", (srs_id,))
        database.execute("UPDATE gpkg_geometry_columns SET srs_id = ?", (srs_id,))
    return path


def add_tables(path: Path, count: int) -> None:
    """Register ``count`` more empty point tables in a GeoPackage."""
    with sqlite3.connect(path) as database:
        for number in range(count):
            table = f"extra_{number:05d}"
            database.execute(f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY, geom POINT)')
            database.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                "VALUES (?, 'features', ?, 4326)",
                (table, table),
            )
            database.execute(
                "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', 4326, 0, 0)",
                (table,),
            )


def shapefile_zip(
    folder: Path,
    *,
    prj: str | None = None,
    extra: dict[str, bytes] | None = None,
    leave_out: tuple[str, ...] = (),
) -> Path:
    """A zipped shapefile of one dated point (deflated), with its .prj replaced if given."""
    parts = folder / "parts"
    parts.mkdir()
    gpd.GeoDataFrame({"when": ["2021-01-12"]}, geometry=[GOOD_POINT], crs=4326).to_file(
        parts / "events.shp"
    )
    if prj is not None:
        (parts / "events.prj").write_text(prj)
    path = folder / "events.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(parts.iterdir()):
            if part.suffix not in leave_out:
                archive.write(part, part.name)
        for member, content in (extra or {}).items():
            archive.writestr(member, content)
    return path


def zeros_member(path: Path, member: str, size: int) -> None:
    """Append a member of ``size`` zero bytes to a zip, deflated as it is written."""
    block = bytes(8 * 1024 * 1024)
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(member, "w") as target,
    ):
        left = size
        while left > 0:
            target.write(block[: min(left, len(block))])
            left -= len(block)


# Offsets from the start of a central directory entry and of a local header of a zip.
_CENTRAL = {"flag_bits": (8, "<H"), "method": (10, "<H"), "crc": (16, "<I")}
_CENTRAL |= {"compress_size": (20, "<I"), "file_size": (24, "<I")}
_LOCAL = {"flag_bits": (6, "<H"), "method": (8, "<H")}


def patch_member(path: Path, member: str, **fields: int) -> None:
    """Rewrite fields of ``member``'s directory entry (and local header for flags and method).

    Only for members without zip64 records, which every maker here writes.
    """
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    end_record = data.rfind(b"PK\x05\x06")
    central = struct.unpack_from("<I", data, end_record + 16)[0]
    while data[central : central + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, central + 28)
        if bytes(data[central + 46 : central + 46 + name_length]) == member.encode():
            break
        central += 46 + name_length + extra_length + comment_length
    else:
        raise AssertionError(f"no directory entry for {member}")
    for key, value in fields.items():
        offset, layout = _CENTRAL[key]
        struct.pack_into(layout, data, central + offset, value)
        if key in _LOCAL:
            offset, layout = _LOCAL[key]
            struct.pack_into(layout, data, info.header_offset + offset, value)
    path.write_bytes(bytes(data))


def corrupt_member_data(path: Path, member: str) -> None:
    """Overwrite the middle of a member's packed data with bytes no inflater accepts."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    middle = start + info.compress_size // 2
    data[middle : middle + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))


def spreadsheet(path: Path, rows: list[list[object]]) -> Path:
    """A one-sheet workbook of ``rows`` (the first is the header)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def rewrite_member(path: Path, member: str, change: Callable[[bytes], bytes]) -> None:
    """Replace one member of a zip by ``change`` of its content (the others copied)."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info, content in members:
            target.writestr(info, change(content) if info.filename == member else content)


SHEET = "xl/worksheets/sheet1.xml"
GOOD_ROWS: list[list[object]] = [
    ["event_date", "latitude", "longitude"],
    ["2021-01-12", "16.27", "-0.04"],
    ["2021-01-13", "16.28", "-0.05"],
]
