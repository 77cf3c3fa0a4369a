"""UCDP Georeferenced Event Dataset (GED) events, full releases and Candidate releases.

The full file has 49 columns; a subset is accepted as long as it keeps the columns in
:data:`REQUIRED`. How UCDP's codes become ours is documented in ``docs/import.md``.
"""

from __future__ import annotations

import pandas as pd

from loaders.imports.common import ReaderContext, choices, first_non_empty, require, text
from loaders.imports.places import country_codes
from loaders.imports.rows import check_coordinates, check_counts, check_dates, check_ids
from loaders.vocabulary import COUNTRY_ONLY

SIGNATURE = ("id", "date_start", "date_end", "side_a", "side_b", "type_of_violence")
"""Columns that tell a GED file from any other table."""

EXPORT_COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
)
"""The 49 columns of a UCDP GED release file, in order (what makes one, when writing it)."""

REQUIRED = (
    "id",
    "date_start",
    "date_end",
    "latitude",
    "longitude",
    "side_a",
    "side_b",
    "best",
    "where_prec",
    "date_prec",
    "type_of_violence",
)

# type_of_violence -> (event_type, sub_event_type)
VIOLENCE_TYPES: dict[str, tuple[str, str]] = {
    "1": ("Battles", "Armed clash"),  # state-based conflict
    "2": ("Battles", "Armed clash"),  # non-state conflict
    "3": ("Violence against civilians", "Attack"),  # one-sided violence
}
# date_prec (1 exact day … 5 within a year) -> our date_precision (1 day … 4 year)
DATE_PRECISION: dict[str, int] = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 4}
# where_prec (1 exact place … 7 international waters) -> our geo_precision (1 … 4);
# 6 (only the country) and 7 (waters or airspace) are kept and counted but not drawn on a map:
# their coordinates are a country's centre, not the place of the event.
GEO_PRECISION: dict[str, int] = {
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 3,
    "5": 3,
    "6": COUNTRY_ONLY,
    "7": COUNTRY_ONLY,
}
END_BEFORE_START = "date_end before date_start"


def ucdp_draft(table: pd.DataFrame, ctx: ReaderContext) -> pd.DataFrame:
    """Check every row of a GED file and return the draft of its incidents."""
    require(table, REQUIRED, ctx.file, "the UCDP GED file")
    issues = ctx.issues
    ids = text(table, "id").str.replace(r"\.0$", "", regex=True)
    check_ids(ids, "id", issues)
    start = check_dates(table["date_start"], "date_start", issues)
    end = check_dates(table["date_end"], "date_end", issues)
    issues.add(end < start, END_BEFORE_START, "date_end", table["date_end"])
    lat, lon = check_coordinates(
        table["latitude"], table["longitude"], issues, ctx.flags, keep_outside=ctx.keep_outside
    )
    best = check_counts(table["best"], "fatalities", issues)
    low = check_counts(text(table, "low"), "low", issues)
    high = check_counts(text(table, "high"), "high", issues)
    violence = text(table, "type_of_violence").str.replace(r"\.0$", "", regex=True)
    issues.add(
        ~violence.isin(VIOLENCE_TYPES), "unknown type_of_violence", "type_of_violence", violence
    )
    where = text(table, "where_prec").str.replace(r"\.0$", "", regex=True)
    geo_precision = choices(where, GEO_PRECISION, "where_prec", "invalid where_prec", issues)
    date_precision = choices(
        text(table, "date_prec"), DATE_PRECISION, "date_prec", "invalid date_prec", issues
    )
    side_a = text(table, "side_a")
    issues.add(side_a == "", "missing side_a", "side_a", side_a)

    keep = ~issues.marked
    rows = table.loc[keep]
    kinds = violence[keep].map(VIOLENCE_TYPES)
    location = first_non_empty(
        text(rows, "where_coordinates"),
        text(rows, "adm_2"),
        text(rows, "adm_1"),
        text(rows, "country"),
    )
    office = first_non_empty(text(rows, "source_office"), text(rows, "source_article"))
    citation = "UCDP GED event " + ids[keep]
    citation = citation.where(
        office == "", citation + "; " + office.str.replace(r"\s+", " ", regex=True)
    )
    headline = first_non_empty(
        text(rows, "source_headline").str.replace(r"\s+", " ", regex=True),
        text(rows, "dyad_name"),
        text(rows, "conflict_name"),
    )
    return pd.DataFrame(
        {
            "source_id": ids[keep],
            "event_date": start[keep],
            "end_date": end[keep],
            "date_precision": date_precision[keep],
            "geo_precision": geo_precision[keep],
            "location": location.where(location != "", "unknown place"),
            "country": country_codes(
                names=text(rows, "country"), gw_numbers=text(rows, "country_id")
            ),
            "event_type": kinds.str[0],
            "sub_event_type": kinds.str[1],
            "actor1": side_a[keep],
            "actor2": text(rows, "side_b"),
            "assoc_actors": "",
            "fatalities": best[keep],
            "fatalities_low": low[keep],
            "fatalities_high": high[keep],
            "description": headline.where(headline != "", "UCDP GED event " + ids[keep]),
            "source": citation,
            "source_url": "",
            "admin2": text(rows, "adm_2"),
            "source_version": "",
            "latitude": lat[keep],
            "longitude": lon[keep],
        },
        index=rows.index,
    )
