"""Browser tier: notes on the served map, and a note pinned by a click on the Notes page's map.

The server runs the Home and Notes pages in a navigation of their own (the app lists the Notes
page beside the others), over a small atlas whose data folder already holds a hostile note.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from atlas.access import Role, User
from atlas.notes import NoteDraft, NotesStore
from loaders.reference import load_regions
from tests.browser import MAP_FRAME, map_counts, map_script
from tests.factories import small_geodata_dir
from tests.serving import REPO, ServedApp, serve_app

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.__pwned=1"> `${window.__pwned=2}` </script>'
AUTHOR = User("ana@example.org", "Ana", Role.ANALYST)
NOTE_PINS = "return document.querySelectorAll('.atlas-note').length;"


@pytest.fixture(scope="module")
def notes_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    folder = tmp_path_factory.mktemp("notes")
    geodata = folder / "geodata"
    geodata.mkdir()
    small_geodata_dir(geodata)
    regions = load_regions(geodata / "regions.geojson")
    NotesStore(folder / "data", regions=regions).add(
        AUTHOR, NoteDraft(HOSTILE, date(2015, 1, 1), date(2017, 12, 31), lat=16.27, lon=-0.04)
    )
    # Streamlit serves static/ from beside the script it runs: link the app's own there.
    (folder / "static").symlink_to(REPO / "static", target_is_directory=True)
    script = folder / "notes_app.py"
    script.write_text(
        "import streamlit as st\n"
        "from ui.data import ensure_assets\n"
        "ensure_assets()\n"
        "st.navigation([\n"
        f"    st.Page({str(REPO / 'pages' / 'home.py')!r}, title='Home', default=True),\n"
        f"    st.Page({str(REPO / 'pages' / 'notes.py')!r}, title='Notes'),\n"
        "]).run()\n"
    )
    with serve_app(
        script, ATLAS_GEODATA_DIR=str(geodata), ATLAS_DATA_DIR=str(folder / "data")
    ) as app:
        yield app


def test_a_hostile_note_shows_as_text_in_its_popup_and_never_runs(notes_app, browser, artifacts):
    browser.get(notes_app.url + "/")
    assert map_counts(browser)["incidents"] == 3
    assert map_script(browser, NOTE_PINS) == 1
    browser.switch_to.frame(browser.find_element(*MAP_FRAME))
    try:
        pin = browser.find_element(By.CSS_SELECTOR, ".atlas-note")
        browser.execute_script(
            "arguments[0].dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));"
            "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}));",
            pin,
        )
        popup = WebDriverWait(browser, 10).until(
            lambda d: d.find_element(By.CSS_SELECTOR, ".atlas-note-popup")
        )
        text = popup.get_attribute("textContent") or ""
        assert HOSTILE in text
        assert AUTHOR.id in text
        assert "2015-01-01 to 2017-12-31" in text
        # The pin is a marker of its own, above the incident circles.
        assert browser.execute_script(
            "const z = e => parseInt(getComputedStyle(e).zIndex, 10);"
            "return z(arguments[0].closest('.leaflet-marker-pane')) > "
            "z(document.querySelector('path.atlas-incident').closest('.leaflet-overlay-pane'));",
            pin,
        )
        assert browser.find_elements(By.CSS_SELECTOR, 'img[src="x"]') == []
        assert browser.execute_script("return window.__pwned === undefined;")
    finally:
        browser.switch_to.default_content()
    browser.save_screenshot(str(artifacts / "note-popup.png"))
    assert browser.execute_script("return window.__pwned === undefined;")


# A click on the map where a point is, as a reader's click lands: on whatever is drawn there.
_CLICK_AT_JS = """
const point = window.map.latLngToContainerPoint([arguments[0], arguments[1]]);
const box = window.map.getContainer().getBoundingClientRect();
const x = box.x + point.x, y = box.y + point.y;
document.elementFromPoint(x, y).dispatchEvent(
  new MouseEvent('click', {bubbles: true, clientX: x, clientY: y}));
"""


def _body(driver: Any) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def test_a_click_on_the_notes_map_pins_a_new_note_there(notes_app, browser, artifacts):
    browser.get(notes_app.url + "/notes")
    map_counts(browser)
    WebDriverWait(browser, 30).until(lambda d: "Click the map above" in _body(d))
    map_script(browser, _CLICK_AT_JS, 16.5, -1.0)
    WebDriverWait(browser, 30).until(lambda d: "Point: 16.5" in _body(d))
    text = browser.find_element(By.CSS_SELECTOR, 'textarea[aria-label="Text"]')
    text.send_keys("Checkpoint on the Gao road")
    browser.find_element(By.XPATH, "//button[.//p[text()='Add note']]").click()
    WebDriverWait(browser, 30).until(lambda d: "Note added." in _body(d))
    WebDriverWait(browser, 30).until(lambda d: map_script(d, NOTE_PINS) == 2)
    browser.save_screenshot(str(artifacts / "note-added.png"))

    stored = NotesStore(Path(notes_app.env["ATLAS_DATA_DIR"])).all()
    new = next(n for n in stored if n.text == "Checkpoint on the Gao road")
    assert new.lat == pytest.approx(16.5, abs=0.05)
    assert new.lon == pytest.approx(-1.0, abs=0.05)
    assert (new.author, new.admin1) == ("local", "ML-7")
