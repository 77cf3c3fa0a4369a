"""Cold start: from a new server process to the first usable page.

Run ``.venv/bin/python -m bench.cold_start --runs N [--json]``.

Each run starts the real app in a process of its own, as ``make run`` does (the same
environment, :data:`bench.load.SERVER_ENV`), on a free loopback port, with a temporary,
empty data directory and none of the user's settings that would point it at other data:
what it shows is the shipped data. The clock starts just before the process does, and
three figures are taken, in seconds:

``server_ready_s``
    from the process's start until the server answers its health endpoint;
``first_page_s``
    from the process's start until Home's first run has finished with its map, for a
    session that connects the moment the server answers (a browser tab left open on the
    address while the server starts; the run is timed as :mod:`bench.load` times runs);
``second_page_s``
    a second session's first run, from its request to its end, while the first session
    still shows Home: what the next person to open the dashboard waits once it is warm.

The health endpoint is asked every few hundredths of a second, so the first figures are not
rounded up to a slower poll. A run whose page shows an exception or draws no map fails the
benchmark: a page without its map is not usable.

Printed: the minimum, median and maximum of each figure over the runs, and with ``--json``
one JSON object as the last line. Loopback only; at most :data:`MAX_RUNS` runs; each stage
has its time limit, and the server is stopped at the end of every run, however it ends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as WaitTimeout
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import cast

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import WebSocketException

from bench.load import SERVER_ENV, BrowserSession, RunResult, _stream
from tests.serving import REPO, ServerError, free_port, serve_app

MAX_RUNS = 20
BUDGET_S = 3.0  # the dashboard's promise: cold start to first usable page
READY_TIMEOUT_S = 90.0  # from the process's start to the health endpoint's answer
RUN_TIMEOUT_S = 90.0  # for each session's first run
HEALTH_POLL_S = 0.02
MAP_COMPONENT = "st_folium"  # the name the map component is declared with
STAGES = ("server_ready_s", "first_page_s", "second_page_s")
# Settings of the user's environment that would serve other data than the shipped files;
# the app reads an empty value as unset.
USER_DATA_SETTINGS = ("ATLAS_DATABASE_URL", "ATLAS_GEODATA_DIR", "ATLAS_ROLES_FILE")


class ColdStartError(RuntimeError):
    """The benchmark could not run as asked (a bad argument, the page did not come)."""


@dataclass(frozen=True)
class ColdStart:
    """The figures of one fresh server, in seconds (see the module's docstring)."""

    server_ready_s: float
    first_page_s: float
    second_page_s: float


class MapWatch:
    """A session's connection that notes whether the map component has arrived.

    :class:`bench.load.BrowserSession` only sends and receives frames; this passes both
    through and looks into each frame received for the map.
    """

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection
        self.map_seen = False

    async def send(self, message: bytes) -> None:
        """Send ``message`` as it is."""
        await self._connection.send(message)

    async def recv(self, decode: bool = False) -> bytes:
        """The next frame, as bytes (``decode`` is accepted and ignored: frames are binary)."""
        del decode
        frame = await self._connection.recv(decode=False)
        if not self.map_seen:
            message = ForwardMsg()
            message.ParseFromString(frame)
            element = message.delta.new_element
            self.map_seen = element.WhichOneof("type") == "component_instance" and (
                element.component_instance.component_name.endswith(MAP_COMPONENT)
            )
        return frame


def data_settings(data_dir: Path) -> dict[str, str]:
    """The server's data settings: the private data directory ``data_dir``, and the user's
    other settings that choose the data emptied (the shipped files are read)."""
    return {**dict.fromkeys(USER_DATA_SETTINGS, ""), "ATLAS_DATA_DIR": str(data_dir)}


def _wait_for_health(url: str, began: float, stop: threading.Event) -> float:
    """Seconds from ``began`` until the server at ``url`` answers its health endpoint."""
    while not stop.is_set():
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - began
        except OSError:  # not listening yet, or listening and not ready (503)
            pass
        if time.perf_counter() - began > READY_TIMEOUT_S:
            raise ColdStartError(f"the server did not answer within {READY_TIMEOUT_S:.0f} s")
        stop.wait(HEALTH_POLL_S)
    raise ColdStartError("the server stopped before it answered")


async def _open_home(connection: ClientConnection, which: str) -> RunResult:
    """Run Home in a new session on ``connection``; fail unless it ends cleanly with its map."""
    watch = MapWatch(connection)
    run = await BrowserSession(cast(ClientConnection, watch), RUN_TIMEOUT_S).rerun()
    if run.errors:
        raise ColdStartError(f"the {which} session's page failed: {'; '.join(run.errors)}")
    if not watch.map_seen:
        raise ColdStartError(f"the {which} session's page drew no map")
    return run


async def _two_sessions(url: str) -> tuple[float, float]:
    """When the first session's Home finished (``perf_counter``), and the seconds of a second
    session's Home opened while the first is still connected."""
    try:
        async with _stream(url) as first:
            await _open_home(first, "first")
            first_finished = time.perf_counter()
            async with _stream(url) as second:
                warm = await _open_home(second, "second")
    except (OSError, WebSocketException) as exc:  # refused, reset, or closed by the server
        raise ColdStartError(f"the connection to the app was lost: {exc}") from exc
    return first_finished, warm.seconds


def _measure(url: str, began: float, stop: threading.Event) -> ColdStart:
    """Wait for the server at ``url`` started at ``began`` and open Home twice."""
    ready = _wait_for_health(url, began, stop)
    first_finished, second = asyncio.run(_two_sessions(url))
    return ColdStart(ready, first_finished - began, second)


def cold_start(script: Path = REPO / "app.py") -> ColdStart:
    """Start a fresh server of ``script`` (the app) and take its figures; stop it after.

    The figures are taken beside the server's start, in a thread of their own, so that the
    health endpoint is asked from the process's first moment on.

    Raises
    ------
    ColdStartError
        When the server did not answer, or a page failed or drew no map in time.
    """
    port = free_port()
    stop = threading.Event()
    with (
        tempfile.TemporaryDirectory(prefix="atlas-cold-start-") as folder,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        began = time.perf_counter()
        measured = pool.submit(_measure, f"http://127.0.0.1:{port}", began, stop)
        try:
            with serve_app(
                script,
                timeout=READY_TIMEOUT_S,
                port=port,
                **SERVER_ENV,
                **data_settings(Path(folder)),
            ) as app:
                try:
                    return measured.result(timeout=READY_TIMEOUT_S + 2 * RUN_TIMEOUT_S)
                except WaitTimeout as exc:
                    raise ColdStartError(
                        f"the pages did not come in time; the server said:\n{app.output()}"
                    ) from exc
                except ColdStartError as exc:
                    raise ColdStartError(f"{exc}; the server said:\n{app.output()}") from exc
                finally:
                    app.log.unlink(missing_ok=True)
        except ServerError as exc:
            raise ColdStartError(str(exc)) from exc
        finally:
            stop.set()  # the figures' thread stops waiting for a server that has gone


def summary(values: Sequence[float]) -> dict[str, float]:
    """Minimum, median and maximum of ``values``, in seconds to the millisecond (a warm
    page can take a few hundredths)."""
    return {
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


def run_cold_starts(runs: int) -> dict[str, dict[str, float]]:
    """``runs`` cold starts one after the other; each stage's :func:`summary`."""
    if not 1 <= runs <= MAX_RUNS:
        raise ColdStartError(f"--runs must be between 1 and {MAX_RUNS}, not {runs}")
    starts = [cold_start() for _ in range(runs)]
    return {stage: summary([getattr(start, stage) for start in starts]) for stage in STAGES}


def table(figures: dict[str, dict[str, float]], runs: int) -> str:
    """The figures as a small table, and the budget's verdict on the median first page."""
    names = {
        "server_ready_s": "server answers health",
        "first_page_s": "Home with its map",
        "second_page_s": "second session's Home",
    }
    lines = [
        f"cold start, {runs} fresh servers (seconds; the first two from the process's start)",
        f"{'stage':<24}{'min':>8}{'median':>8}{'max':>8}",
    ]
    for stage, name in names.items():
        row = figures[stage]
        lines.append(f"{name:<24}{row['min']:>8.3f}{row['median']:>8.3f}{row['max']:>8.3f}")
    median = figures["first_page_s"]["median"]
    verdict = "within" if median <= BUDGET_S else "over"
    lines.append(f"median first page {median:.2f} s: {verdict} the {BUDGET_S:.0f} s budget")
    return "\n".join(lines)


def _stop_on_terminate(signum: int, frame: FrameType | None) -> None:
    """Turn a termination into an exit, so that the running server is stopped on the way."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the benchmark, print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help=f"1 to {MAX_RUNS} (default 5)")
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _stop_on_terminate)
    try:
        figures = run_cold_starts(args.runs)
    except ColdStartError as exc:
        print(f"bench.cold_start: {exc}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(table(figures, args.runs))
    if args.json:
        print(json.dumps({"runs": args.runs, **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
