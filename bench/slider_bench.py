"""How fast the served app redraws the map after a date-slider move, in a real Chromium.

Run: ``.venv/bin/python -m bench.slider_bench [--incidents 100000] [--moves 5] [--page incidents]``.
Writes a geodata folder with the shipped reference layers and N synthetic incidents, serves
the app on a free loopback port with ``ATLAS_GEODATA_DIR`` pointing at it, and times, for
each move of the slider's end by one step, the wait from the key press until the map in the
page shows the new incident count. The slider's end thumb jumps between the first and the
last day of the data (Home and End keys), so each move changes the whole map.

For comparison, the same moves are timed on a naive page (written to a temporary folder):
one date slider and the same map handed whole to the map component on every rerun, as the
component's documentation shows it. The ratio of the medians is printed.
Needs Debian's chromium and chromium-driver.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from atlas.paths import GEODATA_DIR, REPO_ROOT
from bench.synthetic import synthetic_incidents
from tests.serving import headless_chromium, serve_app

_HEX_COUNT_JS = """
const frame = document.querySelector('iframe[title*="st_folium"]');
if (!frame || !frame.contentDocument) { return null; }
const group = frame.contentDocument.querySelector('.leaflet-control-layers-overlays');
return frame.contentDocument.querySelectorAll('path.atlas-hex, path.atlas-incident').length
  + '|' + (group ? group.textContent : '');
"""


def write_geodata(folder: Path, count: int) -> None:
    """The shipped layers, with ``count`` synthetic incidents in place of the curated ones."""
    for path in GEODATA_DIR.iterdir():
        if path.suffix in (".geojson", ".csv"):
            shutil.copy(path, folder / path.name)
    incidents = synthetic_incidents(
        count, gpd.read_file(folder / "towns.geojson"), gpd.read_file(folder / "rivers.geojson")
    )
    table = incidents.assign(
        event_date=incidents["event_date"].dt.strftime("%Y-%m-%d"),
        latitude=incidents.geometry.y.round(4),
        longitude=incidents.geometry.x.round(4),
        source_publisher="bench",
        source_title="synthetic",
        source_date="",
        source_url="",
    ).drop(columns=["geometry", "source", "dataset", "licence"])
    table.to_csv(folder / "incidents.csv", index=False)


NAIVE_PAGE = """
import streamlit as st
from streamlit_folium import st_folium

from atlas.assets import install_assets
from atlas.filters import data_span
from atlas.mapping import build_map
from atlas.store import EmbeddedStore
from atlas.view import ViewState

install_assets()
layers = st.cache_resource(lambda: EmbeddedStore().layers())()
first, last = data_span(layers)
start, end = st.slider("Date range", min_value=first, max_value=last, value=(first, last))
view = ViewState(date_from=start, date_to=end)
st_folium(build_map(layers, view), key="map", height=640, use_container_width=True,
          returned_objects=[])
"""


def naive_page(folder: Path) -> Path:
    """Write the naive page into ``folder``, beside a link to the app's static files."""
    page = folder / "naive_page.py"
    page.write_text(NAIVE_PAGE, encoding="utf-8")
    (folder / "static").symlink_to(REPO_ROOT / "static", target_is_directory=True)
    return page


def wait_for_change(driver: webdriver.Chrome, before: str | None, timeout: float = 120) -> str:
    """Poll until the map's content differs from ``before``; return the new content."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = driver.execute_script(_HEX_COUNT_JS)
        if now and now != before and now.split("|")[1]:
            return str(now)
        time.sleep(0.01)
    raise TimeoutError("the map did not change")


def time_moves(url: str, moves: int, label: str) -> float:
    """Open ``url`` in a fresh browser, move the slider ``moves`` times; the median wait."""
    driver = headless_chromium(Path(tempfile.mkdtemp(prefix="atlas-bench-profile-")))
    try:
        began = time.perf_counter()
        driver.get(url)
        state = wait_for_change(driver, None, timeout=300)
        print(f"{label}: first load {time.perf_counter() - began:.2f} s")
        timings = []
        thumbs = '[data-testid="stSlider"] input'
        for move in range(moves):
            # The end thumb jumps to the start of the data and back: every move redraws.
            key = Keys.HOME if move % 2 == 0 else Keys.END
            end_thumb = driver.find_elements(By.CSS_SELECTOR, thumbs)[1]
            driver.execute_script("arguments[0].focus();", end_thumb)
            began = time.perf_counter()
            ActionChains(driver).send_keys(key).perform()
            state = wait_for_change(driver, state)
            timings.append(time.perf_counter() - began)
            print(
                f"{label}: slider move -> map redrawn {timings[-1]:.3f} s ({state.split('|')[1]})"
            )
        median = statistics.median(timings)
        print(f"{label}: median {median:.3f} s over {len(timings)} moves")
        return median
    finally:
        driver.quit()


def main() -> None:
    """Print the time of each slider move, the medians, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--moves", type=int, default=5)
    parser.add_argument(
        "--page", default="", help="the page to time, e.g. incidents (default: home)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    write_geodata(folder, args.incidents)
    medians = {}
    try:
        for label, script, path in (
            (f"atlas /{args.page}", REPO_ROOT / "app.py", f"/{args.page}"),
            ("naive whole map", naive_page(folder), "/"),
        ):
            with serve_app(script, timeout=300, ATLAS_GEODATA_DIR=str(folder)) as app:
                medians[label] = time_moves(app.url + path, args.moves, label)
        ours, naive = medians.values()
        print(
            f"{args.incidents:,} incidents: atlas {ours:.3f} s, naive {naive:.3f} s, "
            f"{ours / naive:.2f} x naive (budget 0.5 s)"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
