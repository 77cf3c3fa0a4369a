"""The map of a view: layers drawn as chosen, assets local, data escaped."""

import gc
import json
import re
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from shapely.geometry import Point

from atlas import mapping, style
from atlas.escape import escape_html
from atlas.export.describe import summarise
from atlas.export.static_map import draw_view, export_style, new_figure, page_size
from atlas.leaflet import PANES
from atlas.mapping import build_map, legend_html, popup_html
from atlas.mapspec import LegendEntry, LegendSection, Symbol
from atlas.view import ViewState
from tests.factories import incident_row, legend_html_of, small_layers

HOSTILE = "<img src=x onerror=alert(1)> `backtick` ${alert(1)} </script><script>alert(2)</script>"


def _html(layers, view: ViewState | None = None) -> str:
    return build_map(layers, view or ViewState()).get_root().render()


# A layer's call in the page: its function, parent, settings and data, a line each.
_CALL = re.compile(r"^atlasLayers\.(\w+)\((\w+),\n(.*),\n(.*)\);$", re.M)


def _calls(html: str, function: str) -> list[tuple[dict, Any]]:
    """The settings and data of every call of ``function`` in ``html``, as the browser
    reads them."""
    return [
        (json.loads(opts), json.loads(data))
        for name, _, opts, data in _CALL.findall(html)
        if name == function
    ]


@pytest.fixture
def layers(tmp_path):
    return small_layers(tmp_path)


def test_hostile_description_reaches_the_page_only_as_text(tmp_path):
    layers = small_layers(tmp_path, [incident_row(description=HOSTILE, actor1=HOSTILE)])
    html = _html(layers)
    assert "<img src=x" not in html
    assert "${alert(1)}" not in html
    assert "`backtick`" not in html
    assert "</script><script>alert(2)" not in html
    # What the browser receives, once the script's JSON is read, is escaped text.
    ((_, data),) = _calls(html, "incidentMarkers")
    escaped = "&lt;img src=x onerror=alert(1)&gt; &#96;backtick&#96; &#36;&#123;alert(1)&#125;"
    # Escaped exactly once: the reader sees the text as it was written.
    assert data["details"]["Description"] == [escape_html(HOSTILE)]
    assert data["details"]["Description"][0].startswith(escaped)
    assert data["details"]["Actor 1"][0].startswith(escaped)
    assert escaped in data["tooltip"][0]
    assert data["details"]["ID"] == ["T-1"]


def test_popup_html_escapes_titles_and_values_and_skips_empty_fields():
    html = popup_html("<b>", [("Actor", "${x}"), ("Empty", ""), ("Missing", None)])
    assert "&lt;b&gt;" in html
    assert "&#36;&#123;x&#125;" in html
    assert "Empty" not in html
    assert "Missing" not in html


def test_map_loads_only_the_apps_own_assets(layers):
    html = _html(layers)
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert links, "the map should link its scripts and styles"
    external = [u for u in links if u.startswith(("http:", "https:", "//"))]
    assert external == []
    assert "/app/static/vendor/leaflet/leaflet.js" in links
    assert not re.search(r"jquery|bootstrap|awesome|fontawesome|d3", " ".join(links), re.I)


def test_online_tile_layers_are_offered_but_not_shown(layers):
    fmap = build_map(layers, ViewState())
    html = fmap.get_root().render()
    assert "tile.openstreetmap.org" in html  # listed in the layer control
    tile_layers = [c for c in fmap._children.values() if type(c).__name__ == "TileLayer"]
    assert tile_layers
    assert all(not getattr(t, "show", True) for t in tile_layers)


def test_date_range_selects_the_incidents_drawn(layers):
    everything = _html(layers)
    only_2015 = _html(layers, ViewState(date_from=date(2015, 1, 1), date_to=date(2015, 12, 31)))
    assert everything.count('"atlas-incident"') == only_2015.count('"atlas-incident"') == 1
    assert "Incidents (3, points)" in everything
    assert "Incidents (1, points)" in only_2015
    assert "T-2" in everything
    assert "T-2" not in only_2015


def test_hidden_layers_are_not_drawn(layers):
    html = _html(layers, ViewState(layers=("regions",)))
    assert '"atlas-incident"' not in html
    assert '"atlas-deployment"' not in html
    assert '"atlas-town-label"' not in html
    assert "Regions of Mali" in html


def test_legend_lists_only_types_and_missions_present(layers):
    html = _html(layers)
    assert "Violence against civilians" in html
    assert "Riots" not in html
    assert "MINUSMA" in html
    assert "EUTM Mali" in html
    assert legend_html(()) == ""


def test_attribution_names_geonames_licence(layers):
    assert "GeoNames CC BY 4.0" in _html(layers)


def test_imported_licences_join_the_map_attribution(tmp_path):
    layers = small_layers(tmp_path)
    incidents = layers.incidents.copy()
    incidents.loc[0, "dataset"] = "acled"
    incidents.loc[0, "licence"] = "ACLED (acleddata.com), accessed 2026-11-01"
    html = _html(replace(layers, incidents=incidents))
    # The licence is the credit of the incidents' group, shown while the group is on the map.
    credits = [opts["text"] for opts, _ in _calls(html, "layerCredits")]
    assert credits == ["ACLED (acleddata.com), accessed 2026-11-01"]
    assert "GeoNames CC BY 4.0" in html


def test_a_picked_incident_is_ringed_and_the_map_centred_on_it(layers):
    html = build_map(layers, ViewState(zoom=5), highlight_id="T-2").get_root().render()
    assert html.count("atlas-highlight") == 1
    focus = [opts for opts, _ in _calls(html, "focusOn")]
    assert focus == [{"centre": [16.2666, -0.04], "zoom": 8, "token": "T-2"}]
    # No pick, no ring and no recentring.
    plain = _html(layers)
    assert "atlas-highlight" not in plain
    assert _calls(plain, "focusOn") == []


def test_a_map_of_chosen_regions_opens_on_them(layers):
    from atlas.mapping import opening_bounds

    assert opening_bounds(layers, ViewState()) == [[10.0, -12.5], [25.0, 4.5]]
    (south, west), (north, east) = opening_bounds(layers, ViewState(regions=("ML-BKO",)))
    bamako = layers.regions.set_index("iso_code").loc["ML-BKO"].geometry.bounds
    assert west < bamako[0]
    assert south < bamako[1]
    assert east > bamako[2]
    assert north > bamako[3]
    assert east - west < 2
    assert north - south < 2
    assert _calls(_html(layers, ViewState(regions=("ML-BKO",))), "fitOpening")


def test_chosen_regions_are_drawn_firm_and_the_others_dimmed(layers):
    plain = _html(layers)
    chosen = _html(layers, ViewState(regions=("ML-BKO",)))
    assert '"styleBy":{"key":"iso_code","values":{"ML-BKO":' in chosen
    assert '"fillOpacity":0.45' in chosen
    assert '"key":"iso_code"' not in plain


def _names_of(html: str, class_name: str) -> list[tuple[float, float, str]]:
    """``(lat, lon, html)`` of each name drawn with ``class_name``."""
    (data,) = [data for opts, data in _calls(html, "placeNames") if opts["className"] == class_name]
    return list(zip(data["lat"], data["lon"], data["html"], strict=True))


def test_region_names_are_escaped_spaced_capitals_and_small_areas_go_unnamed(layers):
    layers.regions.loc[layers.regions["iso_code"] == "ML-7", "name"] = "Gao <b>${x}</b>"
    names = _names_of(_html(layers), "atlas-region-name")

    (gao,) = names  # the Bamako district is too small to be named over its capital
    lat, lon, html = gao
    point = layers.regions.set_index("iso_code").geometry["ML-7"].representative_point()
    assert (lat, lon) == pytest.approx((point.y, point.x), abs=1e-3)
    assert "GAO &lt;B&gt;&#36;&#123;X&#125;&lt;/B&gt;" in html
    assert "letter-spacing" in html


def test_region_names_follow_the_regions_layer(layers):
    html = _html(layers, ViewState(layers=("incidents",)))
    assert "atlas-region-name" not in html


def test_neighbours_are_named_but_not_mali(layers):
    names = _names_of(_html(layers), "atlas-country-name")

    assert [html.split(">")[1].split("<")[0] for _, _, html in names] == ["BURKINA FASO"]
    ((lat, lon, _),) = names
    # Within the part of Burkina Faso near Mali, inside the country.
    burkina = layers.countries.set_index("iso_a3").geometry["BFA"]
    assert burkina.contains(Point(lon, lat))


def test_names_lie_under_the_symbols_and_town_labels_above_them():
    # Leaflet's overlays (incidents) are at 400, markers (bases) at 600, tooltips at 650.
    assert PANES["atlasShading"] < PANES["atlasNames"] < 400
    assert 600 < PANES["atlasLabels"] < 650


def test_deployment_symbols_are_outlines_that_let_clicks_through():
    svg = style.symbol_svg("square", "#123456")

    assert 'fill="none"' in svg
    assert 'pointer-events="none"' in svg  # the box of the symbol
    assert 'pointer-events="visibleStroke"' in svg  # only the outline itself is clickable
    assert 'stroke="#123456"' in svg


def test_the_legend_shows_the_outline_symbols():
    symbol = Symbol(*style.mission_symbol("MINUSMA"))
    html = legend_html(
        (LegendSection("deployments", "Deployments", (LegendEntry("MINUSMA", symbol),)),)
    )
    assert style.symbol_svg("circle", style.mission_symbol("MINUSMA")[1], 14) in html


def _slide_town_labels(layers) -> dict[str, str]:
    """How each town's name is anchored on a slide of the default view (``ha`` of its text)."""
    page = page_size("slide")
    with export_style():
        fig = new_figure(page, raster=True)
        draw_view(fig, layers, summarise(layers, ViewState()), page)
        ax = fig.axes[0]
        return {t.get_text(): t.get_horizontalalignment() for t in ax.texts}


def test_a_slide_names_a_town_on_the_side_free_of_symbols(tmp_path):
    # Gao's name goes to the right of its dot unless incidents lie there.
    (tmp_path / "quiet").mkdir()
    (tmp_path / "busy").mkdir()
    quiet = small_layers(tmp_path / "quiet")
    east = [
        incident_row(id=f"E-{i}", latitude="16.27", longitude=f"{0.25 + 0.1 * i:.2f}")
        for i in range(3)
    ]
    busy = small_layers(tmp_path / "busy", east)

    assert _slide_town_labels(quiet)["Gao"] == "left"  # text starts right of the dot
    assert _slide_town_labels(busy)["Gao"] == "right"  # text ends left of the dot


def test_texts_taken_from_the_held_incidents_are_those_escaped_for_the_view(tmp_path):
    hostile = "<img src=x onerror=alert(1)> ${x} `y`"
    layers = small_layers(
        tmp_path,
        [
            incident_row(id="IN-A", location=hostile),
            incident_row(id="IN-B", event_date="2016-03-02", actor2="Someone <b>"),
            incident_row(id="IN-C", event_date="2017-05-06"),
        ],
    )
    held = layers.incidents
    some = held.loc[held["id"] != "IN-B"]
    assert mapping.incident_columns(some, held) == mapping.incident_columns(some)
    assert mapping.incident_columns(held, held) == mapping.incident_columns(held)
    assert hostile not in json.dumps(mapping.incident_columns(some, held))


def test_the_held_incidents_texts_are_escaped_once_for_every_view(tmp_path, monkeypatch):
    layers = small_layers(tmp_path)
    calls: list[int] = []
    original = mapping._escaped_texts

    def counting(incidents):
        calls.append(len(incidents))
        return original(incidents)

    monkeypatch.setattr(mapping, "_escaped_texts", counting)
    for year in (2013, 2015, 2016):
        view = ViewState(date_from=date(year, 1, 1), agg="points")
        mapping.view_map(layers, view).merged().get_root().render()
    assert calls == [len(layers.incidents)]
    held = id(layers.incidents)
    assert held in mapping._ESCAPED
    del layers
    gc.collect()
    assert held not in mapping._ESCAPED  # let go with the layers


def test_the_deployments_map_speaks_of_incidents_only_near_a_chosen_place(layers):
    view = ViewState()
    bases = layers.deployments
    alone = legend_html_of(
        mapping.deployment_map(layers, view, bases, layers.incidents.iloc[0:0], None)
    )
    assert "Deployments" in alone
    assert "Incidents" not in alone
    near = mapping.deployment_map(layers, view, bases, layers.incidents, (12.65, -8.0, 50_000))
    assert "Incidents by event type" in legend_html_of(near)
