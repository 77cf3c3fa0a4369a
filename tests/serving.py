"""The real app, served from this checkout on a free loopback port, and the headless Chromium
that reads it (for tests and benches)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


class ServerError(RuntimeError):
    """The served app exited or did not answer; the message carries its output."""


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServedApp:
    """A running ``streamlit run`` and its address."""

    def __init__(
        self, port: int, process: subprocess.Popen[bytes], log: Path, env: dict[str, str]
    ) -> None:
        self.port = port
        self.process = process
        self.log = log
        self.env = env  # what the test set for this server (on top of the test's own)
        self.url = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _wait_until_healthy(app: ServedApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise ServerError(f"the app exited with {app.process.returncode}:\n{app.output()}")
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise ServerError(f"the app did not answer within {timeout:.0f} s:\n{app.output()}")


@contextmanager
def serve_app(
    script: Path = REPO / "app.py",
    *,
    timeout: float = 90.0,
    port: int | None = None,
    **env: str,
) -> Iterator[ServedApp]:
    """Serve ``script`` (the app by default) with extra ``env``; stop it on leaving.

    It runs from the checkout, whose settings and static files it uses, and can import the
    project's packages wherever ``script`` lies. ``port`` is a free one unless given (a test
    that must name the address beforehand picks it with :func:`free_port`).
    """
    port = port or free_port()
    log = Path(tempfile.mkstemp(prefix="atlas-server-", suffix=".log")[1])
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(script),
                "--server.address=127.0.0.1",
                f"--server.port={port}",
                "--server.headless=true",
                "--browser.gatherUsageStats=false",
            ],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path, **env},
        )
    app = ServedApp(port, process, log, dict(env))
    try:
        _wait_until_healthy(app, timeout)
        yield app
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def headless_chromium(profile: Path, *, record_requests: bool = False) -> Any:
    """Debian's Chromium, headless, with a fresh profile in ``profile``.

    ``record_requests`` keeps every network request in the performance log.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        raise ServerError(
            "Debian's chromium and chromium-driver are required: `make test` installs them"
        )
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
        # Only this machine's own addresses resolve: a page that names another host (a
        # provider's stylesheet on a CDN) cannot make the browser leave the machine.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        "--disable-dev-shm-usage",
        "--window-size=1600,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    if record_requests:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    return driver
