"""``python -m atlas fetch acled | ucdp``: live pulls stored through the import path.

Every test talks to the stand-in of ``tests/api_standin.py`` on a loopback port (or to a
closed port, or to a name that cannot resolve); no test waits between retries.
"""

from __future__ import annotations

import getpass
import json
import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from atlas import fetch
from atlas.access import Role, User
from atlas.audit import audit_path, read_log
from atlas.cli import main
from atlas.datasets import DatasetStore
from tests.api_standin import (
    ACLED_EMAIL,
    ACLED_PASSWORD,
    ACLED_TOKEN,
    UCDP_TOKEN,
    Answer,
    StandIn,
    acled_events,
    serve_standin,
    ucdp_events,
)

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SECRETS = (ACLED_EMAIL, ACLED_PASSWORD, ACLED_TOKEN, UCDP_TOKEN)
JAN = date(2024, 1, 1)


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between tries, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(fetch, "pause", slept.append)
    return slept


@pytest.fixture
def credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in's credentials in the environment, and no secrets file."""
    monkeypatch.setenv(fetch.SECRETS_ENV, str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("ACLED_EMAIL", ACLED_EMAIL)
    monkeypatch.setenv("ACLED_PASSWORD", ACLED_PASSWORD)
    monkeypatch.setenv("UCDP_TOKEN", UCDP_TOKEN)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, credentials: None, data: Path) -> Iterator[StandIn]:
    """The stand-in APIs, with pages of two events so that a few events make several pages."""
    with serve_standin() as standin:
        monkeypatch.setenv(fetch.ACLED_API_ENV, standin.url)
        monkeypatch.setenv(fetch.UCDP_API_ENV, standin.url)
        monkeypatch.setattr(fetch, "ACLED_PAGE_SIZE", 2)
        monkeypatch.setattr(fetch, "UCDP_PAGE_SIZE", 2)
        yield standin


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["fetch", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _stored_ids(data: Path, dataset: str) -> list[str]:
    return sorted(DatasetStore(data).read(dataset)["id"])


def _nothing_stored(data: Path) -> bool:
    return DatasetStore(data).datasets() == []


# -- every page ------------------------------------------------------------------------------


def test_acled_fetch_stores_the_events_of_every_page(api, data, capsys):
    api.acled_rows = acled_events(5, JAN)
    code, out, err = _run(capsys, "acled", "--country", "Mali")
    assert (code, err) == (0, "")
    assert "fetched 5 events from ACLED API (Mali, all dates)" in out
    assert "added 5, updated 0, unchanged 0" in out
    assert _stored_ids(data, "acled") == [f"acled:MLI{30000 + n}" for n in range(5)]
    pages = [s.query["page"] for s in api.data_requests()]
    assert pages == ["1", "2", "3"]
    assert {s.query["country"] for s in api.data_requests()} == {"Mali"}


def test_acled_asks_for_a_token_with_the_account_and_sends_it_as_bearer(api, data, capsys):
    api.acled_rows = acled_events(1, JAN)
    assert _run(capsys, "acled")[0] == 0
    token_request, read = api.seen
    assert (token_request.method, token_request.path) == ("POST", "/oauth/token")
    assert "grant_type=password" in token_request.body
    assert "client_id=acled" in token_request.body
    assert read.headers["authorization"] == f"Bearer {ACLED_TOKEN}"


def test_ucdp_fetch_stores_the_events_of_every_page(api, data, capsys):
    api.ucdp_rows = ucdp_events(5, JAN)
    code, out, err = _run(capsys, "ucdp", "--version", "25.1")
    assert (code, err) == (0, "")
    assert "fetched 5 events from UCDP GED 25.1 API (country 432, all dates)" in out
    assert _stored_ids(data, "ucdp-ged") == [f"ucdp-ged:{500_000 + n}" for n in range(5)]
    requests = api.data_requests()
    assert [s.query["page"] for s in requests] == ["0", "1", "2"]
    assert {s.path for s in requests} == {"/api/gedevents/25.1"}
    assert {s.headers["x-ucdp-access-token"] for s in requests} == {UCDP_TOKEN}


def test_fetched_rows_go_through_the_row_checks(api, data, capsys):
    api.acled_rows = acled_events(3, JAN)
    api.acled_rows[1]["event_date"] = "05/03/2024"  # ambiguous: rejected as for a file
    code, out, _ = _run(capsys, "acled", "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["accepted"], report["rejected"], report["events"]) == (2, 1, 3)
    assert "ambiguous date" in next(iter(report["rejected_by_reason"]))


# -- incremental, merge, replace -------------------------------------------------------------


def test_a_refetch_asks_from_the_newest_stored_day_and_extends_the_dataset(api, data, capsys):
    api.acled_rows = acled_events(3, JAN)  # 1 to 3 January
    assert _run(capsys, "acled")[0] == 0
    api.seen.clear()
    api.acled_rows = acled_events(6, JAN)  # three more days
    code, out, _ = _run(capsys, "acled")
    assert code == 0
    asked = api.data_requests()[0].query
    assert asked["event_date"] == f"2024-01-03|{date.today()}"
    assert asked["event_date_where"] == "BETWEEN"
    assert "ACLED API (Mali, from 2024-01-03)" in out
    assert "added 3, updated 0, unchanged 1" in out
    assert len(_stored_ids(data, "acled")) == 6
    assert [e.action for e in read_log(data).entries] == ["import", "reimport"]


def test_a_ucdp_refetch_asks_from_the_newest_stored_day(api, data, capsys):
    api.ucdp_rows = ucdp_events(2, JAN)
    assert _run(capsys, "ucdp")[0] == 0
    api.seen.clear()
    assert _run(capsys, "ucdp")[0] == 0
    assert api.data_requests()[0].query["StartDate"] == "2024-01-02"


def test_since_given_is_asked_for(api, data, capsys):
    api.acled_rows = acled_events(5, JAN)
    assert _run(capsys, "acled", "--since", "2024-01-04")[0] == 0
    assert api.data_requests()[0].query["event_date"].startswith("2024-01-04|")
    assert len(_stored_ids(data, "acled")) == 2


def test_an_update_upstream_replaces_the_stored_row(api, data, capsys):
    api.acled_rows = acled_events(2, JAN)
    assert _run(capsys, "acled")[0] == 0
    api.acled_rows[1]["fatalities"] = "9"
    api.acled_rows[1]["timestamp"] = 1_800_000_000
    code, out, _ = _run(capsys, "acled", "--since", "2024-01-01")
    assert code == 0
    assert "added 0, updated 1, unchanged 1" in out
    stored = DatasetStore(data).read("acled").set_index("id")
    assert stored.loc["acled:MLI30001", "fatalities"] == 9


def test_replace_makes_the_dataset_exactly_what_was_fetched(api, data, capsys):
    DatasetStore(data).import_file(FIXTURES / "acled_current_dyadic.csv")
    api.acled_rows = acled_events(2, JAN)
    code, _, _ = _run(capsys, "acled", "--replace")
    assert code == 0
    assert "event_date" not in api.data_requests()[0].query  # every date, not the newest on
    assert _stored_ids(data, "acled") == ["acled:MLI30000", "acled:MLI30001"]
    assert read_log(data).entries[-1].action == "replace"


def test_no_events_changes_nothing_and_says_so(api, data, capsys):
    code, out, err = _run(capsys, "acled")
    assert (code, err) == (0, "")
    assert out.strip() == "no events from ACLED API (Mali, all dates); nothing changed"
    assert _nothing_stored(data)


# -- retries ---------------------------------------------------------------------------------


def test_a_429_is_tried_again_after_the_wait_the_server_asks(api, data, capsys, waits):
    api.acled_rows = acled_events(1, JAN)
    api.fail_next(Answer(429, b"Too many requests", {"Retry-After": "7"}))
    assert _run(capsys, "acled")[0] == 0
    assert waits == [7.0]
    assert len(_stored_ids(data, "acled")) == 1


def test_a_500_is_tried_again_after_an_exponential_wait(api, data, capsys, waits):
    api.ucdp_rows = ucdp_events(3, JAN)
    api.fail_next(Answer(500), Answer(502))
    assert _run(capsys, "ucdp")[0] == 0
    assert waits == [1.0, 2.0]
    assert len(_stored_ids(data, "ucdp-ged")) == 3


def test_retries_are_bounded_and_waits_capped(api, data, capsys, waits):
    api.acled_rows = acled_events(1, JAN)
    api.fail_next(*[Answer(429, b"", {"Retry-After": "86400"})] * fetch.TRIES)
    code, _, err = _run(capsys, "acled")
    assert code == 2
    assert err == (
        f"error: 127.0.0.1:{api.url.rsplit(':', 1)[1]} is still limiting requests (HTTP 429) "
        "after 4 tries; nothing changed\n"
    )
    assert waits == [fetch.MAX_WAIT_S] * 3
    assert _nothing_stored(data)


def test_a_server_that_keeps_failing_stops_after_the_last_try(api, data, capsys, waits):
    api.fail_next(*[Answer(503)] * fetch.TRIES)
    code, _, err = _run(capsys, "ucdp")
    assert code == 2
    assert "kept failing (HTTP 503) after 4 tries; nothing changed" in err
    assert waits == [1.0, 2.0, 4.0]
    (entry,) = read_log(data).entries
    assert (entry.action, entry.outcome) == ("fetch", "failed")


# -- refusals and bad answers -----------------------------------------------------------------


def test_bad_acled_credentials_store_nothing_and_are_audited(api, data, capsys, monkeypatch):
    api.acled_rows = acled_events(2, JAN)
    monkeypatch.setenv("ACLED_PASSWORD", "wrong-password")
    code, _, err = _run(capsys, "acled")
    assert code == 2
    assert err.count("\n") == 1
    assert "refused the ACLED credentials (HTTP 400)" in err
    assert api.data_requests() == []
    assert _nothing_stored(data)
    (entry,) = read_log(data).entries
    assert (entry.user, entry.action, entry.outcome) == (
        f"cli:{getpass.getuser()}",
        "fetch",
        "failed",
    )
    assert entry.object == "acled from ACLED API (Mali, all dates)"
    assert "refused the ACLED credentials" in entry.reason


def test_a_bad_ucdp_token_stores_nothing(api, data, capsys, monkeypatch):
    api.ucdp_rows = ucdp_events(2, JAN)
    monkeypatch.setenv("UCDP_TOKEN", "not-the-token")
    code, _, err = _run(capsys, "ucdp")
    assert code == 2
    assert "refused the UCDP access token (HTTP 401)" in err
    assert _nothing_stored(data)


def test_missing_credentials_say_where_to_put_them(api, data, capsys, monkeypatch):
    monkeypatch.delenv("UCDP_TOKEN")
    code, _, err = _run(capsys, "ucdp")
    assert code == 2
    assert err.startswith("error: no UCDP access token: set UCDP_TOKEN")
    assert api.seen == []


def test_credentials_are_read_from_the_secrets_file(api, data, capsys, monkeypatch, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[acled]\nemail = "{ACLED_EMAIL}"\npassword = "{ACLED_PASSWORD}"\n'
        f'[ucdp]\ntoken = "{UCDP_TOKEN}"\n'
    )
    monkeypatch.setenv(fetch.SECRETS_ENV, str(secrets))
    for name in ("ACLED_EMAIL", "ACLED_PASSWORD", "UCDP_TOKEN"):
        monkeypatch.delenv(name)
    api.acled_rows = acled_events(1, JAN)
    api.ucdp_rows = ucdp_events(1, JAN)
    assert _run(capsys, "acled")[0] == 0
    assert _run(capsys, "ucdp")[0] == 0


def test_an_unknown_ucdp_version_is_named(api, data, capsys):
    code, _, err = _run(capsys, "ucdp", "--version", "9.9")
    assert code == 2
    assert "has no GED version '9.9' (HTTP 404)" in err


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Answer(200, b""), "sent an empty answer to ACLED page 1"),
        (Answer(200, b"{'data': ["), "sent malformed JSON for ACLED page 1"),
        (Answer(200, b'{"status": 200, "success": true}'), "without a list of events"),
        (Answer(200, b'{"status": 500, "success": false}'), "with a failure (status 500)"),
    ],
)
def test_a_bad_acled_answer_stores_nothing(api, data, capsys, answer, expected):
    api.acled_rows = acled_events(3, JAN)
    api.fail_next(answer)
    code, _, err = _run(capsys, "acled")
    assert code == 2
    assert expected in err
    assert err.count("\n") == 1
    assert _nothing_stored(data)


def test_an_empty_acled_page_before_the_announced_count_stores_nothing(api, data, capsys):
    api.acled_rows = acled_events(5, JAN)
    api.empty_page = 2
    code, _, err = _run(capsys, "acled")
    assert code == 2
    assert "sent ACLED page 2 with 0 events, 2 in all of the 5 announced" in err
    assert _nothing_stored(data)


def test_an_empty_ucdp_page_before_the_last_stores_nothing(api, data, capsys):
    api.ucdp_rows = ucdp_events(5, JAN)
    api.empty_page = 1
    code, _, err = _run(capsys, "ucdp")
    assert code == 2
    assert "sent UCDP page 2 of 3 empty, with 5 events announced" in err
    assert _nothing_stored(data)


def test_a_malformed_ucdp_page_stores_nothing(api, data, capsys):
    api.ucdp_rows = ucdp_events(3, JAN)
    api.fail_next(Answer(200, b'{"Result": []}'))
    code, _, err = _run(capsys, "ucdp")
    assert code == 2
    assert "without TotalCount and TotalPages" in err


# -- no network ------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_closed_port_exits_2_with_one_line_and_changes_nothing(
    credentials, data, capsys, monkeypatch
):
    DatasetStore(data).import_file(FIXTURES / "acled_current_dyadic.csv")
    before = {p.name: p.read_bytes() for p in data.rglob("*") if p.is_file()}
    port = _closed_port()
    monkeypatch.setenv(fetch.ACLED_API_ENV, f"http://127.0.0.1:{port}")
    code, out, err = _run(capsys, "acled")
    assert (code, out) == (2, "")
    assert err == f"error: cannot reach 127.0.0.1:{port}: connection refused; nothing changed\n"
    after = {
        p.name: p.read_bytes() for p in data.rglob("*") if p.is_file() and p.name != "audit.jsonl"
    }
    assert after == {k: v for k, v in before.items() if k != "audit.jsonl"}


def test_a_name_that_cannot_resolve_exits_2_with_one_line(credentials, data, capsys, monkeypatch):
    real = socket.getaddrinfo

    def offline_resolver(host: bytes | str | None, *args: Any, **kwargs: Any) -> Any:
        # As an offline machine answers: the lookup itself fails (no query leaves it).
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", offline_resolver)
    monkeypatch.setenv(fetch.UCDP_API_ENV, "https://api.invalid")
    code, out, err = _run(capsys, "ucdp")
    assert (code, out) == (2, "")
    assert err == "error: cannot reach api.invalid: its name cannot be resolved; nothing changed\n"
    assert _nothing_stored(data)


def test_a_host_that_does_not_answer_in_time_is_tried_again(credentials, data, waits):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/oauth/token"
        http = fetch.Http(tries=2, timeout=0.2)
        with pytest.raises(fetch.FetchError, match=r"did not answer within 0\.2 s after 2 tries"):
            http.fetch_json(url, what="the token request")
    assert waits == [1.0]


# -- secrets ---------------------------------------------------------------------------------


def test_credentials_never_reach_output_urls_or_the_audit_log(api, data, capsys, monkeypatch):
    api.acled_rows = acled_events(3, JAN)
    api.ucdp_rows = ucdp_events(3, JAN)
    outputs = [_run(capsys, "acled", "--json"), _run(capsys, "ucdp")]
    api.fail_next(*[Answer(500)] * fetch.TRIES)
    outputs.append(_run(capsys, "ucdp", "--since", "2024-01-01"))
    monkeypatch.setenv("ACLED_PASSWORD", "wrong-password")
    outputs.append(_run(capsys, "acled", "--since", "2024-01-01"))
    assert [code for code, _, _ in outputs] == [0, 0, 2, 2]
    printed = "".join(out + err for _, out, err in outputs)
    log = audit_path(data).read_text()
    urls = " ".join(s.path + json.dumps(s.query) for s in api.seen)
    for secret in (*SECRETS, "wrong-password"):
        assert secret not in printed
        assert secret not in log
        assert secret not in urls


def test_a_message_that_carries_a_credential_is_masked(api, data, capsys, monkeypatch):
    def echoing_token(self: fetch.AcledClient) -> str:
        # A server that echoes what it was sent: the one line printed and logged is masked.
        raise fetch.FetchError(f"echo {self.credentials.password}")

    monkeypatch.setattr(fetch.AcledClient, "token", echoing_token)
    code, _, err = _run(capsys, "acled")
    assert (code, err) == (2, "error: echo ***; nothing changed\n")
    assert ACLED_PASSWORD not in audit_path(data).read_text()


def test_a_redirect_does_not_carry_the_token_to_another_host(api, data, capsys):
    with serve_standin() as elsewhere:
        elsewhere.ucdp_rows = ucdp_events(1, JAN)
        moved = f"{elsewhere.url}/api/gedevents/25.1?pagesize=2&page=0&Country=432"
        api.fail_next(Answer(302, b"", {"Location": moved}))
        code, _, err = _run(capsys, "ucdp")
    assert code == 2
    assert "refused the UCDP access token (HTTP 401)" in err
    assert [s.path for s in elsewhere.seen] == ["/api/gedevents/25.1"]
    assert "x-ucdp-access-token" not in elsewhere.seen[0].headers


def test_the_password_is_not_in_the_credentials_repr():
    assert ACLED_PASSWORD not in repr(fetch.AcledCredentials(ACLED_EMAIL, ACLED_PASSWORD))
    assert UCDP_TOKEN not in repr(fetch.UcdpCredentials(UCDP_TOKEN))


# -- access and input ------------------------------------------------------------------------


def test_a_viewer_may_not_fetch_and_the_api_is_not_asked(api, data, capsys, monkeypatch, tmp_path):
    roles = tmp_path / "roles.toml"
    roles.write_text(f'[[users]]\nemail = "cli:{getpass.getuser()}"\nrole = "viewer"\n')
    monkeypatch.setenv("ATLAS_ROLES_FILE", str(roles))
    api.acled_rows = acled_events(1, JAN)
    code, _, err = _run(capsys, "acled")
    assert code == 2
    assert err.startswith("error: refused: import needs the analyst role")
    assert api.seen == []
    (entry,) = read_log(data).entries
    assert (entry.action, entry.outcome) == ("import", "refused")


def test_an_analyst_may_fetch_but_not_replace(api, data, capsys, monkeypatch, tmp_path):
    roles = tmp_path / "roles.toml"
    roles.write_text(f'[[users]]\nemail = "cli:{getpass.getuser()}"\nrole = "analyst"\n')
    monkeypatch.setenv("ATLAS_ROLES_FILE", str(roles))
    api.acled_rows = acled_events(1, JAN)
    assert _run(capsys, "acled")[0] == 0
    code, _, err = _run(capsys, "acled", "--replace")
    assert code == 2
    assert "replace dataset needs the admin role" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["ucdp", "--version", "../25.1"], "'../25.1' is not a GED version"),
        (["ucdp", "--country", "Mali"], "'Mali' is not a Gleditsch-Ward country number"),
        (["acled", "--country", "<script>"], "'<script>' is not a country name ACLED uses"),
        (["acled", "--since", "2999-01-01"], "--since 2999-01-01 is in the future"),
    ],
)
def test_bad_input_is_named_and_nothing_is_asked(api, data, capsys, argv, expected):
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert expected in err
    assert api.seen == []


def test_a_since_that_is_not_a_date_is_refused_by_the_parser(api, data, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["fetch", "acled", "--since", "01/02/2024"])
    assert stop.value.code == 2
    assert "'01/02/2024' is not a date YYYY-MM-DD" in capsys.readouterr().err


def test_fetch_latest_is_the_same_for_any_caller(api, data):
    api.ucdp_rows = ucdp_events(2, JAN)
    analyst = User("gao.desk@example.org", "Gao desk", Role.ANALYST)
    outcome = fetch.fetch_latest(fetch.FetchRequest("ucdp"), analyst, DatasetStore(data))
    assert outcome.report is not None
    assert (outcome.events, outcome.report.added, outcome.since) == (2, 2, None)
    (entry,) = read_log(data).entries
    assert (entry.user, entry.action) == ("gao.desk@example.org", "import")
    assert entry.object.startswith("ucdp-ged from UCDP GED 25.1 API (country 432, all dates)")


# -- the Data page panel ---------------------------------------------------------------------


def _panel_page(role: str, folder: str) -> None:
    from pathlib import Path

    from atlas.access import Role, User
    from atlas.datasets import DatasetStore
    from ui.fetch import fetch_panel

    fetch_panel(DatasetStore(Path(folder)), User("desk@example.org", "Desk", Role[role]))


def _panel(role: str, data: Path) -> AppTest:
    at = AppTest.from_function(_panel_page, args=(role, str(data)), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_panel_is_shown_to_analysts(data):
    at = _panel("ANALYST", data)
    assert [h.value for h in at.subheader] == ["Fetch latest"]
    assert at.text_input(key="fetch_country").value == "Mali"
    assert [b.label for b in at.button] == ["Fetch latest"]


def test_the_panel_is_not_shown_to_viewers(data):
    at = _panel("VIEWER", data)
    assert not at.subheader
    assert not at.button


def test_the_panel_fetches_what_is_chosen_and_shows_the_report(data, monkeypatch):
    report = DatasetStore(data).import_file(FIXTURES / "ucdp_ged.csv")
    asked: list[fetch.FetchRequest] = []

    def fake_fetch(
        request: fetch.FetchRequest, user: User, store: DatasetStore
    ) -> fetch.FetchOutcome:
        asked.append(request)
        return fetch.FetchOutcome(
            "UCDP GED 24.1 API (country 432, from 2021-01-01)", None, 4, report
        )

    monkeypatch.setattr(fetch, "fetch_latest", fake_fetch)
    at = _panel("ANALYST", data)
    at.radio(key="fetch_source").set_value("UCDP GED").run()
    at.text_input(key="fetch_version").set_value("24.1")
    at.date_input(key="fetch_since").set_value(date(2021, 1, 1))
    at.button(key="fetch_run").click().run()
    assert not at.exception, at.exception
    assert asked == [fetch.FetchRequest("ucdp", None, "24.1", date(2021, 1, 1))]
    assert [s.value for s in at.success] == [
        "fetched 4 events from UCDP GED 24.1 API (country 432, from 2021-01-01)"
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Rows read"], metrics["Incidents accepted"]) == ("4", "3")


def test_the_panel_says_in_one_line_why_nothing_was_fetched(data, monkeypatch):
    def failing_fetch(
        request: fetch.FetchRequest, user: User, store: DatasetStore
    ) -> fetch.FetchOutcome:
        raise fetch.FetchError("cannot reach acleddata.com: network unreachable")

    monkeypatch.setattr(fetch, "fetch_latest", failing_fetch)
    at = _panel("ANALYST", data)
    at.button(key="fetch_run").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "Not fetched: cannot reach acleddata.com: network unreachable; nothing changed."
    ]
    assert not at.metric


def test_the_panel_says_when_there_was_nothing_new(data, monkeypatch):
    def empty_fetch(
        request: fetch.FetchRequest, user: User, store: DatasetStore
    ) -> fetch.FetchOutcome:
        return fetch.FetchOutcome("ACLED API (Mali, from 2024-01-03)", date(2024, 1, 3), 0, None)

    monkeypatch.setattr(fetch, "fetch_latest", empty_fetch)
    at = _panel("ADMIN", data)
    at.button(key="fetch_run").click().run()
    assert [i.value for i in at.info] == [
        "no events from ACLED API (Mali, from 2024-01-03); nothing changed"
    ]
