"""Reference layers: countries, Mali's regions, towns and rivers (GeoJSON in ``geodata/``)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from loaders.errors import LayerError
from loaders.schemas import COUNTRIES_LAYER, REGIONS_LAYER, RIVERS_LAYER, TOWNS_LAYER
from loaders.tables import display_path, read_vector, validate

POLYGONAL = {"Polygon", "MultiPolygon"}
LINEAR = {"LineString", "MultiLineString"}


def _require_geometry(frame: gpd.GeoDataFrame, allowed: set[str], path: Path) -> None:
    wrong = ~frame.geom_type.isin(allowed)
    if wrong.any():
        row = int(frame.index[wrong][0])
        raise LayerError.single(
            display_path(path),
            f"geometry must be one of {sorted(allowed)}",
            row=row,
            column="geometry",
            value=str(frame.geom_type[row]),
        )


def load_countries(path: Path) -> gpd.GeoDataFrame:
    """Load Mali and its neighbours as polygons keyed by ISO 3166-1 alpha-3 code."""
    frame = read_vector(path)
    _require_geometry(frame, POLYGONAL, path)
    return validate(COUNTRIES_LAYER, frame, path)


def load_regions(path: Path) -> gpd.GeoDataFrame:
    """Load Mali's regions as polygons keyed by ISO 3166-2 code (``ML-1`` … ``ML-BKO``)."""
    frame = read_vector(path)
    _require_geometry(frame, POLYGONAL, path)
    return validate(REGIONS_LAYER, frame, path)


def load_towns(path: Path) -> gpd.GeoDataFrame:
    """Load named places as points, with ``rank`` 1 (capital) to 3 (town)."""
    frame = read_vector(path)
    _require_geometry(frame, {"Point"}, path)
    frame = validate(TOWNS_LAYER, frame, path)
    frame["population"] = pd.to_numeric(frame.get("population"), errors="coerce").astype("Int64")
    return frame


def load_rivers(path: Path) -> gpd.GeoDataFrame:
    """Load river lines, named."""
    frame = read_vector(path)
    _require_geometry(frame, LINEAR, path)
    return validate(RIVERS_LAYER, frame, path)


def assign_regions(points: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``admin1`` (ISO 3166-2 code) and ``admin1_name`` to points by spatial join.

    Points outside Mali get missing values. Regions must be in the same CRS as the points;
    a mismatch is an error, never silently reprojected.
    """
    if points.crs != regions.crs:
        raise ValueError(f"CRS mismatch: points in {points.crs}, regions in {regions.crs}")
    keyed = regions[["iso_code", "name", "geometry"]].rename(
        columns={"iso_code": "admin1", "name": "admin1_name"}
    )
    joined = gpd.sjoin(points, keyed, how="left", predicate="intersects")
    joined = joined[~joined.index.duplicated(keep="first")].drop(columns="index_right")
    return joined
