"""Live pulls from ACLED's and UCDP's APIs, stored exactly as an imported export would be.

The events an API returns are written to a temporary CSV in the column layout of that
source's export files and handed to :meth:`atlas.datasets.DatasetStore.import_file`, so every
row check, the merge by id, the history of versions, "what changed" and the audit log work as
for a file. A re-fetch extends the stored dataset (``acled`` or ``ucdp-ged``); with
``replace`` it becomes exactly what was fetched.

Authentication, as each API documents it:

- **ACLED**: the myACLED e-mail and password are exchanged for an access token at
  ``/oauth/token`` (OAuth password grant, client ``acled``); the token is then sent as
  ``Authorization: Bearer``. Events come from ``/api/acled/read`` in pages of ``limit`` rows
  (``page`` counts from 1).
- **UCDP**: the access token UCDP issues is sent in the ``x-ucdp-access-token`` header to
  ``/api/gedevents/<version>``; pages of ``pagesize`` events (``page`` counts from 0) carry
  ``TotalCount``, ``TotalPages`` and ``NextPageUrl``.

Credentials come from the environment (``ACLED_EMAIL``, ``ACLED_PASSWORD``, ``UCDP_TOKEN``)
or from ``[acled]`` / ``[ucdp]`` in ``.streamlit/secrets.toml`` (``ATLAS_SECRETS_FILE``
names another file). They are sent only in a request body or header that is not forwarded on
a redirect, never in a URL, and any message that could carry one has it masked before it is
printed or recorded.

A request answered 429 or 5xx, or not answered in time, is tried again after an exponential
wait (at most :data:`TRIES` tries); every other failure stops the fetch at once with one line
saying why, and nothing is stored.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import errno
import json
import os
import re
import socket
import ssl
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from http.client import IncompleteRead
from pathlib import Path
from typing import Any

from atlas.access import User, cli_user, require
from atlas.audit import record, record_import
from atlas.datasets import DatasetStore, open_datasets, report_lines
from atlas.paths import REPO_ROOT
from loaders import LayerError
from loaders.imports import ImportOptions, ImportReport, NothingImportedError
from loaders.imports.acled import EXPORT_COLUMNS as ACLED_EXPORT_COLUMNS
from loaders.imports.ucdp import EXPORT_COLUMNS as UCDP_EXPORT_COLUMNS

ACLED_API_ENV = "ATLAS_ACLED_API"
UCDP_API_ENV = "ATLAS_UCDP_API"
ACLED_API = "https://acleddata.com"
"""Where ACLED's token endpoint and API live (``ATLAS_ACLED_API`` overrides it)."""
UCDP_API = "https://ucdpapi.pcr.uu.se"
"""Where UCDP's API lives (``ATLAS_UCDP_API`` overrides it)."""
SECRETS_ENV = "ATLAS_SECRETS_FILE"
SECRETS_FILE = REPO_ROOT / ".streamlit" / "secrets.toml"

ACLED_PAGE_SIZE = 5000
"""Events asked for per ACLED page (the API's own default page size)."""
UCDP_PAGE_SIZE = 1000
"""Events asked for per UCDP page (the largest page the API serves)."""
UCDP_VERSION = "25.1"
"""The GED release fetched when none is named (UCDP requires a version in every call)."""
ACLED_COUNTRY = "Mali"
UCDP_COUNTRY = "432"
"""Mali's Gleditsch-Ward number, the country code UCDP's API filters on."""

TRIES = 4
"""Attempts per request when the answer is 429, 5xx or none in time."""
FIRST_WAIT_S = 1.0
MAX_WAIT_S = 30.0
TIMEOUT_S = 60.0
MAX_PAGES = 2000
"""A server that never stops paging is cut off here (10 million ACLED events)."""


_ACLED_COUNTRY = re.compile(r"[^\W\d_][\w .,'()-]{0,59}")
_UCDP_VERSION = re.compile(r"\d{1,2}\.\d{1,2}(\.\d{1,3})?")
_GW_NUMBER = re.compile(r"\d{1,4}")


class FetchError(Exception):
    """A fetch that stored nothing; the message is one line saying why."""


class _StatusError(FetchError):
    """An HTTP status that trying again will not change."""

    def __init__(self, host: str, status: int) -> None:
        super().__init__(f"{host} answered HTTP {status}")
        self.host, self.status = host, status


# -- credentials ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AcledCredentials:
    """A myACLED account: its e-mail and password."""

    email: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class UcdpCredentials:
    """The access token UCDP issued."""

    token: str = field(repr=False)


def secrets_path() -> Path:
    """The secrets file read for credentials: ``ATLAS_SECRETS_FILE``, else the app's own."""
    override = os.environ.get(SECRETS_ENV)
    return Path(override) if override else SECRETS_FILE


def _secrets_section(name: str) -> Mapping[str, Any]:
    """One section of the secrets file; empty when the file or the section is missing."""
    path = secrets_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # The decoder names a line and column, never the text there.
        raise FetchError(f"cannot read the secrets file {path}: {exc}") from None
    section = raw.get(name, {})
    return section if isinstance(section, dict) else {}


def _credential(env: str, section: Mapping[str, Any], key: str) -> str:
    """The environment's value, else the secrets file's; empty when neither has one."""
    value = os.environ.get(env) or section.get(key) or ""
    return str(value).strip()


def acled_credentials() -> AcledCredentials:
    """The myACLED e-mail and password (environment first, then ``[acled]`` in secrets).

    Raises
    ------
    FetchError
        When either is missing, naming where to put them.
    """
    section = _secrets_section("acled")
    email = _credential("ACLED_EMAIL", section, "email")
    password = _credential("ACLED_PASSWORD", section, "password")
    if not email or not password:
        raise FetchError(
            "no ACLED credentials: set ACLED_EMAIL and ACLED_PASSWORD, or email and password "
            "under [acled] in .streamlit/secrets.toml"
        )
    return AcledCredentials(email, password)


def ucdp_credentials() -> UcdpCredentials:
    """The UCDP access token (environment first, then ``[ucdp]`` in secrets).

    Raises
    ------
    FetchError
        When it is missing, naming where to put it.
    """
    token = _credential("UCDP_TOKEN", _secrets_section("ucdp"), "token")
    if not token:
        raise FetchError(
            "no UCDP access token: set UCDP_TOKEN, or token under [ucdp] in "
            ".streamlit/secrets.toml (UCDP issues tokens on request)"
        )
    return UcdpCredentials(token)


def masked(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret in it replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


# -- HTTP -------------------------------------------------------------------------------------


def _host(url: str) -> str:
    """The host (and port, when given) a URL names, for messages."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or url
    return f"{host}:{parts.port}" if parts.port else host


def _unreachable(reason: object) -> str:
    """Why a connection could not be made, in a few words."""
    if isinstance(reason, socket.gaierror):
        return "its name cannot be resolved"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ssl.SSLError):
        return f"secure connection failed ({reason.reason or reason})"
    if isinstance(reason, OSError) and reason.errno == errno.ENETUNREACH:
        return "network unreachable"
    if isinstance(reason, OSError) and reason.errno == errno.EHOSTUNREACH:
        return "host unreachable"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason)


def pause(seconds: float) -> None:
    """Wait between tries (tests replace it, so that they never wait)."""
    time.sleep(seconds)


@dataclass
class Http:
    """JSON over HTTP with bounded retries.

    Parameters
    ----------
    tries
        Attempts per request when the answer is 429, 5xx or none in time.
    timeout
        Seconds to wait for a connection or for data.
    sleep
        Called with the seconds to wait between tries; :func:`pause` when None.
    """

    tries: int = TRIES
    timeout: float = TIMEOUT_S
    sleep: Callable[[float], object] | None = None

    def __post_init__(self) -> None:
        if self.tries < 1:
            raise ValueError(f"tries must be at least 1, not {self.tries}")

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        wait = min(FIRST_WAIT_S * 2**attempt, MAX_WAIT_S)
        if retry_after and retry_after.strip().isdigit():
            # The server's own word on when to come back, within our cap.
            wait = min(float(retry_after), MAX_WAIT_S)
        (self.sleep or pause)(wait)

    def fetch_json(
        self,
        url: str,
        *,
        secret_headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        what: str,
    ) -> Any:
        """GET ``url`` (POST ``form`` when given) and return the JSON it answers.

        ``secret_headers`` are sent to this host only: a redirect does not carry them on.

        Raises
        ------
        FetchError
            When the host cannot be reached, still fails after :attr:`tries` tries, answers
            another error status (:class:`_StatusError`), or sends no JSON.
        """
        host = _host(url)
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        body = b""
        for attempt in range(self.tries):
            request = urllib.request.Request(url, data=data, headers={"Accept": "application/json"})
            for name, value in (secret_headers or {}).items():
                request.add_unredirected_header(name, value)
            retry_after: str | None = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                break
            except urllib.error.HTTPError as answer:
                status = answer.code
                retry_after = answer.headers.get("Retry-After") if answer.headers else None
                answer.close()
                if status != 429 and status < 500:
                    raise _StatusError(host, status) from None
                failure = (
                    "is still limiting requests (HTTP 429)"
                    if status == 429
                    else f"kept failing (HTTP {status})"
                )
            except urllib.error.URLError as exc:
                if not isinstance(exc.reason, TimeoutError):
                    raise FetchError(f"cannot reach {host}: {_unreachable(exc.reason)}") from None
                failure = f"did not answer within {self.timeout:g} s"
            except TimeoutError:
                failure = f"did not answer within {self.timeout:g} s"
            except (ConnectionResetError, IncompleteRead):
                failure = "broke off its answer"
            if attempt == self.tries - 1:
                raise FetchError(f"{host} {failure} after {self.tries} tries")
            self._wait(attempt, retry_after)
        if not body.strip():
            raise FetchError(f"{host} sent an empty answer to {what}")
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FetchError(f"{host} sent malformed JSON for {what} ({exc})") from None

    def page_object(
        self,
        url: str,
        query: Mapping[str, str],
        *,
        secret_headers: Mapping[str, str],
        what: str,
        refusals: Mapping[int, str],
    ) -> dict[str, Any]:
        """One page of an API as a JSON object; an HTTP status named in ``refusals`` ends the
        fetch with that status's message (``{status}`` in it replaced by the status)."""
        host = _host(url)
        try:
            body = self.fetch_json(
                f"{url}?{urllib.parse.urlencode(query)}", secret_headers=secret_headers, what=what
            )
        except _StatusError as refusal:
            if refusal.status in refusals:
                message = refusals[refusal.status].replace("{status}", str(refusal.status))
                raise FetchError(f"{host} {message}") from None
            raise
        if not isinstance(body, dict):
            raise FetchError(f"{host} sent {what} that is not a JSON object")
        return body


# -- the two APIs -----------------------------------------------------------------------------


def _rows(value: Any, host: str, what: str) -> list[dict[str, Any]]:
    """A page's list of events, each a JSON object."""
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise FetchError(f"{host} sent {what} without a list of events")
    return value


def _count(value: Any) -> int | None:
    """A count the API may send as a number or as text; None when it sent none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


@dataclass
class AcledClient:
    """ACLED's API: a token from the account, then every page of events.

    Parameters
    ----------
    base
        Where ``/oauth/token`` and ``/api/acled/read`` live.
    credentials
        The myACLED account.
    http
        How requests are made and retried.
    page_size
        Events per page.
    """

    base: str
    credentials: AcledCredentials
    http: Http
    page_size: int = ACLED_PAGE_SIZE

    def token(self) -> str:
        """An access token for the account.

        Raises
        ------
        FetchError
            When ACLED refuses the account, or answers without a token.
        """
        url = f"{self.base}/oauth/token"
        form = {
            "username": self.credentials.email,
            "password": self.credentials.password,
            "grant_type": "password",
            "client_id": "acled",
        }
        try:
            body = self.http.fetch_json(url, form=form, what="the token request")
        except _StatusError as refusal:
            # An OAuth server answers 400 invalid_grant for a wrong password, 401 otherwise.
            if refusal.status in (400, 401, 403):
                raise FetchError(
                    f"{refusal.host} refused the ACLED credentials (HTTP {refusal.status}): "
                    "check ACLED_EMAIL and ACLED_PASSWORD"
                ) from None
            raise
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise FetchError(f"{_host(url)} answered the token request without a token")
        return token

    def events(self, country: str, since: date | None, until: date) -> list[dict[str, Any]]:
        """Every event of ``country`` from ``since`` (all dates when None) to ``until``.

        Raises
        ------
        FetchError
            When a page cannot be had, or the pages do not add up to the count announced.
        """
        url = f"{self.base}/api/acled/read"
        host = _host(url)
        headers = {"Authorization": f"Bearer {self.token()}"}
        refused = (
            "refused access to ACLED data (HTTP {status}): the account may not have API access"
        )
        rows: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            query = {
                "_format": "json",
                "country": country,
                "limit": str(self.page_size),
                "page": str(page),
                "with_total": "true",
            }
            if since is not None:
                query |= {"event_date": f"{since}|{until}", "event_date_where": "BETWEEN"}
            what = f"ACLED page {page}"
            body = self.http.page_object(
                url,
                query,
                secret_headers=headers,
                what=what,
                refusals={401: refused, 403: refused},
            )
            if body.get("success") is False:
                raise FetchError(
                    f"{host} answered {what} with a failure (status {body.get('status')})"
                )
            found = _rows(body.get("data"), host, what)
            rows += found
            # ACLED counts the whole selection only when asked (with_total); without it, a
            # page shorter than asked for is the last one.
            total = _count(body.get("total_count"))
            if total is not None and len(rows) >= total:
                return rows
            if len(found) < self.page_size:
                if total is not None:
                    raise FetchError(
                        f"{host} sent {what} with {len(found)} events, {len(rows):,} in all of "
                        f"the {total:,} announced"
                    )
                return rows
        raise FetchError(f"{host} was still sending pages after {MAX_PAGES:,}")


@dataclass
class UcdpClient:
    """UCDP's API: every page of GED events of one release.

    Parameters
    ----------
    base
        Where ``/api/gedevents/<version>`` lives.
    credentials
        The access token.
    http
        How requests are made and retried.
    page_size
        Events per page.
    """

    base: str
    credentials: UcdpCredentials
    http: Http
    page_size: int = UCDP_PAGE_SIZE

    def events(self, version: str, country: str, since: date | None) -> list[dict[str, Any]]:
        """Every event of GED ``version`` in ``country`` (a Gleditsch-Ward number).

        ``since`` keeps events from that day on (UCDP's ``StartDate``); all of them when None.
        Pages are asked for by number rather than by following ``NextPageUrl``, so the token
        goes to no host but the configured one.

        Raises
        ------
        FetchError
            When a page cannot be had, or the pages do not add up to the count announced.
        """
        url = f"{self.base}/api/gedevents/{urllib.parse.quote(version)}"
        host = _host(url)
        headers = {"x-ucdp-access-token": self.credentials.token}
        refused = "refused the UCDP access token (HTTP {status}): check UCDP_TOKEN"
        rows: list[dict[str, Any]] = []
        for page in range(MAX_PAGES):
            query = {"pagesize": str(self.page_size), "page": str(page), "Country": country}
            if since is not None:
                query["StartDate"] = since.isoformat()
            what = f"UCDP page {page + 1}"
            body = self.http.page_object(
                url,
                query,
                secret_headers=headers,
                what=what,
                refusals={
                    401: refused,
                    403: refused,
                    404: f"has no GED version {version!r} (HTTP 404)",
                },
            )
            found = _rows(body.get("Result"), host, what)
            total = _count(body.get("TotalCount"))
            pages = _count(body.get("TotalPages"))
            if total is None or pages is None:
                raise FetchError(f"{host} sent {what} without TotalCount and TotalPages")
            rows += found
            if page + 1 >= pages or not body.get("NextPageUrl"):
                if len(rows) < total:
                    raise FetchError(
                        f"{host} ended at {what} with {len(rows):,} of the {total:,} events "
                        "announced"
                    )
                return rows
            if not found:
                raise FetchError(
                    f"{host} sent {what} of {pages:,} empty, with {total:,} events announced"
                )
        raise FetchError(f"{host} was still sending pages after {MAX_PAGES:,}")


# -- storing ----------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A JSON value as the text an export file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def write_export_csv(
    path: Path, rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...]
) -> None:
    """Write API rows as an export file: ``columns`` in order, other keys left out."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(column)) for column in columns])


@dataclass(frozen=True)
class Source:
    """One API and how its events are stored: the import format and the dataset."""

    key: str
    title: str
    format: str
    dataset: str
    columns: tuple[str, ...]


SOURCES: dict[str, Source] = {
    "acled": Source("acled", "ACLED", "acled", "acled", ACLED_EXPORT_COLUMNS),
    "ucdp": Source("ucdp", "UCDP GED", "ucdp", "ucdp-ged", UCDP_EXPORT_COLUMNS),
}


@dataclass(frozen=True)
class FetchRequest:
    """What to fetch.

    Parameters
    ----------
    source
        ``acled`` or ``ucdp``.
    country
        ACLED's country name, or UCDP's Gleditsch-Ward number; Mali when None.
    version
        The GED release (UCDP only).
    since
        The first day to fetch; when None, the newest event day already stored (everything
        when nothing is stored, or with ``replace``).
    replace
        Make the dataset exactly what was fetched (admins).
    """

    source: str
    country: str | None = None
    version: str = UCDP_VERSION
    since: date | None = None
    replace: bool = False

    def checked(self) -> FetchRequest:
        """This request with its country filled in.

        Raises
        ------
        FetchError
            Naming a source, country, version or date that cannot be used.
        """
        if self.source not in SOURCES:
            raise FetchError(f"unknown source {self.source!r} (known: {', '.join(SOURCES)})")
        acled = self.source == "acled"
        country = (self.country or (ACLED_COUNTRY if acled else UCDP_COUNTRY)).strip()
        if acled and not _ACLED_COUNTRY.fullmatch(country):
            raise FetchError(f"{country!r} is not a country name ACLED uses (e.g. 'Mali')")
        if not acled and not _GW_NUMBER.fullmatch(country):
            raise FetchError(
                f"{country!r} is not a Gleditsch-Ward country number (Mali is {UCDP_COUNTRY})"
            )
        if not acled and not _UCDP_VERSION.fullmatch(self.version):
            raise FetchError(f"{self.version!r} is not a GED version (e.g. {UCDP_VERSION})")
        if self.since is not None and self.since > date.today():
            raise FetchError(f"--since {self.since} is in the future")
        return FetchRequest(self.source, country, self.version, self.since, self.replace)


@dataclass(frozen=True)
class FetchOutcome:
    """What a fetch brought: the events and, when there were any, the import report."""

    label: str
    """Where the events came from, as the dataset records it."""
    since: date | None
    events: int
    report: ImportReport | None

    @property
    def message(self) -> str:
        """One line for people."""
        if self.report is None:
            return f"no events from {self.label}; nothing changed"
        return f"fetched {self.events:,} events from {self.label}"


def newest_stored(store: DatasetStore, dataset: str) -> date | None:
    """The newest event day of a stored dataset; None when it is not stored."""
    info = next((d for d in store.datasets() if d.name == dataset), None)
    return date.fromisoformat(info.date_max) if info and info.date_max else None


def _label(request: FetchRequest, since: date | None) -> str:
    when = f"from {since}" if since else "all dates"
    if request.source == "acled":
        return f"ACLED API ({request.country}, {when})"
    return f"UCDP GED {request.version} API (country {request.country}, {when})"


def _api(env: str, default: str) -> str:
    return (os.environ.get(env) or default).rstrip("/")


def _pull(
    request: FetchRequest, since: date | None, http: Http, secrets: list[str]
) -> list[dict[str, Any]]:
    """The events the request asks for; every credential read is added to ``secrets``."""
    if request.source == "acled":
        acled = acled_credentials()
        secrets += [acled.email, acled.password]
        client = AcledClient(_api(ACLED_API_ENV, ACLED_API), acled, http, ACLED_PAGE_SIZE)
        return client.events(str(request.country), since, date.today())
    ucdp = ucdp_credentials()
    secrets.append(ucdp.token)
    return UcdpClient(_api(UCDP_API_ENV, UCDP_API), ucdp, http, UCDP_PAGE_SIZE).events(
        request.version, str(request.country), since
    )


def _record_failure(user: User, what: str, reason: str, store: DatasetStore) -> None:
    with contextlib.suppress(LayerError):  # a data folder that cannot hold a log says so itself
        record(user, "fetch", what, outcome="failed", reason=reason, folder=store.folder)


def fetch_latest(
    request: FetchRequest, user: User, store: DatasetStore, *, http: Http | None = None
) -> FetchOutcome:
    """Fetch events from an API and import them into the source's dataset.

    Fetching is an import: ``user`` needs the ``import`` right (and ``replace_dataset`` to
    replace). A stored fetch is recorded like an import of a file; a failed one as a failed
    ``fetch``, with the reason.

    Parameters
    ----------
    request
        What to fetch.
    user
        Who is fetching.
    store
        Where the dataset is stored.
    http
        How requests are made and retried (:class:`Http` defaults when None).

    Returns
    -------
    FetchOutcome
        With the import report, or none when the API had no events to give.

    Raises
    ------
    FetchError
        When nothing could be fetched (one line, credentials masked); nothing is stored.
    atlas.access.RefusedError
        When ``user`` may not import (or replace).
    loaders.errors.LayerError
        When the fetched rows could not be stored (:class:`NothingImportedError` when every
        row was rejected, with its report).
    """
    request = request.checked()
    source = SOURCES[request.source]
    since = request.since
    if since is None and not request.replace:
        since = newest_stored(store, source.dataset)
    label = _label(request, since)
    what = f"{source.dataset} from {label}"
    require(user, "import", what=what, folder=store.folder)
    if request.replace:
        require(user, "replace_dataset", what=what, folder=store.folder)
    secrets: list[str] = []
    try:
        rows = _pull(request, since, http or Http(), secrets)
        if not rows:
            return FetchOutcome(label, since, 0, None)
        with tempfile.TemporaryDirectory(prefix="atlas-fetch-") as folder:
            path = Path(folder) / f"{source.dataset}.csv"
            write_export_csv(path, rows, source.columns)
            options = ImportOptions(format=source.format, dataset=source.dataset)
            report = store.import_file(path, options, name=label, replace=request.replace)
    except FetchError as exc:
        reason = masked(str(exc), secrets)
        _record_failure(user, what, reason, store)
        raise FetchError(reason) from None
    except LayerError as exc:
        _record_failure(user, what, masked(str(exc).splitlines()[0], secrets), store)
        raise
    record_import(user, report, replace=request.replace, folder=store.folder)
    return FetchOutcome(label, since, len(rows), report)


# -- command line: ``python -m atlas fetch acled | ucdp`` -------------------------------------


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _cmd_fetch(args: Any) -> int:
    store = open_datasets(args.data, geodata=args.geodata)
    request = FetchRequest(
        source=args.source,
        country=args.country,
        version=getattr(args, "version", UCDP_VERSION),
        since=args.since,
        replace=args.replace,
    )
    try:
        outcome = fetch_latest(request, cli_user(), store)
    except FetchError as exc:
        print(f"error: {exc}; nothing changed", file=sys.stderr)
        return 2
    except NothingImportedError as exc:
        _print(None, exc.report, as_json=args.json)
        print(f"error: {exc}; nothing changed", file=sys.stderr)
        return 2
    _print(outcome, outcome.report, as_json=args.json)
    return 0


def _print(outcome: FetchOutcome | None, report: ImportReport | None, *, as_json: bool) -> None:
    if as_json:
        body: dict[str, Any] = report.to_json() if report else {"stored": False}
        if outcome is not None:
            body |= {
                "fetched_from": outcome.label,
                "since": outcome.since.isoformat() if outcome.since else None,
                "events": outcome.events,
            }
        print(json.dumps(body, ensure_ascii=False, default=str))
        return
    if outcome is not None:
        print(outcome.message)
    if report is not None:
        print("\n".join(report_lines(report)))


def add_fetch_commands(commands: Any) -> None:
    """Add ``fetch acled`` and ``fetch ucdp`` to the subcommands of ``python -m atlas``."""
    fetch = commands.add_parser(
        "fetch", help="fetch the latest events from ACLED's or UCDP's API and import them"
    )
    sources = fetch.add_subparsers(dest="source", required=True)
    acled = sources.add_parser("acled", help="ACLED events of one country (an ACLED account)")
    acled.add_argument(
        "--country", default=ACLED_COUNTRY, help=f"country as ACLED names it ({ACLED_COUNTRY})"
    )
    ucdp = sources.add_parser("ucdp", help="UCDP GED events of one country (a UCDP token)")
    ucdp.add_argument(
        "--version", default=UCDP_VERSION, help=f"the GED release, e.g. 25.1 ({UCDP_VERSION})"
    )
    ucdp.add_argument(
        "--country",
        default=UCDP_COUNTRY,
        help=f"Gleditsch-Ward country number ({UCDP_COUNTRY}, Mali)",
    )
    for parser in (acled, ucdp):
        parser.add_argument(
            "--since",
            type=_day,
            help="first day to fetch, YYYY-MM-DD (default: the newest day already stored)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="make the dataset exactly what is fetched, all dates unless --since (admins)",
        )
        parser.add_argument(
            "--data", type=Path, default=None, help="data directory (default: $ATLAS_DATA_DIR)"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.set_defaults(run=_cmd_fetch)
