"""Browser tier: "Copy link to this view" carries where the reader panned and zoomed."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import map_counts, map_script

pytestmark = pytest.mark.browser


def _copied_link(browser) -> str:
    frame = WebDriverWait(browser, 30).until(
        lambda d: [
            f
            for f in d.find_elements(By.TAG_NAME, "iframe")
            if "Copy link to this view" in (f.get_attribute("srcdoc") or "")
        ]
    )[0]
    browser.switch_to.frame(frame)
    try:
        browser.find_element(By.ID, "copy").click()
        WebDriverWait(browser, 10).until(
            lambda d: d.find_element(By.ID, "link").get_attribute("value")
        )
        return str(browser.find_element(By.ID, "link").get_attribute("value"))
    finally:
        browser.switch_to.default_content()


def test_the_copied_link_reopens_the_map_where_it_was_left(served_app, browser):
    browser.get(served_app.url + "/?from=2015-01-01&to=2015-12-31")
    map_counts(browser)
    map_script(browser, "window.map.setView([16.27, -0.04], 8);")
    link = _copied_link(browser)
    query = parse_qs(urlparse(link).query)
    assert query["from"] == ["2015-01-01"]
    assert query["zoom"] == ["8"]
    assert (float(query["lat"][0]), float(query["lon"][0])) == pytest.approx(
        (16.27, -0.04), abs=0.01
    )
    browser.get(link)
    map_counts(browser)
    centre = "var c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()];"
    assert map_script(browser, centre) == pytest.approx([16.27, -0.04, 8], abs=0.01)


def test_a_link_copied_at_the_fitted_opening_reopens_it_at_the_same_fractional_zoom(
    served_app, browser
):
    centre = "var c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()];"
    browser.get(served_app.url + "/")
    map_counts(browser)
    opening = map_script(browser, centre)
    assert opening[2] % 1 != 0, "the opening view is fitted at a fractional zoom"
    link = _copied_link(browser)
    assert float(parse_qs(urlparse(link).query)["zoom"][0]) == opening[2]
    browser.get(link)
    map_counts(browser)
    assert map_script(browser, centre) == pytest.approx(opening, abs=1e-4)
    assert "URL parameter" not in browser.find_element(By.TAG_NAME, "body").text
