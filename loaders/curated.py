"""The curated layers written by the project: incidents, deployments and actor lineage."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd

from loaders.checks import ISO_DATE
from loaders.schemas import DEPLOYMENTS_CSV, INCIDENTS_CSV, LINEAGE_CSV
from loaders.tables import points_from_lonlat, read_csv_text, validate

CURATED_DATASET = "curated"
CURATED_LICENCE = "CC BY 4.0 (Mali Security Atlas curated set; facts from the cited sources)"
CURATED_AS_OF = date(2026, 2, 21)
"""The latest event date, deployment start or deployment end in the shipped curated files.

The set, a selection and not a full count, runs to this day and no later; the credits say so.
It is kept by hand with the data (``tests/test_curated_current.py`` checks it against the files).
"""


def _dates(column: pd.Series) -> pd.Series:
    """Parse validated ``YYYY-MM-DD`` text (empty cells become NaT) with an explicit format."""
    return pd.to_datetime(column.replace("", None), format=ISO_DATE)


def _counts(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column.replace("", None)).astype("Int64")


def _citation(frame: pd.DataFrame) -> pd.Series:
    """One readable source line per row: publisher, title, date."""
    parts = frame[["source_publisher", "source_title", "source_date"]]
    return parts.apply(lambda r: ", ".join(v for v in r if v), axis=1).astype(str)


def load_incidents(path: Path) -> gpd.GeoDataFrame:
    """Load curated incidents as points in EPSG:4326.

    Parameters
    ----------
    path
        The CSV file (see ``geodata/SOURCES.md`` for its columns).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per incident, ``event_date`` as datetime, ``fatalities`` as nullable int,
        ``dataset`` and ``licence`` set, ``source`` a readable citation.

    Raises
    ------
    loaders.errors.LayerError
        Naming the file, row, column and value of every problem found.
    """
    frame = validate(INCIDENTS_CSV, read_csv_text(path), path)
    frame["event_date"] = _dates(frame["event_date"])
    for column in ("date_precision", "geo_precision"):
        frame[column] = frame[column].astype(int)
    frame["fatalities"] = _counts(frame["fatalities"])
    frame["source"] = _citation(frame)
    frame["dataset"] = CURATED_DATASET
    frame["licence"] = CURATED_LICENCE
    return points_from_lonlat(frame).sort_values(["event_date", "id"], ignore_index=True)


def load_deployments(path: Path) -> gpd.GeoDataFrame:
    """Load curated deployments (bases, camps, positions) as points with start/end dates.

    An empty ``end_date`` means the deployment is open-ended (NaT).
    """
    frame = validate(DEPLOYMENTS_CSV, read_csv_text(path), path)
    for column in ("start_date", "end_date"):
        frame[column] = _dates(frame[column])
    frame["geo_precision"] = frame["geo_precision"].astype(int)
    frame["start_precision"] = frame["start_precision"].astype(int)
    frame["end_precision"] = _counts(frame["end_precision"])
    frame["strength"] = _counts(frame["strength"])
    frame["source"] = _citation(frame)
    return points_from_lonlat(frame).sort_values(["start_date", "id"], ignore_index=True)


def load_lineage(path: Path) -> pd.DataFrame:
    """Load the armed-group lineage table (merges, splits, affiliations)."""
    frame = validate(LINEAGE_CSV, read_csv_text(path), path)
    for column in ("from_date", "to_date"):
        frame[column] = _dates(frame[column])
    return frame.reset_index(drop=True)
