"""Browser tier: a view of many incidents, drawn in hexagons over the country, shows the
incidents themselves once the reader zooms in, and its hexagons again once they zoom out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from atlas.aggregate import CLUSTERS_MAX
from atlas.datasets import DatasetStore
from atlas.viewport import DETAIL_ZOOM
from bench.import_bench import acled_frame
from tests.browser import map_script
from tests.serving import ServedApp, serve_app

pytestmark = pytest.mark.browser

EVENTS = CLUSTERS_MAX + 3_000
"""More incidents than a map draws one by one: the country view is in hexagons."""

_DRAWN_JS = """
const legend = document.querySelector('.atlas-legend-body');
return {
  legend: legend ? legend.textContent : '',
  incidents: document.querySelectorAll('path.atlas-incident, .marker-cluster').length,
  hexes: document.querySelectorAll('path.atlas-hex').length,
  zoom: window.map ? window.map.getZoom() : null,
};
"""


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedApp, Any]]:
    """The app over a store of :data:`EVENTS` made-up ACLED incidents, and the place of one."""
    folder = tmp_path_factory.mktemp("crowded")
    export = acled_frame(EVENTS, seed=5)
    export.to_csv(folder / "acled.csv", index=False)
    report = DatasetStore(folder / "data").import_file(folder / "acled.csv")
    assert report.accepted == EVENTS
    first = export.iloc[0]
    with serve_app(ATLAS_DATA_DIR=str(folder / "data")) as app:
        yield app, (float(first["latitude"]), float(first["longitude"]))


def _drawn(browser: Any, wanted: str, timeout: float = 60) -> dict[str, Any]:
    """What the map draws once its legend says ``wanted``."""

    def ready(driver: Any) -> Any:
        try:
            drawn = map_script(driver, _DRAWN_JS)
        except Exception:  # the map's frame is being replaced by a rerun
            return False
        return drawn if wanted in drawn["legend"] else False

    found: dict[str, Any] = WebDriverWait(browser, timeout, poll_frequency=0.5).until(ready)
    return found


def test_zooming_in_on_hexagons_draws_the_incidents_of_the_extent(
    crowded: tuple[ServedApp, Any], browser: Any, artifacts: Path
) -> None:
    app, (lat, lon) = crowded
    browser.set_window_size(1600, 1000)
    browser.get(f"{app.url}/")
    country = _drawn(browser, "Incidents per hexagon")
    assert country["hexes"] > 0
    assert country["incidents"] == 0

    browser.get(f"{app.url}/?lat={lat}&lon={lon}&zoom={DETAIL_ZOOM + 1}")
    zoomed = _drawn(browser, "outside this part of the map")
    browser.save_screenshot(str(artifacts / "viewport-detail.png"))
    assert zoomed["incidents"] > 0, "the incidents of the extent are drawn one by one"
    assert zoomed["hexes"] == 0
    assert zoomed["zoom"] == DETAIL_ZOOM + 1  # the map kept the reader's zoom

    map_script(browser, f"window.map.setZoom({DETAIL_ZOOM - 2});")
    again = _drawn(browser, "Incidents per hexagon")
    assert again["hexes"] > 0
    assert "outside this part of the map" not in again["legend"]
    assert again["zoom"] == DETAIL_ZOOM - 2  # zoomed out where the reader was, not reset
