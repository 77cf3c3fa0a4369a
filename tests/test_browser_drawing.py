"""Browser tier: the layer scripts (``atlas/js/layers.js``) draw every mode, and a pick rings.

Each drawing mode is checked on an exported HTML file opened offline, where the scripts are
written into the page: what it drew, its legend, its town and area names, and a console
without errors. A row picked in the served app's table is ringed on its map.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from atlas import style
from atlas.aggregate import hex_cells, hex_resolution
from atlas.export.formats import export_view
from atlas.store import EmbeddedStore
from atlas.view import ViewState
from loaders import AtlasLayers
from tests.browser import map_counts, map_script, requested_urls
from tests.factories import incident_row, small_layers

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.__pwned=1"> `${window.__pwned=2}` </script>'

# What the page drew, read once the town names are placed (they wait for the map to settle).
_DRAWN_JS = """
const count = selector => document.querySelectorAll(selector).length;
const texts = selector => [...document.querySelectorAll(selector)]
  .filter(e => e.offsetWidth > 0 && getComputedStyle(e).display !== 'none')
  .map(e => e.textContent);
const heat = document.querySelector('canvas.leaflet-heatmap-layer');
let heatPixels = 0;
if (heat && heat.width && heat.height) {
  const pixels = heat.getContext('2d').getImageData(0, 0, heat.width, heat.height).data;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { heatPixels++; } }
}
const legend = document.querySelector('.atlas-legend');
const map = document.querySelector('.leaflet-container');
return {
  leaflet: typeof window.L !== 'undefined' && typeof window.atlasLayers !== 'undefined',
  labels: map ? map.dataset.atlasLabels || '' : '',
  incidents: count('path.atlas-incident'),
  clustered: [...document.querySelectorAll('.marker-cluster span')]
    .reduce((sum, e) => sum + Number(e.textContent), 0),
  hexes: count('path.atlas-hex'),
  rings: count('path.atlas-uncertainty'),
  heatPixels: heatPixels,
  deployments: count('.atlas-deployment'),
  towns: texts('.atlas-town-label'),
  areas: [...document.querySelectorAll('.atlas-region-name, .atlas-country-name')]
    .map(e => e.textContent),
  legend: legend ? legend.textContent : '',
};
"""

# Every incident marker's popup, opened by a click at the marker's centre.
_POPUPS_JS = """
const texts = [];
for (const path of document.querySelectorAll('path.atlas-incident')) {
  const box = path.getBoundingClientRect();
  path.dispatchEvent(new MouseEvent('click', {bubbles: true,
    clientX: box.x + box.width / 2, clientY: box.y + box.height / 2}));
  const open = document.querySelectorAll('.leaflet-popup-content');
  texts.push(open.length ? open[open.length - 1].textContent : '');
}
return texts;
"""


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> AtlasLayers:
    """The three known incidents, and a fourth beside the first (the two cluster at the
    opening zoom) with hostile text and a location known to 25 km (a ring)."""
    beside = incident_row(
        id="T-4",
        latitude="12.6500",
        longitude="-7.9900",
        geo_precision="2",
        description=HOSTILE,
        fatalities="3",
    )
    rows = [
        incident_row(),
        incident_row(
            id="T-2", location="Gao", latitude="16.2666", longitude="-0.0400", fatalities=""
        ),
        beside,
    ]
    return small_layers(tmp_path_factory.mktemp("drawing"), rows)


def _open_offline(driver: WebDriver, layers: AtlasLayers, view: ViewState, page: Path) -> Any:
    """Export ``view`` as HTML, open it from disk with the network cut off, and return what
    it drew once its names are placed."""
    page.write_bytes(export_view(layers, view, "html", title="Drawing").content)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    driver.get(page.as_uri())
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(_DRAWN_JS)["labels"] == "placed")
    return driver.execute_script(_DRAWN_JS)


def _errors(driver: WebDriver) -> list[str]:
    entries = driver.get_log("browser")  # type: ignore[attr-defined]
    return [e["message"] for e in entries if e["level"] == "SEVERE"]


def _web_requests(driver: WebDriver) -> list[str]:
    return [u for u in requested_urls(driver) if urlparse(u).scheme in ("http", "https")]


def _expected_rings(layers: AtlasLayers) -> int:
    return sum(
        1 for metres in style.uncertainty_radii_m(layers.incidents["geo_precision"]) if metres
    )


@pytest.mark.parametrize(
    ("view", "legend"),
    [
        (ViewState(agg="points"), "Incidents by event type"),
        (ViewState(agg="clusters"), "Incidents by event type, clustered"),
        (ViewState(agg="hexes"), "Incidents per hexagon"),
        (ViewState(agg="heat"), "Density of incidents"),
        (ViewState(agg="points", rings=True), "Incidents by event type"),
    ],
    ids=["points", "clusters", "hexes", "heat", "rings"],
)
def test_every_drawing_mode_draws_offline_with_names_and_legend(
    layers, browser, tmp_path, artifacts, view, legend
):
    drawn = _open_offline(browser, layers, view, tmp_path / "map.html")
    name = f"drawing-{view.agg}{'-rings' if view.rings else ''}.png"
    browser.save_screenshot(str(artifacts / name))
    total = len(layers.incidents)

    assert drawn["leaflet"]
    if view.agg == "points":
        assert drawn["incidents"] == total
        assert drawn["clustered"] == 0
    elif view.agg == "clusters":
        assert drawn["clustered"] >= 2, "the two incidents side by side should cluster"
        assert drawn["incidents"] + drawn["clustered"] == total
    elif view.agg == "hexes":
        cells = hex_cells(layers.incidents, hex_resolution(view.zoom))
        assert drawn["hexes"] == len(cells) > 0
        assert drawn["incidents"] == 0
    else:
        assert drawn["heatPixels"] > 0
        assert drawn["incidents"] == 0
    assert drawn["rings"] == (_expected_rings(layers) if view.rings else 0)
    if view.rings:
        assert drawn["rings"] > 0
    assert drawn["deployments"] == len(layers.deployments)
    assert set(drawn["towns"]) == {"Bamako", "Gao"}
    assert "GAO" in drawn["areas"]
    assert legend in drawn["legend"]
    assert _errors(browser) == []
    assert _web_requests(browser) == []


def test_popups_show_the_incidents_text_once_escaped_and_never_run_it(layers, browser, tmp_path):
    drawn = _open_offline(browser, layers, ViewState(agg="points"), tmp_path / "map.html")
    assert drawn["incidents"] == len(layers.incidents)
    popups = browser.execute_script(_POPUPS_JS)

    (hostile,) = [text for text in popups if "T-4" in text]
    assert HOSTILE in hostile  # the text as written: not escaped twice, not read as markup
    assert "Description" in hostile
    assert "Dataset" in hostile
    assert browser.find_elements(By.CSS_SELECTOR, 'img[src="x"]') == []
    assert browser.execute_script("return window.__pwned === undefined;")
    assert _errors(browser) == []


# -- a pick in the served app's table -------------------------------------------------------

_RING_JS = """
const ring = document.querySelector('path.atlas-highlight');
if (!ring) { return null; }
const map = window.map, box = map.getContainer().getBoundingClientRect();
const b = ring.getBoundingClientRect();
const point = map.latLngToContainerPoint(arguments[0]);
return {
  offset: [b.left + b.width / 2 - box.left - point.x, b.top + b.height / 2 - box.top - point.y],
  inView: map.getBounds().contains(arguments[0]),
  zoom: map.getZoom(),
};
"""

ROW_PX = 35  # the height of the table's header and of each of its rows


def _pick_table_row(driver: WebDriver, row: int) -> None:
    """Click the selection box of the table's ``row`` (0 the first under the header)."""
    grid = WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="stDataFrame"] canvas')
    )
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", grid)
    time.sleep(0.5)  # the scroll settles before the pointer is placed
    size = grid.rect
    x = -size["width"] / 2 + 15  # the selection column, left of the first cell
    y = -size["height"] / 2 + ROW_PX * (row + 1) + ROW_PX / 2
    ActionChains(driver).move_to_element_with_offset(grid, int(x), int(y)).click().perform()


def _ringed_caption(driver: WebDriver) -> str | None:
    for caption in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stCaptionContainer"]'):
        if caption.text.startswith("Ringed on the map: incident "):
            return caption.text.removeprefix("Ringed on the map: incident ").rstrip(".")
    return None


def test_a_row_picked_in_the_table_is_ringed_on_the_map(served_app, browser):
    browser.get(served_app.url + "/incidents?from=2015-11-01&to=2015-11-30")
    assert map_counts(browser)["incidents"] >= 2
    assert map_script(browser, _RING_JS, [0, 0]) is None  # nothing picked, nothing ringed

    _pick_table_row(browser, 1)
    picked = WebDriverWait(browser, 30).until(_ringed_caption)
    incidents = EmbeddedStore().layers().incidents
    point = incidents.loc[incidents["id"] == picked].geometry.iloc[0]
    ring = WebDriverWait(browser, 30).until(lambda d: map_script(d, _RING_JS, [point.y, point.x]))

    assert ring["inView"], "the map should centre on the picked incident"
    assert ring["zoom"] >= 8
    assert ring["offset"] == pytest.approx([0, 0], abs=2), "the ring should circle the incident"
