"""Distances on the ground: always in metres in a projected CRS, never in degrees.

Mali spans UTM zones 28 to 31; a distance is computed in the zone of the place it is
measured from, where the projection's scale error is below 0.1 %.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from shapely.geometry import Point

from atlas.filters import on_map
from loaders import AtlasLayers


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The UTM zone (WGS 84) that contains a point, e.g. 30N for Timbuktu, 31N for Gao."""
    if not (-180 <= lon <= 180 and -80 <= lat <= 84):
        raise ValueError(f"no UTM zone for lon={lon}, lat={lat}")
    zone = min(int((lon + 180) // 6) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def distances_km(points: gpd.GeoDataFrame, origin: Point) -> pd.Series:
    """Distance in km from ``origin`` (lon/lat) to each point, in the origin's UTM zone."""
    if points.crs is None or not points.crs.equals(CRS.from_epsg(4326)):
        raise ValueError(f"points must be in EPSG:4326, not {points.crs}")
    crs = utm_crs_for(origin.x, origin.y)
    projected = points.geometry.to_crs(crs)
    centre = gpd.GeoSeries([origin], crs="EPSG:4326").to_crs(crs).iloc[0]
    return pd.Series(projected.distance(centre).to_numpy() / 1000.0, index=points.index)


KM_PER_DEGREE = 111.32
"""Kilometres along a meridian per degree of latitude (and along the equator per degree of
longitude), near enough for a box that holds a circle with room to spare."""


def box_around(origin: Point, radius_km: float) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` in degrees of a box that holds every point within
    ``radius_km`` of ``origin``, with a tenth to spare for the projection's scale error:
    what a store may select first, before :func:`incidents_within_km` measures."""
    spread = radius_km * 1.1
    dlat = spread / KM_PER_DEGREE
    north = min(origin.y + dlat, 90.0)
    south = max(origin.y - dlat, -90.0)
    widest = max(abs(north), abs(south))
    dlon = spread / (KM_PER_DEGREE * max(np.cos(np.radians(widest)), 0.01))
    return (max(origin.x - dlon, -180.0), south, min(origin.x + dlon, 180.0), north)


def incidents_within_km(
    incidents: gpd.GeoDataFrame, origin: Point, radius_km: float
) -> gpd.GeoDataFrame:
    """Incidents within ``radius_km`` of ``origin``, nearest first, with a ``distance_km`` column.

    Incidents located only to their country are never near anything: their point is the
    country's centre (:func:`atlas.filters.on_map`).

    Raises
    ------
    ValueError
        When the radius is not positive or the incidents are not in EPSG:4326.
    """
    if radius_km <= 0:
        raise ValueError(f"radius must be positive, not {radius_km}")
    placed = incidents.loc[on_map(incidents)]
    distance = distances_km(placed, origin)
    near = placed.loc[distance <= radius_km].copy()
    near["distance_km"] = distance[near.index].round(1)
    return near.sort_values(["distance_km", "event_date"], ignore_index=True)


def nearest_town(points: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, max_km: float) -> pd.Series:
    """Name of the nearest town within ``max_km`` of each point (missing when none is).

    Measured in metres in one UTM zone chosen at the points' centre: over Mali that keeps
    the error of a few tens of km well under one per cent.
    """
    if points.empty:
        return pd.Series([], dtype=object, index=points.index)
    centre = points.geometry.union_all().centroid
    crs = utm_crs_for(centre.x, centre.y)
    projected = gpd.GeoDataFrame(points[[]], geometry=points.geometry.to_crs(crs))
    town_points = gpd.GeoDataFrame(towns[["name"]], geometry=towns.geometry.to_crs(crs))
    joined = gpd.sjoin_nearest(
        projected, town_points, how="left", max_distance=max_km * 1000, distance_col="metres"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    names = joined["name"].where(joined["metres"].notna())
    return names.reindex(points.index).astype(object).where(lambda s: s.notna(), np.nan)


def place_point(layers: AtlasLayers, name: str) -> Point | None:
    """The point of a town (English or French name) or a deployment site, by name."""
    for frame, columns in (
        (layers.towns, ("name", "name_fr")),
        (layers.deployments, ("site",)),
    ):
        for column in columns:
            hits = frame[frame[column] == name]
            if not hits.empty:
                point = hits.geometry.iloc[0]
                return Point(point.x, point.y)
    return None


def place_names(layers: AtlasLayers) -> list[str]:
    """Towns, then deployment sites, as offered for proximity."""
    towns = sorted(layers.towns["name"])
    sites = sorted(set(layers.deployments["site"]) - set(towns))
    return towns + sites
