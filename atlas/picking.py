"""Which incident a click on the map picked.

Picking works on the screen, not on the ground: a marker is a few pixels wide whatever the
distance it covers, so the nearest marker is found in degrees. Distances on the ground are
:mod:`atlas.proximity`'s, in metres.
"""

from __future__ import annotations

import math

import geopandas as gpd

from atlas.mapping import MIN_ZOOM
from atlas.style import INCIDENT_RADIUS_PX
from atlas.tables import incident_tooltips

PICK_DEGREES = INCIDENT_RADIUS_PX[1] * 360 / (256 * 2**MIN_ZOOM)
"""The farthest a click may be from an incident's point and still pick it: the radius of
the largest marker at the farthest zoom the map allows (about 1.9°)."""


def incident_at(
    incidents: gpd.GeoDataFrame, lat: float, lon: float, tooltip: str | None = None
) -> str | None:
    """The id of the incident whose marker was clicked at (``lat``, ``lon``), if any.

    A small marker reports its own position when clicked, a large one the point clicked
    inside it, so the incident nearest to the click is taken, up to :data:`PICK_DEGREES`
    away. The marker's ``tooltip``, when known, narrows the choice to the incidents that
    show it. Several incidents at one place: the latest.
    """
    candidates = incidents
    if tooltip:
        same = incident_tooltips(incidents).str.strip() == tooltip.strip()
        if same.any():
            candidates = incidents.loc[same]
    if candidates.empty:
        return None
    # Degrees of longitude shrink with latitude; near enough for picking the nearest.
    dx = (candidates.geometry.x - lon) * math.cos(math.radians(lat))
    distance = ((candidates.geometry.y - lat) ** 2 + dx**2) ** 0.5
    nearest = distance.min()
    if nearest > PICK_DEGREES:
        return None
    hits = candidates.loc[distance <= nearest + 1e-9].sort_values("event_date")
    return str(hits["id"].iloc[-1])
