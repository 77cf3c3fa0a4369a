"""Building the folium map of a view.

The map needs nothing from the internet: Leaflet comes from the app's own static files
(:mod:`atlas.assets`) and the default basemap is drawn from our vector layers. Online tile
layers are offered as alternatives and load nothing until a user picks one.

Data reaches the page only through :func:`atlas.escape.escape_html` (inside popups, tooltips and
labels) and :func:`atlas.escape.script_json` (the named columns and GeoJSON our layers of
:mod:`atlas.leaflet` are drawn from).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import xyzservices.providers as xyz
from branca.element import Element, Figure

from atlas import style
from atlas.aggregate import hex_cells, hex_resolution, resolve_mode
from atlas.assets import localize
from atlas.attribution import map_attribution
from atlas.escape import escape_html, escape_html_all, is_missing, script_json
from atlas.extent import DEFAULT_ZOOM, view_extent
from atlas.filters import (
    ViewTotals,
    data_span,
    deployments_active_between,
    incidents_by_id,
    view_incidents,
    view_totals,
)
from atlas.leaflet import (
    PANES,
    ClusteredIncidents,
    DeploymentMarkers,
    FitOpening,
    FocusOn,
    ForgetSwappedGroups,
    GeoJsonLayer,
    HeatPoints,
    HexCells,
    IncidentMarkers,
    LayerCredits,
    Legend,
    MapSetup,
    NoteMarkers,
    PlaceNames,
    PluginAssets,
    RawText,
    TileFallback,
    TownMarkers,
    geojson_text,
)
from atlas.mapspec import (
    NAME_SHIFTS_PX,
    SIZE_COLOUR,
    Dot,
    LegendEntry,
    LegendSection,
    MapSpec,
    Mark,
    Pin,
    Stroke,
    Swatch,
    Symbol,
    map_spec,
    ramp_section,
)
from atlas.notes import NOTE_COLOUR, NOTE_DOT_COLOUR, notes_in_view, short_text
from atlas.tables import incident_tooltips
from atlas.view import MAX_ZOOM, MIN_ZOOM, ZOOM_STEP, ViewState
from atlas.viewport import Viewport, wants_detail
from loaders import AtlasLayers
from loaders.curated import CURATED_DATASET

MALI_CENTRE = (17.4, -3.5)
LABEL_ZOOM = 7  # towns of rank 3 are labelled from this zoom on
FOCUS_ZOOM = 8  # the least zoom at which a picked incident or a chosen base is shown
OPENING_PADDING_PX = 8
"""Room left around the opening extent when the map fits it (see :class:`FitOpening`)."""

LAYER_TITLES = {
    "regions": "Regions of Mali",
    "rivers": "Rivers",
    "towns": "Towns",
    "deployments": "Deployments",
    "incidents": "Incidents",
    "notes": "Notes",
}

ONLINE_TILES = (
    ("OpenStreetMap (online)", xyz.OpenStreetMap.Mapnik),
    ("Light (online)", xyz.Esri.WorldGrayCanvas),
    ("Satellite (online)", xyz.Esri.WorldImagery),
)

_CSS = """
<style>
/* Leaflet's own stylesheet may load after this one, hence the doubled selector. */
.leaflet-container.leaflet-container { background: %(background)s;
  font-family: system-ui, sans-serif; }
/* The credits keep to one line (see MapSetup); a click unfolds them. */
.leaflet-container .leaflet-control-attribution { font-size: 11px; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; box-sizing: border-box; cursor: pointer; }
.leaflet-container .leaflet-control-attribution.atlas-credits-open { white-space: normal; }
.atlas-town-label { white-space: nowrap; font-size: 12px; font-weight: 600; color: #222;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; pointer-events: none; }
.atlas-town-label.rank-1 { font-size: 14px; }
.atlas-deployment svg { display: block; filter: drop-shadow(0 0 1px rgba(0,0,0,.6)); }
.atlas-legend { background: rgba(255,255,255,.92); padding: 6px 9px; border-radius: 4px;
  font-size: 12px; line-height: 1.5; box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 230px; }
.atlas-legend h4 { margin: 2px 0 3px; font-size: 12px; }
.atlas-legend-toggle { display: block; margin: 0 0 0 auto; padding: 0 2px; border: 0;
  background: none; font: 600 11px system-ui, sans-serif; color: #555; cursor: pointer; }
.atlas-legend-toggle::after { content: " \\25BE"; }
.atlas-legend-folded .atlas-legend-toggle::after { content: " \\25B8"; }
.atlas-legend-folded .atlas-legend-body { display: none; }
.atlas-legend-body { overflow-y: auto; }
.atlas-legend .swatch { display: inline-block; width: 11px; height: 11px; border-radius: 50%%;
  margin-right: 5px; vertical-align: -1px; border: 1px solid #fff; }
.atlas-legend svg { vertical-align: -4px; margin-right: 4px; }
.atlas-legend .swatch.square { border-radius: 2px; }
.atlas-legend .row { display: flex; flex-wrap: wrap; align-items: center; column-gap: 10px; }
.atlas-legend .row .entry { white-space: nowrap; display: inline-flex; align-items: center; }
.atlas-legend .row .swatch { background-clip: padding-box; flex: none; }
.atlas-legend .stroke { display: inline-block; width: 18px; margin-right: 5px;
  vertical-align: middle; }
.atlas-popup table { border-collapse: collapse; font-size: 12px; }
.atlas-popup th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: 600;
  vertical-align: top; white-space: nowrap; }
.atlas-popup td { padding: 1px 0; }
.atlas-popup h4 { margin: 0 0 4px; font-size: 13px; }
.atlas-note svg { display: block; filter: drop-shadow(0 1px 1px rgba(0,0,0,.5)); }
.atlas-note-popup td { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 280px; }
</style>
"""


@dataclass
class LayeredMap:
    """A map in two parts: a base that a change of range or filters leaves as it is, and the
    overlays drawn from the view's incidents and deployments.

    The app mounts the base once and swaps only the overlays when the view changes (see
    ``ui.widgets.show_map``); a file or a test takes :meth:`merged`, one folium map of both.
    """

    base: folium.Map
    overlays: list[folium.FeatureGroup]

    @staticmethod
    def layer_control() -> folium.LayerControl:
        """The layer control, which lists the base's layers and the overlays."""
        return folium.LayerControl(collapsed=True, position="topright")

    def for_app(self) -> folium.Map:
        """The base, linking every plugin an overlay of a later view may need; the overlays
        let the browser free those they replace."""
        self.base.add_child(PluginAssets())
        if self.overlays:
            self.overlays[0].add_child(ForgetSwappedGroups(), index=0)
        return self.base

    def merged(self) -> folium.Map:
        """One folium map holding the base and the overlays."""
        for group in self.overlays:
            group.add_to(self.base)
        self.layer_control().add_to(self.base)
        return self.base


def popup_html(title: Any, fields: Iterable[tuple[str, Any]]) -> str:
    """A popup: a title and a table of label/value rows, all escaped; empty values left out."""
    rows = "".join(
        f"<tr><th>{escape_html(label)}</th><td>{escape_html(value)}</td></tr>"
        for label, value in fields
        if not is_missing(value) and str(value) != ""
    )
    return f'<div class="atlas-popup"><h4>{escape_html(title)}</h4><table>{rows}</table></div>'


def _day(value: Any) -> str:
    return "" if is_missing(value) else pd.Timestamp(value).date().isoformat()


def _int_or_none(value: Any) -> int | None:
    return None if is_missing(value) else int(value)


INCIDENT_POPUP_LABELS: tuple[str, ...] = (
    "Date",
    "Event",
    "Actor 1",
    "Actor 2",
    "Fatalities",
    "Place",
    "Description",
    "Source",
    "Dataset",
    "ID",
)


INCIDENT_LABELS_ESCAPED = [escape_html(label) for label in INCIDENT_POPUP_LABELS]

Columns = dict[str, Any]
"""Named columns a layer of :mod:`atlas.leaflet` is drawn from: one list per field."""


def _text(column: pd.Series) -> pd.Series:
    return column.astype("string").fillna("")


def _escaped_texts(incidents: gpd.GeoDataFrame) -> pd.DataFrame:
    """The texts of the incident layer, escaped, one row per incident (same index):
    ``tooltip``, ``title`` and the popup's values under their escaped labels."""
    dates = incidents["event_date"].dt.strftime("%Y-%m-%d")
    location = _text(incidents["location"])
    actor1, actor2 = _text(incidents["actor1"]), _text(incidents["actor2"])
    has_actor2 = actor2 != ""
    sub_type = _text(incidents["sub_event_type"])
    region = _text(incidents["admin1_name"]) if "admin1_name" in incidents else None
    country = _text(incidents["country"])
    place = (
        location + ", " + (region.where(region != "", country) if region is not None else country)
    )
    values = [
        dates,
        _text(incidents["event_type"]) + " / " + sub_type,
        actor1 + " (" + _text(incidents["actor1_family"]) + ")",
        (actor2 + " (" + _text(incidents["actor2_family"]) + ")").where(has_actor2, ""),
        incidents["fatalities"].astype("string").fillna("unknown"),
        place,
        _text(incidents["description"]),
        _text(incidents["source"]),
        _text(incidents["dataset"]),
        _text(incidents["id"]),
    ]
    texts = {
        "tooltip": escape_html_all(incident_tooltips(incidents)),
        "title": escape_html_all(sub_type + ", " + location),
        **{
            label: escape_html_all(column)
            for label, column in zip(INCIDENT_LABELS_ESCAPED, values, strict=True)
        },
    }
    return pd.DataFrame(texts, index=incidents.index, dtype=object)


ESCAPED_ONCE_MAX = 250_000
"""Held incidents up to this many have their texts escaped once per load of the layers
(about 0.5 kB each), not again for every view drawn of them."""
_ESCAPED: dict[int, pd.DataFrame] = {}
_ESCAPED_LOCK = threading.Lock()


def _texts_of(incidents: gpd.GeoDataFrame, source: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """:func:`_escaped_texts` of ``incidents``, taken from those of ``source`` when given:
    the frame ``incidents`` were selected from, rows as they are there (same index)."""
    if source is None or len(source) > ESCAPED_ONCE_MAX:
        return _escaped_texts(incidents)
    key = id(source)
    with _ESCAPED_LOCK:
        texts = _ESCAPED.get(key)
    if texts is None:
        texts = _escaped_texts(source)
        with _ESCAPED_LOCK:
            _ESCAPED[key] = texts
        weakref.finalize(source, _ESCAPED.pop, key, None)  # before the id can be reused
    return texts if incidents is source else texts.loc[incidents.index]


def incident_columns(
    incidents: gpd.GeoDataFrame, source: gpd.GeoDataFrame | None = None
) -> Columns:
    """The columns the incident layer is drawn from, one value per incident.

    ``lat``, ``lon``, ``radius`` (px), ``colour``, ``ring`` (metres), ``tooltip``, ``title``
    and ``details``: the popup's values under their labels, in the order of
    :data:`INCIDENT_POPUP_LABELS`. Every text is escaped (labels too), and the browser
    assembles the popup only when it is opened. Built column by column: at 100,000
    incidents a loop over rows costs seconds. ``source`` is the frame of held incidents
    that ``incidents`` were selected from (:attr:`atlas.mapspec.MapSpec.texts_from`): its
    escaped texts are worked out once and shared by every view of it.
    """
    texts = _texts_of(incidents, source)
    return {
        **_points(incidents),
        "radius": style.incident_radii(incidents["fatalities"]).tolist(),
        "colour": style.event_colours(incidents["event_type"]),
        "ring": style.uncertainty_radii_m(incidents["geo_precision"]),
        "tooltip": texts["tooltip"].tolist(),
        "title": texts["title"].tolist(),
        "details": {label: texts[label].tolist() for label in INCIDENT_LABELS_ESCAPED},
    }


def hex_columns(cells: gpd.GeoDataFrame) -> Columns:
    """The columns the hexagon layer is drawn from: ``outline`` ([[lat, lon], ...], open),
    ``colour`` and ``label`` (escaped).

    Outlines and a colour each instead of a GeoJSON layer with a style per feature: a fifth
    of the bytes and of the time at a few hundred cells.
    """
    outlines = [
        [[round(lat, 4), round(lon, 4)] for lon, lat in shape.exterior.coords[:-1]]
        for shape in cells.geometry
    ]
    return {
        "outline": outlines,
        "colour": [style.hex_colour(int(count)) for count in cells["incidents"]],
        "label": [
            escape_html(f"{count:,} incidents, {deaths:,} fatalities")
            for count, deaths in zip(cells["incidents"], cells["fatalities"], strict=True)
        ],
    }


def _points(frame: gpd.GeoDataFrame) -> Columns:
    """``lat`` and ``lon`` of each point of ``frame``, to five decimals (about a metre)."""
    return {
        "lat": frame.geometry.y.round(5).tolist(),
        "lon": frame.geometry.x.round(5).tolist(),
    }


def deployment_columns(deployments: gpd.GeoDataFrame) -> Columns:
    """The columns the deployment layer is drawn from (one value per base or camp): ``lat``,
    ``lon``, ``symbol`` (SVG), ``popup`` (html) and ``tooltip``, all text escaped."""
    symbols: list[str] = []
    popups: list[str] = []
    tooltips: list[str] = []
    for rec in deployments.itertuples(index=False):
        symbol, colour = style.mission_symbol(rec.mission)
        strength = _int_or_none(rec.strength)
        symbols.append(style.symbol_svg(symbol, colour))
        popups.append(
            popup_html(
                f"{rec.mission}: {rec.site}",
                [
                    ("Location", rec.location),
                    ("Contributor", rec.contributor),
                    ("From", _day(rec.start_date)),
                    ("Until", _day(rec.end_date) or "open"),
                    ("Strength", rec.strength_note or strength),
                    ("Notes", rec.description),
                    ("Source", rec.source),
                    ("ID", rec.id),
                ],
            )
        )
        tooltips.append(escape_html(f"{rec.mission} · {rec.site}"))
    return {**_points(deployments), "symbol": symbols, "popup": popups, "tooltip": tooltips}


def town_columns(towns: gpd.GeoDataFrame) -> Columns:
    """The columns the towns layer is drawn from, by rank from 3 to 1: ``lat``, ``lon``,
    ``rank``, ``label`` and ``popup``, all text escaped."""
    ordered = towns.sort_values("rank", ascending=False)
    popups: list[str] = []
    for rec in ordered.itertuples(index=False):
        population = _int_or_none(getattr(rec, "population", None))
        popups.append(
            popup_html(
                rec.name,
                [
                    ("French", rec.name_fr if rec.name_fr != rec.name else None),
                    ("Population", f"{population:,}" if population else None),
                    ("Source", rec.source),
                ],
            )
        )
    return {
        **_points(ordered),
        "rank": [int(rank) for rank in ordered["rank"]],
        "label": [escape_html(name) for name in ordered["name"]],
        "popup": popups,
    }


def note_pin_svg(height: int = 30) -> str:
    """The notes' pin, as inline SVG ``height`` pixels high (no data in it)."""
    width = round(height * 22 / 30)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'viewBox="0 0 22 30"><path d="M11 29C11 29 2 17.5 2 11a9 9 0 0 1 18 0c0 6.5-9 18-9 18z" '
        f'fill="{NOTE_COLOUR}" stroke="#ffffff" stroke-width="1.5"/>'
        f'<circle cx="11" cy="11" r="3.8" fill="{NOTE_DOT_COLOUR}"/></svg>'
    )


def note_columns(notes: gpd.GeoDataFrame) -> Columns:
    """The columns the notes layer is drawn from: ``lat``, ``lon``, ``tooltip`` and
    ``popup``, all escaped.

    The popup shows the note's text as text (its line breaks kept by the page's style), its
    author, the days it applies to, where it is pinned and when it was written.
    """
    tooltips: list[str] = []
    popups: list[str] = []
    for rec in notes.itertuples(index=False):
        days = f"{_day(rec.date_from)} to {_day(rec.date_to)}"
        by_region = not is_missing(rec.region)
        pinned = (
            f"region {rec.region}" if by_region else f"{rec.geometry.y:.5f}, {rec.geometry.x:.5f}"
        )
        edited = rec.updated_at if rec.updated_at != rec.created_at else None
        popup = popup_html(
            "Note",
            [
                ("Text", rec.text),
                ("Author", rec.author),
                ("Applies", days),
                ("Pinned to", pinned),
                ("Region", None if by_region else rec.admin1),
                ("Written", rec.created_at),
                ("Edited", edited),
            ],
        )
        tooltips.append(escape_html(f"Note: {short_text(rec.text)}"))
        popups.append(f'<div class="atlas-note-popup">{popup}</div>')
    return {**_points(notes), "tooltip": tooltips, "popup": popups}


def _mark_html(mark: Mark | None) -> str:
    """A legend entry's mark in HTML, from our own constants only (never data)."""
    if isinstance(mark, Dot):
        side = round(2 * mark.radius_px)
        return (
            f'<span class="swatch" style="background:{mark.colour};width:{side}px;'
            f'height:{side}px"></span>'
        )
    if isinstance(mark, Swatch):
        return f'<span class="swatch square" style="background:{mark.colour}"></span>'
    if isinstance(mark, Symbol):
        return style.symbol_svg(mark.shape, mark.colour, 14)
    if isinstance(mark, Stroke):
        line = "dashed" if mark.dashed else "solid"
        return (
            f'<span class="stroke" style="border-top:{max(round(mark.width_px), 1)}px '
            f'{line} {mark.colour}"></span>'
        )
    if isinstance(mark, Pin):
        return note_pin_svg(16)
    return ""


def _inline(section: LegendSection, entry: LegendEntry) -> bool:
    """Entries the live legend sets side by side to stay short on screen: the size examples
    and the basemap's lines (the slides list them one a line, with room to spare)."""
    if section.part == "basemap":
        return True
    return isinstance(entry.mark, Dot) and entry.mark.colour == SIZE_COLOUR


def legend_html(legend: Sequence[LegendSection]) -> str:
    """The live map's legend: every section and entry of a map's spec, escaped, in order."""
    parts: list[str] = []
    for section in legend:
        parts.append(f"<h4>{escape_html(section.title)}</h4>")
        row: list[str] = []
        for entry in section.entries:
            html = f"{_mark_html(entry.mark)}{escape_html(entry.label)}"
            if entry.mark is not None and _inline(section, entry):
                row.append(f'<span class="entry">{html}</span>')
                continue
            if row:
                parts.append(f'<div class="row">{"".join(row)}</div>')
                row = []
            html = html if entry.mark is not None else f"<small>{html}</small>"
            parts.append(f'<div class="entry">{html}</div>')
        if row:
            parts.append(f'<div class="row">{"".join(row)}</div>')
    return "".join(parts)


def _basemap(layers: AtlasLayers) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Offline vector basemap", overlay=False, show=True)
    countries = layers.countries
    text = geojson_text(countries, "countries", lambda: countries[["iso_a3", "geometry"]])
    neighbour = {"fillColor": style.NEIGHBOUR_FILL, "weight": 0.8}
    mali = {"fillColor": style.MALI_FILL, "weight": 1.6}
    group.add_child(
        GeoJsonLayer(
            text,
            {
                "style": {"fillOpacity": 1.0, "color": style.BORDER_COLOUR, **neighbour},
                "styleBy": {"key": "iso_a3", "values": {"MLI": mali}},
                "interactive": False,
                "pane": "atlasBase",
            },
        )
    )
    group.add_child(PlaceNames(_country_name_columns(countries), "atlas-country-name"))
    return group


NAMED_AREA_MIN_DEG2 = 0.5
"""Areas smaller than this (in square degrees) are not named on the map: the Bamako district
would put its name on the capital's own."""

NEIGHBOURHOOD_MARGIN_DEG = 3.0
"""How far around Mali a neighbouring country's name is placed, in degrees: at the point of
the part of the country near Mali, where the map shows it, not at its far-off middle."""


def _name_html(text: str, css: str) -> str:
    # Centred on its point by its own size, which the browser knows before any script could
    # measure it.
    centred = "display: inline-block; transform: translate(-50%, -50%); "
    return f'<span style="{centred}{css}">{escape_html(text)}</span>'


def region_names(regions: gpd.GeoDataFrame) -> list[tuple[float, float, str]]:
    """``(lat, lon, NAME)`` of each region large enough to be named, at its representative
    point, in capitals: what every map and slide writes under its symbols."""
    names: list[tuple[float, float, str]] = []
    for name, shape in zip(regions["name"], regions.geometry, strict=True):
        if shape is None or shape.area < NAMED_AREA_MIN_DEG2:
            continue
        point = shape.representative_point()
        names.append((round(point.y, 4), round(point.x, 4), str(name).upper()))
    return names


def neighbour_names(countries: gpd.GeoDataFrame) -> list[tuple[float, float, str]]:
    """``(lat, lon, NAME)`` of Mali's neighbours, each at the representative point of its
    part within :data:`NEIGHBOURHOOD_MARGIN_DEG` of Mali."""
    is_mali = countries["iso_a3"] == "MLI"
    if not is_mali.any():
        return []
    west, south, east, north = countries.loc[is_mali].total_bounds
    margin = NEIGHBOURHOOD_MARGIN_DEG
    near = countries.loc[~is_mali].clip_by_rect(
        west - margin, south - margin, east + margin, north + margin
    )
    names: list[tuple[float, float, str]] = []
    for name, shape in zip(countries.loc[~is_mali, "name"], near, strict=True):
        if shape is None or shape.is_empty or shape.area < NAMED_AREA_MIN_DEG2:
            continue
        point = shape.representative_point()
        names.append((round(point.y, 4), round(point.x, 4), str(name).upper()))
    return names


def _name_columns(names: list[tuple[float, float, str]], css: str) -> Columns:
    """Columns ``lat``, ``lon`` and ``html`` of :class:`atlas.leaflet.PlaceNames` for
    ``names`` (:func:`region_names`, :func:`neighbour_names`), escaped, in the style ``css``."""
    return {
        "lat": [lat for lat, _, _ in names],
        "lon": [lon for _, lon, _ in names],
        "html": [_name_html(name, css) for _, _, name in names],
    }


def _region_name_columns(regions: gpd.GeoDataFrame) -> Columns:
    return _name_columns(region_names(regions), style.REGION_NAME_STYLE)


def _country_name_columns(countries: gpd.GeoDataFrame) -> Columns:
    return _name_columns(neighbour_names(countries), style.COUNTRY_NAME_STYLE)


def _region_labels(regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    labelled = regions[["iso_code", "geometry"]].copy()
    labelled["label"] = [
        escape_html(f"{name} ({code})")
        for name, code in zip(regions["name"], regions["iso_code"], strict=True)
    ]
    return labelled


def _regions(layers: AtlasLayers, chosen: tuple[str, ...] = ()) -> folium.FeatureGroup:
    """Region outlines; with regions ``chosen``, theirs drawn firm and the others dimmed."""
    text = geojson_text(layers.regions, "outlines", lambda: _region_labels(layers.regions))
    outline = {
        "fill": True,
        "fillOpacity": 0.0,
        "color": style.REGION_OUTLINE,
        "weight": 1.2,
        "dashArray": "4 3",
    }
    options: dict[str, Any] = {"style": outline, "tooltip": "label"}
    options["highlight"] = {"weight": 2.5, "fillOpacity": 0.08}
    if chosen:
        options["style"] = {**outline, "fillColor": "#ffffff", "fillOpacity": 0.45}
        firm = {"fillOpacity": 0.0, "weight": 2.8, "dashArray": None, "color": "#222222"}
        options["styleBy"] = {"key": "iso_code", "values": dict.fromkeys(chosen, firm)}
    group = _group_of(GeoJsonLayer(text, options), LAYER_TITLES["regions"])
    group.add_child(PlaceNames(_region_name_columns(layers.regions), "atlas-region-name"))
    return group


def _rivers(layers: AtlasLayers) -> folium.FeatureGroup:
    rivers = layers.rivers

    def named() -> gpd.GeoDataFrame:
        return rivers[["geometry"]].assign(name=rivers["name"].map(escape_html))

    line = {"color": style.RIVER_COLOUR, "weight": 2.2, "opacity": 0.9}
    layer = GeoJsonLayer(
        geojson_text(rivers, "rivers", named), {"style": line, "tooltip": "name", "sticky": True}
    )
    return _group_of(layer, LAYER_TITLES["rivers"])


def _group_of(child: Element, title: str) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=title)
    group.add_child(child)
    return group


def view_layers(
    layers: AtlasLayers, view: ViewState
) -> tuple[date, date, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The date range of ``view`` and the incidents and deployments it selects."""
    start, end = view.date_range(*data_span(layers))
    return (
        start,
        end,
        view_incidents(layers, view, start, end),
        deployments_active_between(layers.deployments, start, end),
    )


def _focus(point: tuple[float, float], view: ViewState, token: str) -> FocusOn:
    return FocusOn(point, max(view.zoom or 0, FOCUS_ZOOM), token)


def _towns(layers: AtlasLayers) -> folium.FeatureGroup:
    options = {
        "labelZoom": LABEL_ZOOM,
        "gap": style.TOWN_LABEL_GAP_PX,
        "nameShifts": NAME_SHIFTS_PX,
    }
    return _group_of(
        TownMarkers(town_columns(layers.towns), "atlas-town-label", options),
        LAYER_TITLES["towns"],
    )


def opening_bounds(layers: AtlasLayers, view: ViewState) -> list[list[float]]:
    """Where a map without a centre opens, as Leaflet takes bounds: ``[[south, west], [north,
    east]]`` of the view's regions, else of all of Mali (:func:`atlas.extent.view_extent`)."""
    west, south, east, north = view_extent(layers.regions, replace(view, lat=None, lon=None))
    return [[south, west], [north, east]]


def base_map(layers: AtlasLayers, view: ViewState, *, height: int | str = 640) -> folium.Map:
    """The part of a view's map that its range and filters do not change.

    The offline basemap and the online alternatives, the reference layers the view shows
    (regions, rivers, towns), the map's credits, and where it opens: the view's centre and
    zoom, else its regions or the whole of Mali (:func:`opening_bounds`) fitted to the map's
    size in the browser, at any step of :data:`atlas.view.ZOOM_STEP`.
    """
    centre = (view.lat, view.lon) if view.lat is not None and view.lon is not None else None
    fmap = folium.Map(
        location=centre or MALI_CENTRE,
        zoom_start=DEFAULT_ZOOM,
        tiles=None,
        min_zoom=MIN_ZOOM,
        max_zoom=MAX_ZOOM,
        control_scale=False,  # our own, in kilometres only (see MapSetup)
        height=height,
    )
    fmap.options["maxZoom"] = MAX_ZOOM  # without tiles folium omits it; clustering needs it
    # Fractional zoom lets an extent fill the map, and a link keeps such a zoom (folium
    # takes only a whole zoom to start at).
    fmap.options["zoomSnap"] = ZOOM_STEP
    fmap.options["zoom"] = view.zoom or DEFAULT_ZOOM
    localize(fmap)
    figure = fmap.get_root()
    assert isinstance(figure, Figure)
    figure.header.add_child(RawText(_CSS % {"background": style.BASEMAP_BACKGROUND}))
    fmap.add_child(MapSetup(map_attribution()))
    fmap.add_child(TileFallback())
    _basemap(layers).add_to(fmap)
    for title, provider in ONLINE_TILES:
        folium.TileLayer(
            tiles=provider.build_url(),
            attr=provider.html_attribution,
            name=title,
            overlay=False,
            show=False,
            max_zoom=MAX_ZOOM,
        ).add_to(fmap)
    if view.shows("regions"):
        _regions(layers, view.regions).add_to(fmap)
    if view.shows("rivers"):
        _rivers(layers).add_to(fmap)
    if view.shows("towns"):
        _towns(layers).add_to(fmap)
    if centre is None:
        fmap.add_child(FitOpening(opening_bounds(layers, view), OPENING_PADDING_PX))
    return fmap


def _annotations(
    legend: str, licences: Sequence[str], marks: Iterable[Element] = ()
) -> folium.FeatureGroup:
    """The legend, the ``licences`` of the imported incidents shown and any ``marks`` (rings,
    circles), in one group outside the layer control."""
    group = folium.FeatureGroup(name="Legend", control=False)
    if legend:
        group.add_child(Legend(legend))
    if licences:
        group.add_child(LayerCredits(" · ".join(licences)))
    for mark in marks:
        group.add_child(mark)
    return group


def imported_licences(incidents: gpd.GeoDataFrame | None) -> list[str]:
    """The attribution lines of the imported datasets among ``incidents``."""
    if incidents is None or incidents.empty or "licence" not in incidents:
        return []
    imported = incidents.loc[incidents["dataset"] != CURATED_DATASET, "licence"]
    return sorted(str(text) for text in imported.dropna().unique() if str(text))


def _deployments(deployments: gpd.GeoDataFrame) -> folium.FeatureGroup:
    options = {"size": style.DEPLOYMENT_SYMBOL_PX}
    return _group_of(
        DeploymentMarkers(deployment_columns(deployments), "atlas-deployment", options),
        f"{LAYER_TITLES['deployments']} ({len(deployments)})",
    )


def _notes(notes: gpd.GeoDataFrame) -> folium.FeatureGroup:
    return _group_of(
        NoteMarkers(note_columns(notes), "atlas-note", {"pin": note_pin_svg()}),
        f"{LAYER_TITLES['notes']} ({len(notes)})",
    )


PART_PANES = {
    "basemap": "atlasBase",
    "incident_areas": "atlasShading",
    "area_names": "atlasNames",
    "regions": "overlayPane",
    "shading": "overlayPane",
    "rivers": "overlayPane",
    "towns": "overlayPane",
    "rings": "overlayPane",
    "incidents": "overlayPane",
    "focus": "overlayPane",
    "deployments": "markerPane",
    "notes": "markerPane",
    "town_labels": "atlasLabels",
}
"""The Leaflet pane each part of :data:`atlas.mapspec.DRAW_ORDER` is drawn in. Panes stack by
z-index (:data:`PANE_Z_INDEX`); within a pane, parts stack in the order they are added: the
base's (regions, rivers, towns) before the overlays' (incidents, then the picked one's ring;
deployments, then notes)."""
PANE_Z_INDEX = {**PANES, "overlayPane": 400, "markerPane": 600}
"""Every pane :data:`PART_PANES` names, with its z-index (Leaflet's own and ours)."""


def view_overlays(
    spec: MapSpec, licences: Sequence[str], marks: Iterable[Element] = ()
) -> list[folium.FeatureGroup]:
    """The groups a map draws over its base, as its ``spec`` says: deployments, incidents,
    notes (above everything else) and the legend; ``licences`` are those of the imported
    datasets the view's incidents come from, which the map credits."""
    view = spec.view
    groups: list[folium.FeatureGroup] = []
    if view.shows("deployments"):
        groups.append(_deployments(spec.deployments))
    if view.shows("incidents"):
        groups.append(incidents_layer(spec))
    if spec.notes is not None:
        groups.append(_notes(spec.notes))
    legend = legend_html(spec.legend)
    groups.append(_annotations(legend, licences if view.shows("incidents") else (), marks))
    return groups


def view_map(
    layers: AtlasLayers,
    view: ViewState,
    *,
    height: int | str = 640,
    highlight_id: str | None = None,
    focus_token: str | None = None,
    viewport: Viewport | None = None,
) -> LayeredMap:
    """The interactive map of ``view``: offline basemap, the chosen overlays, legend and controls.

    Parameters
    ----------
    layers
        Every layer, validated (see :func:`loaders.load_layers`).
    view
        Date range, filters, visible layers and drawing mode.
    height
        Height of the map element, in pixels or as CSS (the app's pages make the map fill
        the frame they size, ``ui.widgets.show_map``).
    highlight_id
        An incident to ring and centre the map on (a row picked in a table).
    focus_token
        Names the pick: the map in the app recentres on the incident for a new token only
        (default: the incident's id).
    viewport
        The part of the map the reader looks at, as the map reported it (see
        :func:`view_overlays`).
    """
    start, end = view.date_range(*data_span(layers))
    deployments = deployments_active_between(layers.deployments, start, end)
    totals = _counted_by_the_store(layers, view, start, end)
    if totals is None:
        incidents = view_incidents(layers, view, start, end)
        licences = imported_licences(incidents)
    else:  # rows travel only for a zoomed-in reader's box, the rest is counted in the store
        box = viewport.rounded() if viewport is not None else None
        wanted = box is not None and wants_detail("hexes", view.agg, box)
        incidents = (
            view_incidents(layers, view, start, end, (box.west, box.south, box.east, box.north))
            if box is not None and wanted
            else layers.incidents.iloc[0:0]
        )
        licences = _store_licences(layers)
    picked = incidents[incidents["id"] == highlight_id] if highlight_id else incidents.iloc[0:0]
    if highlight_id and picked.empty and totals is not None:  # counted, not fetched: ask
        picked = incidents_by_id(layers, [highlight_id])
    marks: list[Element] = []
    if not picked.empty:
        point = picked.geometry.iloc[0]
        marks.append(_focus((point.y, point.x), view, focus_token or str(highlight_id)))
        marks.append(
            folium.CircleMarker(
                [point.y, point.x],
                radius=26,
                color="#111111",
                weight=3,
                fill=False,
                class_name="atlas-highlight",
                interactive=False,
            )
        )
    return LayeredMap(
        base_map(layers, view, height=height),
        view_overlays(
            map_spec(
                layers.regions,
                view,
                incidents,
                deployments,
                notes_in_view(layers.notes, view, start, end),
                viewport=viewport,
                focus=bool(marks),
                totals=totals,
                texts_from=layers.incidents if layers.imported is None else None,
            ),
            licences,
            marks,
        ),
    )


def _counted_by_the_store(
    layers: AtlasLayers, view: ViewState, start: date, end: date
) -> ViewTotals | None:
    """The view's totals with hexagon cells, counted by a store that keeps its incidents
    outside the process, when the view is drawn in hexagons (so its rows need not travel);
    None when the rows are at hand or the map draws them one by one."""
    if layers.imported is None or not view.shows("incidents") or view.agg not in ("auto", "hexes"):
        return None
    totals = view_totals(layers, view, start, end, hex_resolution(view.zoom_level))
    return totals if resolve_mode(view.agg, totals.on_map) == "hexes" else None


def _store_licences(layers: AtlasLayers) -> list[str]:
    """The licences of every imported dataset a store keeps outside the process (what a
    view counted there without its rows credits) and of the imported incidents held."""
    held = imported_licences(layers.incidents)
    kept = layers.imported.names("licence") if layers.imported is not None else set()
    return sorted(set(held) | kept)


def build_map(
    layers: AtlasLayers,
    view: ViewState,
    *,
    height: int = 640,
    highlight_id: str | None = None,
) -> folium.Map:
    """The map of :func:`view_map` as one folium map (for a file or a test)."""
    return view_map(layers, view, height=height, highlight_id=highlight_id).merged()


def incidents_layer(spec: MapSpec) -> folium.FeatureGroup:
    """The incidents of a map's spec drawn in its mode: points, clusters, hexes or heat."""
    incidents, mode = spec.incidents, spec.mode
    group = folium.FeatureGroup(name=f"{LAYER_TITLES['incidents']} ({len(incidents):,}, {mode})")
    options: dict[str, Any]
    if mode == "points":
        options = {"rings": spec.view.rings}
        columns = incident_columns(incidents, spec.texts_from)
        group.add_child(IncidentMarkers(columns, "atlas-incident", options))
    elif mode == "clusters":
        columns = incident_columns(incidents, spec.texts_from)
        group.add_child(ClusteredIncidents(columns, "atlas-incident"))
    elif mode == "hexes":
        cells = spec.cells if spec.cells is not None else hex_cells(incidents, spec.hex_resolution)
        options = {"pane": PART_PANES["incident_areas"]}
        group.add_child(HexCells(hex_columns(cells), "atlas-hex", options))
    elif mode == "heat":
        weights = style.heat_weights(incidents["fatalities"])
        heat = {**_points(incidents), "weight": weights.round(3).tolist()}
        gradient = {str(stop): colour for stop, colour in style.HEAT_GRADIENT}
        options = {**style.HEAT_OPTIONS, "gradient": gradient, "pane": PART_PANES["incident_areas"]}
        group.add_child(HeatPoints(heat, options=options))
    else:
        raise ValueError(f"unknown drawing mode {mode!r}")
    return group


def region_map(
    layers: AtlasLayers, view: ViewState, figures: pd.DataFrame, metric: str, label: str
) -> LayeredMap:
    """A choropleth of one regional figure (a column of :func:`atlas.regions.compare_regions`).

    Regions are shaded on a ramp from the lowest to the highest value; a tooltip gives the
    figure, its change against the previous period and any surge flag.
    """
    values = figures.set_index("iso_code")
    regions = layers.regions[["iso_code", "name", "geometry"]].copy()
    regions["value"] = regions["iso_code"].map(values[metric]).fillna(0).astype(float)
    top = float(regions["value"].max()) or 1.0
    regions["colour"] = [style.ramp_colour(v / top) for v in regions["value"]]

    def describe(code: str, name: str, value: float) -> str:
        row = values.loc[code] if code in values.index else None
        text = f"{name} ({code}): {value:,.2f} {label}".replace(".00 ", " ")
        if row is not None and pd.notna(row["change_pct"]):
            text += f"; {row['change_pct']:+.0f}% on the previous period"
        if row is not None and row["rise"]:
            text += "; SURGE"
        if row is not None and row["fatality_high"]:
            text += "; 30-day fatalities at a one-year high"
        return escape_html(text)

    regions["label"] = [
        describe(c, n, v)
        for c, n, v in zip(regions["iso_code"], regions["name"], regions["value"], strict=True)
    ]
    shading = {
        "fillOpacity": 0.8,
        "color": style.REGION_OUTLINE,
        "weight": 1.2,
        "className": "atlas-region-choropleth",
    }
    choropleth = GeoJsonLayer(
        script_json(regions[["label", "colour", "geometry"]].to_geo_dict(drop_id=True)),
        {
            "style": shading,
            "fillFrom": "colour",
            "highlight": {"weight": 3},
            "tooltip": "label",
            "pane": "atlasShading",
        },
    )
    legend = legend_html((ramp_section(label.capitalize(), top),))
    # The choropleth takes the place of the region outlines, and rivers would clutter it.
    towns_only = replace(view, layers=("towns",) if view.shows("towns") else ())
    return LayeredMap(
        base_map(layers, towns_only),
        [_group_of(choropleth, f"Regions by {label}"), _annotations(legend, ())],
    )


def deployment_map(
    layers: AtlasLayers,
    view: ViewState,
    active: gpd.GeoDataFrame,
    nearby: gpd.GeoDataFrame,
    circle: tuple[float, float, float] | None,
) -> LayeredMap:
    """Bases active on one day, and the incidents near a chosen place within a radius.

    Parameters
    ----------
    active
        Deployments to draw (those active on the "as of" day).
    nearby
        Incidents to draw (those within the radius, in the view's range).
    circle
        (lat, lon, radius in metres) of the proximity circle, or None.
    """
    marks: list[Element] = []
    if circle is not None:
        lat, lon, metres = circle
        marks.append(_focus((lat, lon), view, f"{lat:.5f},{lon:.5f}"))
        marks.append(
            folium.Circle(
                [lat, lon],
                radius=metres,
                color="#111111",
                weight=2,
                dash_array="6 4",
                fill=False,
                class_name="atlas-proximity",
                interactive=False,
            )
        )
    # Incidents are drawn near a chosen place only: without one, the legend has no section
    # for them (it would say there are none).
    shown = [layer for layer in view.layers if layer not in ("incidents", "deployments")]
    shown += ["deployments", *(["incidents"] if circle is not None else [])]
    drawn = replace(view, agg="points", layers=tuple(shown))
    spec = map_spec(layers.regions, drawn, nearby, active)
    return LayeredMap(
        base_map(layers, view),
        [
            _deployments(active),
            incidents_layer(spec),
            _annotations(legend_html(spec.legend), imported_licences(nearby), marks),
        ],
    )
