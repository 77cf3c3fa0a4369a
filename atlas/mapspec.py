"""One description of a view's map, which every renderer draws.

The live map (Leaflet, :mod:`atlas.mapping`, also the offline HTML export) and the slides
(matplotlib, :mod:`atlas.export.static_map`, for PNG, PDF and the pack) draw the same
:class:`MapSpec`: what the view frames, how its incidents are drawn and which of them, the
layers in their drawing order and the legend, entry by entry. A rule of the map changes here,
once, and both follow; the renderers only translate the spec into their own means (a pane and
a CSS swatch, a ``zorder`` and a matplotlib handle).

The spec is pure data built from frames the caller selected: no I/O, no HTML, no figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

from atlas import style
from atlas.aggregate import hex_resolution, resolve_mode
from atlas.extent import Extent, view_extent
from atlas.filters import ViewTotals, not_on_map_note, on_map
from atlas.view import ViewState
from atlas.viewport import Viewport, detail, outside_note, wants_detail

DRAW_ORDER: tuple[str, ...] = (
    "basemap",  # countries, Mali's fill and border
    "incident_areas",  # hexagons and heat: shading, under every line, name and symbol
    "area_names",  # region and neighbouring country names, under every line and symbol
    "regions",  # region outlines
    "shading",  # the regions around a chosen one dimmed, and its firm outline
    "rivers",
    "towns",  # a town's dot: under the incidents, which happen mostly at towns
    "rings",  # the uncertainty ring of an incident's place
    "incidents",
    "focus",  # the ring around a picked incident
    "deployments",  # hollow outlines above the incidents: a site marked, nothing hidden
    "notes",
    "town_labels",  # names above every symbol, beside which they are placed
)
"""Every part of a map, from the bottom up; both renderers stack their layers in this order."""


NAME_SHIFTS_PX: tuple[tuple[int, int], ...] = (
    (0, 0),
    (0, -20),
    (0, 20),
    (0, -40),
    (0, 40),
    (-50, 0),
    (50, 0),
    (-50, -20),
    (50, -20),
    (-50, 20),
    (50, 20),
    (0, -60),
    (0, 60),
)
"""Where a region or country name may go, in screen pixels (right, down) from its own place,
in order of preference: each renderer writes it at the first that covers the fewest
incidents and bases, so the names never sit under the symbols drawn over them."""


def draw_rank(part: str) -> int:
    """The place of ``part`` in :data:`DRAW_ORDER`, from 1 at the bottom."""
    return DRAW_ORDER.index(part) + 1


# ----------------------------------------------------------------------------------------------
# The legend: entries in the order they are read, each with the mark it explains.


@dataclass(frozen=True)
class Dot:
    """A filled circle of ``radius_px`` screen pixels: an incident, a town."""

    colour: str
    radius_px: float


@dataclass(frozen=True)
class Swatch:
    """A filled square: a hexagon's class, a level of the heat surface."""

    colour: str


@dataclass(frozen=True)
class Symbol:
    """A deployment's hollow outline (``shape`` of :data:`atlas.style.MISSION_SYMBOLS`)."""

    shape: str
    colour: str


@dataclass(frozen=True)
class Stroke:
    """A line: a region boundary (dashed), a river."""

    colour: str
    width_px: float
    dashed: bool = False


@dataclass(frozen=True)
class Pin:
    """An analyst's note."""


Mark = Dot | Swatch | Symbol | Stroke | Pin


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: its words and its mark (None for a line of words only)."""

    label: str
    mark: Mark | None = None


@dataclass(frozen=True)
class LegendSection:
    """A titled group of entries; ``part`` is the layer it explains (see :data:`DRAW_ORDER`)."""

    part: str
    title: str
    entries: tuple[LegendEntry, ...]


SIZE_EXAMPLES = (1, 10, 20)
"""Fatality counts whose marker sizes the legend shows."""
SIZE_COLOUR = "#9a9a9a"
"""The neutral colour of the legend's size examples."""
TOWN_DOT_PX = 4.0
HEADINGS = {
    "points": "Incidents by event type",
    "clusters": "Incidents by event type, clustered",
    "hexes": "Incidents per hexagon",
    "heat": "Density of incidents",
}
HEAT_LEVELS = ((0.35, "lower"), (0.7, "higher"), (1.0, "highest"))
"""Shares of the densest place the legend shows, with their words."""


def _fatalities_label(deaths: int) -> str:
    return f"{deaths} fatalit" + ("y" if deaths == 1 else "ies")


def _incidents_section(
    mode: str, shown: gpd.GeoDataFrame, drawn: int, outside: int, unplaced: int
) -> LegendSection:
    entries: list[LegendEntry] = []
    if not drawn:
        title = "Incidents: none in this part of the map" if outside else "Incidents"
        if not outside and not unplaced:
            title = "Incidents: none in this view"
    elif mode in ("points", "clusters"):
        title = HEADINGS[mode]
        present = set(shown["event_type"].dropna())
        for event_type, colour in style.EVENT_TYPE_COLOURS.items():
            if event_type in present:
                entries.append(LegendEntry(event_type, Dot(colour, 5.0)))
        if present - set(style.EVENT_TYPE_COLOURS):
            entries.append(LegendEntry("Other", Dot(style.DEFAULT_EVENT_COLOUR, 5.0)))
        for deaths in SIZE_EXAMPLES:
            dot = Dot(SIZE_COLOUR, style.incident_radius(deaths))
            entries.append(LegendEntry(_fatalities_label(deaths), dot))
    elif mode == "hexes":
        title = HEADINGS[mode]
        entries.extend(LegendEntry(label, Swatch(colour)) for label, colour in style.hex_legend())
    elif mode == "heat":
        title = HEADINGS[mode]
        for share, label in HEAT_LEVELS:
            entries.append(LegendEntry(label, Swatch(style.heat_colour(share))))
    else:
        raise ValueError(f"unknown drawing mode {mode!r}")
    if outside:
        entries.append(LegendEntry(outside_note(outside)))
    if unplaced:
        entries.append(LegendEntry(not_on_map_note(unplaced)))
    return LegendSection("incidents", title, tuple(entries))


def _deployments_section(deployments: gpd.GeoDataFrame) -> LegendSection | None:
    present = set(deployments["mission"].dropna().astype(str))
    if not present:
        return None
    missions = [m for m in style.MISSION_SYMBOLS if m in present]
    missions += sorted(present - set(style.MISSION_SYMBOLS))
    entries = tuple(LegendEntry(m, Symbol(*style.mission_symbol(m))) for m in missions)
    return LegendSection("deployments", "Deployments", entries)


def _base_section(view: ViewState) -> LegendSection | None:
    entries: list[LegendEntry] = []
    if view.shows("towns"):
        entries.append(LegendEntry("Town", Dot(style.TOWN_COLOUR, TOWN_DOT_PX)))
    if view.shows("regions"):
        entries.append(LegendEntry("Region boundary", Stroke(style.REGION_OUTLINE, 1.2, True)))
    if view.shows("rivers"):
        entries.append(LegendEntry("River", Stroke(style.RIVER_COLOUR, 2.0)))
    return LegendSection("basemap", "Map", tuple(entries)) if entries else None


def _figure(value: float) -> str:
    """A class bound as the reader reads it: whole when large, two decimals at most."""
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")
    return text or "0"


def ramp_section(title: str, highest: float) -> LegendSection:
    """The legend of a choropleth shaded on :data:`atlas.style.RAMP` up to ``highest``: one
    entry per class, with the values it covers."""
    classes = len(style.RAMP)
    step = (highest or 1.0) / classes
    entries = tuple(
        LegendEntry(f"{_figure(i * step)} – {_figure((i + 1) * step)}", Swatch(colour))
        for i, colour in enumerate(style.RAMP)
    )
    return LegendSection("regions", title, entries)


# ----------------------------------------------------------------------------------------------
# The spec.


@dataclass(frozen=True, eq=False)
class MapSpec:
    """What a view's map shows, for any renderer.

    Attributes
    ----------
    view
        The view drawn.
    extent
        What the map frames, ``(west, south, east, north)`` in degrees
        (:func:`atlas.extent.view_extent`): a renderer fits it to its own shape.
    mode
        How incidents are drawn: points, clusters, hexes or heat.
    incidents
        The incidents drawn: those the view selects and a map can place, or only those inside
        the reader's part of the map when zoomed in (:mod:`atlas.viewport`).
    hex_resolution
        The H3 resolution of the hexagons, when ``mode`` is hexes.
    cells
        The hexagons (:func:`atlas.aggregate.hex_cells`) as the store counted them, without
        the rows (``incidents`` is then empty); None when they are counted from
        ``incidents``.
    deployments
        The deployments drawn (empty when the view hides them).
    notes
        The analysts' notes drawn (perhaps none), or None when the view hides them.
    outside, unplaced
        Incidents of the view not drawn: outside the reader's part of the map, and located
        only to the country (said in the legend).
    parts
        The parts of :data:`DRAW_ORDER` this map draws, bottom up.
    legend
        The legend's sections, in reading order: incidents, deployments, notes, the map.
    texts_from
        The frame of held incidents that ``incidents`` are rows of (same index, unchanged),
        whose escaped texts a renderer may work out once for every view; None when the rows
        were made for this map (fetched, or built by the caller).
    """

    view: ViewState
    extent: Extent
    mode: str
    incidents: gpd.GeoDataFrame
    hex_resolution: int
    cells: gpd.GeoDataFrame | None
    deployments: gpd.GeoDataFrame
    notes: gpd.GeoDataFrame | None
    outside: int
    unplaced: int
    parts: tuple[str, ...]
    legend: tuple[LegendSection, ...]
    texts_from: gpd.GeoDataFrame | None = None

    def section(self, part: str) -> LegendSection | None:
        """The legend's section for ``part``, if it has one."""
        return next((s for s in self.legend if s.part == part), None)


def _parts(view: ViewState, mode: str, has_notes: bool, focus: bool) -> tuple[str, ...]:
    shown = {"basemap", "area_names"}  # neighbouring countries' names at least
    if view.shows("regions"):
        shown.add("regions")
        if view.regions:
            shown.add("shading")
    if view.shows("rivers"):
        shown.add("rivers")
    if view.shows("incidents"):
        shown.add("incident_areas" if mode in ("hexes", "heat") else "incidents")
        if view.rings and mode == "points":
            shown.add("rings")
    if view.shows("deployments"):
        shown.add("deployments")
    if view.shows("towns"):
        shown |= {"towns", "town_labels"}
    if has_notes:
        shown.add("notes")
    if focus:
        shown.add("focus")
    return tuple(part for part in DRAW_ORDER if part in shown)


def map_spec(
    regions: gpd.GeoDataFrame,
    view: ViewState,
    incidents: gpd.GeoDataFrame,
    deployments: gpd.GeoDataFrame,
    notes: gpd.GeoDataFrame | None = None,
    *,
    viewport: Viewport | None = None,
    focus: bool = False,
    totals: ViewTotals | None = None,
    texts_from: gpd.GeoDataFrame | None = None,
) -> MapSpec:
    """The map of ``view`` over the rows it selected.

    Parameters
    ----------
    regions
        The regions layer (what a choice of regions frames).
    view
        The view.
    incidents, deployments
        The rows the view selects (:func:`atlas.mapping.view_layers`).
    notes
        The notes the view shows (:func:`atlas.notes.notes_in_view`), or None.
    viewport
        The part of the map on the reader's screen, as the live map reported it: zoomed in on
        a view drawn in hexagons, the incidents inside it are drawn instead.
    focus
        Whether a picked incident is ringed.
    totals
        The view's incidents as a store that keeps them outside the process counted them
        (:func:`atlas.filters.view_totals`, with cells at the view's resolution), for a view
        it draws in hexagons: ``incidents`` then holds only the rows fetched, none, or those
        of the viewport's box when zoomed in.
    texts_from
        The held incidents ``incidents`` were selected from, if so (:attr:`MapSpec.texts_from`).
    """
    drawn = on_map(incidents)
    placed = incidents if drawn.all() else incidents.loc[drawn]  # no copy when all are drawn
    placeable = totals.on_map if totals is not None else len(placed)
    unplaced = totals.not_on_map if totals is not None else len(incidents) - len(placed)
    mode = resolve_mode(view.agg, placeable)
    shown, outside, resolution, cells = placed, 0, hex_resolution(view.zoom_level), None
    if viewport is not None and wants_detail(mode, view.agg, viewport):
        zoomed_in = detail(placed, viewport)
        shown, mode = zoomed_in.inside, zoomed_in.mode
        outside = placeable - len(shown)
        resolution = hex_resolution(viewport.zoom)  # hexagons the size of this zoom
    elif totals is not None and mode == "hexes":
        cells = totals.hex_cells()
    has_notes = view.shows("notes") and notes is not None and not notes.empty
    legend: list[LegendSection] = []
    if view.shows("incidents"):
        count = len(shown) if cells is None else placeable
        legend.append(_incidents_section(mode, shown, count, outside, unplaced))
    missions = _deployments_section(deployments) if view.shows("deployments") else None
    if missions is not None:
        legend.append(missions)
    if has_notes:
        legend.append(LegendSection("notes", "Notes", (LegendEntry("Analysts' note", Pin()),)))
    base = _base_section(view)
    if base is not None:
        legend.append(base)
    return MapSpec(
        view=view,
        extent=view_extent(regions, view),
        mode=mode,
        incidents=shown,
        hex_resolution=resolution,
        cells=cells,
        deployments=deployments if view.shows("deployments") else deployments.iloc[0:0],
        notes=notes if view.shows("notes") else None,
        outside=outside,
        unplaced=unplaced,
        parts=_parts(view, mode, has_notes, focus),
        legend=tuple(legend),
        texts_from=texts_from,
    )
