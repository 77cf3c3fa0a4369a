"""The load benchmark: its sessions, its bounds, and a small run against the served app."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bench.load import (
    MAX_SESSIONS,
    MOVES,
    SERVER_ENV,
    LoadError,
    main,
    one_session,
    percentile,
    ranges_for,
    run_load,
)
from tests.serving import serve_app

SPAN = 5_000  # days, about the shipped data's


def test_even_sessions_visit_the_same_ranges():
    assert ranges_for(0, SPAN) == ranges_for(2, SPAN) == ranges_for(40, SPAN)
    assert len(set(ranges_for(0, SPAN))) == MOVES


def test_odd_sessions_visit_ranges_nobody_else_visits():
    visited = [r for session in range(1, MAX_SESSIONS, 2) for r in ranges_for(session, SPAN)]
    assert len(visited) == len(set(visited))
    assert not set(visited) & set(ranges_for(0, SPAN))
    assert all(0 <= first <= last <= SPAN for first, last in visited)


def test_a_span_of_one_day_is_visited_whole():
    assert ranges_for(3, 1) == [(0, 1)] * MOVES


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.5) == 10.0
    assert percentile(values, 0.95) == 19.0
    assert percentile([4.0], 0.95) == 4.0
    assert percentile([], 0.95) == 0.0


@pytest.mark.parametrize("sessions", [0, MAX_SESSIONS + 1])
def test_too_many_or_no_sessions_are_refused(sessions):
    with pytest.raises(LoadError, match=f"between 1 and {MAX_SESSIONS}, not {sessions}"):
        run_load(sessions)


def test_the_server_is_started_as_make_run_starts_it():
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert SERVER_ENV
    for name, value in SERVER_ENV.items():
        assert f"{name}={value} " in run_recipe


def test_the_command_names_a_refused_argument(capsys):
    assert main(["--sessions", "201", "--json"]) == 2
    assert "--sessions must be between 1 and 200, not 201" in capsys.readouterr().err


FAILING_APP = """
from datetime import date

import streamlit as st

chosen = st.slider("Date range", date(2020, 1, 1), date(2020, 12, 31),
                   (date(2020, 1, 1), date(2020, 12, 31)))
if chosen[0] != date(2020, 1, 1):
    raise ValueError("the range broke the page")
"""


@pytest.mark.browser
def test_an_exception_in_a_run_is_counted_as_an_error(tmp_path: Path):
    script = tmp_path / "failing_app.py"
    script.write_text(FAILING_APP, encoding="utf-8")
    with serve_app(script) as app:
        opened, moves = asyncio.run(one_session(app.url, 1, run_timeout=60))
    assert opened.errors == []
    assert len(moves) == MOVES
    # The app's settings redact the message; that an exception arrived is what counts.
    assert all(len(move.errors) == 1 for move in moves)


@pytest.mark.browser
def test_two_sessions_on_the_shipped_data_finish_without_errors(capsys):
    assert main(["--sessions", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == 0, report["error_messages"]
    assert report["sessions"] == 2
    assert 0 < report["p50"] <= report["p95"] <= report["max"]
    assert report["mb_per_run"] > 0
    assert 0 < report["rss_start_mb"] <= report["rss_peak_mb"]
    assert report["rss_after_mb"] > 0
