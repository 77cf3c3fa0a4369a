"""The shared dashboard under load: N browser-like sessions moving the date range at once.

Run ``.venv/bin/python -m bench.load --sessions N [--events M] [--json]``.

The real app is served on a free loopback port with a temporary, empty data directory (with
``--events M`` it first holds M synthetic ACLED incidents, imported through the data store
as a user's file would be). Then N sessions connect at once to the app's websocket and speak
Streamlit's own protocol, as a browser tab does: each opens Home, then moves the sidebar's
date range three times, sending the slider's new value and waiting for the run to finish.
Even-numbered sessions move to the same three ranges (so they can share the app's cached
maps), odd-numbered ones to ranges of their own. Like a browser, a session tells the server
which large messages it already holds (their hashes), so the server sends a reference for
those instead of the message, and the megabytes per run are what a browser would receive.

Reported: the seconds from each move's request to its finished run (p50, p95, max over the
3 × N moves; the opening run is reported apart), errors (an exception shown by the app, a
run that did not finish in time, a lost connection), megabytes received per move, and the
server's resident memory: once it answers, its peak, and after the sessions have closed
and expired. The server is started with ``server.disconnectedSessionTTL`` of a few seconds
(Streamlit otherwise keeps a closed tab's session two minutes); expired sessions are only
dropped when another session is stored, so one empty connection is opened and closed after
that time before the last figure is read. The server does not watch the source files
(``server.fileWatcherType`` none), as a deployment would not, and has the environment
``make run`` gives it (:data:`SERVER_ENV`).

Loopback only; at most 200 sessions; the whole run stops itself after ``--limit`` seconds
(600 by default) and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypedDict

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

from tests.serving import serve_app

MAX_SESSIONS = 200
MOVES = 3
SESSION_TTL_S = 5  # how long the server keeps a closed session for a reconnect
RUN_TIMEOUT_S = 180.0
DAY_US = 86_400 * 1_000_000  # the date slider counts in microseconds since the epoch
DATE_RANGE_LABEL = "Date range"
_MB = 2**20
# The first websocket subprotocol a browser offers; the others carry tokens we do not need.
_PROTOCOL = Subprotocol("streamlit")


class ServerEnv(TypedDict):
    """What the server's environment holds beyond the caller's, as ``make run`` starts it."""

    # One heap for the C allocator instead of one per thread (sixteen on two cores): the
    # interpreter runs one session's script at a time anyway, and each extra heap kept the
    # holes a burst of sessions left in it. The Makefile's run target sets the same.
    MALLOC_ARENA_MAX: str


SERVER_ENV = ServerEnv(MALLOC_ARENA_MAX="1")


class LoadError(RuntimeError):
    """The benchmark could not run as asked (a bad argument, the app did not answer)."""


@dataclass
class RunResult:
    """One script run as a session saw it."""

    seconds: float
    received_bytes: int
    errors: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    """The figures of one benchmark; :meth:`as_json` is what ``--json`` prints."""

    sessions: int
    p50: float
    p95: float
    max: float
    errors: int
    mb_per_run: float
    rss_start_mb: float
    rss_peak_mb: float
    rss_after_mb: float
    open_p50: float
    open_max: float
    events: int
    error_messages: list[str]

    def as_json(self) -> str:
        """The report as one JSON object (at most five error messages are kept)."""
        return json.dumps({**asdict(self), "error_messages": self.error_messages[:5]})


class BrowserSession:
    """One browser tab of the app, reduced to what the server sees of it."""

    def __init__(self, connection: ClientConnection, run_timeout: float) -> None:
        self._connection = connection
        self._run_timeout = run_timeout
        self.query_string = ""
        self.page_script_hash = ""
        self.held_hashes: set[str] = set()  # messages this "browser" can show again itself
        self.slider: tuple[str, float, float] | None = None  # widget id, min, max (µs)

    async def rerun(self, widget_states: WidgetStates | None = None) -> RunResult:
        """Ask for a run of the current page, as the browser does, and wait for its end.

        A run that stops early for another one (``st.rerun``) is followed to the end of the
        one that replaces it.
        """
        request = ClientState(
            query_string=self.query_string,
            page_script_hash=self.page_script_hash,
            widget_states=widget_states or WidgetStates(),
            cached_message_hashes=sorted(self.held_hashes),
        )
        began = time.perf_counter()
        await self._connection.send(BackMsg(rerun_script=request).SerializeToString())
        result = RunResult(seconds=0.0, received_bytes=0)
        try:
            async with asyncio.timeout(self._run_timeout):
                while not await self._read_one(result):
                    pass
        except TimeoutError:
            result.errors.append(f"no finished run within {self._run_timeout:.0f} s")
        result.seconds = time.perf_counter() - began
        return result

    async def _read_one(self, result: RunResult) -> bool:
        """Read one message into ``result``; True once the run has finished."""
        frame = await self._connection.recv(decode=False)
        result.received_bytes += len(frame)
        message = ForwardMsg()
        message.ParseFromString(frame)
        if message.metadata.cacheable and message.hash:
            self.held_hashes.add(message.hash)
        kind = message.WhichOneof("type")
        if kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "navigation":
            self.page_script_hash = message.navigation.page_script_hash
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            kind_of_element = element.WhichOneof("type")
            if kind_of_element == "exception":
                result.errors.append(f"{element.exception.type}: {element.exception.message}")
            elif kind_of_element == "slider" and element.slider.label == DATE_RANGE_LABEL:
                self.slider = (element.slider.id, element.slider.min, element.slider.max)
        elif kind == "script_finished":
            status = message.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                result.errors.append("the script did not compile")
            return status != ForwardMsg.FINISHED_EARLY_FOR_RERUN
        return False

    async def move_range(self, first_day: int, last_day: int) -> RunResult:
        """Move the date slider to days ``first_day``..``last_day`` of the data's span."""
        if self.slider is None:
            return RunResult(0.0, 0, ["the page drew no date range slider"])
        widget_id, low, high = self.slider
        values = [min(low + day * DAY_US, high) for day in (first_day, last_day)]
        state = WidgetState(id=widget_id)
        state.double_array_value.data.extend(values)
        return await self.rerun(WidgetStates(widgets=[state]))

    @property
    def span_days(self) -> int:
        """Days between the first and the last day of the slider (0 before it is seen)."""
        return 0 if self.slider is None else int((self.slider[2] - self.slider[1]) // DAY_US)


def ranges_for(session: int, span_days: int) -> list[tuple[int, int]]:
    """The three ranges (first and last day, counted from the data's start) a session visits.

    Even sessions all visit the same three; an odd session visits three no other session
    visits, so its maps are its own.
    """
    if span_days < 2:
        return [(0, span_days)] * MOVES
    if session % 2 == 0:
        return [(0, span_days), (span_days // 2, span_days), (0, span_days // 2)]
    # Odd sessions start 17 days apart (wrapping past the middle of the span) and end a
    # year apart from one move to the next: different incidents, so different maps.
    start = 1 + (session // 2) * 17 % (span_days // 2)
    return [(start, max(start, span_days - 1 - move * 365)) for move in range(MOVES)]


def _stream(url: str) -> connect:
    """A new connection to the websocket of the app at ``url`` (no cap on message size)."""
    return connect(
        url.replace("http://", "ws://", 1) + "/_stcore/stream",
        subprotocols=[_PROTOCOL],
        max_size=None,
    )


async def one_session(
    url: str, index: int, run_timeout: float
) -> tuple[RunResult, list[RunResult]]:
    """Open Home in a new session and move the range three times; the runs as seen."""
    try:
        async with _stream(url) as connection:
            session = BrowserSession(connection, run_timeout)
            opened = await session.rerun()
            moves = []
            for first_day, last_day in ranges_for(index, session.span_days):
                moves.append(await session.move_range(first_day, last_day))
            return opened, moves
    except (OSError, WebSocketException) as exc:  # refused, reset, or closed by the server
        return RunResult(0.0, 0, [f"session {index}: connection lost: {exc}"]), []


async def sweep_expired(url: str) -> None:
    """Connect and leave without running anything: storing this session makes the server
    drop those whose time to live has passed."""
    async with _stream(url):
        await asyncio.sleep(0.5)


def rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    """A memory figure of process ``pid`` from ``/proc`` (``VmRSS`` now, ``VmHWM`` peak), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise LoadError(f"process {pid} reports no {field_name}")


def store_events(data_dir: Path, count: int) -> None:
    """Import ``count`` made-up ACLED incidents into the store in ``data_dir``."""
    from atlas.datasets import DatasetStore
    from bench.import_bench import acled_frame

    csv_path = data_dir.parent / "acled_export.csv"
    acled_frame(count).to_csv(csv_path, index=False)
    report = DatasetStore(data_dir).import_file(csv_path)
    csv_path.unlink()
    if report.accepted != count:
        raise LoadError(f"only {report.accepted} of {count} synthetic incidents were stored")


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))  # nearest-rank, 1-based
    return ordered[min(rank, len(ordered)) - 1]


async def _all_sessions(
    url: str, sessions: int, run_timeout: float, limit: float
) -> tuple[list[tuple[RunResult, list[RunResult]]], int]:
    """The runs of every session that ended within ``limit``, and how many did not."""
    tasks = [asyncio.create_task(one_session(url, i, run_timeout)) for i in range(sessions)]
    _, pending = await asyncio.wait(tasks, timeout=limit)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)  # closes their connections
    return [task.result() for task in tasks if task not in pending], len(pending)


def run_load(sessions: int, events: int = 0, limit: float = 600.0) -> LoadReport:
    """Serve the app, run ``sessions`` sessions against it and measure.

    Parameters
    ----------
    sessions
        How many sessions connect at once, 1 to 200.
    events
        Synthetic incidents stored in the app's data directory first (0: the shipped data).
    limit
        Seconds after which unfinished sessions are stopped and counted as errors.
    """
    if not 1 <= sessions <= MAX_SESSIONS:
        raise LoadError(f"--sessions must be between 1 and {MAX_SESSIONS}, not {sessions}")
    if events < 0:
        raise LoadError(f"--events must be 0 or more, not {events}")
    with tempfile.TemporaryDirectory(prefix="atlas-load-") as folder:
        data_dir = Path(folder) / "data"
        data_dir.mkdir()
        if events:
            store_events(data_dir, events)
        with serve_app(
            timeout=120,
            ATLAS_DATA_DIR=str(data_dir),
            STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL=str(SESSION_TTL_S),
            # A source file saved during the run makes Streamlit unload the project's
            # modules while other sessions import them; the figures are of the app, not
            # of someone's edit.
            STREAMLIT_SERVER_FILE_WATCHER_TYPE="none",
            **SERVER_ENV,
        ) as app:
            pid = app.process.pid
            rss_start = rss_mb(pid)
            run_timeout = min(RUN_TIMEOUT_S, limit)
            results, late = asyncio.run(_all_sessions(app.url, sessions, run_timeout, limit))
            rss_peak = rss_mb(pid, "VmHWM")
            time.sleep(SESSION_TTL_S + 1)  # the closed sessions' time to live runs out
            asyncio.run(sweep_expired(app.url))
            time.sleep(2)
            rss_after = rss_mb(pid)
    opens = [opened for opened, _ in results]
    moves = [move for _, session_moves in results for move in session_moves]
    failed = [run for run in opens + moves if run.errors]
    messages = [error for run in failed for error in run.errors]
    if late:
        messages.insert(0, f"{late} sessions were still running after {limit:.0f} s")
    timed = [move.seconds for move in moves if not move.errors]
    return LoadReport(
        sessions=sessions,
        p50=round(statistics.median(timed), 2) if timed else 0.0,
        p95=round(percentile(timed, 0.95), 2),
        max=round(max(timed, default=0.0), 2),
        errors=len(failed) + late,
        mb_per_run=round(sum(m.received_bytes for m in moves) / max(len(moves), 1) / _MB, 3),
        rss_start_mb=rss_start,
        rss_peak_mb=rss_peak,
        rss_after_mb=rss_after,
        open_p50=round(statistics.median([o.seconds for o in opens]), 2) if opens else 0.0,
        open_max=round(max((o.seconds for o in opens), default=0.0), 2),
        events=events,
        error_messages=messages,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the benchmark, print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--sessions", type=int, default=1, help="1 to 200 (default 1)")
    parser.add_argument("--events", type=int, default=0, help="synthetic incidents to store")
    parser.add_argument("--limit", type=float, default=600.0, help="seconds for all sessions")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        report = run_load(args.sessions, args.events, args.limit)
    except LoadError as exc:
        print(f"bench.load: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(report.as_json())
    else:
        print(
            f"{report.sessions} sessions × {MOVES} moves: p50 {report.p50} s, "
            f"p95 {report.p95} s, max {report.max} s, {report.errors} errors, "
            f"{report.mb_per_run} MB per run; opening p50 {report.open_p50} s; server RSS "
            f"{report.rss_start_mb} → peak {report.rss_peak_mb} → after {report.rss_after_mb} MB"
        )
        for message in report.error_messages[:5]:
            print(f"  error: {message}")
    return 0 if report.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
