"""Our Leaflet elements: calls of the atlas's layer scripts, placed on folium maps.

The scripts live in ``atlas/js/layers.js``, served with the app's other map assets and written
into a self-contained HTML export (:mod:`atlas.assets`). An element places one call in the
page: the function of ``window.atlasLayers`` that draws it, the folium layer or map it
belongs to, its settings (``opts``) and, for a layer drawn from data, that data as named
columns (``{"lat": [...], "lon": [...], ...}``); both are serialised by
:func:`atlas.escape.script_json`, so no string in them can end the script. Texts that Leaflet
places as HTML (labels, tooltips, popups) are escaped by the code that builds the data.

Two costs of folium's own elements are avoided: a template compiled for every instance
(ours share one), and branca compiling each rendered script as a template once more before
placing it in the page, which for an array of 100,000 incidents costs more than building the
array.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import geopandas as gpd
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from atlas.assets import asset_url
from atlas.escape import escape_html, script_json

LAYERS_SCRIPT = ("atlas-layers", asset_url("atlas-layers"))
"""The link (name, URL) of the script that defines ``window.atlasLayers``."""

# One template for every element: the call of the element's function with its arguments,
# each on a line of its own (JSON holds no raw line break), which a test can read back.
_CALL = Template(
    "{% macro script(this, kwargs) %}\n"
    "atlasLayers.{{ this.function }}({{ this._parent.get_name() }},\n"
    "{{ this.options_json }},\n"
    "{{ this.data_json }});\n"
    "{% endmacro %}"
)


class RawText(Element):
    """Text placed in the page as it is, never read as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "AtlasText"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _PlacedScript(MacroElement):
    """Renders its script once, as it is (see :meth:`render`)."""

    def render(self, **kwargs: Any) -> str:
        """Place the script in the page (as MacroElement does, without the second pass).

        Like MacroElement's, this returns nothing to place where the element stands.
        """
        figure = self.get_root()
        assert isinstance(figure, Figure), "an element is rendered within a figure"
        script = self._template.module.__dict__["script"]
        figure.script.add_child(RawText(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)
        return ""


class ScriptElement(JSCSSMixin, _PlacedScript):
    """A call of ``atlasLayers[function](parent, opts, data)``; subclasses name ``function``.

    ``data_json`` is JSON text already serialised for a script (``null`` for none). Linking
    the layers script from every element keeps it on any page that holds one, and among the
    links the app's map component loads before it runs a script.
    """

    function = ""
    default_js = [LAYERS_SCRIPT]  # noqa: RUF012 (folium API)

    def __init__(self, options: Mapping[str, Any] | None = None, data_json: str = "null") -> None:
        super().__init__()
        self._name = "Atlas" + type(self).__name__
        self._template = _CALL
        self.options_json = script_json(dict(options or {}))
        self.data_json = data_json


def columns_length(data: Mapping[str, Any]) -> int:
    """The number of features in ``data``, named columns of equal length.

    A column is a list, one value per feature, or a mapping of named lists (the fields of
    a popup).

    Raises
    ------
    ValueError
        When the columns differ in length, naming each column and its length.
    """
    lengths: dict[str, int] = {}
    for name, column in data.items():
        if isinstance(column, Mapping):
            lengths.update((f"{name}.{key}", len(inner)) for key, inner in column.items())
        else:
            lengths[name] = len(column)
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name} {length}" for name, length in lengths.items())
        raise ValueError(f"the columns of a layer differ in length: {listed}")
    return next(iter(lengths.values()), 0)


class ColumnsLayer(ScriptElement):
    """A layer drawn in the browser from named columns, in one loop.

    One array per field instead of one folium object per feature: folium renders each object
    through its template (about 0.3 ms a point) and emits a separate script for it. No name
    is repeated per feature, so the page is lighter than with an array per feature.
    ``class_name`` reaches the script as ``opts.className``.
    """

    def __init__(
        self,
        data: Mapping[str, Sequence[Any] | Mapping[str, Sequence[Any]]],
        class_name: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        columns_length(data)
        settings = {"className": class_name} if class_name else {}
        super().__init__({**settings, **(options or {})}, script_json(data))


class IncidentMarkers(ColumnsLayer):
    """One circle per incident (columns: see ``atlas.mapping.incident_columns``), and with
    ``opts.rings`` a dashed ring of its location's uncertainty."""

    function = "incidentMarkers"


class ClusteredIncidents(ColumnsLayer):
    """The same markers, clustered in the browser (Leaflet.markercluster, served locally)."""

    function = "clusteredIncidents"
    default_js = [  # noqa: RUF012 (folium API)
        LAYERS_SCRIPT,
        ("markerclusterjs", asset_url("markerclusterjs")),
    ]
    default_css = [  # noqa: RUF012 (folium API)
        ("markerclustercss", asset_url("markerclustercss")),
        ("markerclusterdefaultcss", asset_url("markerclusterdefaultcss")),
    ]


class HexCells(ColumnsLayer):
    """Hexagons; columns ``outline`` ([[lat, lon], ...] each), ``colour``, ``label`` (escaped)."""

    function = "hexCells"


class HeatPoints(ColumnsLayer):
    """A heat map (Leaflet.heat, served locally); columns ``lat``, ``lon``, ``weight``."""

    function = "heatPoints"
    default_js = [  # noqa: RUF012 (folium API)
        LAYERS_SCRIPT,
        ("leaflet-heat.js", asset_url("leaflet-heat.js")),
    ]


class DeploymentMarkers(ColumnsLayer):
    """A mission symbol per base; columns ``lat``, ``lon``, ``symbol`` (SVG), ``popup``
    (html), ``tooltip`` (escaped text).

    The symbol is an outline (see ``atlas.style.symbol_svg``) whose box lets clicks through:
    only its stroke is clickable, so an incident inside it can be opened.
    """

    function = "deploymentMarkers"


class NoteMarkers(ColumnsLayer):
    """A pin per note, above the incidents and bases; columns ``lat``, ``lon``, ``tooltip``,
    ``popup``.

    ``opts.pin`` is the pin's SVG (ours, not data); the texts are escaped by the code that
    builds the columns (``atlas.mapping.note_columns``).
    """

    function = "noteMarkers"


class TownMarkers(ColumnsLayer):
    """Town dots and names; columns ``lat``, ``lon``, ``rank``, ``label`` (html), ``popup``.

    Names sit in the ``atlasLabels`` pane, above every symbol. Each time the map settles
    (zoom, pan, overlays swapped) every name is placed beside its dot, on the side whose box
    covers the fewest incident, deployment and note symbols; towns are placed by rank, and a
    name whose every side overlaps a name placed before it is hidden, and so is a region or
    country name (:class:`PlaceNames`) that overlaps a town's. Towns of rank 3 are named
    only from ``opts.labelZoom`` on. A dot's tooltip names its town at any zoom (and
    tells the app that a click on it was not a click on an incident).
    """

    function = "townMarkers"


class PlaceNames(ColumnsLayer):
    """Names of areas (regions, neighbouring countries) under every symbol; columns ``lat``,
    ``lon``, ``html``. The html is escaped text in a span of our own style, which centres it
    on the point; names take no clicks."""

    function = "placeNames"


class GeoJsonLayer(ScriptElement):
    """Features drawn from GeoJSON text, styled and labelled in the browser.

    Options: ``style`` (Leaflet path options for every feature); ``styleBy`` (``{"key":
    property, "values": {value: path options}}``, added to the style of the features with
    that value); ``fillFrom`` (a property holding each feature's fill colour); ``tooltip`` (a
    property holding escaped text) with ``sticky``; ``highlight`` (path options on hover);
    ``interactive``; ``pane`` (one of :data:`PANES`).
    """

    function = "geoJson"

    def __init__(self, geojson_json: str, options: dict[str, Any]) -> None:
        super().__init__(options, geojson_json)


_GEOJSON_MEMO: OrderedDict[tuple[int, str], tuple[gpd.GeoDataFrame, str]] = OrderedDict()
_GEOJSON_LOCK = threading.Lock()


def geojson_text(frame: gpd.GeoDataFrame, kind: str, build: Callable[[], gpd.GeoDataFrame]) -> str:
    """The GeoJSON of ``build()`` (a view of ``frame``), serialised for a script, once.

    Reference layers are the same objects from one rerun to the next, so their GeoJSON is
    remembered per ``frame`` and ``kind``. The memo holds ``frame`` itself: an object's id is
    its own for as long as the object lives.
    """
    key = (id(frame), kind)
    with _GEOJSON_LOCK:
        hit = _GEOJSON_MEMO.get(key)
        if hit is not None and hit[0] is frame:
            _GEOJSON_MEMO.move_to_end(key)
            return hit[1]
    text = script_json(build().to_geo_dict(drop_id=True))
    with _GEOJSON_LOCK:
        _GEOJSON_MEMO[key] = (frame, text)
        while len(_GEOJSON_MEMO) > 8:  # a few layer sets: the data reloads after an import
            _GEOJSON_MEMO.popitem(last=False)
    return text


class Legend(ScriptElement):
    """The legend, a Leaflet control on the map for as long as its group is.

    The legend belongs to the overlays it explains: when the app swaps them for another
    range, the old legend leaves the map with them. Its HTML is built from escaped text only.
    """

    function = "legend"

    def __init__(self, html: str) -> None:
        super().__init__({"html": html})


class LayerCredits(ScriptElement):
    """Credits the map shows while the parent layer is on it (licences of imported data)."""

    function = "layerCredits"

    def __init__(self, text: str) -> None:
        super().__init__({"text": escape_html(text)})


PANES = {"atlasBase": 150, "atlasShading": 350, "atlasNames": 380, "atlasLabels": 620}
"""Panes of our own, by z-index: the vector basemap below everything (Leaflet's tiles are at
200), shaded areas (hexagons, a choropleth) below the lines, dots and markers drawn over
them (Leaflet's overlays are at 400), region and country names under every symbol, and town
names above the symbols (markers are at 600, tooltips at 650), beside which they are placed."""


class MapSetup(ScriptElement):
    """The map's own credits in place of Leaflet's prefix, our panes and a scale bar in
    kilometres.

    The credits stay on one line, cut short with an ellipsis, in the width the scale bar
    leaves them, so an imported dataset's long licence never spreads over the scale bar; a
    hover shows the whole text and a click unfolds it (upwards, in the same width).
    """

    function = "mapSetup"

    def __init__(self, text: str) -> None:
        super().__init__({"text": escape_html(text), "panes": PANES})


class TileFallback(ScriptElement):
    """An online basemap that cannot load (no network in the room) gives way to the offline
    one, and the map says why, instead of staying blank."""

    function = "tileFallback"

    def __init__(self) -> None:
        super().__init__(
            {
                "message": "The online basemap could not be loaded (no network?): back to "
                "the offline basemap."
            }
        )


class FitOpening(ScriptElement):
    """Opens the map on ``bounds`` (``[[south, west], [north, east]]``), fitted to the map's
    size at its fractional zoom steps with ``padding`` pixels to spare on every side.

    The map fits them again when its size changes (the frame filling the big screen, a
    sidebar folded) for as long as it still shows what was fitted: a reader who panned or
    zoomed, or a focused pick, is left where they are.
    """

    function = "fitOpening"

    def __init__(self, bounds: Sequence[Sequence[float]], padding: int) -> None:
        super().__init__({"bounds": [list(corner) for corner in bounds], "padding": padding})


class FocusOn(ScriptElement):
    """Centres the map on a place when its group joins the map, once per ``token``.

    The app swaps overlays on every change of the view; the map recentres only for a new
    token (a new pick), so a reader who pans away is not pulled back by the next slider
    move. The zoom is at least ``zoom``; a reader zoomed in further stays there.
    """

    function = "focusOn"

    def __init__(self, centre: tuple[float, float], zoom: float, token: str) -> None:
        super().__init__({"centre": list(centre), "zoom": zoom, "token": token})


class ForgetSwappedGroups(ScriptElement):
    """Lets the browser free the overlays a view change took off the map.

    The map component of the app remembers every overlay group it has drawn (in
    ``window.feature_group``) and takes them all off the map before drawing new ones; without
    this, a briefing that steps through months would keep every month's layers in memory.
    Placed first in the new overlays, it runs after the old ones are off the map.
    """

    function = "forgetSwappedGroups"


class PluginAssets(JSCSSMixin, MacroElement):
    """Links our layers script and every Leaflet plugin the overlays may use, so they are
    loaded with the base."""

    default_js = [  # noqa: RUF012 (folium API)
        LAYERS_SCRIPT,
        ("markerclusterjs", asset_url("markerclusterjs")),
        ("leaflet-heat.js", asset_url("leaflet-heat.js")),
    ]
    default_css = [  # noqa: RUF012 (folium API)
        ("markerclustercss", asset_url("markerclustercss")),
        ("markerclusterdefaultcss", asset_url("markerclusterdefaultcss")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._name = "AtlasPluginAssets"
