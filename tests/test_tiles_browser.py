"""Browser tier: an online basemap that cannot load gives way to the offline one, and says so."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import map_counts, map_script

pytestmark = pytest.mark.browser

CHOOSE_ONLINE = """
var entry = window.layer_control._layers.find(function(e){ return e.name.indexOf('online') >= 0; });
window.map.eachLayer(function(l){
  if (window.layer_control._layers.some(function(e){ return !e.overlay && e.layer === l; })) {
    window.map.removeLayer(l);
  }
});
window.map.addLayer(entry.layer);
window.map.fire('baselayerchange', {layer: entry.layer, name: entry.name});
return entry.name;
"""
OFFLINE_SHOWN = """
return window.layer_control._layers.some(function(e){
  return !e.overlay && !(e.layer instanceof L.TileLayer) && window.map.hasLayer(e.layer);
});
"""


def test_an_online_basemap_without_network_falls_back_and_says_why(served_app, browser):
    browser.get(served_app.url + "/")
    map_counts(browser)
    assert map_script(browser, OFFLINE_SHOWN)
    assert "online" in map_script(browser, CHOOSE_ONLINE)
    WebDriverWait(browser, 30).until(
        lambda d: map_script(d, "return !!document.querySelector('.atlas-tile-note');")
    )
    note = map_script(browser, "return document.querySelector('.atlas-tile-note').textContent;")
    assert "could not be loaded" in note
    assert map_script(browser, OFFLINE_SHOWN)
