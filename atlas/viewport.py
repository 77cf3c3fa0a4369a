"""Detail where the reader looks: the incidents inside the map's current extent.

A view of many incidents is drawn in hexagons over the whole country (:mod:`atlas.aggregate`).
Zoomed in far enough, the reader should see the incidents themselves there, not cells: the
map then reports its extent (:class:`Viewport`), and :func:`detail` picks the incidents
inside it. They are drawn one by one when few enough (clustered up to the clusters limit),
else in the finer hexagons of that zoom; the map says how many of the view's incidents lie
outside the extent, so nothing is silently left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np

from atlas.aggregate import CLUSTERS_MAX, resolve_mode
from atlas.text import plural

DETAIL_ZOOM = 8
"""From this zoom on, a view drawn in hexagons shows the incidents of the extent instead."""
MARGIN = 0.1
"""Share of the extent's width and height added on each side, so a short pan shows points."""


@dataclass(frozen=True)
class Viewport:
    """The part of the map on the reader's screen: bounds in degrees and the zoom."""

    west: float
    south: float
    east: float
    north: float
    zoom: int

    @classmethod
    def from_map(cls, bounds: Any, zoom: Any) -> Viewport | None:
        """The extent the map component reports (``bounds`` as Leaflet gives them:
        ``{"_southWest": {"lat", "lng"}, "_northEast": {...}}``), or None when it is not a
        usable extent (missing, not numbers, empty, or the whole world)."""
        try:
            south_west, north_east = bounds["_southWest"], bounds["_northEast"]
            values = [
                float(south_west["lng"]),
                float(south_west["lat"]),
                float(north_east["lng"]),
                float(north_east["lat"]),
            ]
            level = round(float(zoom))
        except (KeyError, TypeError, ValueError):
            return None
        west, south, east, north = values
        if not all(math.isfinite(v) for v in values) or west >= east or south >= north:
            return None
        if east - west > 360 or north - south > 180:
            return None
        return cls(west, max(south, -90.0), east, min(north, 90.0), level)

    def rounded(self) -> Viewport:
        """The extent widened by :data:`MARGIN` and rounded outwards to a grid that suits its
        zoom: a cache key that nearby pans share, and what :func:`detail` selects from."""
        step = 360 / 2 ** (self.zoom + 1)  # about a quarter of the screen at this zoom
        width, height = self.east - self.west, self.north - self.south
        return Viewport(
            math.floor((self.west - MARGIN * width) / step) * step,
            math.floor((self.south - MARGIN * height) / step) * step,
            math.ceil((self.east + MARGIN * width) / step) * step,
            math.ceil((self.north + MARGIN * height) / step) * step,
            self.zoom,
        )

    def contains(self, incidents: gpd.GeoDataFrame) -> np.ndarray:
        """Row by row, whether an incident's point lies inside the extent."""
        lon = incidents.geometry.x.to_numpy()
        lat = incidents.geometry.y.to_numpy()
        return (lon >= self.west) & (lon <= self.east) & (lat >= self.south) & (lat <= self.north)


def outside_note(count: int) -> str:
    """The words a zoomed-in map shows for the view's incidents it leaves out."""
    return f"{plural(count, 'incident')} of this view outside this part of the map"


@dataclass(frozen=True)
class Detail:
    """What a zoomed-in map draws: the incidents inside the extent, and how many are not."""

    inside: gpd.GeoDataFrame
    outside: int
    mode: str


def wants_detail(mode: str, requested: str, viewport: Viewport | None) -> bool:
    """Whether a map in ``mode`` (asked as ``requested``) shows the extent's incidents: only
    a view the count put in hexagons (``auto``), zoomed in to :data:`DETAIL_ZOOM` or more."""
    return (
        viewport is not None
        and requested == "auto"
        and mode == "hexes"
        and viewport.zoom >= DETAIL_ZOOM
    )


def reports_extent(requested: str, placeable: int) -> bool:
    """Whether a map of ``placeable`` incidents drawn as ``requested`` needs the reader's
    extent: only a view the count puts in hexagons, whose detail :func:`detail_box` asks
    for once zoomed in (any other map draws all its incidents, and a pan costs nothing)."""
    return requested == "auto" and resolve_mode(requested, placeable) == "hexes"


def detail_box(requested: str, placeable: int, viewport: Viewport | None) -> Viewport | None:
    """The box (:meth:`Viewport.rounded`) whose incidents a map of ``placeable`` incidents
    drawn as ``requested`` shows one by one, zoomed in to ``viewport``; None while it shows
    the whole view (what a cache key of the map holds: nearby pans share a box)."""
    mode = resolve_mode(requested, placeable)
    if viewport is None or not wants_detail(mode, requested, viewport):
        return None
    return viewport.rounded()


def detail(placed: gpd.GeoDataFrame, viewport: Viewport) -> Detail:
    """The incidents of ``placed`` inside ``viewport`` (widened a little) and how to draw them:
    points or clusters when few enough, else hexagons of the viewport's zoom."""
    inside = placed.loc[viewport.rounded().contains(placed)]
    mode = resolve_mode("auto", len(inside)) if len(inside) <= CLUSTERS_MAX else "hexes"
    return Detail(inside, len(placed) - len(inside), mode)
