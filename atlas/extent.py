"""What a view frames: one rule for the live map, the slides and ``python -m atlas view``.

An extent is ``(west, south, east, north)`` in degrees (EPSG:4326). A view without a centre
frames an extent: the live map fits it to its own size, at a zoom of any quarter step. A view
with a centre shows what the live map shows there at its zoom (a quarter step too).
"""

from __future__ import annotations

import math

import geopandas as gpd

from atlas.view import ViewState

Extent = tuple[float, float, float, float]

MALI_EXTENT: Extent = (-12.5, 10.0, 4.5, 25.0)
"""All of Mali, with a little of its neighbours: where a view without a place opens."""

DEFAULT_ZOOM = 5
"""The zoom of a view that gives a centre without a zoom."""

SCREEN_PIXELS = (1000, 640)
"""The interactive map's usual size, to turn a centre and a zoom into an extent."""

_TILE_PIXELS = 256


def regions_extent(regions: gpd.GeoDataFrame, codes: tuple[str, ...]) -> Extent | None:
    """The chosen regions' bounds with a margin of a tenth of their span (at least a quarter
    of a degree), so their edges stay in sight; None when none of ``codes`` is a region."""
    chosen = regions[regions["iso_code"].isin(codes)]
    if chosen.empty:
        return None
    west, south, east, north = (float(v) for v in chosen.total_bounds)
    pad_x = max((east - west) / 10, 0.25)
    pad_y = max((north - south) / 10, 0.25)
    return (west - pad_x, south - pad_y, east + pad_x, north + pad_y)


def centre_extent(lat: float, lon: float, zoom: float) -> Extent:
    """What a map of :data:`SCREEN_PIXELS` centred on ``lat``, ``lon`` shows at ``zoom``
    (whole or fractional, as Web Mercator scales: each step of 1 halves the extent)."""
    degrees_per_pixel = 360.0 / (_TILE_PIXELS * 2**zoom)
    half_w = degrees_per_pixel * SCREEN_PIXELS[0] / 2

    def y(latitude: float) -> float:  # Web Mercator's y, in degrees of longitude
        clamped = max(min(latitude, 85.0511), -85.0511)
        return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(clamped) / 2)))

    def latitude(mercator_y: float) -> float:
        return math.degrees(2 * math.atan(math.exp(math.radians(mercator_y))) - math.pi / 2)

    half_h = degrees_per_pixel * SCREEN_PIXELS[1] / 2
    centre_y = y(lat)
    return (lon - half_w, latitude(centre_y - half_h), lon + half_w, latitude(centre_y + half_h))


def view_extent(
    regions: gpd.GeoDataFrame, view: ViewState, default_zoom: float = DEFAULT_ZOOM
) -> Extent:
    """What ``view`` frames: its own centre and zoom, else its regions, else all of Mali."""
    if view.lat is not None and view.lon is not None:
        return centre_extent(view.lat, view.lon, view.zoom or default_zoom)
    return regions_extent(regions, view.regions) or MALI_EXTENT
