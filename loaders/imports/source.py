"""Opening an uploaded file safely: limits first, content sniffed, the extension ignored.

Nothing here trusts a file name. The kind of a file is read from its first bytes; a zip is
judged by its directory (sizes, ratios, member names) before one byte is unpacked; spatial
files are opened with the GDAL driver fixed by content, and XML is refused outright, because
GDAL's VRT driver would otherwise follow a ``.geojson`` that is really a VRT to files on the
server.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio

from loaders.errors import LayerError
from loaders.imports.model import ImportLimits

WGS84 = "EPSG:4326"
ENCODINGS: tuple[str, ...] = ("utf-8", "cp1252", "latin-1")

# Kinds of content, told apart by their first bytes.
TEXT, XLSX, GEOJSON, GPKG, SHP_ZIP = "text", "xlsx", "geojson", "gpkg", "shp-zip"

_SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg"}
_SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GDAL_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.CRSError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
)


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


def _zip_members(path: Path, name: str, limits: ImportLimits) -> list[zipfile.ZipInfo]:
    """The zip's members after checking their listed sizes, ratios and names."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
    except zipfile.BadZipFile as exc:
        raise LayerError.single(name, f"not a readable zip file: {exc}") from None
    if len(members) > limits.max_members:
        raise LayerError.single(
            name, f"the zip holds {len(members)} files, over {limits.max_members}"
        )
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked_bytes:
        raise LayerError.single(
            name,
            f"the zip would unpack to {total / 2**20:.0f} MB, over the "
            f"{limits.max_unpacked_bytes / 2**20:.0f} MB limit",
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and ratio > limits.max_ratio:
            raise LayerError.single(
                name,
                f"zip member {member.filename!r} expands {ratio:.0f} times (limit "
                f"{limits.max_ratio:.0f}): refused as a possible zip bomb",
            )
        parts = PurePosixPath(member.filename.replace("\\", "/")).parts
        if member.filename.startswith(("/", "\\")) or ".." in parts:
            raise LayerError.single(name, f"zip member {member.filename!r} has an unsafe path")
    return members


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


def read_xlsx_table(path: Path, name: str) -> pd.DataFrame:
    """Read the first sheet of a spreadsheet with every cell as text."""
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl")
    except Exception as exc:  # any parser failure on arbitrary bytes is a bad file, not a bug
        raise LayerError.single(name, f"not a readable spreadsheet: {exc}") from None
    frame = frame.fillna("")
    if frame.empty:
        raise LayerError.single(name, "the spreadsheet's first sheet has no data rows")
    return _numbered(frame)


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
    Only the parts of a shapefile are unpacked, each read with a byte limit (a listed size
    can lie), and written under our own names, so no member path is ever used.
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
            name, f"the zip holds several shapefiles ({', '.join(names)}): choose one as the layer"
        )
    chosen = next((s for s in shapefiles if layer is None or PurePosixPath(s).name == layer), None)
    if chosen is None:
        raise LayerError.single(
            name, f"no shapefile {layer!r} in the zip; it holds {', '.join(names)}"
        )
    parts = shapefiles[chosen]
    for needed in (".shx", ".dbf"):
        if needed not in parts:
            raise LayerError.single(name, f"the shapefile has no {needed} file")
    if ".prj" not in parts:
        raise LayerError.single(
            name, "the shapefile has no .prj file, so its coordinate system is unknown"
        )
    budget = limits.max_unpacked_bytes
    with zipfile.ZipFile(path) as archive:
        for suffix, member in parts.items():
            with archive.open(member) as source:
                content = source.read(budget + 1)
            budget -= len(content)
            if budget < 0:
                raise LayerError.single(name, "the zip unpacks to more than its listed size")
            (workdir / f"layer{suffix}").write_bytes(content)
    if not (workdir / "layer.shp").read_bytes()[:4] == _SHAPEFILE_MAGIC:
        raise LayerError.single(name, "the .shp file in the zip is not a shapefile")
    yield workdir / "layer.shp", names, PurePosixPath(chosen).name


def gpkg_layers(path: Path, name: str) -> tuple[str, ...]:
    """The vector layers of a GeoPackage."""
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
                name, f"the GeoPackage has several layers ({', '.join(available)}): choose one"
            )
        return available[0]
    if wanted not in available:
        raise LayerError.single(
            name, f"no layer {wanted!r} in the GeoPackage; it has {', '.join(available)}"
        )
    return wanted


def read_vector_table(source: str, name: str, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a spatial file (GDAL path with a forced driver), attributes as text, in EPSG:4326.

    A file without a coordinate system is refused (its coordinates cannot be placed); any
    other CRS is reprojected to EPSG:4326.
    """
    try:
        frame = pyogrio.read_dataframe(source, layer=layer)
    except _GDAL_ERRORS as exc:
        raise LayerError.single(name, f"not a readable spatial file: {exc}") from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise LayerError.single(name, "the layer has no geometry")
    if frame.crs is None:
        raise LayerError.single(name, "the layer has no coordinate reference system")
    if frame.crs != WGS84:
        frame = frame.to_crs(WGS84)
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
    return f"GeoJSON:{os.fspath(path)}"
