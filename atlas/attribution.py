"""Attribution the data sources require, written once and shown on every map and page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from loaders.curated import CURATED_AS_OF

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def day_text(day: date) -> str:
    """A date in words that read the same in every locale, e.g. ``21 February 2026``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


REFERENCE_SOURCES: tuple[str, ...] = (
    "Boundaries: Made with Natural Earth",
    "Places: GeoNames (geonames.org), CC BY 4.0",
    "Rivers: WDBII/GSHHG (Wessel and Smith), LGPL-3.0-or-later",
    "Incidents and deployments: Mali Security Atlas curated set as of "
    f"{day_text(CURATED_AS_OF)}, sources cited per row",
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
