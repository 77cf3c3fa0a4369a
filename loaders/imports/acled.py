"""ACLED exports (CSV or XLSX), current and older column sets, dyadic or monadic.

The current export has 31 columns; older ones add ``data_id``, ``event_id_no_cnty`` and
``iso3`` and lack ``disorder_type``, ``civilian_targeting`` and ``tags``, sometimes also
``actor2``/``inter2``. A monadic file repeats an event on one row per actor: its rows are
merged into one incident per ``event_id_cnty`` with every actor kept (the first two as actor 1
and 2, any others with the associated actors).
"""

from __future__ import annotations

import pandas as pd

from loaders.imports.common import ReaderContext, choices, first_non_empty, require, text
from loaders.imports.places import country_codes
from loaders.imports.rows import (
    DUPLICATE_ID,
    check_coordinates,
    check_counts,
    check_dates,
)
from loaders.vocabulary import COUNTRY_ONLY, EVENT_TYPES

SIGNATURE = ("event_id_cnty", "event_date", "sub_event_type", "actor1")
"""Columns that tell an ACLED export from any other table."""

EXPORT_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
"""The columns of a current ACLED export file, in order (what makes one, when writing it)."""

REQUIRED = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "location",
    "latitude",
    "longitude",
    "fatalities",
)
_EVENT_FIELDS = ("event_date", "latitude", "longitude", "event_type", "sub_event_type")
_PRECISION = {"1": 1, "2": 2, "3": 3}
UNKNOWN_EVENT_TYPE = "unknown event type"
MISSING_ACTOR = "missing actor1"


def _merge_monadic(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per event: actors of repeated rows gathered in order of appearance."""
    key = rows["event_id_cnty"]
    repeated = key.duplicated(keep=False)
    if not repeated.any():
        return rows
    group = rows.loc[repeated]
    order = pd.RangeIndex(len(group))
    actors = pd.concat(
        [
            pd.DataFrame(
                {
                    "id": group["event_id_cnty"].to_numpy(),
                    "pos": order * 2,
                    "a": group["actor1"].to_numpy(),
                }
            ),
            pd.DataFrame(
                {
                    "id": group["event_id_cnty"].to_numpy(),
                    "pos": order * 2 + 1,
                    "a": group["actor2"].to_numpy(),
                }
            ),
        ]
    )
    actors = actors[actors["a"] != ""].sort_values("pos", kind="stable")
    actors = actors.drop_duplicates(["id", "a"])
    actors["rank"] = actors.groupby("id").cumcount()
    first_two = actors[actors["rank"] < 2].pivot(index="id", columns="rank", values="a")
    extra = actors[actors["rank"] >= 2].groupby("id")["a"].agg(list)
    assoc_lists = (
        pd.concat([group["assoc_actor_1"], group["assoc_actor_2"]])
        .groupby(pd.concat([group["event_id_cnty"], group["event_id_cnty"]]).to_numpy())
        .agg(lambda parts: [p.strip() for cell in parts for p in cell.split(";") if p.strip()])
    )
    merged = group.drop_duplicates("event_id_cnty", keep="first").set_index(
        "event_id_cnty", drop=False
    )
    merged["actor1"] = first_two[0].reindex(merged.index).fillna("")
    merged["actor2"] = (
        (first_two[1] if 1 in first_two else pd.Series(dtype=object))
        .reindex(merged.index)
        .fillna("")
    )
    gathered = [
        "; ".join(dict.fromkeys(extra.get(i, []) + assoc_lists.get(i, []))) for i in merged.index
    ]
    merged["assoc_actors"] = gathered
    merged.index = rows.index[~key.duplicated(keep="first") & repeated]
    return pd.concat([rows.loc[~repeated], merged]).sort_index()


def acled_draft(table: pd.DataFrame, ctx: ReaderContext) -> pd.DataFrame:
    """Check every row of an ACLED export and return the draft of its incidents.

    ``table`` has reduced column names (see :func:`loaders.imports.common.lowered`).
    """
    require(table, REQUIRED, ctx.file, "the ACLED export")
    issues = ctx.issues
    ids = text(table, "event_id_cnty")
    issues.add(ids == "", "missing id", "event_id_cnty", ids)
    days = check_dates(table["event_date"], "event_date", issues)
    lat, lon = check_coordinates(
        table["latitude"], table["longitude"], issues, ctx.flags, keep_outside=ctx.keep_outside
    )
    fatalities = check_counts(table["fatalities"], "fatalities", issues)
    event_type = text(table, "event_type")
    issues.add(~event_type.isin(EVENT_TYPES), UNKNOWN_EVENT_TYPE, "event_type", event_type)
    actor1 = text(table, "actor1")
    issues.add(actor1 == "", MISSING_ACTOR, "actor1", actor1)
    time_precision = choices(
        text(table, "time_precision", "1"),
        _PRECISION,
        "time_precision",
        "invalid time_precision",
        issues,
    )
    geo_precision = choices(
        text(table, "geo_precision", "1"),
        _PRECISION,
        "geo_precision",
        "invalid geo_precision",
        issues,
    )
    rows = pd.DataFrame(
        {
            "event_id_cnty": ids,
            "event_date": days,
            "latitude": lat,
            "longitude": lon,
            "event_type": event_type,
            "sub_event_type": text(table, "sub_event_type"),
            "actor1": actor1,
            "actor2": text(table, "actor2"),
            "assoc_actor_1": text(table, "assoc_actor_1"),
            "assoc_actor_2": text(table, "assoc_actor_2"),
            "fatalities": fatalities,
            "time_precision": time_precision,
            "geo_precision": geo_precision,
        }
    )
    # A repeated id is one event told per actor (monadic) when the event itself agrees: its
    # rows merge into one, keeping every actor and associated actor. A repeated id with another
    # date, place or type is a conflicting duplicate, and a row repeated whole adds nothing:
    # both are rejected.
    alive = ~issues.marked
    repeats = ids.duplicated(keep="first") & alive
    if repeats.any():
        live = rows.loc[alive]
        fields = live[list(_EVENT_FIELDS)].astype(str)
        first = fields.groupby(live["event_id_cnty"].to_numpy()).transform("first")
        differs = (fields != first).any(axis=1).reindex(rows.index, fill_value=False)
        whole_row = table.loc[alive].astype(str).duplicated(keep="first")
        issues.add(
            repeats & (differs | whole_row.reindex(rows.index, fill_value=False)),
            DUPLICATE_ID,
            "event_id_cnty",
            ids,
        )
    kept = rows.loc[~issues.marked].copy()
    kept["assoc_actors"] = first_non_empty(kept["assoc_actor_1"], kept["assoc_actor_2"])
    both = (kept["assoc_actor_1"] != "") & (kept["assoc_actor_2"] != "")
    kept.loc[both, "assoc_actors"] = kept["assoc_actor_1"] + "; " + kept["assoc_actor_2"]
    before_merge = len(kept)
    kept = _merge_monadic(kept)
    ctx.merged += before_merge - len(kept)

    source_rows = table.loc[kept.index]
    notes = text(source_rows, "notes")
    location = text(source_rows, "location")
    # An event whose location is the country itself is placed at the country's centre: kept
    # and counted, never drawn as if it happened there.
    country_only = location.str.casefold() == text(source_rows, "country").str.casefold()
    kept.loc[country_only, "geo_precision"] = COUNTRY_ONLY
    names = first_non_empty(text(source_rows, "iso3"), text(source_rows, "country"))
    reported_by = text(source_rows, "source")
    citation = "ACLED event " + kept["event_id_cnty"]
    citation = citation.where(reported_by == "", citation + ", reported by " + reported_by)
    return pd.DataFrame(
        {
            "source_id": kept["event_id_cnty"],
            "event_date": kept["event_date"],
            "end_date": pd.NaT,
            "date_precision": kept["time_precision"],
            "geo_precision": kept["geo_precision"],
            "location": location,
            "country": country_codes(names=names, iso_numeric=text(source_rows, "iso")),
            "event_type": kept["event_type"],
            "sub_event_type": kept["sub_event_type"],
            "actor1": kept["actor1"],
            "actor2": kept["actor2"],
            "assoc_actors": kept["assoc_actors"],
            "fatalities": kept["fatalities"],
            "fatalities_low": pd.NA,
            "fatalities_high": pd.NA,
            "description": notes.where(
                notes != "", kept["event_type"] + ": " + kept["sub_event_type"] + " in " + location
            ),
            "source": citation,
            "source_url": "",
            "admin2": text(source_rows, "admin2"),
            "source_version": text(source_rows, "timestamp"),
            "latitude": kept["latitude"],
            "longitude": kept["longitude"],
        },
        index=kept.index,
    )
