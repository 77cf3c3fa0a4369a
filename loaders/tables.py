"""Reading a file into a frame and turning schema failures into :class:`LayerError`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pandera.pandas as pa
import pyogrio

from loaders.errors import LayerError, Problem

WGS84 = "EPSG:4326"


def display_path(path: Path) -> str:
    """Name a file the way a user knows it: relative to the project when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_csv_text(path: Path) -> pd.DataFrame:
    """Read a UTF-8 CSV with every cell as text, so each can be checked and reported as found."""
    name = display_path(path)
    if not path.is_file():
        raise LayerError.single(name, "file not found")
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8", skipinitialspace=False
        )
    except UnicodeDecodeError as exc:
        raise LayerError.single(name, f"not UTF-8 text (byte {exc.start})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LayerError.single(name, f"not a readable CSV: {exc}") from None
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # data rows numbered from 1
    return frame


def _reason(check: str) -> str:
    """Say in words what a failed check means; custom checks already report their own text."""
    if check.startswith("isin("):
        allowed = check[len("isin(") : -1]
        return f"is not one of the allowed values {allowed}"
    if check.startswith("str_matches("):
        return f"does not match the pattern {check[len('str_matches(') : -1]}"
    if check.startswith("str_length("):
        return "is empty"
    if check.startswith("dtype("):
        return f"has the wrong type, expected {check[len('dtype(') : -1]}"
    if check == "not_nullable":
        return "is missing"
    return check


def _problems_from(errors: pa.errors.SchemaErrors, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for case in errors.failure_cases.itertuples(index=False):
        check = str(case.check)
        frame_wide = case.schema_context in ("DataFrameSchema", "DataFrameModel")
        column = None if frame_wide or pd.isna(case.column) else str(case.column)
        row = None if pd.isna(case.index) else int(case.index)
        value = None if pd.isna(case.failure_case) else str(case.failure_case)
        if check == "column_in_dataframe":
            problems.append(Problem(file, f"required column {value!r} is missing"))
        elif check == "column_in_schema":
            problems.append(Problem(file, f"unexpected column {value!r}"))
        elif check.startswith("field_uniqueness"):
            problems.append(Problem(file, "duplicates an earlier row", row, column, value))
        elif frame_wide and row is not None:
            problems.append(Problem(file, _reason(check), row))
        else:
            problems.append(Problem(file, _reason(check), row, column, value))
    unique = list(dict.fromkeys(problems))  # a frame-wide check fails once per cell of a row
    unique.sort(key=lambda p: (p.row is not None, p.row or 0, p.column or ""))
    return unique


def validate(schema: Any, frame: pd.DataFrame, path: Path) -> Any:
    """Validate ``frame`` against a schema or model, reporting every failing cell at once."""
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        raise LayerError(_problems_from(errors, display_path(path))) from None


def read_vector(path: Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON or other vector file of ours and insist on EPSG:4326."""
    name = display_path(path)
    if not path.is_file():
        raise LayerError.single(name, "file not found")
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise LayerError.single(name, f"not a readable vector file: {exc}") from None
    if frame.crs is None:
        raise LayerError.single(name, "has no coordinate reference system")
    if frame.crs != WGS84:
        raise LayerError.single(name, f"is in {frame.crs.to_string()}, expected {WGS84}")
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        first = int(empty.to_numpy().nonzero()[0][0]) + 1
        raise LayerError.single(name, "feature has no geometry", row=first)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def points_from_lonlat(
    frame: pd.DataFrame, lon: str = "longitude", lat: str = "latitude"
) -> gpd.GeoDataFrame:
    """Turn a frame with numeric longitude/latitude columns into points in EPSG:4326."""
    geometry = gpd.points_from_xy(frame[lon].astype(float), frame[lat].astype(float), crs=WGS84)
    return gpd.GeoDataFrame(frame.drop(columns=[lon, lat]), geometry=geometry, crs=WGS84)
