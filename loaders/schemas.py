"""Declared schemas of every layer.

Curated CSV files are validated twice: first as text (every cell checked, every failing row
reported at once with ``lazy=True``), then, once typed, as a GeoDataFrame in EPSG:4326.
Reference layers are GeoJSON and are validated as GeoDataFrames.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

from loaders import checks
from loaders.vocabulary import ACTOR_FAMILIES, EVENT_TYPES, MISSIONS, SUB_EVENT_TYPES

_MIN_LON, _MIN_LAT, _MAX_LON, _MAX_LAT = checks.STUDY_AREA
_ALL_SUB_TYPES = sorted({s for subs in SUB_EVENT_TYPES.values() for s in subs})


def _element(fn: Callable[[str], bool], name: str, error: str) -> pa.Check:
    return pa.Check(fn, element_wise=True, name=name, error=error)


ISO_DATE = _element(checks.is_iso_date, "iso_date", "is not a date written YYYY-MM-DD")
ISO_DATE_OR_EMPTY = _element(
    checks.is_iso_date_or_empty, "iso_date_or_empty", "is not empty or a date written YYYY-MM-DD"
)
LATITUDE = _element(
    lambda v: checks.is_float_between(v, _MIN_LAT, _MAX_LAT),
    "latitude_in_area",
    f"is not a latitude inside the atlas area ({_MIN_LAT}..{_MAX_LAT})",
)
LONGITUDE = _element(
    lambda v: checks.is_float_between(v, _MIN_LON, _MAX_LON),
    "longitude_in_area",
    f"is not a longitude inside the atlas area ({_MIN_LON}..{_MAX_LON})",
)
COUNT_OR_EMPTY = _element(
    checks.is_count_or_empty, "count_or_empty", "is not empty or a whole number >= 0"
)
NOT_BLANK = _element(lambda v: v.strip() != "", "not_blank", "is empty")
SOURCE_DATE = pa.Check.str_matches(
    r"^(\d{4}(-\d{2}(-\d{2})?)?)?$", error="is not empty or a date YYYY, YYYY-MM or YYYY-MM-DD"
)
URL_OR_EMPTY = pa.Check.str_matches(r"^(https?://\S+)?$", error="is not empty or an http(s) URL")


def _text(*more: pa.Check, unique: bool = False) -> pa.Column:
    return pa.Column(
        str, checks=list(more), unique=unique, report_duplicates="exclude_first", nullable=False
    )


def _choice(values: object, *, allow_empty: bool = False) -> pa.Column:
    allowed = list(values) + ([""] if allow_empty else [])  # type: ignore[call-overload]
    return pa.Column(str, checks=pa.Check.isin(allowed), nullable=False)


def _frame_check(fn: Callable[[pd.DataFrame], pd.Series], name: str, error: str) -> pa.Check:
    return pa.Check(fn, name=name, error=error)


def _sub_type_belongs_to_type(df: pd.DataFrame) -> pd.Series:
    pairs = zip(df["event_type"], df["sub_event_type"], strict=True)
    # An unknown event_type is reported by its own column check, not again here.
    return pd.Series(
        [t not in SUB_EVENT_TYPES or s in SUB_EVENT_TYPES[t] for t, s in pairs], index=df.index
    )


SOURCED: dict[str, pa.Column] = {
    "source_publisher": _text(NOT_BLANK),
    "source_title": _text(NOT_BLANK),
    "source_date": _text(SOURCE_DATE),
    "source_url": _text(URL_OR_EMPTY),
}
LOCATED: dict[str, pa.Column] = {
    "location": _text(NOT_BLANK),
    "latitude": _text(LATITUDE),
    "longitude": _text(LONGITUDE),
    "geo_precision": _choice(["1", "2", "3"]),
}

INCIDENTS_CSV = pa.DataFrameSchema(
    {
        "id": _text(NOT_BLANK, unique=True),
        "event_date": _text(ISO_DATE),
        "date_precision": _choice(["1", "2", "3"]),
        "country": _text(pa.Check.str_matches(r"^[A-Z]{3}$", error="is not an ISO alpha-3 code")),
        **LOCATED,
        "event_type": _choice(EVENT_TYPES),
        "sub_event_type": _choice(_ALL_SUB_TYPES),
        "actor1": _text(NOT_BLANK),
        "actor1_family": _choice(ACTOR_FAMILIES),
        "actor2": _text(),
        "actor2_family": _choice(ACTOR_FAMILIES, allow_empty=True),
        "fatalities": _text(COUNT_OR_EMPTY),
        "description": _text(NOT_BLANK),
        **SOURCED,
    },
    checks=[
        _frame_check(
            _sub_type_belongs_to_type,
            "sub_event_type_matches_event_type",
            "sub_event_type does not belong to event_type",
        ),
        _frame_check(
            lambda df: (df["actor2"].str.strip() == "") == (df["actor2_family"] == ""),
            "actor2_family_iff_actor2",
            "actor2_family must be given exactly when actor2 is",
        ),
    ],
    strict=True,
    name="incidents.csv",
)
"""``geodata/incidents.csv`` as text, one incident a row."""

DEPLOYMENTS_CSV = pa.DataFrameSchema(
    {
        "id": _text(NOT_BLANK, unique=True),
        "mission": _choice(MISSIONS),
        "contributor": _text(NOT_BLANK),
        "site": _text(NOT_BLANK),
        **LOCATED,
        "start_date": _text(ISO_DATE),
        "start_precision": _choice(["1", "2", "3", "4"]),
        "end_date": _text(ISO_DATE_OR_EMPTY),
        "end_precision": _choice(["1", "2", "3", "4"], allow_empty=True),
        "strength": _text(COUNT_OR_EMPTY),
        "strength_note": _text(),
        "description": _text(),
        **SOURCED,
    },
    checks=[
        _frame_check(
            lambda df: (df["end_date"] == "") | (df["end_date"] >= df["start_date"]),
            "end_not_before_start",
            "end_date is before start_date",
        ),
        _frame_check(
            lambda df: (df["end_date"] == "") == (df["end_precision"] == ""),
            "end_precision_iff_end_date",
            "end_precision must be given exactly when end_date is",
        ),
    ],
    strict=True,
    name="deployments.csv",
)
"""``geodata/deployments.csv`` as text, one base, camp or position a row."""

LINEAGE_CSV = pa.DataFrameSchema(
    {
        "group": _text(NOT_BLANK),
        "related_group": _text(NOT_BLANK),
        "relation": _choice(["merged_into", "split_from", "affiliate_of", "renamed_to"]),
        "from_date": _text(ISO_DATE_OR_EMPTY),
        "to_date": _text(ISO_DATE_OR_EMPTY),
        "source_publisher": _text(NOT_BLANK),
        "source_title": _text(NOT_BLANK),
        "source_date": _text(SOURCE_DATE),
    },
    strict=True,
    name="actor_lineage.csv",
)
"""``geodata/actor_lineage.csv``: how armed groups merged, split and affiliated."""


def _key(pattern: str, what: str) -> pa.Column:
    """A text key: matches ``pattern`` and is unique (the later duplicate is reported)."""
    return pa.Column(
        str,
        checks=pa.Check.str_matches(pattern, error=f"is not {what}"),
        unique=True,
        report_duplicates="exclude_first",
    )


def _name(*, unique: bool = False) -> pa.Column:
    return pa.Column(
        str, checks=NOT_BLANK, unique=unique, report_duplicates="exclude_first", nullable=False
    )


COUNTRIES_LAYER = pa.DataFrameSchema(
    {"iso_a3": _key(r"^[A-Z]{3}$", "an ISO alpha-3 code"), "name": _name(), "name_fr": _name()},
    name="countries",
)
"""Mali and its neighbours (Natural Earth admin-0)."""

REGIONS_LAYER = pa.DataFrameSchema(
    {
        "iso_code": _key(r"^ML-(\d|BKO)$", "an ISO 3166-2 code of Mali"),
        "name": _name(unique=True),
        "name_fr": _name(),
    },
    name="regions",
)
"""Mali's first-level regions, keyed by ISO 3166-2 code."""

TOWNS_LAYER = pa.DataFrameSchema(
    {
        "name": _name(unique=True),
        "name_fr": _name(),
        "country": pa.Column(
            str, pa.Check.str_matches(r"^[A-Z]{3}$", error="is not an ISO alpha-3 code")
        ),
        "rank": pa.Column(int, pa.Check.isin([1, 2, 3]), coerce=True),
        "source": _name(),
    },
    name="towns",
)
"""Named places with a point each; rank 1 capital, 2 regional capital, 3 town."""

RIVERS_LAYER = pa.DataFrameSchema({"name": _name()}, name="rivers")
"""River lines, named."""
