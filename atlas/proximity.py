"""Distances on the ground: always in metres in a projected CRS, never in degrees.

Mali spans UTM zones 28 to 31; a distance is computed in the zone of the place it is
measured from, where the projection's scale error is below 0.1 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from shapely.geometry import Point

from atlas.filters import on_map
from loaders import AtlasLayers


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The UTM zone (WGS 84) that contains a point, e.g. 30N for Timbuktu, 31N for Gao."""
    return CRS.from_epsg(utm_epsg_for(lon, lat))


def utm_epsg_for(lon: float, lat: float) -> int:
    """The EPSG code of :func:`utm_crs_for` (what a database names the zone by)."""
    if not (-180 <= lon <= 180 and -80 <= lat <= 84):
        raise ValueError(f"no UTM zone for lon={lon}, lat={lat}")
    zone = min(int((lon + 180) // 6) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


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
    return nearest_town_in(points, towns, max_km, utm_crs_for(centre.x, centre.y))


def nearest_town_in(
    points: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, max_km: float, crs: CRS
) -> pd.Series:
    """:func:`nearest_town` measured in ``crs``: for points that are part of a larger set,
    measured in the zone of the whole set's centre (:class:`PointSums`), as if all were
    measured together."""
    if points.empty:
        return pd.Series([], dtype=object, index=points.index)
    projected = gpd.GeoDataFrame(points[[]], geometry=points.geometry.to_crs(crs))
    town_points = gpd.GeoDataFrame(towns[["name"]], geometry=towns.geometry.to_crs(crs))
    joined = gpd.sjoin_nearest(
        projected, town_points, how="left", max_distance=max_km * 1000, distance_col="metres"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    names = joined["name"].where(joined["metres"].notna())
    return names.reindex(points.index).astype(object).where(lambda s: s.notna(), np.nan)


@dataclass(frozen=True)
class PointSums:
    """How many distinct points a set has, and the sums of their coordinates: their centre,
    as :func:`nearest_town` takes it (the centroid of their union, where a point given
    twice counts once).

    Sums of sets that share no point add up (:meth:`add`), so a store that keeps points
    outside the process sends these three numbers instead of the points.
    """

    count: int = 0
    x: float = 0.0
    y: float = 0.0

    @classmethod
    def of(cls, points: gpd.GeoSeries) -> PointSums:
        """The sums of the distinct points among ``points`` (missing ones left out)."""
        present = points[points.notna() & ~points.is_empty]
        distinct = np.unique(np.column_stack([present.x, present.y]), axis=0)
        return cls(len(distinct), float(distinct[:, 0].sum()), float(distinct[:, 1].sum()))

    def add(self, other: PointSums) -> PointSums:
        """The sums of both sets (which must share no point)."""
        return PointSums(self.count + other.count, self.x + other.x, self.y + other.y)

    def utm_epsg(self) -> int | None:
        """The EPSG code of the UTM zone of the centre (:func:`utm_epsg_for`), or None
        without points."""
        if not self.count:
            return None
        return utm_epsg_for(self.x / self.count, self.y / self.count)


class TownInZone(NamedTuple):
    """A town as a store measures distances to it: its name, its point in a UTM zone
    (metres, as :func:`nearest_town_in` projects it), and a box in degrees that holds every
    place a distance is measured to (:func:`box_around`), for the spatial index."""

    name: str
    x: float
    y: float
    box: tuple[float, float, float, float]


def towns_in_zone(towns: gpd.GeoDataFrame, epsg: int, max_km: float) -> tuple[TownInZone, ...]:
    """``towns`` in the UTM zone ``epsg``, each with the box around it within ``max_km``.

    The box holds every point within ``max_km`` as the zone measures: a distance in a UTM
    zone is never shorter than 0.9996 of the one on the ground, and the box has a tenth
    to spare.
    """
    projected = towns.geometry.to_crs(CRS.from_epsg(epsg))
    return tuple(
        TownInZone(str(name), float(at.x), float(at.y), box_around(Point(town.x, town.y), max_km))
        for name, town, at in zip(towns["name"], towns.geometry, projected, strict=True)
    )


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
