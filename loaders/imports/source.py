"""Opening an uploaded file safely: limits first, content sniffed, the extension ignored.

Nothing here trusts a file name. The kind of a file is read from its first bytes. A zip is
judged by its directory (sizes, ratios, methods, member names) before one byte is unpacked,
and every byte is then counted against one budget as it leaves the decompressor, because a
directory can lie; a spreadsheet's parts are scanned that way before the spreadsheet reader
sees them. Spatial files are opened with the GDAL driver fixed by content, and XML is refused
outright, because GDAL's VRT driver would otherwise follow a ``.geojson`` that is really a VRT
to files on the server. GDAL never reaches the network (:mod:`loaders.gdal_env`), and a
GeoJSON whose coordinate system is a link, or not a known one, is refused before GDAL opens it.
"""

from __future__ import annotations

import io
import json
import lzma
import math
import os
import re
import sqlite3
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from xml.parsers import expat

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pyproj

from loaders.errors import LayerError
from loaders.gdal_env import gdal_offline
from loaders.imports.model import ImportLimits

WGS84 = "EPSG:4326"
ENCODINGS: tuple[str, ...] = ("utf-8", "cp1252", "latin-1")

# Kinds of content, told apart by their first bytes.
TEXT, XLSX, GEOJSON, GPKG, SHP_ZIP = "text", "xlsx", "geojson", "gpkg", "shp-zip"

_SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg"}
_SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GEOJSON_PREFIX = "GeoJSON:"
_GDAL_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.CRSError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
)
_MB = 1024 * 1024
_CHUNK = _MB

# Zip methods the standard library unpacks, and the names of others met in the wild.
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_OTHER_ZIP_METHODS = {9: "Deflate64", 93: "Zstandard", 95: "XZ", 98: "PPMd", 99: "AES"}
# What a damaged member raises while it is unpacked: bad CRC, cut stream, corrupt data.
_UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError)

# Spreadsheet parts that may use the whole unpacking budget. The reader holds every other part
# (styles, theme, charts) whole in memory, many times its size; in real workbooks they are small.
_BULK_PARTS = re.compile(r"xl/(worksheets/[^/]+\.xml|sharedStrings\.xml)", re.IGNORECASE)
_EXCEL_MAX_ROWS = 1_048_576
_EXCEL_MAX_COLUMNS = 16_384

# A "crs" member name as GDAL reads it: either quote, any case, letters possibly escaped.
_CRS_KEY = re.compile(
    rb"""(?<!\\)["'](?:c|\\u00[46]3)(?:r|\\u00[57]2)(?:s|\\u00[57]3)["']""", re.IGNORECASE
)
_CRS_ESCAPES = tuple(
    (f"\\u00{code}".encode(), letter)
    for letter, codes in ((b"c", ("63", "43")), (b"r", ("72", "52")), (b"s", ("73", "53")))
    for code in codes
)
_CRS_SCAN_CHUNK = 16 * _MB
_CRS_KEY_OVERLAP = 32
_CRS_VALUE_WINDOW = 64 * 1024
_EPSG_NAMES = (
    re.compile(r"EPSG:(\d{1,6})", re.IGNORECASE),
    re.compile(r"urn:ogc:def:crs:EPSG:[0-9.]*:(\d{1,6})", re.IGNORECASE),
    re.compile(r"https?://www\.opengis\.net/def/crs/EPSG/[0-9.]+/(\d{1,6})", re.IGNORECASE),
)
_CRS84_NAMES = re.compile(
    r"OGC:CRS84|urn:ogc:def:crs:OGC:[0-9.]*:CRS84|https?://www\.opengis\.net/def/crs/OGC/[0-9.]+/CRS84",
    re.IGNORECASE,
)
_GDAL_TOO_LARGE = re.compile(r"At line (\d+), character (\d+): GeoJSON object too complex/large")


def _mb(size: int) -> str:
    return f"{size / _MB:,.0f} MB" if size >= _MB else f"{size:,} bytes"


def _listed(names: Sequence[str], shown: int = 20) -> str:
    """Names joined for a message, cut after ``shown``."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


@dataclass(frozen=True)
class Sniffed:
    """The kind of a file as its content says, and the file's name for messages."""

    kind: str
    name: str


def check_size(path: Path, name: str, limits: ImportLimits) -> int:
    """Refuse a missing, empty or oversized file before reading it; return its size."""
    if not path.is_file():
        raise LayerError.single(name, "file not found")
    size = path.stat().st_size
    if size == 0:
        raise LayerError.single(name, "the file is empty")
    if size > limits.max_bytes:
        raise LayerError.single(
            name,
            f"the file is {size / 2**20:.0f} MB, over the {limits.max_bytes / 2**20:.0f} MB limit",
        )
    return size


# --- Zips -----------------------------------------------------------------------------------


def _zip_members(path: Path, name: str, limits: ImportLimits) -> list[zipfile.ZipInfo]:
    """The zip's members after checking its directory: sizes, ratios, methods and names.

    The listed packed sizes must fit in the file, so that the listed ratios mean something;
    the unpacked sizes are checked again, as they come out, by :class:`_UnpackBudget`.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise LayerError.single(name, f"not a readable zip file: {exc}") from None
    if len(members) > limits.max_members:
        raise LayerError.single(
            name, f"the zip holds {len(members)} files, over {limits.max_members}"
        )
    packed = sum(m.compress_size for m in members)
    if packed > path.stat().st_size:
        raise LayerError.single(
            name,
            f"the zip's directory lists {_mb(packed)} of packed data in a file of "
            f"{_mb(path.stat().st_size)}: its sizes are false",
        )
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked_bytes:
        raise LayerError.single(
            name,
            f"the zip would unpack to {total / 2**20:.0f} MB, over the "
            f"{limits.max_unpacked_bytes / 2**20:.0f} MB limit",
        )
    for member in members:
        label = f"zip member {member.filename!r}"
        parts = PurePosixPath(member.filename.replace("\\", "/")).parts
        if member.filename.startswith(("/", "\\")) or ".." in parts:
            raise LayerError.single(name, f"{label} has an unsafe path")
        if member.flag_bits & 0x1:
            raise LayerError.single(name, f"{label} is encrypted: upload it without a password")
        if member.compress_type not in _ZIP_METHODS:
            method = _OTHER_ZIP_METHODS.get(member.compress_type, "unknown")
            raise LayerError.single(
                name,
                f"{label} is packed with a method that cannot be unpacked here "
                f"({method}, method {member.compress_type}): zip it again with Deflate",
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _MB and ratio > limits.max_ratio:
            raise LayerError.single(
                name,
                f"{label} expands {ratio:.0f} times (limit "
                f"{limits.max_ratio:.0f}): refused as a possible zip bomb",
            )
    return members


class _UnpackBudget:
    """The bytes one zip may still unpack to, counted as they leave the decompressor.

    Every read of a zip member goes through :meth:`unpack`, so a member whose directory entry
    lies about its size, or that is damaged, encrypted or packed with an unknown method, is
    refused with its name instead of raising from deep inside the decompressor.
    """

    def __init__(self, name: str, limits: ImportLimits) -> None:
        self.name = name
        self.limit = limits.max_unpacked_bytes
        self.left = limits.max_unpacked_bytes

    def unpack(
        self,
        archive: zipfile.ZipFile,
        member: zipfile.ZipInfo,
        sink: Callable[[bytes], object] | None = None,
        *,
        part_limit: int | None = None,
    ) -> int:
        """Decompress ``member`` in chunks, handing each to ``sink``; return its size.

        Raises
        ------
        loaders.errors.LayerError
            Past the budget or ``part_limit``, or when the member cannot be unpacked.
        """
        label = f"zip member {member.filename!r}"
        size = 0
        try:
            with archive.open(member) as source:
                while chunk := source.read(_CHUNK):
                    size += len(chunk)
                    self.left -= len(chunk)
                    if self.left < 0:
                        raise LayerError.single(
                            self.name,
                            f"the zip unpacks to more than the {_mb(self.limit)} limit "
                            f"(at {label}); its listed sizes are false",
                        )
                    if part_limit is not None and size > part_limit:
                        raise LayerError.single(
                            self.name, f"{label} unpacks to more than {_mb(part_limit)}"
                        )
                    if sink is not None:
                        sink(chunk)
        except LayerError:
            raise
        except (RuntimeError, NotImplementedError) as exc:  # a password or a feature needed
            raise LayerError.single(self.name, f"{label} cannot be unpacked: {exc}") from None
        except _UNPACK_ERRORS as exc:
            raise LayerError.single(self.name, f"{label} is damaged: {exc}") from None
        return size


class _PartScan:
    """Counts the rows and cells of a spreadsheet part as it streams past, before it is read.

    The sheet reader builds an object for every cell of a row before handing the row over,
    so cells are bounded per row (a real sheet has at most 16,384 columns) and in all. The
    part is parsed by the same XML parser the reader uses, so comments and CDATA cannot hide
    or fake a tag. A document type declaration is refused: the entities it declares can
    expand into any markup. A part that does not start like XML is only unpacked.
    """

    def __init__(self, name: str, member: str, limits: ImportLimits, cells_before: int) -> None:
        self.name = name
        self.member = member
        self.max_cells = limits.max_cells
        self.cells = cells_before
        self.row_cells = 0
        self.parser: Any = None
        self.started = False

    def _refuse(self, reason: str) -> LayerError:
        return LayerError.single(self.name, f"zip member {self.member!r} {reason}")

    def _start(self, tag: str, attributes: object) -> None:
        local = tag.rpartition(":")[2]
        if local == "row":
            self.row_cells = 0
        elif local == "c":
            self.row_cells += 1
            self.cells += 1
            if self.row_cells > _EXCEL_MAX_COLUMNS:
                raise self._refuse(f"has a row of more than {_EXCEL_MAX_COLUMNS:,} cells")
            if self.cells > self.max_cells:
                raise LayerError.single(
                    self.name, f"the spreadsheet holds more than {self.max_cells:,} cells"
                )

    def _doctype(self, *_: object) -> None:
        raise self._refuse("declares a document type, which is not accepted")

    def feed(self, chunk: bytes) -> None:
        """Parse the next chunk of the part (the first one decides whether it is XML)."""
        if not self.started:
            self.started = True
            head = chunk.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n\x00")
            if head.startswith(b"<"):
                self.parser = expat.ParserCreate()
                self.parser.StartElementHandler = self._start
                self.parser.StartDoctypeDeclHandler = self._doctype
        if self.parser is not None:
            try:
                self.parser.Parse(chunk, False)
            except expat.ExpatError as exc:
                raise self._refuse(f"is not well-formed XML: {exc}") from None

    def close(self) -> None:
        """Finish the part: XML cut short is refused."""
        self.feed(b"")
        if self.parser is not None:
            try:
                self.parser.Parse(b"", True)
            except expat.ExpatError as exc:
                raise self._refuse(f"is not well-formed XML: {exc}") from None


def _check_spreadsheet_zip(path: Path, name: str, limits: ImportLimits) -> None:
    """Unpack every part of a spreadsheet under the budget, scanning its rows and cells."""
    budget = _UnpackBudget(name, limits)
    cells = 0
    with zipfile.ZipFile(path) as archive:
        for member in _zip_members(path, name, limits):
            bulk = _BULK_PARTS.fullmatch(member.filename) is not None
            scan = _PartScan(name, member.filename, limits, cells)
            budget.unpack(
                archive, member, scan.feed, part_limit=None if bulk else limits.max_part_bytes
            )
            scan.close()
            cells = scan.cells


def sniff(path: Path, name: str, limits: ImportLimits) -> Sniffed:
    """Tell the kind of a file from its content (never its extension).

    Raises
    ------
    loaders.errors.LayerError
        For XML (a GDAL VRT would read server files), a bare ``.shp`` and unknown binaries.
    """
    check_size(path, name, limits)
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PK\x03\x04"):
        members = [m.filename.lower() for m in _zip_members(path, name, limits)]
        if "xl/workbook.xml" in members:
            return Sniffed(XLSX, name)
        if any(m.endswith(".shp") for m in members):
            return Sniffed(SHP_ZIP, name)
        raise LayerError.single(name, "a zip must hold a shapefile (.shp, .shx, .dbf, .prj)")
    if head.startswith(_SQLITE_MAGIC):
        return Sniffed(GPKG, name)
    if head.startswith(_SHAPEFILE_MAGIC):
        raise LayerError.single(
            name, "a shapefile must be uploaded as one zip with its .shp, .shx, .dbf and .prj"
        )
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        raise LayerError.single(
            name, "XML content (such as a GDAL VRT or KML) is not accepted for safety"
        )
    if stripped.startswith((b"{", b"[")):
        return Sniffed(GEOJSON, name)
    if b"\x00" in head:
        raise LayerError.single(
            name, "unknown binary content: not a CSV, XLSX, GeoJSON, GeoPackage or zipped shapefile"
        )
    return Sniffed(TEXT, name)


# --- Tables ---------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """Decode text as UTF-8 (with or without BOM), else cp1252, else Latin-1.

    Returns the text and the encoding used (``utf-8-sig`` when a BOM was present).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _delimiter(header_line: str) -> str:
    """The separator of a CSV: the one of ``, ; tab`` the header line uses most."""
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep])


def _numbered(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # data rows numbered from 1
    return frame


def read_text_table(path: Path, name: str) -> tuple[pd.DataFrame, str]:
    """Read a delimited text file with every cell as text; return it and the encoding used."""
    data = path.read_bytes()
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError as exc:
        raise LayerError.single(name, f"starts with a UTF-8 BOM but is not UTF-8: {exc}") from None
    del text  # decoding proved the encoding; the parser reads the bytes again, faster
    first_line = data[: data.find(b"\n") if b"\n" in data else len(data)].decode(
        encoding, errors="replace"
    )
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            dtype=str,
            keep_default_na=False,
            encoding=encoding,
            sep=_delimiter(first_line),
            engine="pyarrow",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise LayerError.single(name, f"not a readable CSV: {str(exc).splitlines()[0]}") from None
    if frame.empty:
        raise LayerError.single(name, "the file has a header but no data rows")
    return _numbered(frame), encoding


def _cell_text(cell: Any) -> str:
    """A spreadsheet cell as text, written as a table read with every column as text would be.

    Whole numbers lose their ``.0``; dates and times keep Python's own form
    (``2021-01-12 00:00:00``); error values (``#DIV/0!``) and empty cells become empty text.
    """
    value = cell.value
    if value is None or getattr(cell, "data_type", None) == "e":
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        whole = int(value)
        return str(whole) if whole == value else str(float(value))
    if isinstance(value, datetime | date | time | timedelta):
        return str(value)
    return str(value)


def _column_names(header: list[str], width: int) -> list[str]:
    """Column names from a header row: blanks become ``Unnamed: i``, repeats ``name.1`` …"""
    names: list[str] = []
    used: set[str] = set()
    for position in range(width):
        text = header[position].strip() if position < len(header) else ""
        base = text or f"Unnamed: {position}"
        candidate, repeat = base, 0
        while candidate in used:
            repeat += 1
            candidate = f"{base}.{repeat}"
        used.add(candidate)
        names.append(candidate)
    return names


def read_xlsx_table(path: Path, name: str, limits: ImportLimits | None = None) -> pd.DataFrame:
    """Read the first sheet of a spreadsheet with every cell as text.

    Every part of the file is first unpacked under the zip budget and its rows and cells
    counted (:class:`_PartScan`); the sheet is then read row by row. Its stored dimension
    is ignored (it can lie), wholly empty rows are skipped, and rows keep their numbers:
    row 1 is the line after the header line, whatever blank lines lie between.

    Raises
    ------
    loaders.errors.LayerError
        For a damaged or oversized file, a sheet beyond Excel's rows or ``max_cells``, or
        a first sheet without data rows.
    """
    limits = limits or ImportLimits()
    _check_spreadsheet_zip(path, name, limits)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # any parser failure on arbitrary bytes is a bad file, not a bug
        raise LayerError.single(name, f"not a readable spreadsheet: {exc}") from None
    try:
        return _first_sheet(workbook, name, limits)
    except LayerError:
        raise
    except Exception as exc:  # as above: the sheet's XML is parsed while the rows are read
        raise LayerError.single(name, f"not a readable spreadsheet: {exc}") from None
    finally:
        workbook.close()


def _first_sheet(workbook: Any, name: str, limits: ImportLimits) -> pd.DataFrame:
    if not workbook.worksheets:
        raise LayerError.single(name, "the spreadsheet has no sheet")
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # the stored dimension can lie; read the rows that are there
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    numbers: list[int] = []
    width = 0
    spanned = 0
    for line, cells in enumerate(sheet.iter_rows(), start=1):
        if line > _EXCEL_MAX_ROWS:
            raise LayerError.single(
                name, f"the first sheet goes past row {_EXCEL_MAX_ROWS:,}, the last a sheet has"
            )
        # A row is handed over padded up to its last cell: count what that costs to read.
        spanned += len(cells)
        if spanned > limits.max_cells:
            raise LayerError.single(
                name,
                f"the first sheet spans more than {limits.max_cells:,} cells "
                f"(at row {line}, which reaches column {len(cells):,})",
            )
        last = len(cells)
        while last and cells[last - 1].value is None:
            last -= 1
        values = [_cell_text(cell) for cell in cells[:last]]
        while values and not values[-1]:
            values.pop()
        if not values:
            continue
        if header is None:
            header, header_line = values, line
            width = len(values)
            continue
        width = max(width, len(values))
        rows.append(values)
        numbers.append(line - header_line)
    if header is None or not rows:
        raise LayerError.single(name, "the spreadsheet's first sheet has no data rows")
    padded = [values + [""] * (width - len(values)) for values in rows]
    frame = pd.DataFrame(padded, columns=_column_names(header, width), dtype=str)
    frame.index = pd.Index(numbers)
    return frame


# --- Shapefiles and GeoPackages -------------------------------------------------------------


@contextmanager
def unpacked_shapefile(
    path: Path,
    name: str,
    limits: ImportLimits,
    workdir: Path,
    layer: str | None,
    *,
    first_if_many: bool = False,
) -> Iterator[tuple[Path, tuple[str, ...], str]]:
    """Unpack one shapefile from a zip into ``workdir`` under fixed names.

    Yields the path of the ``.shp``, every shapefile name in the zip and the one chosen.
    Only the parts of a shapefile are unpacked, in chunks counted against the zip budget (a
    listed size can lie) straight to disk, under our own names, so no member path is used.
    """
    members = _zip_members(path, name, limits)
    stems: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for member in members:
        pure = PurePosixPath(member.filename.replace("\\", "/"))
        suffix = pure.suffix.lower()
        if suffix in _SHAPEFILE_PARTS:
            stems.setdefault(str(pure.with_suffix("")), {})[suffix] = member
    shapefiles = {stem: parts for stem, parts in stems.items() if ".shp" in parts}
    names = tuple(sorted(PurePosixPath(stem).name for stem in shapefiles))
    if layer is None and first_if_many and names:
        layer = names[0]
    if layer is None and len(shapefiles) > 1:
        raise LayerError.single(
            name, f"the zip holds several shapefiles ({_listed(names)}): choose one as the layer"
        )
    chosen = next((s for s in shapefiles if layer is None or PurePosixPath(s).name == layer), None)
    if chosen is None:
        raise LayerError.single(
            name, f"no shapefile {layer!r} in the zip; it holds {_listed(names)}"
        )
    parts = shapefiles[chosen]
    for needed in (".shx", ".dbf"):
        if needed not in parts:
            raise LayerError.single(name, f"the shapefile has no {needed} file")
    if ".prj" not in parts:
        raise LayerError.single(
            name, "the shapefile has no .prj file, so its coordinate system is unknown"
        )
    budget = _UnpackBudget(name, limits)
    with zipfile.ZipFile(path) as archive:
        for suffix, member in parts.items():
            with (workdir / f"layer{suffix}").open("wb") as target:
                budget.unpack(archive, member, target.write)
    with (workdir / "layer.shp").open("rb") as shp:
        if shp.read(4) != _SHAPEFILE_MAGIC:
            raise LayerError.single(name, "the .shp file in the zip is not a shapefile")
    yield workdir / "layer.shp", names, PurePosixPath(chosen).name


def _gpkg_table_count(path: Path, name: str) -> int:
    """How many tables a GeoPackage registers, asked of SQLite before GDAL lists them all."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as database:
            database.execute("PRAGMA trusted_schema = OFF")  # views run no functions
            (count,) = database.execute("SELECT count(*) FROM gpkg_contents").fetchone()
    except sqlite3.Error as exc:
        raise LayerError.single(name, f"not a readable GeoPackage: {exc}") from None
    return int(count)


def _gpkg_srs(path: Path, layer: str | None) -> str | None:
    """How a GeoPackage layer's coordinate system is stored: its id and definition."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    query = (
        "SELECT g.srs_id, s.srs_id IS NOT NULL, s.definition FROM gpkg_geometry_columns g "
        "LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
        "WHERE g.table_name = ? OR ? IS NULL LIMIT 1"
    )
    try:
        with closing(sqlite3.connect(uri, uri=True)) as database:
            database.execute("PRAGMA trusted_schema = OFF")
            row = database.execute(query, (layer, layer)).fetchone()
    except sqlite3.Error:
        return None
    if row is None:
        return None
    srs_id, listed, definition = row
    if not listed:
        return f"srs_id {srs_id}, which gpkg_spatial_ref_sys does not define"
    return f"srs_id {srs_id}, defined as {str(definition)[:200]!r}"


def gpkg_layers(path: Path, name: str, limits: ImportLimits | None = None) -> tuple[str, ...]:
    """The vector layers of a GeoPackage; refused past ``limits.max_layers`` tables."""
    limits = limits or ImportLimits()
    count = _gpkg_table_count(path, name)
    if count > limits.max_layers:
        raise LayerError.single(
            name, f"the GeoPackage has {count:,} tables, over the limit of {limits.max_layers}"
        )
    try:
        listed = pyogrio.list_layers(f"GPKG:{path}")
    except _GDAL_ERRORS as exc:
        raise LayerError.single(name, f"not a readable GeoPackage: {exc}") from None
    return tuple(str(row[0]) for row in listed)


def choose_layer(
    available: tuple[str, ...], wanted: str | None, name: str, *, first_if_many: bool = False
) -> str:
    """The layer to read: the one asked for, or the only one (or the first, for a preview)."""
    if not available:
        raise LayerError.single(name, "the GeoPackage has no vector layer")
    if wanted is None and first_if_many:
        return available[0]
    if wanted is None:
        if len(available) > 1:
            raise LayerError.single(
                name, f"the GeoPackage has several layers ({_listed(available)}): choose one"
            )
        return available[0]
    if wanted not in available:
        raise LayerError.single(
            name, f"no layer {wanted!r} in the GeoPackage; it has {_listed(available)}"
        )
    return wanted


# --- Coordinate systems ---------------------------------------------------------------------


def _crs_label(crs: pyproj.CRS) -> str:
    """A coordinate system as people name it: its EPSG code when it has one, else its name."""
    authority = crs.to_authority(min_confidence=100)
    return ":".join(authority) if authority else crs.name


def _member(mapping: dict[str, Any], key: str) -> Any:
    """A JSON member looked up as GDAL does: the name in any case."""
    return next((value for k, value in mapping.items() if k.lower() == key), None)


def _crs_from_identifier(identifier: str, name: str) -> pyproj.CRS:
    """The coordinate system a GeoJSON names: an EPSG code or OGC's CRS84, nothing else.

    Anything else a name could be (a file path, a URL, a PROJ string, WKT) is refused, so the
    name can never make GDAL read a file or be silently replaced by WGS 84.
    """
    if _CRS84_NAMES.fullmatch(identifier):
        return pyproj.CRS("OGC:CRS84")
    for pattern in _EPSG_NAMES:
        matched = pattern.fullmatch(identifier)
        if matched:
            try:
                return pyproj.CRS.from_epsg(int(matched.group(1)))
            except pyproj.exceptions.CRSError:
                raise LayerError.single(
                    name, f"its coordinate system {identifier!r} is not a known EPSG code"
                ) from None
    raise LayerError.single(
        name,
        f"its coordinate system {identifier[:200]!r} is not one that can be used: name it by an "
        "EPSG code (EPSG:4326, urn:ogc:def:crs:EPSG::32630) or leave it out for WGS 84",
    )


def _geojson_named_crs(value: dict[str, Any], name: str) -> pyproj.CRS:
    """The coordinate system one GeoJSON ``crs`` object names; links and unknowns refused."""
    kind = str(_member(value, "type") or "").lower()
    properties = _member(value, "properties")
    properties = properties if isinstance(properties, dict) else {}
    target = _member(properties, "href") or _member(properties, "url")
    if kind in ("link", "url") or target is not None:
        raise LayerError.single(
            name,
            f"its coordinate system is a link ({str(target)[:200]!r}); links in a file are never "
            "followed: name the system by an EPSG code instead, e.g. EPSG:4326",
        )
    if kind == "name":
        identifier = _member(properties, "name")
    elif kind == "epsg":
        identifier = f"EPSG:{_member(properties, 'code')}"
    elif kind == "ogc":
        identifier = _member(properties, "urn")
    else:
        raise LayerError.single(name, f"its crs member has an unknown type {kind[:50]!r}")
    if not isinstance(identifier, str):
        raise LayerError.single(name, "its crs member names no coordinate system")
    return _crs_from_identifier(identifier, name)


def _crs_key_offsets(path: Path) -> list[int]:
    """Where a ``crs`` member name appears in a file, found without parsing the JSON.

    The file is read in chunks; a chunk is searched with the exact pattern only when its
    lower-cased text, escapes undone, contains ``crs`` at all, which a data file rarely does.
    """
    offsets: set[int] = set()
    with path.open("rb") as handle:
        start, carried = 0, b""
        while chunk := handle.read(_CRS_SCAN_CHUNK):
            data = carried + chunk
            base = start - len(carried)
            plain = data.lower()
            if b"\\u00" in plain:
                for escape, letter in _CRS_ESCAPES:
                    plain = plain.replace(escape, letter)
            if b"crs" in plain:
                offsets.update(base + m.end() for m in _CRS_KEY.finditer(data))
            start += len(chunk)
            carried = data[-_CRS_KEY_OVERLAP:]
    return sorted(offsets)


def _crs_value_at(path: Path, offset: int, name: str) -> object:
    """The JSON value after a ``crs`` name at ``offset``; None when the name was a value."""
    with path.open("rb") as handle:
        handle.seek(offset)
        text = handle.read(_CRS_VALUE_WINDOW).decode("utf-8", errors="replace")
    rest = text.lstrip()
    if not rest.startswith(":"):
        return None  # "crs" as a value or as words in one, not a member name
    try:
        value, _ = json.JSONDecoder().raw_decode(rest[1:].lstrip())
    except json.JSONDecodeError:
        raise LayerError.single(
            name, f"its crs member (at byte {offset:,}) cannot be read"
        ) from None
    return value


def geojson_crs(path: Path, name: str) -> pyproj.CRS | None:
    """The coordinate system a GeoJSON file names in its ``crs`` members, if any.

    GDAL reads a ``crs`` member on the collection and on each geometry, fetches links
    (GeoJSON 2008), and takes WGS 84 without a word for a name it does not know. So every
    ``crs`` member is found by a cheap scan of the raw bytes and read on its own, and refused
    unless it names one known system. Without any, the file is WGS 84 as the standard says.

    Raises
    ------
    loaders.errors.LayerError
        For a link, an unknown or unusable name, or several different systems.
    """
    named: list[pyproj.CRS] = []
    for offset in _crs_key_offsets(path):
        value = _crs_value_at(path, offset, name)
        if isinstance(value, dict):  # GDAL ignores a crs member that is not an object
            crs = _geojson_named_crs(value, name)
            if not any(crs.equals(seen, ignore_axis_order=True) for seen in named):
                named.append(crs)
    if len(named) > 1:
        raise LayerError.single(
            name,
            f"it names several coordinate systems ({', '.join(map(_crs_label, named))}); "
            "a file must use one",
        )
    return named[0] if named else None


def _usable_crs(
    crs: pyproj.CRS | None, named: pyproj.CRS | None, name: str, stored: str | None = None
) -> pyproj.CRS:
    """The layer's coordinate system, refused unless it places coordinates on the Earth.

    ``stored`` says how the file stores it, for the message when it could not be read.
    """
    if crs is None:
        how = f" that can be read (it has {stored})" if stored else ""
        raise LayerError.single(name, f"the layer has no coordinate reference system{how}")
    crs = pyproj.CRS(crs)
    label = _crs_label(crs)
    if not (crs.is_geographic or crs.is_projected) or crs.name.lower().startswith("undefined"):
        raise LayerError.single(
            name,
            f"its coordinate system {label!r} is undefined or local ({crs.type_name}): its "
            "coordinates cannot be placed on a map",
        )
    if named is not None and not crs.equals(named, ignore_axis_order=True):
        raise LayerError.single(
            name,
            f"its crs member names {_crs_label(named)} but the file reads as {label}: "
            "name one coordinate system, for the whole file",
        )
    return crs


def _gdal_reason(exc: Exception) -> str:
    """GDAL's message for a file it could not read, without advice meant for GDAL's users."""
    message = str(exc)
    too_large = _GDAL_TOO_LARGE.search(message)
    if too_large:
        return (
            f"the feature at line {too_large.group(1)}, character {too_large.group(2)} is too "
            "large to read: simplify it or leave it out"
        )
    return message


def read_vector_table(source: str, name: str, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a spatial file (GDAL path with a forced driver), attributes as text, in EPSG:4326.

    A file without a usable coordinate system is refused (its coordinates cannot be placed):
    none, an undefined or local one, one GDAL cannot transform, and for GeoJSON any ``crs``
    member that is a link or not a known system (:func:`geojson_crs`). Any other CRS is
    reprojected to EPSG:4326.
    """
    if not gdal_offline():
        raise LayerError.single(
            name, "spatial files cannot be read: GDAL's network access could not be turned off"
        )
    named = None
    if source.startswith(_GEOJSON_PREFIX):
        named = geojson_crs(Path(source.removeprefix(_GEOJSON_PREFIX)), name)
    try:
        frame = pyogrio.read_dataframe(source, layer=layer)
    except _GDAL_ERRORS as exc:
        what = "GeoJSON" if source.startswith(_GEOJSON_PREFIX) else "spatial"
        raise LayerError.single(name, f"not a readable {what} file: {_gdal_reason(exc)}") from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise LayerError.single(name, "the layer has no geometry")
    stored = None
    if frame.crs is None and source.startswith("GPKG:"):
        stored = _gpkg_srs(Path(source.removeprefix("GPKG:")), layer)
    crs = _usable_crs(frame.crs, named, name, stored)
    if not crs.equals(WGS84, ignore_axis_order=True):
        try:
            frame = frame.to_crs(WGS84)
        except pyproj.exceptions.ProjError as exc:
            raise LayerError.single(
                name,
                f"its coordinate system {_crs_label(crs)!r} cannot be turned into WGS 84: {exc}",
            ) from None
    if frame.empty:
        raise LayerError.single(name, "the layer has no features")
    geometry = frame.geometry
    attributes = pd.DataFrame(frame.drop(columns=geometry.name))
    for column in attributes.columns:
        values = attributes[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d")
        else:
            text = values.astype(str)
        attributes[column] = text.where(values.notna(), "")
    table = gpd.GeoDataFrame(attributes, geometry=geometry.values, crs=WGS84)
    return _numbered(table)


def geojson_source(path: Path) -> str:
    """The GDAL path for a GeoJSON file, with the driver fixed so no other driver claims it."""
    return f"{_GEOJSON_PREFIX}{os.fspath(path)}"
