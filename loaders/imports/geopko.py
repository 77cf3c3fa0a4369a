"""Geo-PKO peacekeeping deployments: one row per mission, place and month.

Consecutive months of the same mission at the same place become one deployment, shaped like
the curated deployments layer: ``start_date`` the first day of the first month, ``end_date``
the last day of the last month (both with month precision), ``strength`` the troops of the
last month and ``contributor`` the troop-contributing countries named in that month.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from loaders.imports.common import ReaderContext, first_non_empty, require, text
from loaders.imports.dates import MONTH_NUMBERS
from loaders.imports.rows import DUPLICATE_ID, check_coordinates, check_counts
from loaders.imports.schema import DAY

TROOP_COLUMNS = ("no_troops", "notroops", "troops", "troop_count", "total_troops")
SIGNATURE = ("mission", "location", "year", "month", "latitude", "longitude")
"""Columns that tell a Geo-PKO file from any other table (plus one of :data:`TROOP_COLUMNS`)."""

MONTH_PRECISION = 3
INVALID_MONTH = "invalid year/month"


def looks_like_geopko(columns: list[str]) -> bool:
    """True for reduced column names of a Geo-PKO deployments file."""
    return all(c in columns for c in SIGNATURE) and any(c in columns for c in TROOP_COLUMNS)


def _months(year: pd.Series, month: pd.Series) -> pd.Series:
    """Months since year 0 (``year * 12 + month - 1``), NaN where either part is invalid."""
    years = pd.to_numeric(year.str.replace(r"\.0$", "", regex=True), errors="coerce")
    names = month.str.lower().str.rstrip(".")
    numbers = pd.to_numeric(month.str.replace(r"\.0$", "", regex=True), errors="coerce")
    numbers = numbers.where(numbers.notna(), names.map(MONTH_NUMBERS))
    valid = years.between(1945, 2100) & numbers.between(1, 12) & (numbers % 1 == 0)
    return (years * 12 + numbers - 1).where(valid)


def _slug(values: pd.Series) -> pd.Series:
    return values.str.lower().map(lambda v: re.sub(r"[^0-9a-z]+", "-", v).strip("-") or "x")


def geopko_draft(table: pd.DataFrame, ctx: ReaderContext) -> pd.DataFrame:
    """Check every row of a Geo-PKO file and return the draft of its deployments."""
    require(table, SIGNATURE, ctx.file, "the Geo-PKO file")
    issues = ctx.issues
    mission = text(table, "mission").str.upper()
    location = text(table, "location")
    issues.add(mission == "", "missing mission", "mission", mission)
    issues.add(location == "", "missing location", "location", location)
    month_index = _months(text(table, "year"), text(table, "month"))
    issues.add(
        month_index.isna(),
        INVALID_MONTH,
        "year/month",
        text(table, "year") + "-" + text(table, "month"),
    )
    lat, lon = check_coordinates(
        table["latitude"], table["longitude"], issues, ctx.flags, keep_outside=ctx.keep_outside
    )
    troop_column = next(c for c in TROOP_COLUMNS if c in table.columns)
    troops = check_counts(text(table, troop_column), "troops", issues)
    key = mission + "|" + location + "|" + month_index.astype(str)
    issues.add(
        key.duplicated(keep="first") & ~issues.marked, DUPLICATE_ID, "mission/location/month", key
    )

    keep = ~issues.marked
    tcc_columns = [c for c in table.columns if re.fullmatch(r"nameoftcc_?\d+", c)]
    contributors = (
        table.loc[keep, tcc_columns]
        .astype(str)
        .apply(
            lambda row: ", ".join(v.strip() for v in row if v.strip() not in ("", "nan")), axis=1
        )
        if tcc_columns
        else pd.Series("", index=table.index[keep], dtype=object)
    )
    rows = pd.DataFrame(
        {
            "mission": mission[keep],
            "location": location[keep],
            "latitude": lat[keep],
            "longitude": lon[keep],
            "month": month_index[keep].astype(int),
            "troops": troops[keep],
            "contributors": contributors.astype(str),
        }
    ).sort_values(["mission", "location", "latitude", "longitude", "month"], kind="stable")
    place = (
        rows["mission"]
        + "|"
        + rows["location"]
        + "|"
        + rows["latitude"].astype(str)
        + "|"
        + rows["longitude"].astype(str)
    )
    new_run = (place != place.shift()) | (rows["month"] != rows["month"].shift() + 1)
    rows["run"] = new_run.cumsum()
    runs = rows.groupby("run").agg(
        mission=("mission", "first"),
        location=("location", "first"),
        latitude=("latitude", "first"),
        longitude=("longitude", "first"),
        first_month=("month", "first"),
        last_month=("month", "last"),
        strength=("troops", "last"),
        least=("troops", "min"),
        most=("troops", "max"),
        contributors=("contributors", "last"),
        months=("month", "size"),
        first_row=("month", lambda m: m.index.min()),
    )
    start = pd.to_datetime(
        {"year": runs["first_month"] // 12, "month": runs["first_month"] % 12 + 1, "day": 1}
    )
    last_start = pd.to_datetime(
        {"year": runs["last_month"] // 12, "month": runs["last_month"] % 12 + 1, "day": 1}
    )
    end = last_start + pd.offsets.MonthEnd(0)
    varied = runs["least"].notna() & (runs["least"] != runs["most"])
    strength_note = pd.Series("", index=runs.index, dtype=object)
    strength_note[varied] = (
        "troops per month ranged "
        + runs.loc[varied, "least"].astype(str)
        + " to "
        + runs.loc[varied, "most"].astype(str)
    )
    period = start.dt.strftime("%Y-%m") + " to " + last_start.dt.strftime("%Y-%m")
    draft = pd.DataFrame(
        {
            "source_id": runs["mission"].str.lower()
            + ":"
            + _slug(runs["location"])
            + ":"
            + start.dt.strftime("%Y-%m"),
            "mission": runs["mission"],
            "contributor": first_non_empty(
                runs["contributors"], pd.Series("Multinational", index=runs.index)
            ),
            "site": runs["location"],
            "location": runs["location"],
            "geo_precision": 1,
            "start_date": start.astype(DAY),
            "start_precision": MONTH_PRECISION,
            "end_date": end.astype(DAY),
            "end_precision": pd.array(np.full(len(runs), MONTH_PRECISION), dtype="Int64"),
            "strength": runs["strength"].astype("Int64"),
            "strength_note": strength_note,
            "description": "Geo-PKO monthly records, "
            + period
            + " ("
            + runs["months"].astype(str)
            + " months)",
            "source_publisher": "Geo-PKO",
            "source_title": ctx.file,
            "source_date": last_start.dt.strftime("%Y-%m"),
            "source_url": "",
            "source": "Geo-PKO dataset, "
            + runs["mission"]
            + " at "
            + runs["location"]
            + ", "
            + period,
            "latitude": runs["latitude"],
            "longitude": runs["longitude"],
        }
    )
    draft.index = pd.Index(runs["first_row"].to_numpy())
    return draft
