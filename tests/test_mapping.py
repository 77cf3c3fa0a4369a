"""The map of a view: layers drawn as chosen, assets local, data escaped."""

import json
import re
from dataclasses import replace
from datetime import date

import pytest

from atlas.mapping import build_map, legend_html, popup_html
from atlas.view import ViewState
from tests.factories import incident_row, small_layers

HOSTILE = "<img src=x onerror=alert(1)> `backtick` ${alert(1)} </script><script>alert(2)</script>"


def _html(layers, view: ViewState | None = None) -> str:
    return build_map(layers, view or ViewState()).get_root().render()


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
    arrays = [json.loads(m) for m in re.findall(r"var rows = (\[.*?\]);\n", html)]
    row = next(row for rows in arrays for row in rows if "T-1" in row)
    escaped = "&lt;img src=x onerror=alert(1)&gt; &#96;backtick&#96; &#36;&#123;alert(1)&#125;"
    assert escaped in row[13]  # the description
    assert row[9].startswith(escaped)  # actor 1
    assert escaped in row[5]  # the tooltip


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
    assert legend_html("points", [], []) == ""


def test_attribution_names_geonames_licence(layers):
    assert "GeoNames CC BY 4.0" in _html(layers)


def test_imported_licences_join_the_map_attribution(tmp_path):
    layers = small_layers(tmp_path)
    incidents = layers.incidents.copy()
    incidents.loc[0, "dataset"] = "acled"
    incidents.loc[0, "licence"] = "ACLED (acleddata.com), accessed 2026-11-01"
    html = _html(replace(layers, incidents=incidents))
    # The licence is the credit of the incidents' group, shown while the group is on the map.
    credits = [
        json.loads(m)["text"]
        for m in re.findall(r"var opts = (\{[^\n]*\});\nparent.options.attribution", html)
    ]
    assert credits == ["ACLED (acleddata.com), accessed 2026-11-01"]
    assert "GeoNames CC BY 4.0" in html


def test_a_picked_incident_is_ringed_and_the_map_centred_on_it(layers):
    html = build_map(layers, ViewState(zoom=5), highlight_id="T-2").get_root().render()
    assert html.count("atlas-highlight") == 1
    focus = [
        json.loads(m) for m in re.findall(r"var opts = (\{[^\n]*\});\n+function focus\(\)", html)
    ]
    assert focus == [{"centre": [16.2666, -0.04], "zoom": 8, "token": "T-2"}]
    # No pick, no ring and no recentring.
    plain = _html(layers)
    assert "atlas-highlight" not in plain
    assert "function focus()" not in plain


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
    assert "fitBounds" in _html(layers, ViewState(regions=("ML-BKO",)))


def test_chosen_regions_are_drawn_firm_and_the_others_dimmed(layers):
    plain = _html(layers)
    chosen = _html(layers, ViewState(regions=("ML-BKO",)))
    assert '"styleBy":{"key":"iso_code","values":{"ML-BKO":' in chosen
    assert '"fillOpacity":0.45' in chosen
    assert '"key":"iso_code"' not in plain
