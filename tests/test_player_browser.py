"""Browser tier: the Incidents page's player keeps the pace it states, and stops at the end."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from atlas.timeline import PLAYER_SECONDS

pytestmark = pytest.mark.browser


def _month_shown(driver: Any) -> str | None:
    """The month the player shows in large type, if any."""
    script = """
      for (const h of document.querySelectorAll('h2')) {
        if (/^[A-Z][a-z]+ \\d{4}/.test(h.innerText)) { return h.innerText; }
      }
      return null;
    """
    value = driver.execute_script(script)
    return str(value) if value else None


def test_the_player_steps_one_month_per_period(served_app, browser):
    browser.get(served_app.url + "/incidents?from=2015-01-01&to=2015-01-31")
    toggle = WebDriverWait(browser, 60).until(
        lambda d: d.find_elements(By.XPATH, "//label[.//p[text()='Play']]")
    )[0]
    toggle.click()
    WebDriverWait(browser, 30).until(lambda d: _month_shown(d) == "January 2015")
    seen: list[tuple[float, str]] = []
    started = time.monotonic()
    while time.monotonic() - started < PLAYER_SECONDS * 3.5:
        month = _month_shown(browser)
        if month and (not seen or seen[-1][1] != month):
            seen.append((time.monotonic() - started, month))
        time.sleep(0.1)
    months = [month for _, month in seen]
    assert (
        months[:4] == ["January 2015", "February 2015", "March 2015", "April 2015"][: len(months)]
    )
    # About one step a period: three in three and a half periods, not a race to the end.
    assert 3 <= len(months) <= 4, seen
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(seen)]
    assert all(gap > PLAYER_SECONDS * 0.6 for gap in gaps), seen
    assert re.search(r"from=2015-0[34]-01", browser.current_url)
