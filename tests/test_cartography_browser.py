"""Browser tier: town names beside their symbols, incidents never hidden by bases, area names."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import MAP_FRAME, map_counts, map_script

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

# What the browser would click at the centre of each incident: the incident itself (or another
# incident drawn at the same place), never a base's symbol or a name.
_HIT_AT_INCIDENTS_JS = """
return [...document.querySelectorAll('path.atlas-incident')].map(p => {
  const b = p.getBoundingClientRect();
  const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
  return hit ? hit.getAttribute('class') || hit.tagName : 'nothing';
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


def test_every_incident_stays_clickable_where_bases_are_drawn(served_app, browser):
    # 2015-16: bases at most of the places where incidents happened.
    _open(browser, served_app.url + "/?from=2015-01-01&to=2016-12-31")
    hits = map_script(browser, _HIT_AT_INCIDENTS_JS)

    assert hits
    assert all("atlas-incident" in hit for hit in hits), hits


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


def _big_screen(driver) -> None:
    """A viewport of exactly 1920×1080 CSS pixels (a window's size includes its frame)."""
    metrics = {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False}
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
