"""Attribution the data sources require, written once and shown on every map and page."""

from __future__ import annotations

import re
from collections.abc import Sequence

REFERENCE_SOURCES: tuple[str, ...] = (
    "Boundaries: Made with Natural Earth",
    "Places: GeoNames (geonames.org), CC BY 4.0",
    "Rivers: WDBII/GSHHG (Wessel and Smith), LGPL-3.0-or-later",
    "Incidents and deployments: Mali Security Atlas curated set, sources cited per row",
)

SOURCE_OF_LAYER: dict[str, str] = {
    "basemap": REFERENCE_SOURCES[0],
    "towns": REFERENCE_SOURCES[1],
    "rivers": REFERENCE_SOURCES[2],
    "curated": REFERENCE_SOURCES[3],
}
"""The credit each part of a map needs, so an export credits exactly what it shows."""


MAP_CREDITS: tuple[str, ...] = (
    "Natural Earth",
    "GeoNames CC BY 4.0",
    "WDBII/GSHHG LGPL-3.0",
    "curated set (sources per row)",
)
"""The same credits, short enough for one line on a map; the footer gives them in full."""


def map_attribution(imported: Sequence[str] = ()) -> str:
    """One line of plain text for the map's attribution control (escaped when drawn).

    ``imported`` adds the attribution lines of imported datasets (ACLED's with access date).
    """
    return " · ".join([*MAP_CREDITS, *imported])


def _markdown_text(text: str) -> str:
    """Text shown literally by Markdown: every character Markdown could act on is escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|~$])", r"\\\1", text)


def footer_markdown(imported: Sequence[str] = ()) -> str:
    """The attribution footer shown under every page (plain text, no data values).

    ``imported`` adds the attribution lines of imported datasets; they are typed by users, so
    they are escaped to show as written.
    """
    lines = [*REFERENCE_SOURCES, *(_markdown_text(line) for line in imported)]
    return "Data: " + "; ".join(lines) + "."
