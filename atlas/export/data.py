"""The incidents of a view as data: CSV for spreadsheets and GeoJSON for GIS.

Two protections apply to every data export:

* **Spreadsheet formulas** (:mod:`atlas.spreadsheet`). A text cell that begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``, so a spreadsheet shows
  it as text instead of running it. Numbers (Mali's longitudes are negative) are written as
  numbers and never changed.
* **Licences.** Rows whose licence forbids redistributing raw data are withheld unless the
  operator allows them (:mod:`atlas.export.licence`); the export says how many and why.

The CSV is UTF-8 with a byte-order mark (so spreadsheets detect the encoding) and holds only
the header and the rows, so any CSV reader takes it as it is. What a reader needs to know about
it (view, filters, attribution, withheld rows) is in a README text that travels beside it. The
GeoJSON carries the same notes in a top-level ``metadata`` member.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from atlas.aggregate import CELL_COLUMNS
from atlas.export.describe import ViewSummary
from atlas.export.licence import (
    ALLOW_RAW_EXPORT_ENV,
    RESTRICTED_REASON,
    raw_export_allowed,
    restricted_rows,
)
from atlas.spreadsheet import plain_value, safe_csv

# Columns in the order a reader expects them; any other column follows, in the frame's order.
LEADING_COLUMNS = (
    "id",
    "event_date",
    "date_precision",
    "location",
    "country",
    "admin1",
    "admin1_name",
    "latitude",
    "longitude",
    "geo_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor1_family",
    "actor2",
    "actor2_family",
    "fatalities",
    "description",
    "source",
    "source_publisher",
    "source_title",
    "source_date",
    "source_url",
    "dataset",
    "licence",
)
SAFETY_NOTE = (
    "Text cells that begin with =, +, -, @, a tab or a carriage return are prefixed with ' "
    "so that spreadsheets show them as text; numbers are unchanged."
)


@dataclass(frozen=True)
class DataExport:
    """A data export and what it needs to say about itself.

    Attributes
    ----------
    content
        The file's bytes.
    rows
        Rows written.
    withheld
        Rows left out under the licence rule.
    notes
        Sentences for the person exporting (shown by the page and the command line).
    readme
        Plain text describing the export, meant to travel beside a CSV.
    """

    content: bytes
    rows: int
    withheld: int
    notes: tuple[str, ...]
    readme: str


def exportable(summary: ViewSummary, allow_raw: bool | None = None) -> tuple[gpd.GeoDataFrame, int]:
    """The incidents of ``summary`` that may be exported, and how many were withheld.

    Parameters
    ----------
    summary
        The view.
    allow_raw
        Whether restricted rows may be exported; None reads ``ATLAS_ALLOW_RAW_EXPORT``.
    """
    incidents = summary.incidents
    allowed = raw_export_allowed() if allow_raw is None else allow_raw
    if allowed or incidents.empty:
        return incidents, 0
    restricted = restricted_rows(incidents)
    return incidents.loc[~restricted], int(restricted.sum())


def _columns(incidents: gpd.GeoDataFrame) -> list[str]:
    present = [
        c for c in incidents.columns if c != incidents.geometry.name and c not in CELL_COLUMNS
    ]
    ordered = [c for c in LEADING_COLUMNS if c in present or c in ("latitude", "longitude")]
    return ordered + [c for c in present if c not in ordered]


def _table(incidents: gpd.GeoDataFrame) -> pd.DataFrame:
    """The rows as plain columns, with latitude and longitude from the geometry."""
    frame = pd.DataFrame(incidents.drop(columns=incidents.geometry.name))
    if incidents.empty:
        frame["latitude"] = pd.Series(dtype=float)
        frame["longitude"] = pd.Series(dtype=float)
    else:
        frame["latitude"] = incidents.geometry.y.to_numpy()
        frame["longitude"] = incidents.geometry.x.to_numpy()
    return frame[_columns(incidents)]


def _notes(withheld: int, included_restricted: int) -> tuple[str, ...]:
    notes = []
    if withheld:
        rows = "row was" if withheld == 1 else "rows were"
        notes.append(f"{withheld:,} {rows} withheld: {RESTRICTED_REASON}.")
    if included_restricted:
        rows = "row" if included_restricted == 1 else "rows"
        notes.append(
            f"{included_restricted:,} ACLED {rows} included because "
            f"{ALLOW_RAW_EXPORT_ENV} is set; ACLED's terms apply to their further use."
        )
    return tuple(notes)


def _readme(
    summary: ViewSummary, fmt: str, rows: int, notes: tuple[str, ...], credits: tuple[str, ...]
) -> str:
    lines = [
        f"{summary.title}: incidents of one view ({fmt.upper()})",
        "",
        f"View (query string): {summary.view.to_query_string() or '(the default view)'}",
        f"Dates: {summary.date_text}",
        f"Filters: {summary.filters_text}",
        f"Rows: {rows:,}",
        "",
        *notes,
        SAFETY_NOTE if fmt == "csv" else "",
        "",
        "Attribution (required when the data is shared):",
        *(f"- {line}" for line in credits),
    ]
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def _prepare(
    summary: ViewSummary, allow_raw: bool | None
) -> tuple[gpd.GeoDataFrame, int, tuple[str, ...], tuple[str, ...]]:
    rows, withheld = exportable(summary, allow_raw)
    included_restricted = int(restricted_rows(rows).sum()) if not rows.empty else 0
    return rows, withheld, _notes(withheld, included_restricted), summary.data_credits(rows)


def incidents_csv(summary: ViewSummary, *, allow_raw: bool | None = None) -> DataExport:
    """The incidents of a view as CSV (UTF-8 with BOM), formula cells neutralised.

    Parameters
    ----------
    summary
        The view (:func:`atlas.export.describe.summarise`).
    allow_raw
        Whether rows under a no-redistribution licence are written; None reads
        ``ATLAS_ALLOW_RAW_EXPORT``.
    """
    rows, withheld, notes, credits = _prepare(summary, allow_raw)
    table = _table(rows)
    return DataExport(
        content=safe_csv(table),
        rows=len(table),
        withheld=withheld,
        notes=notes,
        readme=_readme(summary, "csv", len(table), notes, credits),
    )


def incidents_geojson(summary: ViewSummary, *, allow_raw: bool | None = None) -> DataExport:
    """The incidents of a view as a GeoJSON FeatureCollection with a ``metadata`` member.

    ``metadata`` holds the view, its dates and filters, the attribution, the notes (rows
    withheld and why) and a README text.

    Parameters
    ----------
    summary
        The view (:func:`atlas.export.describe.summarise`).
    allow_raw
        As for :func:`incidents_csv`.
    """
    rows, withheld, notes, credits = _prepare(summary, allow_raw)
    table = _table(rows).drop(columns=["latitude", "longitude"])
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(point.x), float(point.y)]},
            "properties": {
                column: plain_value(value)
                for column, value in zip(table.columns, record, strict=True)
            },
        }
        for point, record in zip(
            rows.geometry, table.itertuples(index=False, name=None), strict=True
        )
    ]
    readme = _readme(summary, "geojson", len(features), notes, credits)
    document = {
        "type": "FeatureCollection",
        "metadata": {
            "title": summary.title,
            "view": summary.view.to_query_string(),
            "date_from": summary.start.isoformat(),
            "date_to": summary.end.isoformat(),
            "filters": list(summary.filters),
            "rows": len(features),
            "withheld_rows": withheld,
            "notes": list(notes),
            "attribution": list(credits),
            "readme": readme,
        },
        "features": features,
    }
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, indent=1)
    return DataExport(
        content=text.encode("utf-8"),
        rows=len(features),
        withheld=withheld,
        notes=notes,
        readme=readme,
    )
