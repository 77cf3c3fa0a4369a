"""Browser tier: town names beside their symbols, incidents never hidden by bases, area names,
the opening view fitted to the screen, credits clear of the scale bar, and each map page's
headline, map and legend fitted to the window."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from atlas.datasets import DatasetStore
from loaders.imports import ImportOptions
from tests.browser import MAP_FRAME, map_counts, map_script
from tests.serving import REPO, ServedApp, serve_app

pytestmark = pytest.mark.browser

CHECKED_TOWNS = ("Gao", "Timbuktu", "Mopti", "Kidal")

# The boxes of the named towns' labels, and the centres of every incident and deployment
# symbol, in page pixels of the map's frame.
_GEOMETRY_JS = """
const box = e => { const b = e.getBoundingClientRect();
  return {x: b.left, y: b.top, w: b.width, h: b.height, shown: b.width > 0 && b.height > 0}; };
const centre = e => { const b = box(e); return [b.x + b.w / 2, b.y + b.h / 2]; };
const labels = {};
for (const e of document.querySelectorAll('.atlas-town-label')) {
  if (arguments[0].includes(e.textContent)) { labels[e.textContent] = box(e); }
}
return {
  labels: labels,
  incidents: [...document.querySelectorAll('path.atlas-incident')].map(centre),
  deployments: [...document.querySelectorAll('.atlas-deployment svg g:last-child')].map(centre),
};
"""

# A click at the middle of each incident drawn in the map's frame, given to what the browser
# finds there, and what it opened: an incident's popup (that incident's, or another's drawn
# over it), never a base's or nothing. An incident under the legend or another control of
# the map (where the map's size puts one) is not clicked.
_CLICK_INCIDENTS_JS = """
const map = window.map, frame = map.getContainer().getBoundingClientRect(), incidents = [];
map.eachLayer(l => {
  if (l._path && l._path.classList.contains('atlas-incident')) { incidents.push(l); } });
return incidents.map(l => {
  const b = l._path.getBoundingClientRect(), x = b.left + b.width / 2, y = b.top + b.height / 2;
  if (!b.width || x < frame.left || x > frame.right || y < frame.top || y > frame.bottom) {
    return 'off the map';
  }
  map.closePopup();
  map.getPane('popupPane').replaceChildren();  // a closed popup fades out for a moment
  const hit = document.elementFromPoint(x, y);
  if (hit.closest('.leaflet-control')) { return 'under a control'; }
  hit.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: x, clientY: y}));
  if (incidents.some(o => o.isPopupOpen())) { return 'incident'; }
  const popup = document.querySelector('.leaflet-popup-content');
  return popup ? popup.textContent.slice(0, 60) : hit.getAttribute('class') || hit.tagName;
});
"""

# Each region or country name, and whether it lies in the pane under the symbols.
_NAMES_JS = """
return [...document.querySelectorAll('.atlas-region-name, .atlas-country-name')].map(
  e => [e.textContent, e.parentElement.classList.contains('leaflet-atlasNames-pane')]);
"""

_LAID_OUT_JS = "return window.map.getContainer().dataset.atlasLabels === 'placed';"


_LEGEND_BOX_JS = """
const b = document.querySelector('.atlas-legend').getBoundingClientRect();
return {bottom: b.bottom, frame: window.innerHeight};
"""


def _laid_out(driver) -> bool:
    """The names are placed for the map as it stands, and still are a moment later (the map
    may zoom to its opening extent once more after a first placement)."""
    if not map_script(driver, _LAID_OUT_JS):
        return False
    time.sleep(0.5)
    return bool(map_script(driver, _LAID_OUT_JS))


def _open(driver, url: str) -> None:
    driver.get(url)
    map_counts(driver)
    WebDriverWait(driver, 30).until(_laid_out)


def _severe(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_town_labels_sit_beside_the_symbols_at_the_default_view(served_app, browser, artifacts):
    _big_screen(browser)
    _open(browser, served_app.url + "/")
    browser.save_screenshot(str(artifacts / "cartography-home.png"))
    found = map_script(browser, _GEOMETRY_JS, list(CHECKED_TOWNS))

    assert found["incidents"]
    assert found["deployments"]
    assert set(found["labels"]) == set(CHECKED_TOWNS)
    for town, label in found["labels"].items():
        assert label["shown"], f"{town} should be named at the default view"
        for x, y in found["incidents"] + found["deployments"]:
            inside = label["x"] <= x <= label["x"] + label["w"] and (
                label["y"] <= y <= label["y"] + label["h"]
            )
            assert not inside, f"the label of {town} covers a symbol centred at {x:.0f},{y:.0f}"


@pytest.mark.parametrize("zoom", ["", "&lat=14.6&lon=-4.1&zoom=6.75"], ids=["opening", "6.75"])
def test_every_incident_stays_clickable_where_bases_are_drawn(served_app, browser, zoom):
    # 2015-16: bases at most of the places where incidents happened. At the opening zoom the
    # Sévaré base's outline crosses the middle of an incident a few kilometres away.
    _open(browser, served_app.url + "/?from=2015-01-01&to=2016-12-31" + zoom)
    hits = map_script(browser, _CLICK_INCIDENTS_JS)
    opened = [hit for hit in hits if hit not in ("off the map", "under a control")]

    assert len(opened) > 10
    assert set(opened) == {"incident"}, opened


def test_region_and_country_names_are_drawn_under_the_symbols(served_app, browser):
    _open(browser, served_app.url + "/")
    names = map_script(browser, _NAMES_JS)
    texts = {text for text, _ in names}

    assert {"GAO", "TIMBUKTU", "KIDAL", "NIGER", "ALGERIA"} <= texts
    assert "BAMAKO" not in texts  # the district is too small to name over its capital
    assert all(under for _, under in names)


@pytest.mark.parametrize(
    "query",
    ["agg=points", "agg=clusters", "agg=hexes", "agg=heat", "agg=points&rings=1", ""],
    ids=["points", "clusters", "hexes", "heat", "rings", "labels-and-legend"],
)
def test_every_drawing_mode_draws_without_a_console_error(served_app, browser, query):
    _open(browser, f"{served_app.url}/?{query}")
    legend = map_script(browser, "return !!document.querySelector('.atlas-legend');")

    assert legend
    assert _severe(browser) == []


def _big_screen(driver, width: int = 1920, height: int = 1080) -> None:
    """A viewport of exactly ``width`` × ``height`` CSS pixels (a window's size includes its
    frame)."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


@pytest.mark.parametrize(("name", "query"), [("home", ""), ("gao", "region=ML-7")])
def test_big_screen_screenshots(served_app, browser, artifacts, name, query):
    """Screenshots at the big screen's size with the whole map in sight, kept as artifacts."""
    _big_screen(browser)
    _open(browser, f"{served_app.url}/?{query}")
    frame = browser.find_element(*MAP_FRAME)
    browser.execute_script("arguments[0].scrollIntoView({block: 'end'});", frame)
    WebDriverWait(browser, 30).until(_laid_out)
    browser.save_screenshot(str(artifacts / f"{name}-1920x1080.png"))
    legend = map_script(browser, _LEGEND_BOX_JS)

    assert _severe(browser) == []
    assert legend["bottom"] <= legend["frame"], "the legend should fit in the map"


# Where the map's frame lies on the page, and the lowest bottom edge of everything the page
# shows above it (title, headline figures, controls), in the window's pixels.
_SCREEN_JS = """
const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
const f = frame.getBoundingClientRect();
const elements = document.querySelectorAll('[data-testid=stMain] [data-testid=stElementContainer]');
const above = [...elements].map(e => e.getBoundingClientRect())
  .filter(b => b.height > 0 && b.top < f.top);
const metrics = [...document.querySelectorAll('[data-testid="stMetric"]')]
  .map(e => e.getBoundingClientRect().bottom);
return {top: f.top, bottom: f.bottom, frame: f.height, window: window.innerHeight,
        above: Math.max(...above.map(b => b.bottom)), metrics: metrics};
"""

# The map's own height and the legend's box, in the pixels of the map's frame.
_MAP_FILL_JS = """
const b = document.querySelector('.atlas-legend').getBoundingClientRect();
return {map: window.map.getSize().y, inner: window.innerHeight, width: window.innerWidth,
        legend: {x0: b.left, y0: b.top, x1: b.right, y1: b.bottom}};
"""


def _screen(driver) -> dict[str, Any] | Literal[False]:
    """The page's layout and the map's, once they have stopped moving (else False, to wait)."""
    first = {**driver.execute_script(_SCREEN_JS), **map_script(driver, _MAP_FILL_JS)}
    time.sleep(0.3)
    again = {**driver.execute_script(_SCREEN_JS), **map_script(driver, _MAP_FILL_JS)}
    return again if first == again else False


MAP_PAGES = [
    ("home", "", 4),  # its four headline figures
    ("incidents", "incidents", 0),
    ("regions", "regions", 0),
    ("deployments", "deployments", 0),
]


@pytest.mark.parametrize(("name", "path", "metrics"), MAP_PAGES, ids=[p[0] for p in MAP_PAGES])
def test_a_map_page_fits_its_headline_map_and_legend_to_the_window(
    served_app, browser, artifacts, name, path, metrics
):
    _big_screen(browser)
    browser.get(f"{served_app.url}/{path}")
    map_counts(browser)
    # The same page, its window made smaller: the map follows without a reload.
    for width, height in ((1920, 1080), (1600, 1000)):
        _big_screen(browser, width, height)
        shown = WebDriverWait(browser, 30).until(_screen)
        browser.save_screenshot(str(artifacts / f"map-first-{name}-{width}x{height}.png"))
        legend = shown["legend"]

        assert shown["window"] == height
        assert shown["top"] > 0, "the page should open at its top"
        assert shown["above"] <= shown["top"] <= height
        assert height - 40 <= shown["bottom"] <= height, "the map should end at the window's foot"
        assert shown["map"] == pytest.approx(shown["frame"], abs=1), "the map should fill its frame"
        assert len(shown["metrics"]) == metrics
        assert all(bottom <= shown["top"] for bottom in shown["metrics"])
        assert legend["x0"] >= 0, legend
        assert legend["x1"] <= shown["width"], legend
        assert legend["y0"] >= 0, legend
        assert legend["y1"] <= shown["inner"], legend

    _big_screen(browser, 1366, 768)
    laptop = WebDriverWait(browser, 30).until(_screen)
    browser.save_screenshot(str(artifacts / f"map-first-{name}-1366x768.png"))
    assert laptop["frame"] >= 420
    assert laptop["map"] == pytest.approx(laptop["frame"], abs=1)


# The map's size and the box of one feature (Mali, a region) in the map's own pixels, read
# from Leaflet: its polygon as drawn is clipped near the map's edges, its bounds are not.
_FEATURE_BOX_JS = """
const [key, value] = arguments, map = window.map, size = map.getSize();
let found = null;
map.eachLayer(l => { if (l.feature && l.feature.properties[key] === value) { found = l; } });
const b = found.getBounds();
const nw = map.latLngToContainerPoint(b.getNorthWest());
const se = map.latLngToContainerPoint(b.getSouthEast());
const c = map.getCenter();
return {width: size.x, height: size.y, x0: nw.x, y0: nw.y, x1: se.x, y1: se.y,
        zoom: map.getZoom(), centre: [c.lat, c.lng]};
"""


FITTED = 0.8
"""The least share of the map a fitted extent spans on its tighter side: the zoom steps by
quarters, a factor of 2 ** 0.25 (1.19), and a little room is left around it."""


def _fitted_share(found: dict) -> tuple[float, float]:
    """The shares of the map's width and height the feature spans, once it is seen whole."""
    assert found["x0"] >= -1, found
    assert found["x1"] <= found["width"] + 1, found
    assert found["y0"] >= -1, found
    assert found["y1"] <= found["height"] + 1, found
    return (
        (found["x1"] - found["x0"]) / found["width"],
        (found["y1"] - found["y0"]) / found["height"],
    )


def test_the_default_view_fits_mali_to_the_big_screen(served_app, browser, artifacts):
    _big_screen(browser)
    _open(browser, served_app.url + "/")
    browser.save_screenshot(str(artifacts / "cartography-mali-fitted.png"))
    mali = map_script(browser, _FEATURE_BOX_JS, "iso_a3", "MLI")
    across, down = _fitted_share(mali)

    # The map is about twice as wide as it is high and Mali about as wide as high: the whole
    # of Mali fills the map's height, and well over the third of its width a whole zoom gave.
    assert mali["width"] > 2 * mali["height"]
    assert down >= FITTED, mali
    assert across >= 0.4, mali
    assert mali["zoom"] % 1 != 0, "the fit is not held to a whole zoom"


def test_a_region_view_fits_the_region(served_app, browser):
    _big_screen(browser)
    _open(browser, served_app.url + "/?region=ML-7")
    gao = map_script(browser, _FEATURE_BOX_JS, "iso_code", "ML-7")
    across, down = _fitted_share(gao)

    # The extent rule leaves a tenth of the region's span around it.
    assert max(across, down) >= 0.65, gao


@pytest.mark.parametrize("zoom", [8, 6.75])
def test_a_view_with_a_centre_opens_exactly_there(served_app, browser, zoom):
    _big_screen(browser)
    _open(browser, f"{served_app.url}/?lat=16.27&lon=-0.04&zoom={zoom}")
    shown = map_script(browser, _FEATURE_BOX_JS, "iso_a3", "MLI")

    assert shown["zoom"] == zoom
    assert shown["centre"] == pytest.approx([16.27, -0.04], abs=0.005)


def test_the_opening_view_fits_the_screen_again_until_the_reader_moves_it(served_app, browser):
    # A small window: the map, narrow and at its least height, fits Mali on its tighter side.
    _big_screen(browser, 1000, 720)
    _open(browser, served_app.url + "/")
    small = map_script(browser, _FEATURE_BOX_JS, "iso_a3", "MLI")
    assert max(_fitted_share(small)) >= FITTED
    _big_screen(browser)
    WebDriverWait(browser, 10).until(
        lambda d: map_script(d, "return window.map.getSize().x;") > small["width"] + 100
    )
    WebDriverWait(browser, 10).until(
        lambda d: _fitted_share(map_script(d, _FEATURE_BOX_JS, "iso_a3", "MLI"))[1] >= FITTED
    )
    big = map_script(browser, _FEATURE_BOX_JS, "iso_a3", "MLI")
    assert big["zoom"] > small["zoom"]
    # Once the reader has zoomed, a new size leaves the map where they put it.
    map_script(browser, "window.map.setZoom(7, {animate: false});")
    _big_screen(browser, 1000, 720)
    WebDriverWait(browser, 10).until(
        lambda d: map_script(d, "return window.map.getSize().x;") < big["width"] - 100
    )
    time.sleep(0.5)
    assert map_script(browser, "return window.map.getZoom();") == 7


# A licence line as long as an imported dataset may carry (ACLED's, with its conditions).
LONG_LICENCE = (
    "ACLED (Armed Conflict Location & Event Data Project), acleddata.com, accessed "
    "2026-11-29; raw rows not for redistribution; filters used: Country: Mali, all event "
    "types; changes made: columns renamed to the atlas schema, rows outside Mali flagged; "
    "see the dataset's terms of use for every condition. END OF LICENCE"
)


@pytest.fixture(scope="module")
def licensed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """The app on a store of its own holding an ACLED import with a long licence line."""
    data = tmp_path_factory.mktemp("licensed-data")
    acled = REPO / "tests" / "fixtures" / "import" / "acled_current_dyadic.csv"
    DatasetStore(data).import_file(acled, ImportOptions(licence=LONG_LICENCE))
    with serve_app(ATLAS_DATA_DIR=str(data)) as app:
        yield app


# The boxes of the credits, the scale bar and the legend, the credits' lines of text and the
# whole text a hover shows.
_CREDITS_JS = """
const box = s => { const b = document.querySelector(s).getBoundingClientRect();
  return {x0: b.left, y0: b.top, x1: b.right, y1: b.bottom}; };
const credits = document.querySelector('.leaflet-control-attribution');
const range = document.createRange();
range.selectNodeContents(credits);
const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
return {credits: box('.leaflet-control-attribution'), scale: box('.leaflet-control-scale'),
        legend: box('.atlas-legend'), map: box('.leaflet-container'), lines: lines,
        title: credits.title};
"""


def _overlap(a: dict, b: dict) -> bool:
    return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_long_credits_keep_to_one_line_clear_of_the_scale_bar(
    licensed_app, browser, artifacts, width, height
):
    _big_screen(browser, width, height)
    _open(browser, licensed_app.url + "/")
    frame = browser.find_element(*MAP_FRAME)
    browser.execute_script("arguments[0].scrollIntoView({block: 'end'});", frame)
    browser.save_screenshot(str(artifacts / f"cartography-credits-{width}x{height}.png"))
    folded = map_script(browser, _CREDITS_JS)

    assert folded["lines"] == 1
    assert not _overlap(folded["credits"], folded["scale"]), folded
    assert not _overlap(folded["credits"], folded["legend"]), folded
    assert folded["credits"]["x1"] <= folded["map"]["x1"] + 1
    assert folded["title"].startswith("Natural Earth")  # a hover shows the whole text
    assert folded["title"].endswith("END OF LICENCE")
    # A click unfolds the credits upwards, in the same width: still clear of the scale bar.
    map_script(browser, "document.querySelector('.leaflet-control-attribution').click();")
    unfolded = map_script(browser, _CREDITS_JS)
    assert unfolded["lines"] > 1
    assert not _overlap(unfolded["credits"], unfolded["scale"]), unfolded
    assert not _overlap(unfolded["credits"], unfolded["legend"]), unfolded
    assert unfolded["credits"]["y1"] == pytest.approx(folded["credits"]["y1"], abs=1)


# The legend's box and its body's, the map's height, and whether the fold button says open.
_LEGEND_STATE_JS = """
const legend = document.querySelector('.atlas-legend');
const body = legend.querySelector('.atlas-legend-body');
const b = legend.getBoundingClientRect();
return {top: b.top, bottom: b.bottom, height: b.height, body: body.offsetHeight,
        scrolls: body.scrollHeight > body.clientHeight, map: window.map.getSize().y,
        expanded: legend.querySelector('.atlas-legend-toggle').getAttribute('aria-expanded')};
"""


def test_the_legend_folds_away_and_back(served_app, browser):
    _big_screen(browser)
    _open(browser, served_app.url + "/")
    opened = map_script(browser, _LEGEND_STATE_JS)
    assert opened["expanded"] == "true"
    assert opened["body"] > 100

    map_script(browser, "document.querySelector('.atlas-legend-toggle').click();")
    folded = map_script(browser, _LEGEND_STATE_JS)
    assert folded["expanded"] == "false"
    assert folded["body"] == 0
    assert folded["height"] < 30, "folded, the legend is only its button"
    map_script(browser, "document.querySelector('.atlas-legend-toggle').click();")
    assert map_script(browser, _LEGEND_STATE_JS)["body"] == opened["body"]


def test_the_legend_is_never_taller_than_a_short_map(served_app, browser):
    # A laptop's screen: the map at its least height, the legend longer than it leaves.
    _big_screen(browser, 1366, 768)
    _open(browser, served_app.url + "/?from=2015-01-01&to=2020-12-31")
    shown = map_script(browser, _LEGEND_STATE_JS)
    assert shown["expanded"] == "true"  # 420 px and more: it opens unfolded
    assert shown["top"] >= 0, shown
    assert shown["bottom"] <= shown["map"], shown
    assert shown["scrolls"], "what does not fit scrolls inside the legend"


# Every name shown on the map (towns, regions, countries) that overlaps one of the map's
# controls (zoom, layers, scale bar, credits, legend).
_NAMES_UNDER_CONTROLS_JS = """
const boxes = s => [...document.querySelectorAll(s)].map(e => [e, e.getBoundingClientRect()])
  .filter(([e, b]) => b.width > 0 && b.height > 0 && getComputedStyle(e).visibility !== 'hidden'
    && getComputedStyle(e.closest('.leaflet-marker-icon') || e).display !== 'none');
const controls = boxes('.leaflet-control').map(([e, b]) => b);
const names = boxes('.atlas-town-label, .atlas-region-name span, .atlas-country-name span');
const over = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
return names.filter(([e, b]) => controls.some(c => over(b, c))).map(([e]) => e.textContent);
"""


@pytest.mark.parametrize("query", ["", "region=ML-7", "lat=14.6&lon=-4.1&zoom=7"])
def test_no_name_is_written_under_the_maps_controls(served_app, browser, query):
    _big_screen(browser, 1600, 1000)
    _open(browser, f"{served_app.url}/?{query}")
    assert map_script(browser, _NAMES_UNDER_CONTROLS_JS) == []
