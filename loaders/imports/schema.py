"""The one normalised shape of imported incidents and deployments, declared and enforced.

Every format is turned into a *draft* (one row per accepted incident, plain columns plus
``latitude``/``longitude``), then finished here the same way: geometry, country, actor
families, regions, ids, and a last validation against the declared schema. The finished
frame has the columns the maps and filters use for curated incidents, plus a few more.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pandera.pandas as pa

from loaders.imports.actors import actor_families
from loaders.imports.model import Reference
from loaders.imports.places import countries_at
from loaders.reference import assign_regions
from loaders.vocabulary import ACTOR_FAMILIES, COUNTRY_ONLY, EVENT_TYPES, GEO_PRECISION

WGS84 = "EPSG:4326"
DAY = "datetime64[us]"  # the resolution curated dates have, so the two concatenate as one
UNCLASSIFIED = "Unclassified"

INCIDENT_COLUMNS: tuple[str, ...] = (
    "id",
    "event_date",
    "date_precision",
    "location",
    "country",
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
    "dataset",
    "licence",
    "admin1",
    "admin1_name",
    # Columns curated incidents do not have.
    "source_id",
    "end_date",
    "fatalities_low",
    "fatalities_high",
    "admin2",
    "assoc_actors",
    "source_url",
    "source_version",
    "geometry",
)
"""Columns of an imported incident dataset, in order."""

DRAFT_TEXT: tuple[str, ...] = (
    "source_id",
    "location",
    "country",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "assoc_actors",
    "description",
    "source",
    "source_url",
    "admin2",
    "source_version",
)
DRAFT_COUNTS: tuple[str, ...] = ("fatalities", "fatalities_low", "fatalities_high")

DEPLOYMENT_COLUMNS: tuple[str, ...] = (
    "id",
    "mission",
    "contributor",
    "site",
    "location",
    "geo_precision",
    "start_date",
    "start_precision",
    "end_date",
    "end_precision",
    "strength",
    "strength_note",
    "description",
    "source_publisher",
    "source_title",
    "source_date",
    "source_url",
    "source",
    "admin1",
    "admin1_name",
    "dataset",
    "licence",
    "source_id",
    "source_version",
    "geometry",
)
"""Columns of an imported deployment dataset: the curated deployments' and a few more."""

DEPLOYMENT_VERSIONED: tuple[str, ...] = (
    "mission",
    "contributor",
    "site",
    "location",
    "start_date",
    "end_date",
    "strength",
    "strength_note",
    "description",
    "latitude",
    "longitude",
)
"""Columns whose change makes a re-imported deployment count as updated."""


def _text(*checks: pa.Check, unique: bool = False) -> pa.Column:
    return pa.Column(str, checks=list(checks), unique=unique, nullable=False)


_NOT_BLANK = pa.Check.str_length(min_value=1)
_COUNT = pa.Column("Int64", pa.Check.ge(0), nullable=True)
_DAY = pa.Column(DAY, nullable=False)
_OPTIONAL_DAY = pa.Column(DAY, nullable=True)

IMPORTED_INCIDENTS = pa.DataFrameSchema(
    {
        "id": _text(_NOT_BLANK, unique=True),
        "event_date": _DAY,
        "date_precision": pa.Column(int, pa.Check.isin([1, 2, 3, 4])),
        "location": _text(),
        "country": _text(pa.Check.str_matches(r"^([A-Z]{3})?$")),
        "geo_precision": pa.Column(int, pa.Check.isin(list(GEO_PRECISION))),
        "event_type": _text(pa.Check.isin([*EVENT_TYPES, UNCLASSIFIED])),
        "sub_event_type": _text(_NOT_BLANK),
        "actor1": _text(_NOT_BLANK),
        "actor1_family": _text(pa.Check.isin(ACTOR_FAMILIES)),
        "actor2": _text(),
        "actor2_family": _text(pa.Check.isin([*ACTOR_FAMILIES, ""])),
        "fatalities": _COUNT,
        "description": _text(_NOT_BLANK),
        "source": _text(_NOT_BLANK),
        "dataset": _text(_NOT_BLANK),
        "licence": _text(_NOT_BLANK),
        "admin1": pa.Column(str, nullable=True),
        "admin1_name": pa.Column(str, nullable=True),
        "source_id": _text(_NOT_BLANK),
        "end_date": _OPTIONAL_DAY,
        "fatalities_low": _COUNT,
        "fatalities_high": _COUNT,
        "admin2": _text(),
        "assoc_actors": _text(),
        "source_url": _text(),
        "source_version": _text(_NOT_BLANK),
    },
    checks=[
        pa.Check(
            lambda df: (df["actor2"] == "") == (df["actor2_family"] == ""),
            error="actor2_family must be given exactly when actor2 is",
        ),
        pa.Check(
            lambda df: df.loc[df["geo_precision"] == COUNTRY_ONLY, "admin1"].isna().all(),
            error="an incident located only to the country has no region",
        ),
    ],
    strict=False,
    name="imported incidents",
)
"""The normalised incident schema every import is validated against before it is stored."""

IMPORTED_DEPLOYMENTS = pa.DataFrameSchema(
    {
        "id": _text(_NOT_BLANK, unique=True),
        "mission": _text(_NOT_BLANK),
        "contributor": _text(_NOT_BLANK),
        "site": _text(_NOT_BLANK),
        "location": _text(_NOT_BLANK),
        "geo_precision": pa.Column(int, pa.Check.isin([1, 2, 3])),
        "start_date": _DAY,
        "start_precision": pa.Column(int, pa.Check.isin([1, 2, 3, 4])),
        "end_date": _OPTIONAL_DAY,
        "end_precision": pa.Column("Int64", nullable=True),
        "strength": _COUNT,
        "source": _text(_NOT_BLANK),
        "dataset": _text(_NOT_BLANK),
        "licence": _text(_NOT_BLANK),
        "source_version": _text(_NOT_BLANK),
    },
    strict=False,
    name="imported deployments",
)
"""The deployment rows a Geo-PKO import produces."""


def content_versions(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """A short hash of each row's content: changes whenever any of ``columns`` changes."""
    hashed = pd.util.hash_pandas_object(frame[columns].astype(str), index=False)
    return pd.Series(
        np.char.mod("%016x", hashed.to_numpy(dtype=np.uint64)), index=frame.index, dtype=object
    ).astype(str)


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    geometry = gpd.points_from_xy(frame["longitude"], frame["latitude"], crs=WGS84)
    return gpd.GeoDataFrame(
        frame.drop(columns=["longitude", "latitude"]), geometry=geometry, crs=WGS84
    )


def _with_regions(points: gpd.GeoDataFrame, reference: Reference) -> gpd.GeoDataFrame:
    located = assign_regions(points, reference.regions)
    for column in ("admin1", "admin1_name"):
        located[column] = located[column].astype(object).where(located[column].notna(), None)
    return located


def finish_incidents(
    draft: pd.DataFrame, *, dataset: str, licence: str, reference: Reference
) -> gpd.GeoDataFrame:
    """Turn a draft of accepted incidents into the normalised, validated incident frame.

    Parameters
    ----------
    draft
        One row per incident with the text columns of :data:`DRAFT_TEXT`, the counts of
        :data:`DRAFT_COUNTS`, ``event_date``/``end_date``, ``date_precision``,
        ``geo_precision`` and numeric ``latitude``/``longitude``.
    dataset, licence
        Stored on every row; ``id`` is ``<dataset>:<source_id>``.
    reference
        Regions (``admin1`` by spatial join) and countries (the country of points whose
        file gave none).

    Raises
    ------
    pandera.errors.SchemaErrors
        When the draft breaks the schema: a bug in a reader, never bad input.
    """
    frame = draft.copy()
    for column in DRAFT_TEXT:
        frame[column] = frame[column].astype(object).fillna("").astype(str).str.strip()
    for column in DRAFT_COUNTS:
        frame[column] = frame[column].astype("Int64")
    for column in ("event_date", "end_date"):
        frame[column] = pd.to_datetime(frame[column]).astype(DAY)
    for column in ("date_precision", "geo_precision"):
        frame[column] = frame[column].astype(int)
    points = _points(frame)
    unknown = points["country"] == ""
    if unknown.any():
        points.loc[unknown, "country"] = countries_at(points.geometry[unknown], reference.countries)
    points["actor1_family"] = actor_families(points["actor1"])
    points["actor2_family"] = actor_families(points["actor2"])
    points["id"] = dataset + ":" + points["source_id"]
    points["dataset"] = dataset
    points["licence"] = licence
    unversioned = points["source_version"] == ""
    if unversioned.any():
        hashed = content_versions(points, [c for c in DRAFT_TEXT if c != "source_version"])
        points.loc[unversioned, "source_version"] = hashed[unversioned]
    located = _with_regions(points, reference)
    # The point of an event known only to its country is the country's centre: it says
    # nothing about the region.
    country_only = located["geo_precision"] == COUNTRY_ONLY
    located.loc[country_only, ["admin1", "admin1_name"]] = None
    located = located[list(INCIDENT_COLUMNS)]
    located = IMPORTED_INCIDENTS.validate(located, lazy=True)
    return located.sort_values(["event_date", "id"], ignore_index=True)


def finish_deployments(
    draft: pd.DataFrame, *, dataset: str, licence: str, reference: Reference
) -> gpd.GeoDataFrame:
    """Turn a draft of deployments (curated columns plus lon/lat) into the stored frame."""
    frame = draft.copy()
    frame["id"] = dataset + ":" + frame["source_id"]
    frame["dataset"] = dataset
    frame["licence"] = licence
    frame["source_version"] = content_versions(frame, list(DEPLOYMENT_VERSIONED))
    located = _with_regions(_points(frame), reference)
    located = located[list(DEPLOYMENT_COLUMNS)]
    located = IMPORTED_DEPLOYMENTS.validate(located, lazy=True)
    return located.sort_values(["start_date", "id"], ignore_index=True)
