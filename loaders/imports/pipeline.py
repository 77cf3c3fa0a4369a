"""From a file on disk to validated rows and a report: detect, read, check, normalise."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd

from loaders.errors import LayerError
from loaders.imports import acled, geopko, ucdp
from loaders.imports.common import ReaderContext, has_columns, lowered
from loaders.imports.mapped import mapped_draft, resolve_mapping, suggest_mapping
from loaders.imports.model import (
    DEPLOYMENTS,
    FORMATS,
    INCIDENTS,
    MAPPED_FORMATS,
    ImportOptions,
    ImportReport,
    ImportResult,
    NothingImportedError,
    Preview,
    Reference,
)
from loaders.imports.rows import RowIssues, check_countries
from loaders.imports.schema import finish_deployments, finish_incidents
from loaders.imports.source import (
    GEOJSON,
    GPKG,
    SHP_ZIP,
    TEXT,
    XLSX,
    choose_layer,
    geojson_source,
    gpkg_layers,
    read_text_table,
    read_vector_table,
    read_xlsx_table,
    sniff,
    unpacked_shapefile,
)

Progress = Callable[[float, str], object]
DATASET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
RESERVED_NAMES = frozenset({"curated"})
DEFAULT_NAMES = {"acled": "acled", "ucdp": "ucdp-ged", "geopko": "geo-pko"}
_SPATIAL = {GEOJSON: "geojson", GPKG: "gpkg", SHP_ZIP: "shp"}


@dataclass
class _Table:
    """A file read into a table, before its format's rules are applied."""

    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None
    content: str
    encoding: str | None
    layers: tuple[str, ...] = ()
    layer: str | None = None


def _no_progress(fraction: float, message: str) -> None:
    del fraction, message


def dataset_name(name: str) -> str:
    """Check a dataset name (it names files): lower-case letters, digits, ``-`` and ``_``.

    Raises
    ------
    ValueError
        For an empty, too long, reserved or otherwise unusable name.
    """
    if name in RESERVED_NAMES:
        raise ValueError(f"dataset name {name!r} is reserved for the embedded set")
    if not DATASET_NAME.fullmatch(name):
        raise ValueError(
            f"dataset name {name!r} must be 1-48 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return name


def default_dataset_name(fmt: str, file: str) -> str:
    """The name a dataset gets when none is given: by format, else from the file name."""
    if fmt in DEFAULT_NAMES:
        return DEFAULT_NAMES[fmt]
    stem = re.sub(r"[^0-9a-z]+", "-", Path(file).stem.lower()).strip("-")[:48].strip("-")
    return stem if stem and stem not in RESERVED_NAMES else "imported"


def default_licence(fmt: str, file: str, accessed: date) -> str:
    """The attribution line stored with a dataset when the user gives none."""
    day = accessed.isoformat()
    if fmt == "acled":
        return (
            f"ACLED (Armed Conflict Location & Event Data), acleddata.com, accessed {day}; "
            "raw rows not for redistribution"
        )
    if fmt == "ucdp":
        return (
            "UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program, CC BY 4.0, "
            f"accessed {day}"
        )
    if fmt == "geopko":
        return f"Geo-PKO dataset of UN peacekeeping deployments, accessed {day}"
    return f"{file}, imported {day}; licence not stated"


@contextmanager
def _read_table(
    path: Path, name: str, options: ImportOptions, *, first_if_many: bool = False
) -> Iterator[_Table]:
    sniffed = sniff(path, name, options.limits)
    if sniffed.kind == TEXT:
        frame, encoding = read_text_table(path, name)
        yield _Table(frame, None, TEXT, encoding)
    elif sniffed.kind == XLSX:
        yield _Table(read_xlsx_table(path, name, options.limits), None, XLSX, None)
    elif sniffed.kind == GEOJSON:
        features = read_vector_table(geojson_source(path), name)
        yield _Table(
            pd.DataFrame(features.drop(columns="geometry")), features.geometry, GEOJSON, "utf-8"
        )
    elif sniffed.kind == GPKG:
        layers = gpkg_layers(path, name, options.limits)
        layer = choose_layer(layers, options.layer, name, first_if_many=first_if_many)
        features = read_vector_table(f"GPKG:{path}", name, layer)
        yield _Table(
            pd.DataFrame(features.drop(columns="geometry")),
            features.geometry,
            GPKG,
            None,
            layers,
            layer,
        )
    else:
        with (
            tempfile.TemporaryDirectory(prefix="atlas-shp-") as workdir,
            unpacked_shapefile(
                path,
                name,
                options.limits,
                Path(workdir),
                options.layer,
                first_if_many=first_if_many,
            ) as (shp, layers, layer),
        ):
            features = read_vector_table(str(shp), name)
            yield _Table(
                pd.DataFrame(features.drop(columns="geometry")),
                features.geometry,
                SHP_ZIP,
                None,
                layers,
                layer,
            )


def _detect(table: _Table, wanted: str, name: str) -> str:
    """The format of a table: asked for (and checked against the content) or detected."""
    columns = [str(c) for c in table.frame.columns]
    reduced = list(lowered(table.frame.head(0)).columns)
    if table.content in _SPATIAL:
        actual = _SPATIAL[table.content]
        if wanted not in ("auto", actual):
            raise LayerError.single(name, f"the file is a {actual} file, not {wanted}")
        return actual
    if wanted in ("geojson", "gpkg", "shp"):
        raise LayerError.single(name, f"the file is not {wanted}: its content is a table")
    known = {
        "acled": has_columns(columns, acled.SIGNATURE),
        "ucdp": has_columns(columns, ucdp.SIGNATURE),
        "geopko": geopko.looks_like_geopko(reduced),
    }
    if wanted in known:
        if not known[wanted]:
            raise LayerError.single(
                name, f"the columns do not look like a {wanted} file: {', '.join(columns)}"
            )
        return wanted
    if wanted == "csv":
        return "csv"
    detected = next((fmt for fmt, matches in known.items() if matches), None)
    if detected:
        return detected
    suggestion = suggest_mapping(columns, has_geometry=False)
    if not any(field in suggestion for field in ("date", "lat", "lon")):
        raise LayerError.single(
            name,
            "unknown format: the columns match no ACLED, UCDP GED or Geo-PKO export and no "
            f"date or coordinate column was found (columns: {', '.join(columns[:30])})",
        )
    return "csv"


def preview_file(
    path: Path, options: ImportOptions | None = None, name: str | None = None
) -> Preview:
    """Read a file far enough to show what it is: format, encoding, columns, layers and mapping.

    A GeoPackage or zip with several layers is previewed with the one asked for, else its
    first; ``layers`` lists them all so the user can choose.

    Raises
    ------
    loaders.errors.LayerError
        When the file cannot be read or its format cannot be told.
    """
    options = options or ImportOptions()
    shown = name or path.name
    if options.format not in ("auto", *FORMATS):
        raise LayerError.single(shown, f"unknown format {options.format!r}")
    with _read_table(path, shown, options, first_if_many=True) as table:
        fmt = _detect(table, options.format, shown)
        columns = tuple(str(c) for c in table.frame.columns)
        has_geometry = table.geometry is not None
        return Preview(
            file=shown,
            format=fmt,
            kind=DEPLOYMENTS if fmt == "geopko" else INCIDENTS,
            encoding=table.encoding,
            rows=len(table.frame),
            columns=columns,
            suggested_mapping=suggest_mapping(columns, has_geometry)
            if fmt in MAPPED_FORMATS
            else {},
            layers=table.layers,
            layer=table.layer,
        )


def read_import(
    path: Path,
    reference: Reference,
    options: ImportOptions | None = None,
    *,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Read, check and normalise one file into rows ready to store.

    Parameters
    ----------
    path
        The file; its extension is ignored.
    reference
        Regions and countries for ``admin1`` and missing countries.
    options
        Format, dataset name, layer, column mapping, keep-outside, access date and licence.
    name
        The file name shown in messages (an upload's original name); ``path.name`` if None.
    progress
        Called with a fraction done and what is happening.

    Returns
    -------
    ImportResult
        The normalised rows (incidents or, for Geo-PKO, deployments) and the report.

    Raises
    ------
    loaders.errors.LayerError
        When the file cannot be read at all; :class:`NothingImportedError` when every row is
        rejected.
    """
    options = options or ImportOptions()
    shown = name or path.name
    report_progress = progress or _no_progress
    if options.format not in ("auto", *FORMATS):
        raise LayerError.single(shown, f"unknown format {options.format!r}")
    report_progress(0.05, "Reading the file")
    with _read_table(path, shown, options) as table:
        fmt = _detect(table, options.format, shown)
        try:
            dataset = dataset_name(options.dataset or default_dataset_name(fmt, shown))
        except ValueError as exc:
            raise LayerError.single(shown, str(exc)) from None
        licence = options.licence or default_licence(
            fmt, shown, options.access_date or date.today()
        )
        report_progress(0.35, "Checking every row")
        ctx = ReaderContext(
            shown, options.keep_outside, RowIssues(table.frame.index), RowIssues(table.frame.index)
        )
        mapping: dict[str, str] = {}
        if fmt == "acled":
            draft = acled.acled_draft(lowered(table.frame), ctx)
        elif fmt == "ucdp":
            draft = ucdp.ucdp_draft(lowered(table.frame), ctx)
        elif fmt == "geopko":
            draft = geopko.geopko_draft(lowered(table.frame), ctx)
        else:
            columns = [str(c) for c in table.frame.columns]
            mapping = resolve_mapping(columns, options.mapping, table.geometry is not None, shown)
            draft = mapped_draft(table.frame, mapping, ctx, table.geometry)
        kind = DEPLOYMENTS if fmt == "geopko" else INCIDENTS
        if kind == INCIDENTS and not draft.empty:
            draft["country"] = check_countries(draft, reference.countries, ctx.flags)
        report = ImportReport(
            file=shown,
            dataset=dataset,
            format=fmt,
            kind=kind,
            encoding=table.encoding,
            rows_read=len(table.frame),
            accepted=len(draft),
            rejected=ctx.issues.problems(shown),
            flagged=ctx.flags.problems(shown),
            mapping=mapping,
            layer=table.layer,
            merged=ctx.merged,
        )
    if draft.empty:
        raise NothingImportedError(report)
    report_progress(0.6, "Placing rows in regions")
    finish = finish_deployments if kind == DEPLOYMENTS else finish_incidents
    frame = finish(draft, dataset=dataset, licence=licence, reference=reference)
    dates = frame["start_date" if kind == DEPLOYMENTS else "event_date"]
    report.date_min, report.date_max = dates.min().date(), dates.max().date()
    return ImportResult(frame=frame, report=report)
