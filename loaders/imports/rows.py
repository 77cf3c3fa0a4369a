"""Row-level checks shared by every format, vectorised over whole columns.

A check never raises: it marks the rows it rejects with a reason (the first reason found for a
row is the one reported), and the good rows go on. Reasons are short fixed phrases, so the
report can count rows by reason.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from loaders.errors import Problem
from loaders.imports.dates import parse_dates
from loaders.imports.places import MALI_BOX, countries_at, in_box, in_study_area
from loaders.vocabulary import COUNTRY_ONLY

MISSING_COORDINATES = "missing coordinates"
INVALID_COORDINATES = "invalid coordinates"
SWAPPED_COORDINATES = "latitude/longitude likely swapped"
OUTSIDE_AREA = "outside Mali and its neighbours"
NOT_WHOLE = "fatalities not a whole number"
NEGATIVE = "negative fatalities"
MISSING_ID = "missing id"
DUPLICATE_ID = "duplicate id"
COUNTRY_DIFFERS = "point lies in another country than its country column says"
OUTSIDE_MALI = "outside Mali"
MALI = "MLI"


class RowIssues:
    """Reasons attached to rows of one table: at most one per row, the first one given."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self._reason = np.full(len(index), "", dtype=object)
        self._column = np.full(len(index), None, dtype=object)
        self._value = np.full(len(index), None, dtype=object)

    def add(self, mask: pd.Series, reason: str | pd.Series, column: str, values: pd.Series) -> None:
        """Mark rows where ``mask`` holds (and no reason is set yet) with ``reason``."""
        hit = mask.reindex(self.index, fill_value=False).to_numpy(dtype=bool) & (self._reason == "")
        if not hit.any():
            return
        reasons = (
            reason.reindex(self.index).to_numpy(dtype=object)
            if isinstance(reason, pd.Series)
            else np.full(len(self.index), reason, dtype=object)
        )
        self._reason[hit] = reasons[hit]
        self._column[hit] = column
        self._value[hit] = values.reindex(self.index).astype(str).to_numpy(dtype=object)[hit]

    @property
    def marked(self) -> pd.Series:
        """True for every row with a reason."""
        return pd.Series(self._reason != "", index=self.index)

    def problems(self, file: str) -> list[Problem]:
        """One :class:`Problem` per marked row, in row order."""
        rows = np.flatnonzero(self._reason != "")
        return [
            Problem(
                file,
                str(self._reason[i]),
                row=int(self.index[i]),
                column=self._column[i],
                value=self._value[i],
            )
            for i in rows
        ]


def check_dates(texts: pd.Series, column: str, issues: RowIssues) -> pd.Series:
    """Parse a date column; reject rows whose date is missing, invalid or ambiguous."""
    days, reasons = parse_dates(texts)
    issues.add(reasons != "", reasons, column, texts)
    return days


def check_coordinates(
    lat_text: pd.Series,
    lon_text: pd.Series,
    issues: RowIssues,
    flags: RowIssues,
    *,
    keep_outside: bool,
    columns: tuple[str, str] = ("latitude", "longitude"),
) -> tuple[pd.Series, pd.Series]:
    """Numeric latitude and longitude; rejects missing, invalid, swapped and distant points.

    A point outside the atlas area is rejected, or kept and flagged with ``keep_outside``;
    one whose swapped coordinates would fall in Mali is always rejected as swapped.
    """
    lat_column, lon_column = columns
    lat = pd.to_numeric(lat_text.astype(str).str.strip(), errors="coerce")
    lon = pd.to_numeric(lon_text.astype(str).str.strip(), errors="coerce")
    pair = lat_text.astype(str) + ", " + lon_text.astype(str)
    empty = (lat_text.astype(str).str.strip() == "") | (lon_text.astype(str).str.strip() == "")
    issues.add(empty, MISSING_COORDINATES, f"{lat_column}/{lon_column}", pair)
    invalid = lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180)
    issues.add(invalid, INVALID_COORDINATES, f"{lat_column}/{lon_column}", pair)
    outside = ~in_study_area(lon, lat)
    swapped = outside & in_box(lat, lon, MALI_BOX)
    issues.add(swapped, SWAPPED_COORDINATES, f"{lat_column}/{lon_column}", pair)
    target = flags if keep_outside else issues
    target.add(outside & ~swapped & ~invalid, OUTSIDE_AREA, f"{lat_column}/{lon_column}", pair)
    return lat.astype(float), lon.astype(float)


def check_counts(texts: pd.Series, column: str, issues: RowIssues) -> pd.Series:
    """A nullable whole number >= 0 per row; empty cells are missing, others must be counts."""
    stripped = texts.astype(str).str.strip()
    numbers = pd.to_numeric(stripped, errors="coerce")
    given = stripped != ""
    not_whole = given & (numbers.isna() | (numbers % 1 != 0))
    issues.add(
        not_whole,
        NOT_WHOLE if column == "fatalities" else f"{column} not a whole number",
        column,
        texts,
    )
    negative = given & ~not_whole & (numbers < 0)
    issues.add(
        negative, NEGATIVE if column == "fatalities" else f"negative {column}", column, texts
    )
    clean = numbers.where(given & ~not_whole & ~negative)
    return clean.round().astype("Int64")


def check_ids(ids: pd.Series, column: str, issues: RowIssues) -> None:
    """Reject rows without an id, and every repeat of an id already seen on an earlier row."""
    text = ids.astype(str).str.strip()
    issues.add(text == "", MISSING_ID, column, ids)
    alive = ~issues.marked
    repeated = text.duplicated(keep="first") & alive & text.ne("")
    issues.add(repeated, DUPLICATE_ID, column, ids)


def check_countries(
    draft: pd.DataFrame, countries: gpd.GeoDataFrame, flags: RowIssues
) -> pd.Series:
    """The country of each drafted incident, decided by its point; odd rows are flagged.

    A point inside a country's polygon belongs to that country, whatever the file's
    ``country`` column says; where the two disagree the row is kept and flagged. A point in
    no polygon (the sea, a gap along a border) keeps the file's country. Every placed point
    outside Mali is flagged too, so the report says how many of the rows lie elsewhere. Events
    located only to their country (:data:`COUNTRY_ONLY`) keep the file's country: their point
    is the country's centre, not a place.

    Parameters
    ----------
    draft
        Rows with ``latitude``, ``longitude``, ``country`` (ISO alpha-3 or empty) and
        ``geo_precision``, indexed by data row.
    countries
        Country polygons with ``iso_a3``, in EPSG:4326.
    flags
        Where the flags go.
    """
    given = draft["country"].astype(str)
    placed = draft["geo_precision"] != COUNTRY_ONLY
    lon = draft["longitude"].to_numpy(dtype=float)
    lat = draft["latitude"].to_numpy(dtype=float)
    mali = countries.loc[countries["iso_a3"] == MALI, "geometry"]
    in_mali = np.zeros(len(draft), dtype=bool)
    if not mali.empty:
        shape = shapely.union_all(mali.to_numpy())
        shapely.prepare(shape)
        in_mali = shapely.contains_xy(shape, lon, lat)
    at = pd.Series(np.where(in_mali, MALI, ""), index=draft.index, dtype=object)
    elsewhere = placed & ~pd.Series(in_mali, index=draft.index)
    if elsewhere.any():
        points = gpd.GeoSeries(
            gpd.points_from_xy(lon[elsewhere], lat[elsewhere]),
            index=draft.index[elsewhere],
            crs=countries.crs,
        )
        at[elsewhere] = countries_at(points, countries)
    at = at.where(placed, "")
    differs = (at != "") & (given != "") & (at != given)
    flags.add(differs, COUNTRY_DIFFERS, "country", given + " stated, point in " + at)
    decided = at.where(at != "", given)
    outside = placed & (decided != MALI)
    flags.add(
        outside, OUTSIDE_MALI, "latitude/longitude", decided.where(decided != "", "no country")
    )
    return decided
