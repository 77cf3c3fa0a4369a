"""Our Leaflet elements: scripts that draw a layer from one JSON value, placed on folium maps.

Each element is one short script run with ``parent`` (the folium layer or map it belongs
to) and ``opts`` (its data, serialised by :func:`atlas.escape.script_json`, so no string in
it can end the script). Texts that Leaflet places as HTML (labels, tooltips, popups) are
escaped by the code that builds ``opts``.

Two costs of folium's own elements are avoided: a template compiled for every instance
(ours are compiled once per class), and branca compiling each rendered script as a template
once more before placing it in the page, which for an array of 100,000 incidents costs more
than building the array.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import geopandas as gpd
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from atlas.assets import asset_url
from atlas.escape import escape_html, script_json


@lru_cache(maxsize=64)
def _compiled(source: str) -> Template:
    return Template(source)


class RawText(Element):
    """Text placed in the page as it is, never read as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "AtlasText"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class ScriptElement(MacroElement):
    """A script run with ``parent`` and ``opts``; subclasses give the JavaScript (``_js``).

    ``_prelude`` is template text placed before ``_js``, for values serialised apart from
    ``opts`` (a large array, or GeoJSON text already serialised).
    """

    _prelude = ""
    _js = ""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._name = "Atlas" + type(self).__name__
        self.options_json = script_json(options or {})
        self._template = _compiled(
            "{% macro script(this, kwargs) %}\n(function(){\n"
            "var parent = {{ this._parent.get_name() }};\n"
            "var opts = {{ this.options_json }};\n"
            + self._prelude
            + self._js
            + "\n})();\n{% endmacro %}"
        )

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


class RowsLayer(ScriptElement):
    """A layer drawn in the browser from one JSON array, in one loop.

    One array and one loop instead of one folium object per row: folium renders each object
    through its template (about 0.3 ms a point) and emits a separate script for it.
    """

    _prelude = (
        "var group = parent;\nvar rows = {{ this.rows_json }};\nvar cls = {{ this.cls_json }};\n"
    )

    def __init__(
        self, rows: list[list[Any]], class_name: str, options: dict[str, Any] | None = None
    ) -> None:
        super().__init__(options)
        self.rows_json = script_json(rows)
        self.cls_json = script_json(class_name)


# Builds an incident's popup when it opens, from values escaped on the server (see
# atlas.mapping.incident_rows); only those values and our own labels are joined, so no data
# becomes markup.
_INCIDENT_POPUP_JS = """
var labels = opts.labels;
function popupOf(r){
  return function(){
    var html = '<div class="atlas-popup"><h4>' + r[6] + '</h4><table>';
    for (var i = 0; i < labels.length; i++) {
      if (r[7 + i] === '') { continue; }
      html += '<tr><th>' + labels[i] + '</th><td>' + r[7 + i] + '</td></tr>';
    }
    return html + '</table></div>';
  };
}
function markerOf(r){
  return L.circleMarker([r[0], r[1]], {radius: r[2], color: '#ffffff', weight: 1,
      fillColor: r[3], fillOpacity: 0.85, className: cls})
    .bindPopup(popupOf(r), {maxWidth: 380}).bindTooltip(r[5]);
}
"""


class IncidentMarkers(RowsLayer):
    """One circle per incident (row: see ``atlas.mapping.incident_rows``), and with
    ``opts.rings`` a dashed ring of its location's uncertainty."""

    _js = (
        _INCIDENT_POPUP_JS
        + """
rows.forEach(function(r){
  if (opts.rings && r[4] > 0) {
    L.circle([r[0], r[1]], {radius: r[4], color: r[3], weight: 1, dashArray: '3 3',
        fillOpacity: 0.06, interactive: false, className: 'atlas-uncertainty'}).addTo(group);
  }
  markerOf(r).addTo(group);
});"""
    )


class ClusteredIncidents(JSCSSMixin, RowsLayer):
    """The same markers, clustered in the browser (Leaflet.markercluster, served locally)."""

    default_js = [("markerclusterjs", asset_url("markerclusterjs"))]  # noqa: RUF012 (folium API)
    default_css = [  # noqa: RUF012 (folium API)
        ("markerclustercss", asset_url("markerclustercss")),
        ("markerclusterdefaultcss", asset_url("markerclusterdefaultcss")),
    ]
    _js = (
        _INCIDENT_POPUP_JS
        + """
var cluster = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false,
    maxClusterRadius: 50});
cluster.addLayers(rows.map(markerOf));
// The app's map component reports a click with the tooltip of the last layer that had one;
// a cluster has none, so its click must not carry the last incident's.
cluster.on('clusterclick', function(){
  if (window.__GLOBAL_DATA__) { window.__GLOBAL_DATA__.last_object_clicked_tooltip = null; }
});
cluster.addTo(group);"""
    )


class HexCells(RowsLayer):
    """Hexagons; row: [[[lat, lon], ...] outline, colour, tooltip text]."""

    _js = """
rows.forEach(function(r){
  L.polygon(r[0], {color: '#ffffff', weight: 0.6, fillColor: r[1], fillOpacity: 0.75,
      className: cls, pane: 'atlasShading'}).bindTooltip(r[2], {sticky: true}).addTo(group);
});"""


class HeatPoints(JSCSSMixin, RowsLayer):
    """A heat map (Leaflet.heat, served locally); row: [lat, lon, weight]."""

    default_js = [("leaflet-heat.js", asset_url("leaflet-heat.js"))]  # noqa: RUF012 (folium API)
    _js = "L.heatLayer(rows, opts).addTo(group);"


class DeploymentMarkers(RowsLayer):
    """A mission symbol per base; row: [lat, lon, svg, popup html, tooltip text].

    The symbol is an outline (see ``atlas.style.symbol_svg``) whose box lets clicks through:
    only its stroke is clickable, so an incident inside it can be opened.
    """

    _js = """
var side = opts.size, half = side / 2;
rows.forEach(function(r){
  var icon = L.divIcon({html: r[2], className: cls, iconSize: [side, side],
      iconAnchor: [half, half]});
  var marker = L.marker([r[0], r[1]], {icon: icon, riseOnHover: true});
  marker.on('add', function(){ marker.getElement().style.pointerEvents = 'none'; });
  marker.bindPopup(r[3], {maxWidth: 380}).bindTooltip(r[4]).addTo(group);
});"""


class NoteMarkers(RowsLayer):
    """A pin per note, above the incidents and bases; row: [lat, lon, tooltip text, popup html].

    ``opts.pin`` is the pin's SVG (ours, not data); the texts are escaped by the code that
    builds the rows (``atlas.mapping.note_rows``).
    """

    _js = """
rows.forEach(function(r){
  var icon = L.divIcon({html: opts.pin, className: cls, iconSize: [22, 30], iconAnchor: [11, 29],
      popupAnchor: [0, -26], tooltipAnchor: [10, -17]});
  L.marker([r[0], r[1]], {icon: icon, zIndexOffset: 1000, riseOnHover: true})
    .bindPopup(r[3], {maxWidth: 380, minWidth: 240}).bindTooltip(r[2]).addTo(group);
});"""


class TownMarkers(RowsLayer):
    """Town dots and names; row: [lat, lon, rank, label html, popup html].

    Names sit in the ``atlasLabels`` pane, above every symbol. Each time the map settles
    (zoom, pan, overlays swapped) every name is placed beside its dot, on the side whose box
    covers the fewest incident, deployment and note symbols; towns are placed by rank, and a
    name whose every side overlaps a name placed before it is hidden, and so is a region or
    country name (:class:`PlaceNames`) that overlaps a town's. Towns of rank 3 are named
    only from ``opts.labelZoom`` on. A dot's tooltip names its town at any zoom (and
    tells the app that a click on it was not a click on an incident).
    """

    _js = """
var labels = [];
rows.forEach(function(r, i){
  var radius = r[2] === 1 ? 4.5 : 3;
  L.circleMarker([r[0], r[1]], {radius: radius, color: '#ffffff', weight: 1,
      fillColor: '#222222', fillOpacity: 1, className: 'atlas-town-dot'})
    .bindPopup(r[4]).bindTooltip(r[3]).addTo(group);
  var icon = L.divIcon({html: r[3], className: cls + ' rank-' + r[2], iconSize: null,
      iconAnchor: [0, 0]});
  var marker = L.marker([r[0], r[1]], {icon: icon, interactive: false, keyboard: false,
      pane: 'atlasLabels'}).addTo(group);
  labels.push({marker: marker, rank: r[2], order: i, gap: radius + opts.gap});
});
// Higher rank first; among equals, the order of the rows.
labels.sort(function(a, b){ return a.rank - b.rank || a.order - b.order; });
var SYMBOLS = 'path.atlas-incident, .atlas-deployment svg g:last-child, .marker-cluster, '
  + '.atlas-note, path.atlas-hex';
var NAMES = '.atlas-region-name span, .atlas-country-name span';
function overlap(a, b){
  var w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  var h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}
function holds(box, x, y){
  return x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h;
}
function candidates(p, w, h, g){
  // Right first (the reading side), then left, above, below and the corners.
  return [[g, -h / 2], [-g - w, -h / 2], [-w / 2, -g - h], [-w / 2, g],
          [g, -g - h + 2], [g, g - 2], [-g - w, -g - h + 2], [-g - w, g - 2]]
    .map(function(d){ return {x: p.x + d[0], y: p.y + d[1], w: w, h: h, dx: d[0], dy: d[1]}; });
}
function layout(){
  var map = group._map;
  if (!map) { return; }
  // Mid-zoom the symbols are scaled by a transform, so their boxes are not where they settle.
  if (map._animatingZoom) { later(); return; }
  var origin = map.getContainer().getBoundingClientRect();
  var symbols = [].slice.call(map.getContainer().querySelectorAll(SYMBOLS)).map(function(e){
    var b = e.getBoundingClientRect();
    return {x: b.left - origin.left, y: b.top - origin.top, w: b.width, h: b.height};
  }).filter(function(b){ return b.w > 0 && b.h > 0; });
  var placed = [], shown = map.getZoom() >= opts.labelZoom;
  labels.forEach(function(l){
    var el = l.marker.getElement();
    if (!el) { return; }
    if (l.rank === 3 && !shown) { el.style.display = 'none'; return; }
    el.style.display = '';
    var p = map.latLngToContainerPoint(l.marker.getLatLng());
    // Clear of the dot, and of any symbol drawn around the town itself.
    var gap = l.gap;
    symbols.forEach(function(s){
      if (Math.abs(s.x + s.w / 2 - p.x) < 3 && Math.abs(s.y + s.h / 2 - p.y) < 3) {
        gap = Math.max(gap, s.w / 2 + opts.gap);
      }
    });
    var best = null, bestCost = Infinity;
    candidates(p, el.offsetWidth, el.offsetHeight, gap).forEach(function(c, rank){
      if (placed.some(function(b){ return overlap(b, c) > 0; })) { return; }
      var cost = rank * 0.01;  // on a tie, the earlier side
      symbols.forEach(function(s){
        if (holds(c, s.x + s.w / 2, s.y + s.h / 2)) { cost += 1000; }
        cost += overlap(c, s) / (c.w * c.h);
      });
      if (cost < bestCost) { best = c; bestCost = cost; }
    });
    if (!best) { el.style.display = 'none'; return; }
    el.style.marginLeft = best.dx + 'px';
    el.style.marginTop = best.dy + 'px';
    placed.push(best);
  });
  // Region and country names yield to every town name and to names kept before them.
  [].slice.call(map.getContainer().querySelectorAll(NAMES)).forEach(function(e){
    e.style.visibility = '';
    var b = e.getBoundingClientRect();
    var box = {x: b.left - origin.left, y: b.top - origin.top, w: b.width, h: b.height};
    if (placed.some(function(p){ return overlap(p, box) > 0; })) {
      e.style.visibility = 'hidden';
    } else {
      placed.push(box);
    }
  });
  map.getContainer().dataset.atlasLabels = 'placed';
}
var pending = null;
function later(){
  // Wait for the map to settle (cluster animations, a batch of overlays added). Until the
  // names are placed again the map says so (a test or a screenshot waits for 'placed').
  if (group._map) { group._map.getContainer().dataset.atlasLabels = 'pending'; }
  clearTimeout(pending);
  pending = setTimeout(layout, 120);
}
var wired = null;
function wire(){
  // The group may join the map after this script runs, so wait for its 'add' event.
  var map = group._map;
  if (!map || wired === map) { return; }
  wired = map;
  map.on('zoomstart zoomend moveend layeradd layerremove resize', later);
  later();
}
group.on('add', wire);
wire();"""


class PlaceNames(RowsLayer):
    """Names of areas (regions, neighbouring countries) under every symbol; row: [lat, lon,
    html]. The html is escaped text in a span of our own style, which centres it on the
    point; names take no clicks."""

    _js = """
rows.forEach(function(r){
  var icon = L.divIcon({html: r[2], className: cls, iconSize: null, iconAnchor: [0, 0]});
  var marker = L.marker([r[0], r[1]], {icon: icon, interactive: false, keyboard: false,
      pane: 'atlasNames'});
  marker.addTo(group);
});"""


class GeoJsonLayer(ScriptElement):
    """Features drawn from GeoJSON text, styled and labelled in the browser.

    Options: ``style`` (Leaflet path options for every feature); ``styleBy`` (``{"key":
    property, "values": {value: path options}}``, added to the style of the features with
    that value); ``fillFrom`` (a property holding each feature's fill colour); ``tooltip`` (a
    property holding escaped text) with ``sticky``; ``highlight`` (path options on hover);
    ``interactive``; ``pane`` (one of :data:`PANES`).
    """

    _prelude = "var data = {{ this.geojson_json }};\n"
    _js = """
var layer = L.geoJSON(data, {
  interactive: opts.interactive !== false,
  pane: opts.pane || 'overlayPane',
  style: function(f){
    var s = Object.assign({}, opts.style);
    if (opts.styleBy) { Object.assign(s, opts.styleBy.values[f.properties[opts.styleBy.key]]); }
    if (opts.fillFrom) { s.fillColor = f.properties[opts.fillFrom]; }
    return s;
  },
  onEachFeature: function(f, l){
    if (opts.tooltip) { l.bindTooltip(f.properties[opts.tooltip], {sticky: !!opts.sticky}); }
    if (opts.highlight) {
      l.on('mouseover', function(){ l.setStyle(opts.highlight); });
      l.on('mouseout', function(){ layer.resetStyle(l); });
    }
  }
});
layer.addTo(parent);"""

    def __init__(self, geojson_json: str, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.geojson_json = geojson_json


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

    _js = """
var legend = L.control({position: 'bottomright'});
legend.onAdd = function(){
  var d = L.DomUtil.create('div', 'atlas-legend');
  d.innerHTML = opts.html; L.DomEvent.disableClickPropagation(d); return d;
};
function show(){ if (parent._map && !legend._map) { legend.addTo(parent._map); } }
parent.on('add', show);
parent.on('remove', function(){ legend.remove(); });
show();"""

    def __init__(self, html: str) -> None:
        super().__init__({"html": html})


class LayerCredits(ScriptElement):
    """Credits the map shows while the parent layer is on it (licences of imported data)."""

    _js = "parent.options.attribution = opts.text;"

    def __init__(self, text: str) -> None:
        super().__init__({"text": escape_html(text)})


PANES = {"atlasBase": 150, "atlasShading": 350, "atlasNames": 380, "atlasLabels": 620}
"""Panes of our own, by z-index: the vector basemap below everything (Leaflet's tiles are at
200), shaded areas (hexagons, a choropleth) below the lines, dots and markers drawn over
them (Leaflet's overlays are at 400), region and country names under every symbol, and town
names above the symbols (markers are at 600, tooltips at 650), beside which they are placed."""


class MapSetup(ScriptElement):
    """The map's own credits in place of Leaflet's prefix, and our panes."""

    _js = """
parent.attributionControl.setPrefix(false);
parent.attributionControl.addAttribution(opts.text);
Object.keys(opts.panes).forEach(function(name){
  if (!parent.getPane(name)) { parent.createPane(name).style.zIndex = opts.panes[name]; }
});"""

    def __init__(self, text: str) -> None:
        super().__init__({"text": escape_html(text), "panes": PANES})


class FillFrame(ScriptElement):
    """Makes the map exactly as tall as the frame it is drawn in, also when the frame is
    resized: a page that sizes the frame to the screen gets a map that fills it."""

    _js = """
function fill(){
  var box = parent.getContainer(), height = window.innerHeight;
  if (height > 0 && box.clientHeight !== height) {
    box.style.height = height + 'px';
    parent.invalidateSize();
  }
}
window.addEventListener('resize', fill);
fill();"""

    def __init__(self) -> None:
        super().__init__({})


class TileFallback(ScriptElement):
    """An online basemap that cannot load (no network in the room) gives way to the offline
    one, and the map says why, instead of staying blank."""

    _js = """
var current = null;
function offline(){
  var control = window.layer_control, found = null;
  if (control && control._layers) {
    control._layers.forEach(function(entry){
      var tiles = entry.layer instanceof L.TileLayer;
      if (!entry.overlay && !tiles && !found) { found = entry.layer; }
    });
  }
  return found;
}
function say(text){
  var note = L.control({position: 'bottomleft'});
  note.onAdd = function(){
    var box = L.DomUtil.create('div', 'atlas-tile-note');
    box.textContent = text;
    box.style.cssText = 'background:#fff8e1;border:1px solid #e0b000;border-radius:4px;'
      + 'padding:4px 8px;font:13px sans-serif;max-width:320px;';
    return box;
  };
  note.addTo(parent);
  setTimeout(function(){ parent.removeControl(note); }, 10000);
}
parent.on('baselayerchange', function(e){
  var previous = current || offline();
  current = e.layer;
  if (!(e.layer instanceof L.TileLayer)) { return; }
  e.layer.once('tileerror', function(){
    if (current !== e.layer) { return; }
    parent.removeLayer(e.layer);
    if (previous) { parent.addLayer(previous); current = previous; }
    say(opts.message);
  });
});"""

    def __init__(self) -> None:
        super().__init__(
            {
                "message": "The online basemap could not be loaded (no network?): back to "
                "the offline basemap."
            }
        )


class FocusOn(ScriptElement):
    """Centres the map on a place when its group joins the map, once per ``token``.

    The app swaps overlays on every change of the view; the map recentres only for a new
    token (a new pick), so a reader who pans away is not pulled back by the next slider
    move. The zoom is at least ``zoom``; a reader zoomed in further stays there.
    """

    _js = """
function focus(){
  var map = parent._map;
  if (!map || window.atlasFocusToken === opts.token) { return; }
  window.atlasFocusToken = opts.token;
  map.setView(opts.centre, Math.max(map.getZoom(), opts.zoom));
}
parent.on('add', focus);
focus();"""

    def __init__(self, centre: tuple[float, float], zoom: int, token: str) -> None:
        super().__init__({"centre": list(centre), "zoom": zoom, "token": token})


class ForgetSwappedGroups(ScriptElement):
    """Lets the browser free the overlays a view change took off the map.

    The map component of the app remembers every overlay group it has drawn (in
    ``window.feature_group``) and takes them all off the map before drawing new ones; without
    this, a briefing that steps through months would keep every month's layers in memory.
    Placed first in the new overlays, it runs after the old ones are off the map.
    """

    _js = "if (window.feature_group) { window.feature_group.length = 0; }"


class PluginAssets(JSCSSMixin, MacroElement):
    """Links every Leaflet plugin the overlays may use, so they are loaded with the base."""

    default_js = [  # noqa: RUF012 (folium API)
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
