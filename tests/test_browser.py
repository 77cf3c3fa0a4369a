"""Browser tier: the real app served on loopback, driven by Debian's Chromium."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from atlas.store import EmbeddedStore
from tests.browser import (
    click_first,
    foreign_requests,
    incident_popups,
    incidents_stated,
    map_counts,
    map_script,
    requested_urls,
    table_rows,
    wait_for_map_incidents,
)
from tests.factories import incident_row, small_geodata_dir
from tests.serving import serve_app

pytestmark = pytest.mark.browser

REQUIRED_TOWNS = {"Gao", "Bamako", "Timbuktu", "Kidal", "Mopti", "Ménaka"}


@pytest.fixture(scope="module")
def shipped():
    return EmbeddedStore().layers()


def test_home_draws_every_layer_offline(served_app, browser, artifacts, shipped):
    browser.get(served_app.url + "/")
    counts = map_counts(browser)
    browser.save_screenshot(str(artifacts / "home.png"))

    assert counts["leaflet"], "Leaflet should load from the app's own static files"
    assert counts["regions"] == len(shipped.regions) == 9
    assert counts["rivers"] >= 2
    assert set(counts["towns"]) >= REQUIRED_TOWNS
    assert counts["incidents"] == len(shipped.incidents)
    assert counts["deployments"] == len(shipped.deployments)
    assert foreign_requests(requested_urls(browser)) == []


def test_popup_shows_incident_fields_as_text(served_app, browser):
    browser.get(served_app.url + "/?from=2015-11-20&to=2015-11-20&layers=incidents")
    assert map_counts(browser)["incidents"] >= 1
    (text,) = incident_popups(browser)
    assert "Bamako" in text
    assert "Source" in text
    assert "Radisson" in text


def test_moving_the_date_slider_redraws_map_and_table(served_app, browser, artifacts):
    browser.get(served_app.url + "/incidents")
    before = map_counts(browser)["incidents"]
    assert before == incidents_stated(browser) == table_rows(browser)
    # The analyst zooms in on Gao; a new range must redraw the incidents, not the whole map.
    map_script(browser, "window.map.setView([16.27, -0.04], 8); window.__sameMap = true;")

    start_thumb = browser.find_elements(
        By.CSS_SELECTOR, '[data-testid="stSlider"] input[type="range"]'
    )[0]
    browser.execute_script("arguments[0].focus();", start_thumb)
    # The range's start jumps to its end: the last day of the data.
    ActionChains(browser).send_keys(Keys.END).perform()
    WebDriverWait(browser, 30).until(lambda d: incidents_stated(d) != before)
    after = wait_for_map_incidents(browser, incidents_stated(browser))
    # The table is drawn after the map: wait for it before comparing the three.
    WebDriverWait(browser, 30).until(lambda d: table_rows(d) == incidents_stated(d))
    browser.save_screenshot(str(artifacts / "incidents-after-slider.png"))

    assert 0 < after < before
    assert after == incidents_stated(browser) == table_rows(browser)
    assert "from=" in browser.current_url  # the URL carries the new view
    kept = map_script(browser, "return [window.__sameMap, window.map.getZoom()];")
    assert kept == [True, 8]
    # The overlays taken off the map are not held any more (a long briefing would grow).
    held = "return window.feature_group.map(g => window.map.hasLayer(g));"
    on_map = map_script(browser, held)
    assert on_map
    assert all(on_map)  # every group still held is one the map shows


def test_a_clicked_marker_selects_its_row_and_its_popup_stays_open(served_app, browser):
    # November 2015 in Bamako: the Radisson Blu attack, drawn large (22 deaths), and others.
    browser.get(served_app.url + "/incidents?from=2015-11-01&to=2015-11-30")
    assert map_counts(browser)["incidents"] >= 2
    map_script(browser, "window.__sameMap = true;")
    click_first(browser, "path.atlas-incident")
    selected = WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(
            By.CSS_SELECTOR, '[data-testid="stDataFrame"] tr[aria-selected="true"]'
        )
    )
    assert [row.get_attribute("textContent")[:16] for row in selected] == ["2015-11-20Bamako"]
    # The rerun that selected the row left the map as it was: the popup is still open.
    time.sleep(3)
    popup = "var p = document.querySelector('.leaflet-popup-content'); return p && p.innerText;"
    assert "Bamako" in (map_script(browser, popup) or "")
    assert map_script(browser, "return window.__sameMap === true")
    # The reader pans away; a change of the view redraws the overlays, not where the map is.
    map_script(browser, "window.map.setView([16.27, -0.04], 6);")
    map_script(browser, "window.__before = window.feature_group[0];")
    rings = "//label[.//p[text()='Show location uncertainty']]//input"
    browser.execute_script("arguments[0].click();", browser.find_element(By.XPATH, rings))
    WebDriverWait(browser, 30).until(
        lambda d: map_script(d, "return window.feature_group[0] !== window.__before;")
    )
    centre = "var c = window.map.getCenter(); return [c.lat, c.lng];"
    assert map_script(browser, centre) == pytest.approx([16.27, -0.04], abs=0.01)


def test_a_url_reopens_its_view_in_a_fresh_browser(served_app, browser, shipped):
    browser.get(served_app.url + "/incidents?from=2015-01-01&to=2015-12-31")
    in_2015 = shipped.incidents[shipped.incidents["event_date"].dt.year == 2015]
    assert map_counts(browser)["incidents"] == len(in_2015)
    assert incidents_stated(browser) == len(in_2015)


def test_bamako_2015_link_shows_exactly_its_incidents(served_app, browser, shipped):
    browser.get(served_app.url + "/?from=2015-01-01&to=2015-12-31&region=ML-BKO")
    expected = shipped.incidents[
        (shipped.incidents["event_date"].dt.year == 2015)
        & (shipped.incidents["admin1"] == "ML-BKO")
    ]
    assert map_counts(browser)["incidents"] == len(expected) > 0
    popups = incident_popups(browser)
    assert len(popups) == len(expected)
    assert any("Radisson" in text for text in popups)
    assert all("Bamako" in text for text in popups)
    metric = browser.find_element(By.CSS_SELECTOR, '[data-testid="stMetricValue"]')
    assert metric.text == str(len(expected))


HOSTILE = '<img src=x onerror="window.__pwned=1"> `${window.__pwned=2}` </script>'


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    folder = small_geodata_dir(
        tmp_path_factory.mktemp("hostile"),
        [incident_row(description=HOSTILE, actor1=HOSTILE, location=HOSTILE)],
    )
    with serve_app(ATLAS_GEODATA_DIR=str(folder)) as app:
        yield app


def test_hostile_text_shows_as_text_and_never_runs(hostile_app, browser):
    browser.get(hostile_app.url + "/")
    assert map_counts(browser)["incidents"] == 1
    frame = browser.find_element(By.CSS_SELECTOR, 'iframe[title*="st_folium"]')
    browser.switch_to.frame(frame)
    try:
        marker = browser.find_element(By.CSS_SELECTOR, "path.atlas-incident")
        browser.execute_script(
            "arguments[0].dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));"
            "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}));",
            marker,
        )
        popup = WebDriverWait(browser, 10).until(
            lambda d: d.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
        )
        assert HOSTILE in (popup.get_attribute("textContent") or "")
        assert browser.find_elements(By.CSS_SELECTOR, 'img[src="x"]') == []
        assert browser.execute_script("return window.__pwned === undefined;")
    finally:
        browser.switch_to.default_content()
    assert browser.execute_script("return window.__pwned === undefined;")


def test_first_move_after_a_restart_is_kept(browser, shipped):
    # The first run of a freshly started server used to lose the state of its widgets.
    with serve_app() as fresh:
        browser.get(fresh.url + "/")
        assert map_counts(browser)["incidents"] == len(shipped.incidents)
        end_thumb = browser.find_elements(
            By.CSS_SELECTOR, '[data-testid="stSlider"] input[type="range"]'
        )[1]
        browser.execute_script("arguments[0].focus();", end_thumb)
        ActionChains(browser).send_keys(Keys.HOME).perform()  # the end jumps to the first day
        WebDriverWait(browser, 30).until(lambda d: "to=" in d.current_url)
        first_day = shipped.incidents["event_date"].min()
        expected = int((shipped.incidents["event_date"] == first_day).sum())
        WebDriverWait(browser, 30).until(
            lambda d: (
                d.find_element(By.CSS_SELECTOR, '[data-testid="stMetricValue"]').text
                == str(expected)
            )
        )
        wait_for_map_incidents(browser, expected)


def test_a_click_on_a_cluster_is_no_click_on_an_incident(served_app, browser):
    browser.get(served_app.url + "/incidents?agg=clusters")
    map_counts(browser)
    last_tooltip = "return window.__GLOBAL_DATA__.last_object_clicked_tooltip;"
    click_first(browser, "path.atlas-incident")
    WebDriverWait(browser, 10).until(lambda d: map_script(d, last_tooltip))
    # A cluster has no tooltip: its click must not carry the incident's to the app.
    click_first(browser, ".marker-cluster")
    assert map_script(browser, last_tooltip) is None
