"""The cold start benchmark: its bounds, its isolation, and one run against the served app."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.cold_start import (
    MAX_RUNS,
    STAGES,
    USER_DATA_SETTINGS,
    ColdStartError,
    cold_start,
    data_settings,
    main,
    summary,
)


def _children() -> set[int]:
    """The processes this test process has started and not yet reaped."""
    mine = str(os.getpid())
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if fields[1] == mine:
            found.add(int(stat.parent.name))
    return found


def test_summary_is_min_median_max_to_the_millisecond():
    assert summary([2.0, 0.5, 1.2345, 9.0]) == {"min": 0.5, "median": 1.617, "max": 9.0}
    assert summary([1.5]) == {"min": 1.5, "median": 1.5, "max": 1.5}


@pytest.mark.parametrize("runs", [0, MAX_RUNS + 1])
def test_the_command_refuses_runs_out_of_bounds(runs, capsys):
    assert main(["--runs", str(runs), "--json"]) == 2
    assert f"--runs must be between 1 and {MAX_RUNS}, not {runs}" in capsys.readouterr().err


def test_the_server_reads_a_private_data_dir_and_the_shipped_layers(tmp_path: Path):
    settings = data_settings(tmp_path)
    assert settings["ATLAS_DATA_DIR"] == str(tmp_path)
    assert all(settings[name] == "" for name in USER_DATA_SETTINGS)


MAPLESS_APP = """
import streamlit as st

st.title("Home")
"""

FAILING_APP = """
raise ValueError("the page broke")
"""


@pytest.mark.browser
@pytest.mark.parametrize(
    ("script", "message"),
    [(MAPLESS_APP, "page drew no map"), (FAILING_APP, "page failed")],
)
def test_a_failed_or_mapless_page_is_not_usable_and_its_server_is_stopped(
    tmp_path: Path, script: str, message: str
):
    app = tmp_path / "app.py"
    app.write_text(script, encoding="utf-8")
    before = _children()
    with pytest.raises(ColdStartError, match=f"the first session's {message}"):
        cold_start(app)
    assert _children() <= before


@pytest.mark.browser
def test_the_users_own_data_settings_are_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Either would break the app's first page if the served app read it.
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(tmp_path / "missing"))
    monkeypatch.setenv("ATLAS_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    start = cold_start()
    assert start.first_page_s > 0


@pytest.mark.browser
def test_one_cold_start_reports_ordered_positive_stages(capsys):
    assert main(["--runs", "1", "--json"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert "Home with its map" in "\n".join(printed)
    report = json.loads(printed[-1])
    assert set(report) == {"runs", *STAGES}
    assert report["runs"] == 1
    for stage in STAGES:
        figures = report[stage]
        assert set(figures) == {"min", "median", "max"}
        assert 0 < figures["min"] <= figures["median"] <= figures["max"]
    assert report["server_ready_s"]["max"] < report["first_page_s"]["min"]
