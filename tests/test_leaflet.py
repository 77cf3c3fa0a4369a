"""Our layer scripts: one JavaScript file, served and written into exports, called by name
with named columns."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from atlas import leaflet
from atlas.assets import asset_url, install_assets
from atlas.escape import script_json
from atlas.export.describe import summarise
from atlas.export.html import render_html
from atlas.mapping import (
    INCIDENT_LABELS_ESCAPED,
    build_map,
    incident_columns,
)
from atlas.view import ViewState
from tests.factories import incident_row, small_layers

SCRIPT = Path(leaflet.__file__).parent / "js" / "layers.js"
_CALL = re.compile(r"^atlasLayers\.(\w+)\(\w+,$", re.M)


def _defined_functions() -> set[str]:
    """The names ``window.atlasLayers`` holds, read from the script's closing table."""
    table = SCRIPT.read_text(encoding="utf-8").split("global.atlasLayers = {", 1)[1]
    return set(re.findall(r"^\s+(\w+): \w+,?$", table.split("};", 1)[0], re.M))


@pytest.fixture
def layers(tmp_path):
    return small_layers(tmp_path)


def test_every_element_calls_a_function_the_script_defines():
    elements = [
        cls
        for cls in vars(leaflet).values()
        if isinstance(cls, type) and issubclass(cls, leaflet.ScriptElement) and cls.function
    ]
    assert len(elements) >= 15
    assert {cls.function for cls in elements} <= _defined_functions()


@pytest.mark.parametrize("agg", ["points", "clusters", "hexes", "heat"])
def test_a_page_calls_only_defined_functions_and_links_the_script_once(layers, agg):
    html = build_map(layers, ViewState(agg=agg, rings=True)).get_root().render()
    called = set(_CALL.findall(html))

    assert called <= _defined_functions()
    assert {"mapSetup", "townMarkers", "legend"} <= called
    assert html.count(asset_url("atlas-layers")) == 1
    assert "var rows" not in html  # no script of ours left in the page itself


def test_the_script_is_served_under_a_url_that_changes_with_it(tmp_path):
    digest = hashlib.sha256(SCRIPT.read_bytes()).hexdigest()[:12]
    assert asset_url("atlas-layers") == f"/app/static/vendor/atlas/layers.js?v={digest}"

    install_assets(tmp_path)
    assert (tmp_path / "vendor" / "atlas" / "layers.js").read_bytes() == SCRIPT.read_bytes()


def test_an_exported_page_carries_the_script_itself(layers):
    html = render_html(layers, summarise(layers, ViewState())).decode()

    assert "/* atlas-layers */" in html
    assert "global.atlasLayers = {" in html
    assert "layers.js" not in html  # written in, not linked


def test_incident_columns_are_named_equal_and_escaped_once(tmp_path):
    hostile = "<b>${x}</b> `tick` &amp;"
    incidents = small_layers(tmp_path, [incident_row(description=hostile)]).incidents
    columns = incident_columns(incidents)

    assert leaflet.columns_length(columns) == 1
    assert list(columns["details"]) == INCIDENT_LABELS_ESCAPED
    assert columns["details"]["Description"] == [
        "&lt;b&gt;&#36;&#123;x&#125;&lt;/b&gt; &#96;tick&#96; &amp;amp;"
    ]


def test_columns_weigh_less_than_a_row_per_incident(tmp_path):
    rows = [
        incident_row(id=f"W-{i}", latitude=f"{12 + i / 100:.4f}", longitude="-8.0000")
        for i in range(200)
    ]
    columns = incident_columns(small_layers(tmp_path, rows).incidents)
    flat = [columns[name] for name in columns if name != "details"]
    per_row = [list(row) for row in zip(*flat, *columns["details"].values(), strict=True)]

    assert len(script_json(columns)) < len(script_json(per_row))


def test_columns_of_different_lengths_are_refused_by_name():
    with pytest.raises(ValueError, match=r"lat 2, lon 1"):
        leaflet.PlaceNames({"lat": [1.0, 2.0], "lon": [3.0], "html": ["a", "b"]}, "names")
    with pytest.raises(ValueError, match=r"details\.Date 0"):
        leaflet.columns_length({"lat": [1.0], "details": {"Date": []}})


def test_an_element_places_its_settings_and_data_as_json_lines():
    element = leaflet.PlaceNames({"lat": [1.5], "lon": [2.5], "html": ["</script>"]}, "names")
    assert json.loads(element.options_json) == {"className": "names"}
    assert json.loads(element.data_json) == {"lat": [1.5], "lon": [2.5], "html": ["</script>"]}
    assert "</script>" not in element.data_json
