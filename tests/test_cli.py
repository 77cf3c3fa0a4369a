"""``python -m atlas``: layers and view, on the shipped data and on a small folder of ours."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from atlas.cli import main
from tests.factories import incident_row, small_geodata_dir

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def geodata(tmp_path):
    return small_geodata_dir(tmp_path)


def _json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_layers_json_summarises_every_layer(geodata, capsys):
    summary = _json(capsys, "--geodata", str(geodata), "layers", "--json")
    assert set(summary) == {"countries", "regions", "towns", "rivers", "deployments", "incidents"}
    assert summary["regions"]["codes"] == ["ML-7", "ML-BKO"]
    assert summary["towns"]["names"] == ["Bamako", "Gao"]
    assert summary["incidents"]["rows"] == 3
    assert summary["incidents"]["crs"] == "EPSG:4326"
    assert summary["incidents"]["bounds"] == [-8.0029, 12.3657, -0.04, 16.2666]


def test_layers_table_is_readable(geodata, capsys):
    assert main(["--geodata", str(geodata), "layers"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("layer")
    assert any(line.startswith("incidents") and " 3 " in line for line in out.splitlines())


def test_view_json_lists_the_selected_incidents(geodata, capsys):
    summary = _json(
        capsys, "--geodata", str(geodata), "view", "from=2015-01-01&to=2015-12-31", "--json"
    )
    assert summary["count"] == 1
    assert summary["fatalities"] == 22
    assert summary["incidents"] == [
        {
            "id": "T-1",
            "date": "2015-11-20",
            "location": "Bamako",
            "event_type": "Violence against civilians",
            "actor1": "Al Mourabitoun",
            "fatalities": 22,
        }
    ]
    assert summary["view"]["date_from"] == "2015-01-01"
    assert summary["errors"] == []


def test_view_reports_bad_parameters_and_uses_defaults(geodata, capsys):
    summary = _json(
        capsys, "--geodata", str(geodata), "view", "from=yesterday&region=ML-BKO", "--json"
    )
    assert summary["errors"] == [
        {"name": "from", "value": "yesterday", "reason": "not a date written YYYY-MM-DD"}
    ]
    assert summary["count"] == 1  # the Bamako incident, over the whole span


def test_broken_data_exits_2_with_one_clear_line(tmp_path, capsys):
    folder = small_geodata_dir(tmp_path, [incident_row(latitude="91")])
    assert main(["--geodata", str(folder), "layers"]) == 2
    err = capsys.readouterr().err
    assert "incidents.csv, row 1, column 'latitude'" in err


def test_module_runs_on_the_shipped_data():
    result = subprocess.run(
        [sys.executable, "-m", "atlas", "layers", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {"Gao", "Bamako", "Timbuktu", "Kidal", "Mopti", "Ménaka"} <= set(
        summary["towns"]["names"]
    )
    assert len(set(summary["regions"]["codes"])) == summary["regions"]["rows"] == 9
    assert summary["incidents"]["rows"] >= 80
    assert summary["deployments"]["rows"] >= 25
