"""Helpers that read what the served app drew, from inside the map's iframe."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlparse

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from atlas.style import REGION_OUTLINE, RIVER_COLOUR

MAP_FRAME = (By.CSS_SELECTOR, 'iframe[title*="st_folium"]')
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

_COUNT_JS = """
const paths = [...document.querySelectorAll('path')];
return {
  leaflet: typeof window.L !== 'undefined' && !!document.querySelector('.leaflet-container'),
  incidents: document.querySelectorAll('path.atlas-incident').length,
  deployments: document.querySelectorAll('.atlas-deployment').length,
  towns: [...document.querySelectorAll('.atlas-town-label')].map(e => e.textContent),
  regions: paths.filter(p => p.getAttribute('stroke') === arguments[0]).length,
  rivers: paths.filter(p => p.getAttribute('stroke') === arguments[1]).length,
};
"""


def map_counts(driver: WebDriver, timeout: float = 60) -> dict[str, Any]:
    """Wait for the map iframe to draw, then count what each layer put on the page."""
    driver.switch_to.default_content()
    WebDriverWait(driver, timeout).until(ec.frame_to_be_available_and_switch_to_it(MAP_FRAME))
    try:
        WebDriverWait(driver, timeout).until(
            lambda d: d.execute_script(_COUNT_JS, REGION_OUTLINE, RIVER_COLOUR)["leaflet"]
        )
        counts: dict[str, Any] = driver.execute_script(_COUNT_JS, REGION_OUTLINE, RIVER_COLOUR)
        return counts
    finally:
        driver.switch_to.default_content()


def requested_urls(driver: WebDriver) -> list[str]:
    """Every URL the browser asked for since the last call (from the performance log)."""
    urls = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def foreign_requests(urls: list[str]) -> list[str]:
    """The URLs that would leave this machine (anything but loopback, data: and blob:)."""
    foreign = []
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about", "chrome", "chrome-extension"):
            continue
        if parsed.hostname not in LOCAL_HOSTS:
            foreign.append(url)
    return foreign


def incidents_stated(driver: WebDriver) -> int:
    """The incident count the Incidents page states above its map."""
    text = driver.find_element(By.TAG_NAME, "body").text
    match = re.search(r"([\d,]+) incidents? between", text)
    assert match, "the Incidents page should state how many incidents are in range"
    return int(match.group(1).replace(",", ""))


def table_rows(driver: WebDriver) -> int:
    """Rows of the incidents table (Streamlit's data grid reports its row count)."""
    grid = WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="stDataFrame"] [role="grid"]')
    )
    return int(grid.get_attribute("aria-rowcount") or 0) - 1  # the header row is counted


def wait_for_map_incidents(driver: WebDriver, expected: int, timeout: float = 30) -> int:
    """Wait until the map shows ``expected`` incident markers (it redraws after the page)."""
    WebDriverWait(driver, timeout).until(lambda d: map_counts(d)["incidents"] == expected)
    return expected


# A click at the centre of a marker, where a reader would click: the point clicked is what
# the map reports back to the app.
_CLICK_JS = """
function clickAt(element) {
  const box = element.getBoundingClientRect();
  element.dispatchEvent(new MouseEvent('click', {bubbles: true,
    clientX: box.x + box.width / 2, clientY: box.y + box.height / 2}));
}
"""

_POPUPS_JS = (
    _CLICK_JS
    + """
const texts = [];
for (const path of document.querySelectorAll('path.atlas-incident')) {
  clickAt(path);
  // A closed popup fades out before it leaves the page: the newest is the last.
  const open = document.querySelectorAll('.leaflet-popup-content');
  texts.push(open.length ? open[open.length - 1].textContent : '');
}
return texts;
"""
)


def map_script(driver: WebDriver, script: str, *args: Any) -> Any:
    """Run ``script`` inside the map's iframe (where ``window.map`` is the Leaflet map)."""
    driver.switch_to.default_content()
    driver.switch_to.frame(driver.find_element(*MAP_FRAME))
    try:
        return driver.execute_script(script, *args)
    finally:
        driver.switch_to.default_content()


def incident_popups(driver: WebDriver) -> list[str]:
    """The text of each incident marker's popup, opened by a click on the marker."""
    texts: list[str] = map_script(driver, _POPUPS_JS)
    return texts


def click_first(driver: WebDriver, selector: str) -> None:
    """Click the first element of the map matching ``selector`` (a marker) at its centre."""
    map_script(driver, _CLICK_JS + "clickAt(document.querySelector(arguments[0]));", selector)
