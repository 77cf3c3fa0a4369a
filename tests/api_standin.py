"""A stand-in for ACLED's and UCDP's APIs on a free loopback port, for the fetch tests.

It answers as the real services document: ACLED's ``/oauth/token`` (password grant, client
``acled``) and ``/api/acled/read`` (``{"status", "success", "count", "data", …}`` in pages of
``limit`` rows, ``page`` from 1, ``total_count`` with ``with_total=true``); UCDP's
``/api/gedevents/<version>`` behind the ``x-ucdp-access-token`` header (``TotalCount``,
``TotalPages``, ``PreviousPageUrl``, ``NextPageUrl``, ``Result``; ``page`` from 0). Every
request is recorded, and answers can be scripted to fail: :meth:`StandIn.fail_next` queues
error answers for the data endpoints, :attr:`StandIn.empty_page` empties one page.

The rows are shaped like the export files in ``tests/fixtures/import``: events in Mali, with
ACLED's values as the text its JSON carries and UCDP's as numbers, booleans and nulls.
"""

from __future__ import annotations

import json
import math
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACLED_EMAIL = "analyst@example.org"
ACLED_PASSWORD = "s3cret-Pa55word"
ACLED_TOKEN = "acled-bearer-7f3a9c"
UCDP_TOKEN = "ucdp-token-41d2e8"
UCDP_VERSIONS = ("25.1", "26.1")

# (location, admin1, admin2, latitude, longitude): places in Mali, as ACLED spells them.
PLACES = (
    ("Gao", "Gao", "Gao", 16.2717, -0.0447),
    ("Ménaka", "Menaka", "Menaka", 15.9182, 2.4022),
    ("Kidal", "Kidal", "Kidal", 18.4411, 1.4078),
    ("Tombouctou", "Tombouctou", "Tombouctou", 16.7735, -3.0074),
    ("Boni", "Mopti", "Douentza", 15.0167, -1.9667),
    ("Ansongo", "Gao", "Ansongo", 15.6597, 0.5022),
)


def acled_event(number: int, day: date, *, timestamp: int = 1_712_000_000) -> dict[str, Any]:
    """One ACLED event in Mali as the API's JSON gives it (text values, a numeric timestamp)."""
    location, admin1, admin2, lat, lon = PLACES[number % len(PLACES)]
    battle = number % 2 == 0
    return {
        "event_id_cnty": f"MLI{30000 + number}",
        "event_date": day.isoformat(),
        "year": str(day.year),
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Battles" if battle else "Explosions/Remote violence",
        "sub_event_type": "Armed clash" if battle else "Remote explosive/landmine/IED",
        "actor1": "JNIM: Jama'at Nusrat al-Islam wal Muslimin",
        "assoc_actor_1": "",
        "inter1": "Rebel group",
        "actor2": "Military Forces of Mali (2021-)",
        "assoc_actor_2": "",
        "inter2": "State forces",
        "interaction": "State forces-Rebel group",
        "civilian_targeting": "",
        "iso": "466",
        "region": "Western Africa",
        "country": "Mali",
        "admin1": admin1,
        "admin2": admin2,
        "admin3": "",
        "location": location,
        "latitude": f"{lat:.4f}",
        "longitude": f"{lon:.4f}",
        "geo_precision": "1",
        "source": "Studio Tamani",
        "source_scale": "National",
        "notes": f"On {day:%d %B %Y}, militants clashed with soldiers near {location}.",
        "fatalities": str(number % 5),
        "tags": "",
        "timestamp": timestamp,
    }


def ucdp_event(number: int, day: date) -> dict[str, Any]:
    """One UCDP GED event in Mali as the API's JSON gives it (numbers, booleans, nulls)."""
    location, admin1, admin2, lat, lon = PLACES[number % len(PLACES)]
    return {
        "id": 500_000 + number,
        "relid": f"MLI-{day.year}-1-{500_000 + number}-1",
        "year": day.year,
        "active_year": True,
        "code_status": "Clear",
        "type_of_violence": 1,
        "conflict_dset_id": "11347",
        "conflict_new_id": 11347,
        "conflict_name": "Mali: Government",
        "dyad_dset_id": "12345",
        "dyad_new_id": 12345,
        "dyad_name": "Government of Mali - JNIM",
        "side_a_dset_id": "432",
        "side_a_new_id": 432,
        "side_a": "Government of Mali",
        "side_b_dset_id": "6001",
        "side_b_new_id": 6001,
        "side_b": "JNIM",
        "number_of_sources": 1,
        "source_article": f"Studio Tamani,{day.isoformat()},Clash near {location}",
        "source_office": "Studio Tamani",
        "source_date": day.isoformat(),
        "source_headline": f"Clash near {location}",
        "source_original": "",
        "where_prec": 1,
        "where_coordinates": f"{location} town",
        "where_description": location,
        "adm_1": f"{admin1} region",
        "adm_2": f"{admin2} cercle",
        "latitude": lat,
        "longitude": lon,
        "geom_wkt": f"POINT ({lon} {lat})",
        "priogrid_gid": 146_000 + number,
        "country": "Mali",
        "country_id": 432,
        "region": "Africa",
        "event_clarity": 1,
        "date_prec": 1,
        "date_start": f"{day.isoformat()}T00:00:00",
        "date_end": f"{day.isoformat()}T00:00:00",
        "deaths_a": 1,
        "deaths_b": number % 4,
        "deaths_civilians": 0,
        "deaths_unknown": 0,
        "best": 1 + number % 4,
        "high": 3 + number % 4,
        "low": 1 + number % 4,
        "gwnoa": "432",
        "gwnob": None,
    }


def acled_events(count: int, first: date) -> list[dict[str, Any]]:
    """``count`` ACLED events, one a day from ``first``."""
    return [acled_event(n, first + timedelta(days=n)) for n in range(count)]


def ucdp_events(count: int, first: date) -> list[dict[str, Any]]:
    """``count`` UCDP events, one a day from ``first``."""
    return [ucdp_event(n, first + timedelta(days=n)) for n in range(count)]


@dataclass(frozen=True)
class Answer:
    """A scripted answer: a status, a body and headers."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    """One request the stand-in received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str


@dataclass
class StandIn:
    """The state of the stand-in server: its events, scripted failures, requests seen."""

    url: str = ""
    acled_rows: list[dict[str, Any]] = field(default_factory=list)
    ucdp_rows: list[dict[str, Any]] = field(default_factory=list)
    empty_page: int | None = None
    """A page (as the API numbers it) answered with no events, as if they had vanished."""
    seen: list[Seen] = field(default_factory=list)
    _faults: list[Answer] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, *answers: Answer) -> None:
        """Answer the next requests to a data endpoint with these, in order."""
        with self._lock:
            self._faults.extend(answers)

    def next_fault(self) -> Answer | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def data_requests(self) -> list[Seen]:
        """The requests for events (the token request left out)."""
        return [s for s in self.seen if s.path != "/oauth/token"]


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return Answer(
        status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


def _acled_token(state: StandIn, form: dict[str, str]) -> Answer:
    wanted = {
        "username": ACLED_EMAIL,
        "password": ACLED_PASSWORD,
        "grant_type": "password",
        "client_id": "acled",
    }
    if any(form.get(k) != v for k, v in wanted.items()):
        return _json(
            400,
            {
                "error": "invalid_grant",
                "error_description": "The user credentials were incorrect.",
                "message": "The user credentials were incorrect.",
            },
        )
    return _json(
        200,
        {
            "token_type": "Bearer",
            "expires_in": 86400,
            "access_token": ACLED_TOKEN,
            "refresh_token": "acled-refresh-0b1c",
        },
    )


def _acled_read(state: StandIn, query: dict[str, str], headers: dict[str, str]) -> Answer:
    if headers.get("authorization") != f"Bearer {ACLED_TOKEN}":
        return _json(401, {"status": 401, "success": False, "error": {"message": "Unauthorized"}})
    rows = [r for r in state.acled_rows if r["country"] == query.get("country", r["country"])]
    if query.get("event_date_where") == "BETWEEN":
        first, last = query["event_date"].split("|")
        rows = [r for r in rows if first <= r["event_date"] <= last]
    limit = int(query.get("limit", "5000"))
    page = int(query.get("page", "1"))
    chunk = [] if page == state.empty_page else rows[(page - 1) * limit : page * limit]
    body: dict[str, Any] = {
        "status": 200,
        "success": True,
        "last_update": 2,
        "count": len(chunk),
        "messages": [],
        "data": chunk,
        "filename": f"{date.today()}",
    }
    if query.get("with_total") == "true":
        body["total_count"] = len(rows)
    return _json(200, body)


def _ucdp_read(
    state: StandIn, version: str, query: dict[str, str], headers: dict[str, str]
) -> Answer:
    if headers.get("x-ucdp-access-token") != UCDP_TOKEN:
        return Answer(401, b"Access denied: a valid x-ucdp-access-token is required.")
    if version not in UCDP_VERSIONS:
        return Answer(404, b"Not found")
    rows = state.ucdp_rows
    if "Country" in query:
        rows = [r for r in rows if str(r["country_id"]) == query["Country"]]
    if "StartDate" in query:
        rows = [r for r in rows if r["date_start"][:10] >= query["StartDate"]]
    size = int(query.get("pagesize", "1"))
    page = int(query.get("page", "0"))
    pages = math.ceil(len(rows) / size)
    chunk = [] if page == state.empty_page else rows[page * size : (page + 1) * size]

    def link(number: int) -> str:
        if not 0 <= number < pages:
            return ""
        params = {**query, "page": str(number)}
        return f"{state.url}/api/gedevents/{version}?{urllib.parse.urlencode(params)}"

    return _json(
        200,
        {
            "TotalCount": len(rows),
            "TotalPages": pages,
            "PreviousPageUrl": link(page - 1),
            "NextPageUrl": link(page + 1),
            "Result": chunk,
        },
    )


def _handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            del format, args  # quiet: the tests read state.seen instead

        def _answer(self, answer: Answer) -> None:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def _handle(self, method: str) -> None:
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.seen.append(Seen(method, parts.path, query, headers, body))
            if method == "POST" and parts.path == "/oauth/token":
                self._answer(_acled_token(state, dict(urllib.parse.parse_qsl(body))))
                return
            fault = state.next_fault()
            if fault is not None:
                self._answer(fault)
            elif method == "GET" and parts.path == "/api/acled/read":
                self._answer(_acled_read(state, query, headers))
            elif method == "GET" and parts.path.startswith("/api/gedevents/"):
                version = parts.path.removeprefix("/api/gedevents/")
                self._answer(_ucdp_read(state, version, query, headers))
            else:
                self._answer(Answer(404, b"Not found"))

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

    return Handler


@contextmanager
def serve_standin() -> Iterator[StandIn]:
    """Run the stand-in on 127.0.0.1 and a free port until the block ends."""
    state = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="api-standin", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
