"""The server's shipped settings are the safe ones, and the Host allow-list really holds."""

from __future__ import annotations

import base64
import http.client
import os
import tomllib

import pytest

from loaders.imports import ImportLimits
from tests.serving import REPO

CONFIG = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())


def test_the_server_listens_on_this_machine_only_and_checks_the_host():
    server = CONFIG["server"]
    assert server["address"] == "localhost"
    assert set(server["allowedHosts"]) == {"localhost", "127.0.0.1", "::1"}


def test_xsrf_protection_stays_on_and_errors_say_nothing_of_the_server():
    assert CONFIG["server"]["enableXsrfProtection"] is True
    assert CONFIG["client"]["showErrorDetails"] == "none"
    assert CONFIG["client"]["showErrorLinks"] is False
    assert CONFIG["browser"]["gatherUsageStats"] is False


def test_the_upload_limit_is_the_importers_own():
    assert CONFIG["server"]["maxUploadSize"] * 1024 * 1024 == ImportLimits().max_bytes


def _websocket_status(port: int, host: str) -> int:
    """Status of a websocket handshake to the app with ``host`` in the Host header."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    connection.request(
        "GET",
        "/_stcore/stream",
        headers={
            "Host": host,
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13",
            "Origin": f"http://{host}",
        },
    )
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.mark.browser
def test_a_host_not_allowed_cannot_open_the_apps_websocket(served_app):
    assert _websocket_status(served_app.port, f"127.0.0.1:{served_app.port}") == 101
    assert _websocket_status(served_app.port, f"localhost:{served_app.port}") == 101
    assert _websocket_status(served_app.port, "rebound.example.org") >= 400
