"""Colours and symbols, shared by the interactive map and (later) the static exports."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# Event types (ACLED's vocabulary) -> colour. Chosen to stay distinct for common colour
# blindness and on both the pale vector basemap and satellite tiles.
EVENT_TYPE_COLOURS: dict[str, str] = {
    "Battles": "#d62728",
    "Explosions/Remote violence": "#ff7f0e",
    "Violence against civilians": "#9467bd",
    "Strategic developments": "#2ca02c",
    "Riots": "#8c564b",
    "Protests": "#e377c2",
}
DEFAULT_EVENT_COLOUR = "#7f7f7f"

# Mission -> (symbol, colour). Symbols are drawn as inline SVG, so no icon font is needed.
MISSION_SYMBOLS: dict[str, tuple[str, str]] = {
    "Operation Serval": ("square", "#1f3b73"),
    "Operation Barkhane": ("square", "#3a6fd8"),
    "MINUSMA": ("circle", "#1b9ad6"),
    "EUTM Mali": ("diamond", "#f2b701"),
    "Task Force Takuba": ("triangle", "#6b4c9a"),
    "Malian Armed Forces": ("star", "#2e7d32"),
    "Wagner Group": ("diamond", "#8c1c13"),
    "Africa Corps": ("triangle", "#c2410c"),
}
DEFAULT_MISSION_SYMBOL = ("circle", "#555555")

BASEMAP_BACKGROUND = "#dfe8ee"
MALI_FILL = "#f4ecd8"
NEIGHBOUR_FILL = "#ebe7df"
BORDER_COLOUR = "#8a8172"
REGION_OUTLINE = "#6d5f4b"
RIVER_COLOUR = "#4a90c2"
TOWN_COLOUR = "#222222"


def event_colour(event_type: str) -> str:
    """Colour of an incident marker by its event type."""
    return EVENT_TYPE_COLOURS.get(event_type, DEFAULT_EVENT_COLOUR)


INCIDENT_RADIUS_PX = (4.0, 22.0)
"""The smallest and the largest incident marker, in pixels."""


def incident_radius(fatalities: int | None) -> float:
    """Marker radius in pixels: grows with the square root of fatalities, 4 to 22 px.

    Unknown fatalities draw at the smallest size, like zero, so no figure is implied.
    """
    smallest, largest = INCIDENT_RADIUS_PX
    if fatalities is None or fatalities <= 0:
        return smallest
    return min(smallest + 2.2 * math.sqrt(fatalities), largest)


# ACLED geo_precision -> radius in metres of the uncertainty ring: 1 the town itself (a
# small ring), 2 near the town (within about 25 km), 3 only the region is known.
PRECISION_RADIUS_M: dict[int, int] = {1: 0, 2: 25_000, 3: 100_000}

# Hexagon colour ramp: (lowest count in the class, colour).
HEX_CLASSES: tuple[tuple[int, str], ...] = (
    (1, "#fee5d9"),
    (3, "#fcae91"),
    (10, "#fb6a4a"),
    (30, "#de2d26"),
    (100, "#a50f15"),
)


# A sequential ramp for choropleths, pale to dark red.
RAMP: tuple[str, ...] = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#e6550d", "#a63603")


def ramp_colour(share: float) -> str:
    """Colour for a value that is ``share`` (0 to 1) of the highest value shown."""
    share = min(max(share, 0.0), 1.0)
    return RAMP[min(int(share * len(RAMP)), len(RAMP) - 1)]


def uncertainty_radius_m(geo_precision: int) -> int:
    """Radius of the ring that shows where an incident may really have happened."""
    return PRECISION_RADIUS_M.get(geo_precision, PRECISION_RADIUS_M[3])


def hex_colour(count: int) -> str:
    """Colour of a hexagon holding ``count`` incidents."""
    colour = HEX_CLASSES[0][1]
    for lowest, candidate in HEX_CLASSES:
        if count >= lowest:
            colour = candidate
    return colour


def hex_legend() -> list[tuple[str, str]]:
    """(label, colour) for each hexagon class, e.g. ``("3–9", "#fcae91")``."""
    items = []
    for i, (lowest, colour) in enumerate(HEX_CLASSES):
        upper = HEX_CLASSES[i + 1][0] - 1 if i + 1 < len(HEX_CLASSES) else None
        label = (
            f"{lowest}+"
            if upper is None
            else (f"{lowest}" if upper == lowest else f"{lowest}–{upper}")
        )
        items.append((label, colour))
    return items


def incident_radii(fatalities: pd.Series) -> np.ndarray:
    """:func:`incident_radius` for a whole column at once (unknown counts as 0), rounded."""
    deaths = fatalities.fillna(0).to_numpy(dtype=float)
    smallest, largest = INCIDENT_RADIUS_PX
    grown = np.minimum(smallest + 2.2 * np.sqrt(deaths.clip(0)), largest)
    radii = np.where(deaths > 0, grown, smallest)
    return np.round(radii, 1)


HEAT_GRADIENT: tuple[tuple[float, str], ...] = (
    (0.25, "#0000ff"),
    (0.45, "#00ffff"),
    (0.6, "#00ff00"),
    (0.8, "#ffff00"),
    (1.0, "#ff0000"),
)
"""The heat surface's colours by share of the densest place, blue to red: the live map's heat
layer takes it as its gradient, the slides interpolate the same stops."""
HEAT_OPTIONS = {"radius": 18, "blur": 22, "minOpacity": 0.35}
"""The live heat layer's spread, in screen pixels."""


def heat_colour(share: float) -> str:
    """The colour of the stop of :data:`HEAT_GRADIENT` at or above ``share`` (0 to 1)."""
    for stop, colour in HEAT_GRADIENT:
        if share <= stop:
            return colour
    return HEAT_GRADIENT[-1][1]


def heat_weights(fatalities: pd.Series) -> np.ndarray:
    """Each incident's weight in the heat surface: 1 plus the square root of its fatalities
    (unknown counts as 0), so deadly places glow without one massacre hiding the rest."""
    return 1.0 + np.sqrt(fatalities.astype("Float64").fillna(0).clip(lower=0).to_numpy(float))


def event_colours(event_types: pd.Series) -> list[str]:
    """:func:`event_colour` for a whole column."""
    return [EVENT_TYPE_COLOURS.get(t, DEFAULT_EVENT_COLOUR) for t in event_types]


def uncertainty_radii_m(geo_precision: pd.Series) -> list[int]:
    """:func:`uncertainty_radius_m` for a whole column."""
    return [uncertainty_radius_m(int(p)) for p in geo_precision]


def mission_symbol(mission: str) -> tuple[str, str]:
    """(symbol, colour) of a deployment by its mission."""
    return MISSION_SYMBOLS.get(mission, DEFAULT_MISSION_SYMBOL)


_SHAPES = {
    "square": '<rect x="3" y="3" width="14" height="14"/>',
    "circle": '<circle cx="10" cy="10" r="7.5"/>',
    "diamond": '<polygon points="10,1.5 18.5,10 10,18.5 1.5,10"/>',
    "triangle": '<polygon points="10,2 18.5,17.5 1.5,17.5"/>',
    "star": '<polygon points="10,1.5 12.4,7.4 18.6,7.6 13.7,11.6 15.4,17.8 10,14.2 4.6,17.8 '
    '6.3,11.6 1.4,7.6 7.6,7.4"/>',
}


DEPLOYMENT_SYMBOL_PX = 22
"""The side of a deployment symbol on the interactive map, in pixels: the symbol is an
outline around its site, so an incident drawn at the same place shows inside it."""


def symbol_svg(symbol: str, colour: str, size: int = DEPLOYMENT_SYMBOL_PX) -> str:
    """Inline SVG markup for a deployment symbol (our own constants only, never data).

    The symbol is an outline on a white halo with an empty middle: only its stroke takes
    clicks (``pointer-events="visibleStroke"``), so an incident at the same site stays visible
    and clickable through it.
    """
    shape = _SHAPES.get(symbol, _SHAPES["circle"])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        'viewBox="0 0 20 20" fill="none" pointer-events="none" overflow="visible">'
        f'<g stroke="#ffffff" stroke-width="4.2" stroke-linejoin="round">{shape}</g>'
        f'<g stroke="{colour}" stroke-width="2.2" stroke-linejoin="round" '
        f'pointer-events="visibleStroke">{shape}</g></svg>'
    )


# Names on the map, as inline styles of our own (no data in them). Region and country names
# sit under every symbol and are lighter than town names, so they frame the map without
# competing with what happened.
TOWN_LABEL_GAP_PX = 4
"""Space between a town's dot and its name."""
REGION_NAME_STYLE = (
    "font: 600 12px system-ui, sans-serif; letter-spacing: .22em; color: #7a6a55; "
    "text-shadow: 0 0 3px #fff, 0 0 2px #fff; white-space: nowrap; opacity: .85"
)
COUNTRY_NAME_STYLE = (
    "font: italic 500 13px system-ui, sans-serif; letter-spacing: .12em; color: #8d877c; "
    "text-shadow: 0 0 3px #fff; white-space: nowrap"
)
