"""Slides and printed pages of a view, drawn on the server without a browser.

The map is drawn with GeoPandas and matplotlib's Agg renderer in UTM zone 30N (EPSG:32630), a
conformal projection whose central meridian (3° W) runs through Mali, so shapes and bearings
look right and the scale bar can be measured in kilometres. Colours, symbols and marker sizes
are those of the interactive map (:mod:`atlas.style`), and incidents are drawn as the view
draws them: points, hexagons or a density surface.

Figures are built with :class:`matplotlib.figure.Figure` directly, never through pyplot, so no
global figure state is shared between the sessions of a server. Text uses DejaVu Sans, which
ships with matplotlib. PDFs carry no creation date, so the same view gives the same file.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
import unicodedata
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import geopandas as gpd
import matplotlib
import numpy as np
import pyproj
from matplotlib import font_manager, patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch, Rectangle
from matplotlib.path import Path as MarkerPath
from matplotlib.text import Text

from atlas import style
from atlas.aggregate import hex_cells
from atlas.export.describe import ViewSummary
from atlas.extent import DEFAULT_ZOOM, MALI_EXTENT, SCREEN_PIXELS
from atlas.extent import Extent as DegreeExtent
from atlas.extent import view_extent as framed_extent
from atlas.mapping import neighbour_names, region_names
from atlas.mapspec import (
    DRAW_ORDER,
    NAME_SHIFTS_PX,
    Dot,
    LegendSection,
    MapSpec,
    Mark,
    Pin,
    Stroke,
    Swatch,
    Symbol,
    draw_rank,
    map_spec,
)
from atlas.notes import NOTE_COLOUR, NOTE_DOT_COLOUR, notes_in_view, short_text
from atlas.view import ViewState
from loaders import AtlasLayers

PROJECTED_CRS = "EPSG:32630"
GEOGRAPHIC_CRS = "EPSG:4326"
LABEL_ZOOM = 7  # as on screen: towns of rank 3 are labelled from this zoom on
WEB_MERCATOR_M_PER_PX = 156_543.03392  # ground metres per pixel at zoom 0 on the equator
FONT_FAMILY = "DejaVu Sans"
RASTER_MARKERS_ABOVE = 2_000
MAX_FOOTER_SHARE = 0.3  # of the page height: beyond it the credits are cut short with "…"
MAX_VALUE_LINES = 3  # lines of one key figure's value
# No line on a page holds more characters than this (the widest line, in the smallest type, fits
# about 300); a longer text from the data is cut short with "…".
MAX_LINE_CHARS = 400
# Leaflet's Web Mercator cannot go nearer the poles; the interactive map clamps its centre here.
MERCATOR_MAX_LAT = 85.0511287798
# Transverse Mercator stays finite and legible this far from the projection's central
# meridian (3° W); a centre beyond it is drawn at the nearest longitude within reach.
CENTRAL_MERIDIAN = -3.0
MAX_LON_FROM_MERIDIAN = 60.0
_SYMBOL_MARKERS = {"square": "s", "circle": "o", "diamond": "D", "triangle": "^", "star": "*"}
_MARKER_BOOST = {"*": 1.45, "^": 1.15, "D": 0.85}  # equal visual weight across marker shapes
NOTE_LABEL_CHARS = 40  # of a note's text beside its pin
_HEAT_GRID = 360  # cells across the density surface
_HEAT_SIGMA = 0.012  # Gaussian width as a share of the map's width
_HEAT_ALPHA = ((0.25, 0.45), (0.45, 0.6), (0.6, 0.7), (0.8, 0.8), (1.0, 0.88))
"""Opacity of the heat surface at each stop of :data:`atlas.style.HEAT_GRADIENT`: the live
layer fades with density the same way over the basemap."""
_HEAT_COLOURS = LinearSegmentedColormap.from_list(
    "atlas_heat",
    [(0.0, (0.0, 0.0, 1.0, 0.0))]
    + [
        (stop, (*matplotlib.colors.to_rgb(colour), alpha))
        for (stop, colour), (_, alpha) in zip(style.HEAT_GRADIENT, _HEAT_ALPHA, strict=True)
    ],
)
ABOVE_MAP = len(DRAW_ORDER) + 1
"""The ``zorder`` of the scale bar and the north arrow, above every part of the map."""


def _z(part: str, step: int = 0) -> float:
    """The ``zorder`` of ``part`` (:data:`atlas.mapspec.DRAW_ORDER`); ``step`` tenths above
    it for a part drawn in several layers."""
    return draw_rank(part) + step / 10


class ExportError(RuntimeError):
    """An export that cannot be made; the message says why, in words for the operator."""


@dataclass(frozen=True)
class PageSize:
    """A page or slide: its size in inches and the resolution it is rasterised at."""

    name: str
    width_in: float
    height_in: float
    dpi: int

    @property
    def pixels(self) -> tuple[int, int]:
        """Width and height of the raster image in pixels."""
        return round(self.width_in * self.dpi), round(self.height_in * self.dpi)

    @property
    def scale(self) -> float:
        """Size of type and symbols relative to the 16:9 slide they were designed on."""
        return min(self.width_in / 19.2, self.height_in / 10.8)


PAGE_SIZES: dict[str, PageSize] = {
    "slide": PageSize("slide", 19.2, 10.8, 100),  # 1920 × 1080 px
    "a4": PageSize("a4", 297 / 25.4, 210 / 25.4, 200),  # A4 landscape, 2339 × 1654 px
}


def page_size(name: str) -> PageSize:
    """The page called ``name`` (``slide`` or ``a4``)."""
    try:
        return PAGE_SIZES[name]
    except KeyError:
        raise ExportError(
            f"unknown page size {name!r}; choose one of {', '.join(PAGE_SIZES)}"
        ) from None


# Reference layers never change while the app runs: project each one once.
_PROJECTED: dict[int, tuple[weakref.ref[gpd.GeoDataFrame], gpd.GeoDataFrame]] = {}
_PROJECTED_LOCK = threading.Lock()
_RENDER_LOCK = threading.RLock()
_TO_MAP = pyproj.Transformer.from_crs(GEOGRAPHIC_CRS, PROJECTED_CRS, always_xy=True)
_TO_LONLAT = pyproj.Transformer.from_crs(PROJECTED_CRS, GEOGRAPHIC_CRS, always_xy=True)
_MAP_PROJ = pyproj.Proj(PROJECTED_CRS)


def _projected(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise ExportError("a layer has no CRS; every layer must be in EPSG:4326")
    with _PROJECTED_LOCK:  # sessions of a server export in parallel threads
        cached = _PROJECTED.get(id(frame))
        if cached is not None and cached[0]() is frame:
            return cached[1]
        projected = frame.to_crs(PROJECTED_CRS)
        for key in [k for k, (ref, _) in _PROJECTED.items() if ref() is None]:
            del _PROJECTED[key]
        _PROJECTED[id(frame)] = (weakref.ref(frame), projected)
        return projected


def _points_xy(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    if frame.empty:
        return np.empty(0), np.empty(0)
    x, y = _TO_MAP.transform(frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy())
    return np.asarray(x), np.asarray(y)


@dataclass(frozen=True)
class Extent:
    """A rectangle of the projected map, in metres."""

    xmin: float
    xmax: float
    ymin: float
    ymax: float

    @property
    def width(self) -> float:
        return self.xmax - self.xmin

    @property
    def height(self) -> float:
        return self.ymax - self.ymin

    def fitted(self, aspect: float) -> Extent:
        """The smallest extent around this one with width / height equal to ``aspect``."""
        cx, cy = (self.xmin + self.xmax) / 2, (self.ymin + self.ymax) / 2
        width, height = self.width, self.height
        if width / height < aspect:
            width = height * aspect
        else:
            height = width / aspect
        return Extent(cx - width / 2, cx + width / 2, cy - height / 2, cy + height / 2)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Boolean mask of the points inside."""
        return (x >= self.xmin) & (x <= self.xmax) & (y >= self.ymin) & (y <= self.ymax)


def view_extent(summary: ViewSummary, regions: gpd.GeoDataFrame | None = None) -> Extent:
    """The part of the projected map ``summary``'s view shows, before fitting it to a page:
    :func:`projected_extent` of what it frames (:func:`atlas.extent.view_extent`, with
    ``regions``, the layer; without, a view without a centre frames all of Mali)."""
    view = summary.view
    framed = MALI_EXTENT if regions is None else framed_extent(regions, view)
    return projected_extent(view, framed)


def projected_extent(view: ViewState, framed: DegreeExtent) -> Extent:
    """What a map of ``view`` shows in the slide's projection, ``framed`` being its extent in
    degrees (:attr:`atlas.mapspec.MapSpec.extent`).

    A view with a centre shows what the interactive map shows at its zoom, measured in the
    slide's projection around the centre; otherwise ``framed`` itself. As on screen, a centre
    nearer a pole than Web Mercator reaches is taken at its limit; a centre too far east or
    west for the page's projection is taken at the nearest longitude it draws well.
    """
    if view.lat is not None and view.lon is not None:
        zoom = view.zoom or DEFAULT_ZOOM
        lat = min(max(view.lat, -MERCATOR_MAX_LAT), MERCATOR_MAX_LAT)
        lon = min(
            max(view.lon, CENTRAL_MERIDIAN - MAX_LON_FROM_MERIDIAN),
            CENTRAL_MERIDIAN + MAX_LON_FROM_MERIDIAN,
        )
        x, y = _TO_MAP.transform(lon, lat)
        # Web Mercator's ground resolution shrinks with the cosine of the latitude.
        metres_per_px = WEB_MERCATOR_M_PER_PX * math.cos(math.radians(lat)) / 2**zoom
        half_w = metres_per_px * SCREEN_PIXELS[0] / 2
        half_h = metres_per_px * SCREEN_PIXELS[1] / 2
        return Extent(x - half_w, x + half_w, y - half_h, y + half_h)
    xmin, ymin, xmax, ymax = _TO_MAP.transform_bounds(*framed, densify_pts=21)
    return Extent(xmin, xmax, ymin, ymax)


@dataclass(frozen=True)
class _Layout:
    """Where each part of the page goes, in figure fractions."""

    page: PageSize
    k: float  # type and symbol scale
    pad_x: float
    pad_y: float
    header: float  # height of the title block
    footer: float  # height of the attribution block
    map_rect: tuple[float, float, float, float]
    panel_x: float
    panel_w: float
    credits_lines: tuple[str, ...]

    def fy(self, inches: float) -> float:
        """A height in inches as a figure fraction."""
        return inches / self.page.height_in

    def fx(self, inches: float) -> float:
        """A width in inches as a figure fraction."""
        return inches / self.page.width_in


def _wrap(text: str, width_in: float, font_pt: float) -> list[str]:
    # DejaVu Sans averages about 0.55 em per character in running text.
    chars = max(20, int(width_in * 72 / (font_pt * 0.55)))
    return textwrap.wrap(text, chars, break_on_hyphens=False) or [""]


def _cut_short(lines: list[str], most: int) -> list[str]:
    """At most ``most`` lines; the last one kept ends with "…" when some were left out."""
    if len(lines) <= most:
        return lines
    return [*lines[: most - 1], lines[most - 1] + " …"]


def fit_line(text: str, width_in: float, font_pt: float) -> str:
    """``text`` as one line that fits ``width_in`` inches at ``font_pt`` points, "…" if cut."""
    return _cut_short(_wrap(text, width_in, font_pt), 1)[0]


def _layout(page: PageSize, credits: str) -> _Layout:
    k = page.scale
    pad_in = 0.3 * k
    header_in = (30 + 17 * 1.45 + 14 * 1.45) * 1.2 * k / 72 + pad_in
    credits_pt = 9.5 * k
    line_in = credits_pt * 1.4 / 72
    # Credits of any length leave room for the map: past a share of the page they are cut.
    most_lines = max(1, int((MAX_FOOTER_SHARE * page.height_in - pad_in) / line_in) - 1)
    credit_lines = _cut_short(_wrap(credits, page.width_in - 2 * pad_in, credits_pt), most_lines)
    footer_in = (len(credit_lines) + 1) * line_in + pad_in
    panel_in = max(4.6 * k, 0.26 * page.width_in)
    map_w_in = page.width_in - panel_in - 3 * pad_in
    map_h_in = page.height_in - header_in - footer_in - 0.5 * pad_in
    fx, fy = 1 / page.width_in, 1 / page.height_in
    return _Layout(
        page=page,
        k=k,
        pad_x=pad_in * fx,
        pad_y=pad_in * fy,
        header=header_in * fy,
        footer=footer_in * fy,
        map_rect=(pad_in * fx, footer_in * fy, map_w_in * fx, map_h_in * fy),
        panel_x=(2 * pad_in + map_w_in) * fx,
        panel_w=panel_in * fx,
        credits_lines=tuple(credit_lines),
    )


def _halo(width: float) -> list[patheffects.AbstractPathEffect]:
    return [patheffects.withStroke(linewidth=width, foreground="white")]


def _draw_basemap(ax: Axes, layers: AtlasLayers, spec: MapSpec, k: float) -> None:
    countries = _projected(layers.countries)
    is_mali = countries["iso_a3"] == "MLI"
    countries.loc[~is_mali].plot(
        ax=ax,
        color=style.NEIGHBOUR_FILL,
        edgecolor=style.BORDER_COLOUR,
        linewidth=0.8 * k,
        zorder=_z("basemap"),
    )
    countries.loc[is_mali].plot(
        ax=ax,
        color=style.MALI_FILL,
        edgecolor=style.BORDER_COLOUR,
        linewidth=1.8 * k,
        zorder=_z("basemap", 1),
    )
    if spec.view.shows("regions"):
        regions = _projected(layers.regions)
        regions.boundary.plot(
            ax=ax,
            color=style.REGION_OUTLINE,
            linewidth=1.0 * k,
            linestyle=(0, (4, 3)),
            zorder=_z("regions"),
        )
        chosen = regions["iso_code"].isin(spec.view.regions)
        if chosen.any():  # as on screen: the chosen regions firm, the others dimmed
            regions.loc[~chosen].plot(
                ax=ax, color="#ffffff", alpha=0.45, linewidth=0, zorder=_z("shading")
            )
            regions.loc[chosen].boundary.plot(
                ax=ax, color="#222222", linewidth=2.4 * k, zorder=_z("shading", 1)
            )
    if spec.view.shows("rivers"):
        _projected(layers.rivers).plot(
            ax=ax, color=style.RIVER_COLOUR, linewidth=2.0 * k, alpha=0.9, zorder=_z("rivers")
        )


def _marker_area(radius_px: Any, k: float) -> Any:
    # The screen draws a radius in CSS pixels (3/4 pt); scatter wants the marker's area in pt².
    return (2 * radius_px * 0.75 * k) ** 2


def _incident_sizes(incidents: gpd.GeoDataFrame, k: float) -> np.ndarray:
    return _marker_area(style.incident_radii(incidents["fatalities"].astype("Float64")), k)


def _draw_points(ax: Axes, spec: MapSpec, extent: Extent, k: float) -> None:
    incidents = spec.incidents
    x, y = _points_xy(incidents)
    inside = extent.contains(x, y)
    if not inside.any():
        return
    shown = incidents.loc[inside]
    x, y = x[inside], y[inside]
    sizes = _incident_sizes(shown, k)
    colours = shown["event_type"].map(style.event_colour).to_numpy()
    if spec.view.rings:
        radii = shown["geo_precision"].map(style.uncertainty_radius_m).to_numpy(dtype=float)
        ringed = radii > 0
        if ringed.any():
            rings = gpd.GeoSeries(gpd.points_from_xy(x[ringed], y[ringed])).buffer(
                radii[ringed], resolution=12
            )
            rings.plot(
                ax=ax,
                facecolor="none",
                edgecolor=colours[ringed],
                linewidth=0.8 * k,
                linestyle=(0, (3, 3)),
                zorder=_z("rings"),
            )
    order = np.argsort(-sizes, kind="stable")  # big markers first, so small ones stay visible
    ax.scatter(
        x[order],
        y[order],
        s=sizes[order],
        c=colours[order],
        alpha=0.85,
        edgecolors="white",
        linewidths=0.7 * k,
        zorder=_z("incidents"),
        # Thousands of vector markers make a PDF slow to write and to open; past this many
        # the markers alone become an image at the page's resolution (text stays vector).
        rasterized=len(x) > RASTER_MARKERS_ABOVE,
    )


def _draw_hexes(ax: Axes, spec: MapSpec, k: float) -> None:
    cells = spec.cells if spec.cells is not None else hex_cells(spec.incidents, spec.hex_resolution)
    if cells.empty:
        return
    cells = cells.to_crs(PROJECTED_CRS)
    cells.plot(
        ax=ax,
        color=[style.hex_colour(int(n)) for n in cells["incidents"]],
        alpha=0.8,
        edgecolor="white",
        linewidth=0.5 * k,
        zorder=_z("incident_areas"),
    )


def _gaussian_matrix(n: int, sigma: float) -> np.ndarray:
    index = np.arange(n)
    return np.exp(-0.5 * ((index[:, None] - index[None, :]) / sigma) ** 2)


def _draw_heat(ax: Axes, spec: MapSpec, extent: Extent) -> None:
    x, y = _points_xy(spec.incidents)
    if x.size == 0:
        return
    weights = style.heat_weights(spec.incidents["fatalities"])
    nx = _HEAT_GRID
    ny = max(2, round(nx * extent.height / extent.width))
    grid, _, _ = np.histogram2d(
        y,
        x,
        bins=(ny, nx),
        range=((extent.ymin, extent.ymax), (extent.xmin, extent.xmax)),
        weights=weights,
    )
    sigma = _HEAT_SIGMA * nx
    # A Gaussian blur as two matrix products (rows, then columns): exact and fast at this size.
    density = _gaussian_matrix(ny, sigma) @ grid @ _gaussian_matrix(nx, sigma)
    peak = float(density.max())
    if peak <= 0:
        return
    ax.imshow(
        density / peak,
        extent=(extent.xmin, extent.xmax, extent.ymin, extent.ymax),
        origin="lower",
        cmap=_HEAT_COLOURS,
        vmin=0.0,
        vmax=1.0,
        interpolation="bilinear",
        zorder=_z("incident_areas"),
    )


def _draw_deployments(ax: Axes, spec: MapSpec, extent: Extent, k: float) -> None:
    deployments = spec.deployments
    x, y = _points_xy(deployments)
    if x.size == 0:
        return
    inside = extent.contains(x, y)
    missions = deployments["mission"].to_numpy()
    for mission in dict.fromkeys(missions[inside]):
        symbol, colour = style.mission_symbol(str(mission))
        marker = _SYMBOL_MARKERS.get(symbol, "o")
        chosen = inside & (missions == mission)
        ax.scatter(
            x[chosen],
            y[chosen],
            s=_marker_area(DEPLOYMENT_RADIUS_PX * _MARKER_BOOST.get(marker, 1.0), k),
            marker=marker,
            facecolors="none",
            edgecolors=colour,
            linewidths=2.0 * k,
            path_effects=_halo(4.2 * k),
            # An outline with an empty middle, as on screen: above the incidents it marks
            # the site without hiding what happened there.
            zorder=_z("deployments"),
        )


DEPLOYMENT_RADIUS_PX = 9.0
"""Half the side of a deployment outline on a slide, in screen pixels (see _marker_area)."""
_LABEL_CHAR_EM = 0.62  # mean advance of a bold DejaVu Sans character, in ems


@dataclass(frozen=True)
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: _Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )

    def count_inside(self, x: np.ndarray, y: np.ndarray) -> int:
        return int(((x >= self.x0) & (x <= self.x1) & (y >= self.y0) & (y <= self.y1)).sum())


def _label_sides(
    x: float, y: float, width: float, height: float, gap: float
) -> list[tuple[_Box, float, float, str, str]]:
    """Where a name may go beside its dot, in order of preference: right, left, above, below.

    Each is the name's box and the text's anchor (x, y, ha, va), all in map units.
    """
    half = height / 2
    return [
        (_Box(x + gap, y - half, x + gap + width, y + half), x + gap, y, "left", "center"),
        (_Box(x - gap - width, y - half, x - gap, y + half), x - gap, y, "right", "center"),
        (
            _Box(x - width / 2, y + gap, x + width / 2, y + gap + height),
            x,
            y + gap,
            "center",
            "bottom",
        ),
        (
            _Box(x - width / 2, y - gap - height, x + width / 2, y - gap),
            x,
            y - gap,
            "center",
            "top",
        ),
    ]


def _symbol_points(spec: MapSpec, extent: Extent) -> tuple[np.ndarray, np.ndarray]:
    """The centres of the incident and deployment symbols drawn on the map, which names avoid."""
    xs, ys = [], []
    if "incidents" in spec.parts:
        x, y = _points_xy(spec.incidents)
        xs.append(x)
        ys.append(y)
    if "deployments" in spec.parts:
        x, y = _points_xy(spec.deployments)
        xs.append(x)
        ys.append(y)
    if not xs:
        return np.empty(0), np.empty(0)
    x, y = np.concatenate(xs), np.concatenate(ys)
    inside = extent.contains(x, y)
    return x[inside], y[inside]


def _draw_area_names(
    ax: Axes, layers: AtlasLayers, spec: MapSpec, extent: Extent, k: float
) -> None:
    """Region names (with the regions layer) and neighbours' names, in spaced capitals under
    the symbols, as on screen (:func:`atlas.mapping.region_names`)."""
    names = (
        [(name, "region") for name in region_names(layers.regions)]
        if spec.view.shows("regions")
        else []
    )
    names += [(name, "country") for name in neighbour_names(layers.countries)]
    # A name is written only when it fits: its point well inside the frame.
    inset = Extent(
        extent.xmin + 0.08 * extent.width,
        extent.xmax - 0.08 * extent.width,
        extent.ymin + 0.05 * extent.height,
        extent.ymax - 0.05 * extent.height,
    )
    # As on screen: each name goes to the first of its places that covers the fewest
    # symbols' centres (atlas.mapspec.NAME_SHIFTS_PX), and never over a name placed before.
    symbols_x, symbols_y = _symbol_points(spec, extent)
    unit_per_pt = extent.width / (ax.bbox.width * 72 / ax.figure.dpi)
    px = 0.75 * k * unit_per_pt  # one screen pixel, in map units
    placed: list[_Box] = []
    for (lat, lon, text), kind in names:
        x, y = _TO_MAP.transform(lon, lat)
        if not inset.contains(np.array([x]), np.array([y]))[0]:
            continue
        size_pt = (8.5 if kind == "region" else 9.5) * k
        half_w = len(text) * (_LABEL_CHAR_EM + 0.2) * size_pt * unit_per_pt / 2
        half_h = 0.6 * size_pt * unit_per_pt
        best: tuple[float, float, float, _Box] | None = None
        for rank, (dx, dy) in enumerate(NAME_SHIFTS_PX):
            cx, cy = x + dx * px, y - dy * px  # screen pixels run down, map units up
            box = _Box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
            if any(box.overlaps(other) for other in placed):
                continue
            # A symbol's centre near the box covers it too: markers are 8 to 44 px across.
            near = _Box(box.x0 - 8 * px, box.y0 - 8 * px, box.x1 + 8 * px, box.y1 + 8 * px)
            covered = [b.count_inside(symbols_x, symbols_y) for b in (box, near)]
            cost = sum(covered) + rank * 0.01
            if best is None or cost < best[0]:
                best = (cost, cx, cy, box)
        if best is None:
            continue
        _, x, y, box = best
        placed.append(box)
        ax.text(
            x,
            y,
            "\u2009".join(text),  # letter-spaced, as the map writes area names
            ha="center",
            va="center",
            fontsize=size_pt,
            fontweight="bold" if kind == "region" else "normal",
            fontstyle="normal" if kind == "region" else "italic",
            color="#7a6a55" if kind == "region" else "#8d877c",
            alpha=0.85,
            zorder=_z("area_names"),
            path_effects=_halo(2.0 * k),
        )


def _draw_towns(ax: Axes, layers: AtlasLayers, spec: MapSpec, extent: Extent, k: float) -> None:
    towns = layers.towns
    x, y = _points_xy(towns)
    inside = extent.contains(x, y)
    if not inside.any():
        return
    ranks = towns["rank"].to_numpy()
    ax.scatter(
        x[inside],
        y[inside],
        s=[_marker_area(4.5 if r == 1 else 3.0, k) for r in ranks[inside]],
        c=style.TOWN_COLOUR,
        edgecolors="white",
        linewidths=0.8 * k,
        zorder=_z("towns"),
    )
    zoomed = (spec.view.zoom or _screen_zoom(ax, extent, k)) >= LABEL_ZOOM
    labelled = inside & ((ranks <= 2) | zoomed)
    names = towns["name"].to_numpy()
    # As on screen: each name goes on the side of its dot that covers the fewest symbols;
    # higher ranks are placed first, and a name that would overlap one placed is left out.
    axes_pt = ax.bbox.width * 72 / ax.figure.dpi
    unit_per_pt = extent.width / axes_pt
    symbols_x, symbols_y = _symbol_points(spec, extent)
    px = 0.75 * k * unit_per_pt  # one screen pixel, in map units
    bases_x, bases_y = _points_xy(spec.deployments)
    ring = DEPLOYMENT_RADIUS_PX * px
    placed: list[_Box] = []
    for i in sorted(np.flatnonzero(labelled), key=lambda i: (ranks[i], i)):
        size_pt = (12.5 if ranks[i] == 1 else 11) * k
        name = str(names[i])
        width = len(name) * _LABEL_CHAR_EM * size_pt * unit_per_pt
        height = 1.2 * size_pt * unit_per_pt
        # Clear of the dot, and of a base's outline around it when there is one.
        ringed = bool(np.any(np.hypot(bases_x - x[i], bases_y - y[i]) < ring))
        gap = ((DEPLOYMENT_RADIUS_PX if ringed else 4.5) + style.TOWN_LABEL_GAP_PX) * px
        free = [
            side
            for side in _label_sides(x[i], y[i], width, height, gap)
            if not any(side[0].overlaps(box) for box in placed)
        ]
        if not free:
            continue
        box, tx, ty, ha, va = min(
            free, key=lambda side: side[0].count_inside(symbols_x, symbols_y)
        )  # min keeps the first of equals: the preferred side
        placed.append(box)
        ax.text(
            tx,
            ty,
            name,
            ha=ha,
            va=va,
            fontsize=size_pt,
            fontweight="bold",
            color=style.TOWN_COLOUR,
            path_effects=_halo(3 * k),
            zorder=_z("town_labels"),
            clip_on=True,
        )


def _note_markers() -> tuple[MarkerPath, MarkerPath]:
    """The notes' pin (its tip at the point) and its dot, as two markers of one scale.

    Matplotlib scales a marker by its farthest vertex, so the dot's path starts with a bare
    move to the top of the pin: both then scale alike and the dot sits in the pin's head.
    """
    head_y, radius = 1.7, 1.0
    # The sides run from the tip to where they touch the head.
    touch = math.degrees(math.acos(radius / head_y))
    angles = np.radians(np.linspace(-90 + touch, 270 - touch, 40))
    head = np.column_stack([radius * np.cos(angles), head_y + radius * np.sin(angles)])
    pin = MarkerPath(np.vstack([[0.0, 0.0], head, [0.0, 0.0]]), closed=True)
    circle = MarkerPath.circle((0.0, head_y), 0.38)
    dot = MarkerPath(
        np.vstack([[0.0, head_y + radius], circle.vertices]),
        np.concatenate([[MarkerPath.MOVETO], np.asarray(circle.codes)]),
    )
    return pin, dot


_NOTE_PIN, _NOTE_DOT = _note_markers()


def _pin_size(k: float) -> float:
    # A marker spans its size across; the pin is half of it tall (tip to head), about the
    # 30 screen pixels of the interactive map's pin.
    return 2 * 30 * 0.75 * k


def view_notes(layers: AtlasLayers, summary: ViewSummary) -> gpd.GeoDataFrame:
    """The notes an export of ``summary`` draws: none unless the view shows the notes layer."""
    if not summary.view.shows("notes"):
        return layers.notes.iloc[0:0]
    return notes_in_view(layers.notes, summary.view, summary.start, summary.end)


def _draw_notes(ax: Axes, notes: gpd.GeoDataFrame, extent: Extent, k: float) -> None:
    """A pin per note and the start of its text beside it, above every other layer."""
    x, y = _points_xy(notes)
    inside = extent.contains(x, y) if x.size else np.zeros(0, dtype=bool)
    if not inside.any():
        return
    size = _pin_size(k) ** 2
    for marker, colour, order in ((_NOTE_PIN, NOTE_COLOUR, 0), (_NOTE_DOT, NOTE_DOT_COLOUR, 1)):
        ax.scatter(
            x[inside],
            y[inside],
            s=size,
            marker=marker,
            c=colour,
            edgecolors="white" if marker is _NOTE_PIN else "none",
            linewidths=1.1 * k,
            zorder=_z("notes", order),
        )
    for i in np.flatnonzero(inside):
        ax.annotate(
            short_text(str(notes["text"].iloc[i]), NOTE_LABEL_CHARS),
            xy=(x[i], y[i]),
            xytext=(9 * k, 20 * k),
            textcoords="offset points",
            fontsize=10.5 * k,
            fontweight="bold",
            color=NOTE_COLOUR,
            path_effects=_halo(3 * k),
            zorder=_z("notes", 2),
            annotation_clip=True,
        )


def _nice_length(target: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ not above ``target`` (``target`` > 0)."""
    power = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return step * power
    return power


def _screen_zoom(ax: Axes, extent: Extent, k: float) -> float:
    """The zoom at which the live map would show ``extent`` across as many screen pixels as
    the slide's map is wide (a screen pixel is 0.75 × ``k`` points here, see _marker_area):
    what decides, as on screen, which towns are named."""
    _, lat = _centre_lonlat(extent)
    width_px = ax.bbox.width * 72 / ax.figure.dpi / (0.75 * k)
    metres_per_px = extent.width / width_px
    return math.log2(WEB_MERCATOR_M_PER_PX * math.cos(math.radians(lat)) / metres_per_px)


def _centre_lonlat(extent: Extent) -> tuple[float, float]:
    lon, lat = _TO_LONLAT.transform(
        (extent.xmin + extent.xmax) / 2, (extent.ymin + extent.ymax) / 2
    )
    return float(lon), float(lat)


def _draw_scale_bar(ax: Axes, extent: Extent, k: float) -> None:
    lon, lat = _centre_lonlat(extent)
    # Map metres per ground metre at the centre of the map (UTM grows away from 3° W).
    factor = float(_MAP_PROJ.get_factors(lon, lat).parallel_scale)
    km = _nice_length(0.2 * extent.width / factor / 1000)
    length = km * 1000 * factor
    x0 = extent.xmin + 0.03 * extent.width
    y0 = extent.ymin + 0.045 * extent.height
    height = 0.011 * extent.height
    ax.add_patch(
        FancyBboxPatch(
            (x0 - 0.012 * extent.width, y0 - 0.03 * extent.height),
            length + 0.05 * extent.width,
            0.085 * extent.height,
            boxstyle="round,pad=0,rounding_size=0",
            facecolor="white",
            edgecolor="none",
            alpha=0.8,
            zorder=ABOVE_MAP,
        )
    )
    quarter = length / 4
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (x0 + i * quarter, y0),
                quarter,
                height,
                facecolor="#222222" if i % 2 == 0 else "white",
                edgecolor="#222222",
                linewidth=0.8 * k,
                zorder=ABOVE_MAP + 1,
            )
        )
    for position, value in ((0.0, 0), (0.5, km / 2), (1.0, km)):
        label = f"{value:g} km" if position == 1.0 else f"{value:g}"
        ax.text(
            x0 + position * length,
            y0 + height * 1.6,
            label,
            ha="center",
            va="bottom",
            fontsize=10 * k,
            color="#222222",
            zorder=ABOVE_MAP + 1,
        )


def _draw_north_arrow(ax: Axes, extent: Extent, k: float) -> None:
    lon, lat = _centre_lonlat(extent)
    x0, y0 = _TO_MAP.transform(lon, lat)
    x1, y1 = _TO_MAP.transform(lon, min(lat + 0.5, 89.0))
    angle = math.atan2(x1 - x0, y1 - y0)  # true north, clockwise from the grid's up
    length = 34 * k
    dx, dy = length * math.sin(angle), length * math.cos(angle)
    tip = (0.955, 0.9)
    ax.annotate(
        "",
        xy=tip,
        xycoords="axes fraction",
        xytext=(-dx, -dy),
        textcoords="offset points",
        arrowprops={
            "arrowstyle": f"-|>,head_length={0.9 * k},head_width={0.45 * k}",
            "color": "#222222",
            "linewidth": 2.2 * k,
        },
        zorder=ABOVE_MAP + 1,
    )
    ax.annotate(
        "N",
        xy=tip,
        xycoords="axes fraction",
        xytext=(7 * k * math.sin(angle), 7 * k * math.cos(angle)),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=14 * k,
        fontweight="bold",
        color="#222222",
        path_effects=_halo(3 * k),
        zorder=ABOVE_MAP + 1,
    )


def _draw_inset(
    fig: Figure,
    rect: tuple[float, float, float, float],
    layers: AtlasLayers,
    extent: Extent,
    k: float,
) -> None:
    ax = fig.add_axes(rect)
    countries = _projected(layers.countries)
    xmin, ymin, xmax, ymax = countries.total_bounds
    region = Extent(xmin, xmax, ymin, ymax)
    box_w, box_h = rect[2] * fig.get_figwidth(), rect[3] * fig.get_figheight()
    frame = region.fitted(box_w / box_h)
    ax.set_facecolor(style.BASEMAP_BACKGROUND)
    is_mali = countries["iso_a3"] == "MLI"
    countries.loc[~is_mali].plot(
        ax=ax, color=style.NEIGHBOUR_FILL, edgecolor=style.BORDER_COLOUR, linewidth=0.5 * k
    )
    countries.loc[is_mali].plot(
        ax=ax,
        color=style.REGION_OUTLINE,
        alpha=0.55,
        edgecolor=style.BORDER_COLOUR,
        linewidth=0.8 * k,
    )
    shown = Extent(
        max(extent.xmin, frame.xmin),
        min(extent.xmax, frame.xmax),
        max(extent.ymin, frame.ymin),
        min(extent.ymax, frame.ymax),
    )
    ax.add_patch(
        Rectangle(
            (shown.xmin, shown.ymin),
            shown.width,
            shown.height,
            facecolor="none",
            edgecolor="#c0392b",
            linewidth=1.6 * k,
            zorder=5,
        )
    )
    mali = countries.loc[is_mali]
    if not mali.empty:
        point = mali.geometry.iloc[0].representative_point()
        ax.text(
            point.x,
            point.y,
            "MALI",
            ha="center",
            va="center",
            fontsize=9 * k,
            fontweight="bold",
            color="#3d3428",
            zorder=6,
        )
    _bare(ax, frame, k * 0.8)


def _bare(ax: Axes, extent: Extent, line_width: float) -> None:
    """Frame ``ax`` on ``extent`` with a thin border and no ticks or axis labels."""
    ax.set_xlim(extent.xmin, extent.xmax)
    ax.set_ylim(extent.ymin, extent.ymax)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_edgecolor("#777777")
        spine.set_linewidth(line_width)


_LegendItem = tuple[Artist, str, bool]  # handle, label, is a heading


def _legend_handle(mark: Mark | None, k: float) -> Artist:
    """The matplotlib handle that draws a legend entry's mark."""
    if isinstance(mark, Dot):
        return _dot(mark.colour, mark.radius_px, k)
    if isinstance(mark, Swatch):
        return Patch(facecolor=mark.colour, edgecolor="white")
    if isinstance(mark, Symbol):
        marker = _SYMBOL_MARKERS.get(mark.shape, "o")
        return Line2D(
            [],
            [],
            linestyle="none",
            marker=marker,
            markersize=2 * 7.0 * 0.75 * k * _MARKER_BOOST.get(marker, 1.0),
            markerfacecolor="none",  # hollow, as the map draws bases
            markeredgecolor=mark.colour,
            markeredgewidth=1.6 * k,
        )
    if isinstance(mark, Stroke):
        line = Line2D([], [], color=mark.colour, linewidth=mark.width_px * k)
        if mark.dashed:
            line.set_linestyle((0, (4, 3)))
        return line
    if isinstance(mark, Pin):
        return Line2D(
            [],
            [],
            linestyle="none",
            marker=_NOTE_PIN,
            markersize=_pin_size(k) * 0.6,
            markerfacecolor=NOTE_COLOUR,
            markeredgecolor="white",
        )
    return Line2D([], [], linestyle="none")


def _section_items(section: LegendSection, k: float) -> list[_LegendItem]:
    blank = Line2D([], [], linestyle="none")
    items: list[_LegendItem] = [(blank, section.title, True)]
    items += [(_legend_handle(e.mark, k), e.label, False) for e in section.entries]
    return items


def _legend_items(spec: MapSpec, k: float) -> tuple[list[_LegendItem], list[_LegendItem]]:
    """The legend of ``spec``, entry by entry: the incidents' section, then every other."""
    first: list[_LegendItem] = []
    rest: list[_LegendItem] = []
    for section in spec.legend:
        (first if section.part == "incidents" else rest).extend(_section_items(section, k))
    return first, rest


def _dot(colour: str, radius_px: float, k: float) -> Line2D:
    return Line2D(
        [],
        [],
        linestyle="none",
        marker="o",
        markersize=2 * radius_px * 0.75 * k,
        markerfacecolor=colour,
        markeredgecolor="white",
        alpha=0.9,
    )


def _figures_lines(summary: ViewSummary) -> Iterator[tuple[str, str]]:
    figures = summary.figures
    yield "Incidents", f"{figures.incidents:,}"
    fatalities = f"{figures.fatalities:,}"
    if figures.incidents_without_fatality_figure:
        fatalities += f" ({figures.incidents_without_fatality_figure:,} without a figure)"
    yield "Fatalities", fatalities
    yield "Active deployments", f"{figures.active_deployments:,}"
    regions = ", ".join(f"{name} ({count:,})" for name, count in figures.top_regions) or "–"
    yield "Most affected regions", regions
    if figures.includes:
        yield "Totals include", figures.includes.removeprefix("Totals include ").rstrip(".")


def draw_view(fig: Figure, layers: AtlasLayers, summary: ViewSummary, page: PageSize) -> None:
    """Draw one view on ``fig``: title, map, inset, key figures, legend and attribution.

    Parameters
    ----------
    fig
        An empty figure of ``page``'s size.
    layers
        Every layer (the basemap and towns are drawn from it).
    summary
        The view, its rows and its words (:func:`atlas.export.describe.summarise`).
    page
        The page size the layout is made for.
    """
    credits = "Sources: " + " · ".join(summary.map_credits()) + "."
    lay = _layout(page, credits)
    k = lay.k
    top = 1 - lay.pad_y
    line_w_in = page.width_in * 0.95
    fig.text(
        lay.pad_x,
        top,
        fit_line(summary.title, line_w_in, 30 * k),
        fontsize=30 * k,
        fontweight="bold",
        va="top",
        color="#1d1d1d",
    )
    subtitle_y = top - lay.fy(30 * 1.3 * k / 72)
    fig.text(lay.pad_x, subtitle_y, summary.date_text, fontsize=17 * k, va="top", color="#333333")
    fig.text(
        lay.pad_x,
        subtitle_y - lay.fy(17 * 1.45 * k / 72),
        fit_line(summary.filters_text, line_w_in, 14 * k),
        fontsize=14 * k,
        va="top",
        color="#555555",
    )

    ax = fig.add_axes(lay.map_rect)
    map_w_in = lay.map_rect[2] * page.width_in
    map_h_in = lay.map_rect[3] * page.height_in
    notes = view_notes(layers, summary)
    view = summary.view
    spec = map_spec(
        layers.regions, view, summary.incidents, summary.deployments, notes, totals=summary.totals
    )
    extent = projected_extent(view, spec.extent).fitted(map_w_in / map_h_in)
    ax.set_facecolor(style.BASEMAP_BACKGROUND)
    _draw_basemap(ax, layers, spec, k)
    _draw_area_names(ax, layers, spec, extent, k)
    if "incident_areas" in spec.parts and spec.mode == "hexes":
        _draw_hexes(ax, spec, k)
    elif "incident_areas" in spec.parts:
        _draw_heat(ax, spec, extent)
    elif "incidents" in spec.parts:
        _draw_points(ax, spec, extent, k)
    _draw_deployments(ax, spec, extent, k)
    if "towns" in spec.parts:
        _draw_towns(ax, layers, spec, extent, k)
    if spec.notes is not None:
        _draw_notes(ax, spec.notes, extent, k)
    _bare(ax, extent, k)
    _draw_scale_bar(ax, extent, k)
    _draw_north_arrow(ax, extent, k)

    # Side panel, top down: inset locator, key figures, legend.
    panel_top = lay.map_rect[1] + lay.map_rect[3]
    inset_h = lay.panel_w * page.width_in * 0.62 / page.height_in
    _draw_inset(fig, (lay.panel_x, panel_top - inset_h, lay.panel_w, inset_h), layers, extent, k)
    cursor = panel_top - inset_h - lay.fy(0.28 * k)
    fig.text(lay.panel_x, cursor, "Key figures", fontsize=15 * k, fontweight="bold", va="top")
    cursor -= lay.fy(15 * 1.5 * k / 72)
    values_x = lay.panel_x + 0.4 * lay.panel_w
    values_w_in = 0.6 * lay.panel_w * page.width_in
    for label, value in _figures_lines(summary):
        fig.text(lay.panel_x, cursor, label, fontsize=12 * k, va="top", color="#555555")
        for line in _cut_short(_wrap(value, values_w_in, 12 * k), MAX_VALUE_LINES):
            fig.text(values_x, cursor, line, fontsize=12 * k, va="top", fontweight="bold")
            cursor -= lay.fy(12 * 1.45 * k / 72)
    cursor -= lay.fy(0.15 * k)
    first, rest = _legend_items(spec, k)
    items = first + rest
    if items:
        available_in = (cursor - lay.map_rect[1]) * page.height_in
        row_in = 11.5 * 1.75 * k / 72
        one_column_w_in = lay.panel_w * page.width_in - 0.35 * k
        lines = sum(len(_wrap(label, one_column_w_in, 11.5 * k)) for _, label, _ in items)
        columns = 1 if lines * row_in <= available_in or not first or not rest else 2
        if columns == 2:
            # Incidents fill the first column and the other layers the second (the legend
            # fills columns top down), so no section is split between columns.
            rows = max(len(first), len(rest))
            spacer: _LegendItem = (Line2D([], [], linestyle="none"), "", False)
            items = first + [spacer] * (rows - len(first)) + rest + [spacer] * (rows - len(rest))
        legend_pt = 11.5 * k if columns == 1 else 10 * k
        label_w_in = lay.panel_w * page.width_in / columns
        legend = fig.legend(
            [handle for handle, _, _ in items],
            # Long names wrap, never cut (the handle's width taken off the line).
            ["\n".join(_wrap(label, label_w_in - 0.35 * k, legend_pt)) for _, label, _ in items],
            loc="upper left",
            bbox_to_anchor=(lay.panel_x - lay.fx(0.08 * k), cursor),
            bbox_transform=fig.transFigure,
            frameon=False,
            fontsize=legend_pt,
            ncols=columns,
            handletextpad=0.5,
            borderaxespad=0.0,
            labelspacing=0.55,
            columnspacing=1.0,
            handlelength=1.6,
        )
        for text, (_, _, heading) in zip(legend.get_texts(), items, strict=True):
            if heading:
                text.set_fontweight("bold")

    line_h = lay.fy(9.5 * k * 1.4 / 72)
    y = lay.footer - lay.pad_y * 0.6
    for line in lay.credits_lines:
        fig.text(lay.pad_x, y, line, fontsize=9.5 * k, va="top", color="#444444")
        y -= line_h
    link = summary.view.to_query_string() or "(the default view)"
    fig.text(
        lay.pad_x,
        y,
        fit_line(f"View: {link}", line_w_in, 8.5 * k),
        fontsize=8.5 * k,
        va="top",
        color="#777777",
    )


@cache
def _drawable_characters() -> frozenset[int]:
    """Code points that both weights of the export's font have a glyph for."""
    charmaps = []
    for weight in ("normal", "bold"):
        properties = font_manager.FontProperties(family=FONT_FAMILY, weight=weight)
        path = font_manager.findfont(properties, fallback_to_default=False)
        charmaps.append(set(FT2Font(path).get_charmap()))
    return frozenset(charmaps[0] & charmaps[1])


def plain_text(text: str) -> str:
    """``text`` as one line of characters the export's font can draw.

    Line breaks, tabs and other control characters become spaces. Format characters
    (direction overrides, zero-width marks, the byte-order mark) are dropped: matplotlib lays
    text out left to right without shaping, so they would only scramble the text a PDF reader
    extracts, and a byte-order mark breaks the PDF writer. A character the font has no glyph
    for becomes U+FFFD, the replacement character, rather than an empty box and a warning.
    """
    drawable = _drawable_characters()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        if category in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif ord(char) in drawable:
            kept.append(char)
        else:
            kept.append("\ufffd")
    return "".join(kept)


def finish_figure(fig: Figure) -> Figure:
    """Make every text on ``fig`` plain (:func:`plain_text`) and of a length a page can hold.

    Titles, names, credits and legend labels come from users and imported files; going over
    the finished figure before it is saved covers every one of them, wherever it was drawn.
    """
    for text in fig.findobj(Text):
        content = text.get_text()
        plain = plain_text(content)
        if len(plain) > MAX_LINE_CHARS:
            plain = plain[: MAX_LINE_CHARS - 2] + " …"
        if plain != content:
            text.set_text(plain)
    return fig


def new_figure(page: PageSize, *, raster: bool) -> Figure:
    """An empty figure of ``page``'s size; a raster one is sized to whole pixels."""
    if raster:
        width_px, height_px = page.pixels
        return Figure(figsize=(width_px / page.dpi, height_px / page.dpi), dpi=page.dpi)
    return Figure(figsize=(page.width_in, page.height_in), dpi=page.dpi)


def pdf_metadata(title: str, subject: str) -> dict[str, Any]:
    """PDF document information without a creation date, so equal views give equal files."""
    return {
        "Title": title,
        "Subject": subject,
        "Creator": "Mali Security Atlas",
        "CreationDate": None,
    }


def render_static(layers: AtlasLayers, summary: ViewSummary, size: str, fmt: str) -> bytes:
    """The view as a PNG or PDF page.

    Parameters
    ----------
    layers
        Every layer.
    summary
        The view, described (:func:`atlas.export.describe.summarise`).
    size
        ``slide`` (16:9, 1920 × 1080 px) or ``a4`` (landscape, 2339 × 1654 px at 200 dpi).
    fmt
        ``png`` or ``pdf``.

    Raises
    ------
    ExportError
        For an unknown size or format.
    """
    page = page_size(size)
    if fmt not in ("png", "pdf"):
        raise ExportError(f"unknown image format {fmt!r}; choose png or pdf")
    with export_style():
        fig = new_figure(page, raster=fmt == "png")
        draw_view(fig, layers, summary, page)
        finish_figure(fig)
        out = io.BytesIO()
        if fmt == "png":
            fig.savefig(out, format="png", dpi=page.dpi, metadata={"Software": None})
        else:
            fig.savefig(out, format="pdf", metadata=pdf_metadata(summary.title, summary.date_text))
    return out.getvalue()


@contextmanager
def export_style() -> Iterator[None]:
    """Matplotlib settings every export is drawn and saved with, one export at a time.

    DejaVu Sans (shipped with matplotlib) for every text; TrueType fonts in PDFs, so their text
    stays selectable and searchable. Every text is plain: titles, names and credits come from
    users and imported files, and matplotlib would otherwise read ``$...$`` as mathematics
    (and fail on a stray ``$\\foo{$``) or hand text to LaTeX. Setting it here covers every
    text object, legend label and table cell drawn while the style is on. Matplotlib's settings
    are global to the process, so the exports of concurrent sessions take turns rather than
    change them under each other.
    """
    with (
        _RENDER_LOCK,
        matplotlib.rc_context(
            {
                "font.family": FONT_FAMILY,
                "pdf.fonttype": 42,
                "pdf.compression": 6,
                "text.parse_math": False,
                "text.usetex": False,
            }
        ),
    ):
        yield


def wrap_text(text: str, width_in: float, font_pt: float) -> list[str]:
    """``text`` cut into lines that fit ``width_in`` inches at ``font_pt`` points."""
    return _wrap(text, width_in, font_pt)
