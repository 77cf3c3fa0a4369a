"""Which incident a click on the map picked.

Picking works on the screen, not on the ground: a marker is a few pixels wide whatever the
distance it covers, so the nearest marker is found in degrees. Distances on the ground are
:mod:`atlas.proximity`'s, in metres.
"""

from __future__ import annotations

import math
from datetime import date

import geopandas as gpd

from atlas.filters import BBox
from atlas.mapping import MIN_ZOOM
from atlas.style import INCIDENT_RADIUS_PX
from atlas.tables import incident_tooltips, one_line

PICK_DEGREES = INCIDENT_RADIUS_PX[1] * 360 / (256 * 2**MIN_ZOOM)
"""The farthest a click may be from an incident's point and still pick it: the radius of
the largest marker at the farthest zoom the map allows (about 1.9°)."""


def incident_at(
    incidents: gpd.GeoDataFrame, lat: float, lon: float, tooltip: str | None
) -> str | None:
    """The id of the incident whose marker was clicked at (``lat``, ``lon``), if any.

    The map reports a click on any of its layers with the layer's ``tooltip``: only an
    incident's tooltip picks an incident, so a click on a region, a river or a base picks
    none. A small marker reports its own position, a large one the point clicked inside
    it, so among the incidents that show that tooltip the one nearest to the click is
    taken, up to :data:`PICK_DEGREES` away. Several at one place: the latest.
    """
    if not tooltip or incidents.empty:
        return None
    # Degrees of longitude shrink with latitude; near enough for picking the nearest.
    dx = (incidents.geometry.x - lon) * math.cos(math.radians(lat))
    distance = ((incidents.geometry.y - lat) ** 2 + dx**2) ** 0.5
    near = distance <= PICK_DEGREES
    if not near.any():
        return None
    candidates = incidents.loc[near]
    same = incident_tooltips(candidates) == one_line(tooltip)
    if not same.any():
        return None
    nearest = distance.loc[near].loc[same]
    hits = candidates.loc[same].loc[nearest <= nearest.min() + 1e-9].sort_values("event_date")
    return str(hits["id"].iloc[-1])


def pick_box(lat: float, lon: float) -> BBox:
    """The box around a click holding every point :func:`atlas.picking.incident_at` may
    pick: :data:`atlas.picking.PICK_DEGREES` north and south, and east and west as many
    degrees of longitude as it measures them at the click's latitude (a hair wider, so
    that rounding never leaves a point out)."""
    shrink = max(math.cos(math.radians(lat)), 1e-3)
    reach, across = PICK_DEGREES * 1.001, PICK_DEGREES / shrink * 1.001
    return (
        max(lon - across, -180.0),
        max(lat - reach, -90.0),
        min(lon + across, 180.0),
        min(lat + reach, 90.0),
    )


def tooltip_day(tooltip: str | None) -> date | None:
    """The day an incident's tooltip opens with (:func:`atlas.tables.incident_tooltips`),
    or None for any other text."""
    try:
        return date.fromisoformat(one_line(tooltip or "")[:10])
    except ValueError:
        return None
