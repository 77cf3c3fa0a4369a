"""Browser tier: a briefing on the big screen, stepped with the keyboard, followed elsewhere."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from atlas.access import LOCAL_USER
from atlas.briefings import BriefingStore, BriefingView, new_briefing
from tests.browser import MAP_FRAME, map_script
from tests.serving import ServedApp, headless_chromium, serve_app

pytestmark = pytest.mark.browser
CAPTIONS = ("All incidents, 2012 to 2023", "Gao region", "Where violence concentrates")


@pytest.fixture(scope="module")
def briefing_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """The app on the shipped data, with a three-view briefing in its store."""
    data = tmp_path_factory.mktemp("briefing-data")
    views = [
        BriefingView.checked("from=2012-01-01", CAPTIONS[0]),
        BriefingView.checked("region=ML-7", CAPTIONS[1], "Convoys <b>attacked</b> ${x}"),
        BriefingView.checked("agg=hexes", CAPTIONS[2]),
    ]
    BriefingStore(data).create(
        new_briefing("morning", "Morning brief", views, LOCAL_USER), LOCAL_USER
    )
    with serve_app(ATLAS_DATA_DIR=str(data)) as app:
        yield app


def _screen(tmp_path: Path, name: str, size: tuple[int, int]) -> Any:
    driver = headless_chromium(tmp_path / name)
    driver.set_window_size(*size)
    return driver


def _slide(driver: Any) -> tuple[str, str]:
    """The caption and counter on the screen, once both are drawn."""
    script = """
      const titles = document.querySelectorAll('.atlas-slide-title');
      const counters = document.querySelectorAll('.atlas-slide-counter');
      if (!titles.length || !counters.length) { return null; }
      return [titles[titles.length - 1].innerText, counters[counters.length - 1].innerText];
    """
    WebDriverWait(driver, 60, poll_frequency=0.1).until(lambda d: d.execute_script(script))
    title, counter = driver.execute_script(script)
    return str(title), str(counter)


def _wait_for_slide(driver: Any, counter: str, timeout: float) -> float:
    started = time.monotonic()
    WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: _slide(d)[1] == counter)
    return time.monotonic() - started


def _press(driver: Any, key: str) -> None:
    driver.find_element(By.TAG_NAME, "body").send_keys(key)


def test_the_presenter_steps_with_the_keyboard_and_a_follower_keeps_up(
    briefing_app, tmp_path, artifacts
):
    presenter = _screen(tmp_path, "presenter", (1920, 1080))
    follower = _screen(tmp_path, "follower", (1280, 720))
    try:
        presenter.get(briefing_app.url + "/?briefing=morning&present=1")
        assert _slide(presenter) == (CAPTIONS[0], "1 / 3")
        follower.get(briefing_app.url + "/?briefing=morning&follow=1")
        assert _slide(follower) == (CAPTIONS[0], "1 / 3")
        presenter.save_screenshot(str(artifacts / "present-1920x1080.png"))
        # The map and the figures fill one screen: nothing to scroll to.
        main = presenter.find_element(By.CSS_SELECTOR, '[data-testid="stMain"]')
        assert presenter.execute_script(
            "return arguments[0].scrollHeight <= arguments[0].clientHeight + 4", main
        )
        assert presenter.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]')
        # The map fills the frame the presentation sizes to the screen.
        frame = presenter.find_element(*MAP_FRAME).rect["height"]
        assert frame > 600
        assert map_script(presenter, "return window.map.getSize().y;") == pytest.approx(
            frame, abs=1
        )
        sidebars = presenter.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebar"]')
        assert not [e for e in sidebars if e.is_displayed()]
        assert not [
            e
            for e in presenter.find_elements(By.CSS_SELECTOR, 'header[data-testid="stHeader"]')
            if e.is_displayed()
        ]

        _press(presenter, Keys.ARROW_RIGHT)
        assert _wait_for_slide(presenter, "2 / 3", 30) >= 0
        assert _slide(presenter)[0] == CAPTIONS[1]
        assert _wait_for_slide(follower, "2 / 3", 2.5) <= 2.5
        assert (
            "Convoys <b>attacked</b> ${x}"
            in presenter.find_element(By.CSS_SELECTOR, ".atlas-slide-sub").text
        )
        follower.save_screenshot(str(artifacts / "follow-1280x720.png"))

        _press(presenter, Keys.PAGE_DOWN)
        _wait_for_slide(presenter, "3 / 3", 30)
        assert _wait_for_slide(follower, "3 / 3", 2.5) <= 2.5
        _press(presenter, Keys.ARROW_RIGHT)  # the last slide stays the last
        time.sleep(1.5)
        assert _slide(presenter)[1] == "3 / 3"
        _press(presenter, Keys.ARROW_LEFT)
        _wait_for_slide(presenter, "2 / 3", 30)
        _press(presenter, Keys.PAGE_UP)
        _wait_for_slide(presenter, "1 / 3", 30)
        assert _wait_for_slide(follower, "1 / 3", 2.5) <= 2.5

        _press(presenter, Keys.ESCAPE)
        WebDriverWait(presenter, 30).until(lambda d: "/briefings" in d.current_url)
        WebDriverWait(presenter, 30).until(
            lambda d: "Morning brief" in d.find_element(By.TAG_NAME, "body").text
        )
    finally:
        presenter.quit()
        follower.quit()


def _incidents_figure(driver: Any) -> str:
    script = """
      for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
        if (m.innerText.startsWith('Incidents')) { return m.innerText.split('\\n').pop(); }
      }
      return null;
    """
    WebDriverWait(driver, 60, poll_frequency=0.2).until(lambda d: d.execute_script(script))
    return str(driver.execute_script(script))


def test_the_big_screen_redraws_by_itself_when_the_data_changes(briefing_app, tmp_path):
    from atlas.datasets import DatasetStore

    screen = _screen(tmp_path, "screen", (1600, 1000))
    try:
        screen.get(briefing_app.url + "/?briefing=morning&follow=1")
        WebDriverWait(screen, 60).until(lambda d: _slide(d)[0] in CAPTIONS)
        before = _incidents_figure(screen)
        acled = Path(__file__).parent / "fixtures" / "import" / "acled_current_dyadic.csv"
        DatasetStore(Path(briefing_app.env["ATLAS_DATA_DIR"])).import_file(acled)
        WebDriverWait(screen, 30, poll_frequency=0.5).until(
            lambda d: _incidents_figure(d) != before
        )
    finally:
        screen.quit()
