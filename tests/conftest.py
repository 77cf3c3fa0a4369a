"""Shared fixtures: the real app served on a free loopback port, and a headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving import REPO, ServedApp, serve_app

ARTIFACTS = REPO / "artifacts"


@pytest.fixture(autouse=True)
def no_imported_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test starts with an empty data directory, whatever a developer imported."""
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def served_app() -> Iterator[ServedApp]:
    """The real app with the shipped data."""
    with serve_app() as app:
        yield app


@pytest.fixture(scope="session")
def chromium_paths() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.fail("Debian's chromium and chromium-driver are required: `make test` installs them")
    return browser, driver


@pytest.fixture
def browser(chromium_paths: tuple[str, str], tmp_path: Path):
    """A fresh headless Chromium (new profile) that records every network request."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium_paths
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--window-size=1600,1000",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where browser tests leave their screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
