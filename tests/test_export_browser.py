"""The exported HTML opened from disk in Chromium with the network cut off."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from atlas.export.formats import export_view
from atlas.view import ViewState
from tests.browser import requested_urls
from tests.factories import small_layers

pytestmark = pytest.mark.browser

_DRAWN_JS = """
return {
  leaflet: typeof window.L !== 'undefined' && !!document.querySelector('.leaflet-container'),
  incidents: document.querySelectorAll('path.atlas-incident').length,
  deployments: document.querySelectorAll('.atlas-deployment').length,
  towns: [...document.querySelectorAll('.atlas-town-label')].map(e => e.textContent),
  heading: document.querySelector('.atlas-export-head h1').textContent,
};
"""


def test_exported_html_draws_its_layers_offline(browser, tmp_path, artifacts):
    layers = small_layers(tmp_path)
    page = tmp_path / "view.html"
    page.write_bytes(export_view(layers, ViewState(), "html", title="Offline map").content)

    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    browser.get(page.as_uri())
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(_DRAWN_JS)["incidents"] > 0)
    drawn = browser.execute_script(_DRAWN_JS)
    browser.save_screenshot(str(artifacts / "export-offline.png"))

    assert drawn["leaflet"]
    assert drawn["incidents"] == len(layers.incidents)
    assert drawn["deployments"] == len(layers.deployments)
    assert set(drawn["towns"]) == {"Bamako", "Gao"}
    assert drawn["heading"] == "Offline map"
    web = [u for u in requested_urls(browser) if urlparse(u).scheme in ("http", "https")]
    assert web == []
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
