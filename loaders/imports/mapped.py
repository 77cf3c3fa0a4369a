"""Files with no fixed column set: plain CSV/XLSX with coordinates, GeoJSON, GeoPackage and
shapefile. The user maps their columns to our fields (the UI suggests a mapping to confirm; the
CLI takes ``--map date=COL,lat=COL,lon=COL``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd

from loaders.errors import LayerError
from loaders.imports.common import ReaderContext, normal_name, text
from loaders.imports.dates import parse_dates
from loaders.imports.places import country_codes
from loaders.imports.rows import (
    MISSING_COORDINATES,
    check_coordinates,
    check_counts,
    check_dates,
    check_ids,
)
from loaders.imports.schema import UNCLASSIFIED, content_versions
from loaders.vocabulary import EVENT_TYPES

# Our field -> (what it holds, column names that suggest it, reduced).
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "date": ("date of the event", ("event_date", "date", "date_start", "incident_date", "day")),
    "lat": ("latitude in degrees", ("latitude", "lat", "y")),
    "lon": ("longitude in degrees", ("longitude", "lon", "lng", "long", "x")),
    "id": ("unique id of the row", ("id", "event_id", "incident_id", "uid")),
    "end_date": ("last day, for an event over a period", ("end_date", "date_end")),
    "location": ("place name", ("location", "place", "town", "locality", "village", "site")),
    "country": ("country name or ISO code", ("country", "iso3", "country_code")),
    "event_type": ("ACLED event type", ("event_type", "type")),
    "sub_event_type": ("ACLED sub-event type", ("sub_event_type", "subtype")),
    "actor1": ("first actor", ("actor1", "actor_1", "actor", "perpetrator")),
    "actor2": ("second actor", ("actor2", "actor_2", "target")),
    "fatalities": ("deaths", ("fatalities", "deaths", "killed", "dead")),
    "fatalities_low": ("lowest death estimate", ("fatalities_low", "low")),
    "fatalities_high": ("highest death estimate", ("fatalities_high", "high")),
    "description": ("what happened", ("description", "notes", "summary", "details")),
    "source": ("where it was reported", ("source", "sources", "reference")),
    "source_url": ("link to the source", ("source_url", "url", "link")),
    "admin2": ("second-level area (cercle)", ("admin2", "cercle", "district")),
    "date_precision": ("1 day, 2 week, 3 month, 4 year", ("date_precision", "time_precision")),
    "geo_precision": ("1 town, 2 near it, 3 region", ("geo_precision",)),
}
COORDINATE_FIELDS = ("lat", "lon")
NOT_A_POINT = "not a point geometry"
NOT_RECORDED = "Not recorded"


def required_fields(has_geometry: bool) -> tuple[str, ...]:
    """Fields every mapping must give: the date, and coordinates unless features have them."""
    return ("date",) if has_geometry else ("date", "lat", "lon")


def parse_mapping(spec: str) -> dict[str, str]:
    """Read ``date=COL,lat=COL`` into ``{"date": "COL", "lat": "COL"}``.

    Raises
    ------
    ValueError
        For a part without ``=`` or an unknown field, naming the known fields.
    """
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        field, sep, column = part.partition("=")
        field = field.strip()
        if not sep or not column.strip():
            raise ValueError(f"mapping part {part!r} is not FIELD=COLUMN")
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}; fields: {', '.join(FIELDS)}")
        mapping[field] = column.strip()
    return mapping


def suggest_mapping(columns: Sequence[str], has_geometry: bool) -> dict[str, str]:
    """A mapping guessed from column names, each column used for at most one field."""
    by_name = {normal_name(c): c for c in reversed(columns)}
    suggestion: dict[str, str] = {}
    used: set[str] = set()
    for field, (_, names) in FIELDS.items():
        if has_geometry and field in COORDINATE_FIELDS:
            continue
        column = next((by_name[n] for n in names if n in by_name and by_name[n] not in used), None)
        if column is not None:
            suggestion[field] = column
            used.add(column)
    return suggestion


def resolve_mapping(
    columns: Sequence[str], given: Mapping[str, str] | None, has_geometry: bool, file: str
) -> dict[str, str]:
    """The suggested mapping overridden by the user's; every column named must exist.

    Raises
    ------
    loaders.errors.LayerError
        When a named column is missing or a required field has no column.
    """
    mapping = suggest_mapping(columns, has_geometry)
    by_reduced = {normal_name(c): c for c in columns}
    for field, column in (given or {}).items():
        if field not in FIELDS:
            raise LayerError.single(file, f"unknown field {field!r} in the column mapping")
        found = column if column in columns else by_reduced.get(normal_name(column))
        if found is None:
            raise LayerError.single(
                file,
                f"column {column!r} (mapped to {field}) is not in the file; "
                f"its columns are {', '.join(columns)}",
            )
        mapping[field] = found
    if has_geometry:
        for field in COORDINATE_FIELDS:
            mapping.pop(field, None)
    missing = [f for f in required_fields(has_geometry) if f not in mapping]
    if missing:
        example = ",".join(f"{f}=COLUMN" for f in missing)
        raise LayerError.single(
            file,
            f"no column found for {', '.join(missing)}: choose one in the column mapping "
            f"(command line: --map {example}); the file's columns are {', '.join(columns)}",
        )
    return mapping


def _coordinates_from(geometry: gpd.GeoSeries, ctx: ReaderContext) -> tuple[pd.Series, pd.Series]:
    missing = geometry.isna() | geometry.is_empty
    single = geometry.where(~(geometry.geom_type == "MultiPoint"), geometry.apply(_only_point))
    kinds = single.geom_type.fillna("none")
    ctx.issues.add(missing, MISSING_COORDINATES, "geometry", kinds)
    ctx.issues.add(kinds != "Point", NOT_A_POINT, "geometry", kinds)
    points = single.where(kinds == "Point")
    lat = pd.Series(points.y, index=geometry.index).astype(str)
    lon = pd.Series(points.x, index=geometry.index).astype(str)
    return lat, lon


def _only_point(shape: object) -> object:
    parts = getattr(shape, "geoms", None)
    return parts[0] if parts is not None and len(parts) == 1 else shape


def _canonical_event_types(values: pd.Series, ctx: ReaderContext) -> pd.Series:
    canonical = {t.casefold(): t for t in EVENT_TYPES}
    mapped = values.str.casefold().map(canonical)
    ctx.issues.add(mapped.isna(), "unknown event type", "event_type", values)
    return mapped.fillna(UNCLASSIFIED)


def _precision(values: pd.Series, allowed: range, column: str, ctx: ReaderContext) -> pd.Series:
    numbers = pd.to_numeric(values.str.replace(r"\.0$", "", regex=True), errors="coerce")
    ctx.issues.add(~numbers.isin(list(allowed)), f"invalid {column}", column, values)
    return numbers.where(numbers.isin(list(allowed)), allowed[0]).astype(int)


def mapped_draft(
    table: pd.DataFrame,
    mapping: Mapping[str, str],
    ctx: ReaderContext,
    geometry: gpd.GeoSeries | None = None,
) -> pd.DataFrame:
    """Check every row of a mapped table and return the draft of its incidents.

    Coordinates come from ``geometry`` when given (points only), else from the ``lat`` and
    ``lon`` columns. Fields left unmapped get neutral values documented in ``docs/import.md``.
    """

    def column(field: str) -> pd.Series:
        return text(table, mapping[field]) if field in mapping else text(table, "\0absent")

    issues = ctx.issues
    if geometry is not None:
        lat_text, lon_text = _coordinates_from(geometry, ctx)
        names = ("geometry y", "geometry x")
    else:
        lat_text, lon_text = column("lat"), column("lon")
        names = (mapping["lat"], mapping["lon"])
    days = check_dates(column("date"), mapping["date"], issues)
    end_text = column("end_date")
    end_days, end_reasons = parse_dates(end_text)
    issues.add((end_text != "") & (end_reasons != ""), "invalid end date", "end_date", end_text)
    issues.add(end_days < days, "end date before date", "end_date", end_text)
    lat, lon = check_coordinates(
        lat_text, lon_text, issues, ctx.flags, keep_outside=ctx.keep_outside, columns=names
    )
    if "id" in mapping:
        ids = column("id")
        check_ids(ids, mapping["id"], issues)
    else:
        values = pd.DataFrame({f: column(f) for f in mapping} | {"lat": lat_text, "lon": lon_text})
        ids = "row-" + content_versions(values, list(values.columns))
        check_ids(ids, "(whole row)", issues)
    event_type = (
        _canonical_event_types(column("event_type"), ctx)
        if "event_type" in mapping
        else pd.Series(UNCLASSIFIED, index=table.index, dtype=object)
    )
    fatalities = check_counts(column("fatalities"), "fatalities", issues)
    low = check_counts(column("fatalities_low"), "fatalities_low", issues)
    high = check_counts(column("fatalities_high"), "fatalities_high", issues)
    date_precision = (
        _precision(column("date_precision"), range(1, 5), "date_precision", ctx)
        if "date_precision" in mapping
        else 1
    )
    geo_precision = (
        _precision(column("geo_precision"), range(1, 4), "geo_precision", ctx)
        if "geo_precision" in mapping
        else 1
    )
    keep = ~issues.marked
    location = column("location")
    location = location.where(
        location != "", lat.round(4).astype(str) + ", " + lon.round(4).astype(str)
    )
    sub_type = column("sub_event_type")
    actor1 = column("actor1")
    description = column("description")
    source = column("source")
    url = column("source_url")
    draft = pd.DataFrame(
        {
            "source_id": ids,
            "event_date": days,
            "end_date": end_days,
            "date_precision": date_precision,
            "geo_precision": geo_precision,
            "location": location,
            "country": country_codes(names=column("country")),
            "event_type": event_type,
            "sub_event_type": sub_type.where(sub_type != "", event_type),
            "actor1": actor1.where(actor1 != "", NOT_RECORDED),
            "actor2": column("actor2"),
            "assoc_actors": "",
            "fatalities": fatalities,
            "fatalities_low": low,
            "fatalities_high": high,
            "description": description.where(description != "", event_type + " at " + location),
            "source": source.where(
                source != "", ctx.file + ", row " + table.index.to_series().astype(str)
            ),
            "source_url": url.where(url.str.match(r"^https?://\S+$"), ""),
            "admin2": column("admin2"),
            "source_version": "",
            "latitude": lat,
            "longitude": lon,
        },
        index=table.index,
    )
    return draft.loc[keep]
