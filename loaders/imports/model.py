"""The values an import is asked for and the values it hands back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd

from loaders.errors import LayerError, Problem

FORMATS: tuple[str, ...] = ("acled", "ucdp", "geopko", "geojson", "gpkg", "shp", "csv")
"""Formats an import can be asked for; ``auto`` detects one of these from the content."""

FORMAT_TITLES: dict[str, str] = {
    "acled": "ACLED export (CSV or XLSX)",
    "ucdp": "UCDP GED events (CSV)",
    "geopko": "Geo-PKO deployments (CSV)",
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
    "shp": "Zipped shapefile",
    "csv": "Plain CSV with coordinates",
}

MAPPED_FORMATS = frozenset({"geojson", "gpkg", "shp", "csv"})
"""Formats whose columns the user maps to ours (no fixed column set)."""
SPATIAL_FORMATS = frozenset({"geojson", "gpkg", "shp"})

INCIDENTS = "incidents"
DEPLOYMENTS = "deployments"


@dataclass(frozen=True)
class ImportLimits:
    """What a file may cost before and while it is parsed.

    ``max_unpacked_bytes`` is what all the members of a zip (a zipped shapefile or a
    spreadsheet) may unpack to together, counted as they are decompressed; it equals
    ``max_bytes`` by default, so a parser never sees more than a plain file may hold.
    ``max_ratio`` is the largest allowed ratio of unpacked to packed size of a zip member as
    the zip lists it; ordinary CSV and spreadsheets stay well under it, zip bombs do not.
    ``max_part_bytes`` bounds each part of a spreadsheet other than its sheets and shared
    strings (styles, theme, charts), which are read whole into memory. ``max_cells`` bounds
    the cells of a spreadsheet's first sheet as stored, empty ones within a row included, and
    ``max_layers`` the layers of a GeoPackage.
    """

    max_bytes: int = 256 * 1024 * 1024
    max_unpacked_bytes: int = 256 * 1024 * 1024
    max_ratio: float = 100.0
    max_members: int = 64
    max_part_bytes: int = 16 * 1024 * 1024
    max_cells: int = 10_000_000
    max_layers: int = 100


@dataclass(frozen=True)
class ImportOptions:
    """How to read one file.

    Parameters
    ----------
    format
        ``auto`` or one of :data:`FORMATS`; a given format is still checked against the content.
    dataset
        Name to store the data under; derived from the format when None.
    layer
        Layer of a GeoPackage, or shapefile inside a zip, when it holds several.
    mapping
        For GeoJSON, GeoPackage, shapefile and plain CSV: our field (``date``, ``lat`` …) to
        the file's column. Fields not given are suggested from the column names.
    keep_outside
        Keep rows outside Mali and its neighbours (they are flagged in the report).
    access_date
        When the data was downloaded (cited in ACLED's attribution); today when None.
    licence
        Licence and attribution line; a default per format when None.
    limits
        Size limits checked before parsing.
    """

    format: str = "auto"
    dataset: str | None = None
    layer: str | None = None
    mapping: Mapping[str, str] | None = None
    keep_outside: bool = False
    access_date: date | None = None
    licence: str | None = None
    limits: ImportLimits = field(default_factory=ImportLimits)


@dataclass(frozen=True)
class Reference:
    """Reference layers an import needs: regions (for ``admin1``) and countries."""

    regions: gpd.GeoDataFrame
    countries: gpd.GeoDataFrame


@dataclass(frozen=True)
class Preview:
    """What a file looks like before it is imported: shown to the user for confirmation."""

    file: str
    format: str
    kind: str
    encoding: str | None
    rows: int
    columns: tuple[str, ...]
    suggested_mapping: dict[str, str]
    layers: tuple[str, ...] = ()
    layer: str | None = None

    @property
    def needs_mapping(self) -> bool:
        """True when the user has to confirm which column holds what."""
        return self.format in MAPPED_FORMATS

    @property
    def has_geometry(self) -> bool:
        """True when features carry their own geometry (no latitude/longitude columns)."""
        return self.format in SPATIAL_FORMATS


def _by_reason(problems: list[Problem]) -> dict[str, int]:
    counts = pd.Series([p.reason for p in problems], dtype=object).value_counts()
    return {str(reason): int(n) for reason, n in counts.items()}


@dataclass
class ImportReport:
    """The outcome of one import, row by row.

    ``rejected`` lists one problem per rejected row (its 1-based data row and the first reason
    found); ``flagged`` lists rows kept with a warning (outside Mali, a point in another
    country than the file says, outside the area when asked to keep such rows). ``merged``
    counts rows folded into an earlier row of the same event (ACLED's monadic pairs).
    ``added``/``updated``/``unchanged`` are filled in by the store, and ``removed`` when a
    replace dropped stored rows the file does not have.
    """

    file: str
    dataset: str
    format: str
    kind: str
    encoding: str | None
    rows_read: int
    accepted: int
    rejected: list[Problem]
    flagged: list[Problem] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    layer: str | None = None
    merged: int = 0
    date_min: date | None = None
    date_max: date | None = None
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    stored: bool = False
    reimport: bool = False
    """True when the file went into a dataset that was already stored."""

    @property
    def rejected_by_reason(self) -> dict[str, int]:
        """How many rows each reason rejected, most frequent first."""
        return _by_reason(self.rejected)

    @property
    def flagged_by_reason(self) -> dict[str, int]:
        """How many kept rows each warning flagged, most frequent first."""
        return _by_reason(self.flagged)

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON values (the CLI's ``--json`` output)."""
        return {
            "dataset": self.dataset,
            "format": self.format,
            "kind": self.kind,
            "file": self.file,
            "encoding": self.encoding,
            "rows_read": self.rows_read,
            "accepted": self.accepted,
            "rejected": len(self.rejected),
            "rejected_by_reason": self.rejected_by_reason,
            "flagged": len(self.flagged),
            "flagged_by_reason": self.flagged_by_reason,
            "merged": self.merged,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "date_min": self.date_min.isoformat() if self.date_min else None,
            "date_max": self.date_max.isoformat() if self.date_max else None,
            "mapping": self.mapping,
            "layer": self.layer,
            "stored": self.stored,
        }

    def rejected_table(self) -> pd.DataFrame:
        """Rejected and flagged rows as a table to download: row, status, reason, column, value."""
        records = [
            {
                "row": p.row,
                "status": status,
                "reason": p.reason,
                "column": p.column or "",
                "value": p.value or "",
            }
            for status, problems in (("rejected", self.rejected), ("flagged", self.flagged))
            for p in problems
        ]
        return pd.DataFrame(records, columns=["row", "status", "reason", "column", "value"])


@dataclass(frozen=True)
class ImportResult:
    """Rows ready to store (incidents or deployments) and the report about them."""

    frame: gpd.GeoDataFrame
    report: ImportReport


class NothingImportedError(LayerError):
    """Every row of a file was rejected; ``report`` says which and why."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        counts = ", ".join(f"{reason}: {n}" for reason, n in report.rejected_by_reason.items())
        super().__init__(report.rejected)
        self.args = (
            f"{report.file}: no row could be imported ({len(report.rejected)} rejected; {counts})",
        )

    def __str__(self) -> str:
        return str(self.args[0])
