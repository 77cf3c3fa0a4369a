"""Browser tier: signing in through a real OpenID Connect provider on a loopback port.

The provider is a test one (``oidc-provider-mock``) that signs any client in as the user
picked on its page; the atlas runs with an ``[auth]`` section pointing at it and a roles file
of the test's. Chromium goes through the whole redirect dance, as a person would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.factories import ROLES, incident_row, small_geodata_dir
from tests.serving import REPO, ServedApp, free_port, headless_chromium, serve_app

pytestmark = pytest.mark.browser

PEOPLE = ("viewer@example.org", "gao@example.org", "admin@example.org", "stranger@example.org")


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """A local OpenID Connect provider with one predefined user per person of the test."""
    from oidc_provider_mock import User, run_server_in_thread

    users = [
        User(sub=email, claims={"email": email, "name": email.split("@")[0]}) for email in PEOPLE
    ]
    with run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def signed_app(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """The atlas requiring sign-in through ``provider``, on three incidents (two in Gao)."""
    folder = tmp_path_factory.mktemp("signed")
    (folder / "geodata").mkdir()
    geodata = small_geodata_dir(
        folder / "geodata",
        [
            incident_row(id="BAMAKO-1"),
            incident_row(id="GAO-1", location="Gao", latitude="16.27", longitude="-0.04"),
            incident_row(id="GAO-2", location="Gao", latitude="16.30", longitude="-0.01"),
        ],
    )
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "only-for-this-test"\n'
        'client_id = "atlas"\n'
        'client_secret = "atlas-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    roles = folder / "roles.toml"
    roles.write_text(ROLES)
    with serve_app(
        port=port,
        ATLAS_GEODATA_DIR=str(geodata),
        ATLAS_DATA_DIR=str(folder / "data"),
        ATLAS_ROLES_FILE=str(roles),
        STREAMLIT_SECRETS_FILES=str(secrets),
    ) as app:
        yield app


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Any]:
    driver = headless_chromium(tmp_path / "profile")
    try:
        yield driver
    finally:
        driver.quit()


def _wait_text(driver: Any, text: str, timeout: float = 45) -> str:
    WebDriverWait(driver, timeout).until(lambda d: text in d.find_element(By.TAG_NAME, "body").text)
    return str(driver.find_element(By.TAG_NAME, "body").text)


def _sign_in(driver: Any, app: ServedApp, email: str) -> None:
    """Open the atlas, press Sign in, pick ``email`` on the provider's page."""
    driver.get(app.url + "/")
    _wait_text(driver, "Sign in to see the atlas")
    driver.find_element(By.XPATH, "//button[.//p[text()='Sign in']]").click()
    WebDriverWait(driver, 45).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f"button[value='{email}']")
    )
    driver.find_element(By.CSS_SELECTOR, f"button[value='{email}']").click()
    WebDriverWait(driver, 45).until(lambda d: d.current_url.startswith(app.url))


def _incidents_metric(driver: Any) -> int:
    def read(d: Any) -> int | None:
        for metric in d.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]'):
            if metric.text.startswith("Incidents"):
                digits = re.sub(r"\D", "", metric.text.split("\n")[-1])
                return int(digits) if digits else None
        return None

    WebDriverWait(driver, 60).until(lambda d: read(d) is not None)
    value = read(driver)
    assert value is not None
    return value


def _audit(app: ServedApp) -> list[dict[str, str]]:
    """The audit log of the served app, read with the command line."""
    done = subprocess.run(
        [sys.executable, "-m", "atlas", "audit", "--json"],
        env={**os.environ, "ATLAS_DATA_DIR": app.env["ATLAS_DATA_DIR"]},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    entries: list[dict[str, str]] = json.loads(done.stdout)
    return entries


def test_anonymous_visitor_sees_only_the_sign_in_page(signed_app, chromium, artifacts):
    chromium.get(signed_app.url + "/")
    body = _wait_text(chromium, "Sign in to see the atlas")
    time.sleep(1)  # anything else the page would draw has had its chance
    chromium.save_screenshot(str(artifacts / "sign-in.png"))
    assert not chromium.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]')
    assert not chromium.find_elements(By.TAG_NAME, "iframe")  # no map
    assert "Incidents" not in body


def test_a_user_in_no_entry_is_refused_and_audited(signed_app, chromium):
    _sign_in(chromium, signed_app, "stranger@example.org")
    _wait_text(chromium, "has not given you a role")
    assert not chromium.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]')
    entries = [e for e in _audit(signed_app) if e["user"] == "stranger@example.org"]
    assert ("sign-in", "refused") in {(e["action"], e["outcome"]) for e in entries}


def test_a_viewer_sees_the_atlas_but_is_refused_import_and_the_refusal_is_audited(
    signed_app, chromium, artifacts
):
    _sign_in(chromium, signed_app, "viewer@example.org")
    assert _incidents_metric(chromium) == 3
    chromium.get(signed_app.url + "/data")
    _wait_text(chromium, "Importing is for analysts and admins")
    chromium.save_screenshot(str(artifacts / "viewer-data-page.png"))
    assert not chromium.find_elements(By.CSS_SELECTOR, '[data-testid="stFileUploader"]')
    refusals = [
        (e["action"], e["outcome"]) for e in _audit(signed_app) if e["user"] == "viewer@example.org"
    ]
    assert ("import", "refused") in refusals


def test_a_restricted_analyst_and_an_admin_never_share_a_cached_answer(signed_app, tmp_path):
    seen: list[tuple[str, int]] = []
    for number, email in enumerate(("gao@example.org", "admin@example.org", "gao@example.org")):
        driver = headless_chromium(tmp_path / f"profile-{number}")
        try:
            _sign_in(driver, signed_app, email)
            seen.append((email, _incidents_metric(driver)))
        finally:
            driver.quit()
    assert seen == [("gao@example.org", 2), ("admin@example.org", 3), ("gao@example.org", 2)]
