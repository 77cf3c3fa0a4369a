"""Attribution the data sources require, written once and shown on every map and page."""

from __future__ import annotations

REFERENCE_SOURCES: tuple[str, ...] = (
    "Boundaries: Made with Natural Earth",
    "Places: GeoNames (geonames.org), CC BY 4.0",
    "Rivers: WDBII/GSHHG (Wessel and Smith), LGPL-3.0-or-later",
    "Incidents and deployments: Mali Security Atlas curated set, sources cited per row",
)


def map_attribution() -> str:
    """One line of plain text for the map's attribution control (escaped when drawn)."""
    return " · ".join(REFERENCE_SOURCES)


def footer_markdown() -> str:
    """The attribution footer shown under every page (plain text, no data values)."""
    return "Data: " + "; ".join(REFERENCE_SOURCES) + "."
