"""The command line asks the same access module as the pages, and leaves its trace in the log."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest

from atlas.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def _as(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, role: str, regions: str = "") -> None:
    """Give the command line's user a role (and regions) in a roles file."""
    roles = tmp_path / "roles.toml"
    extra = f"\nregions = [{regions}]" if regions else ""
    roles.write_text(f'[[users]]\nemail = "cli:{getpass.getuser()}"\nrole = "{role}"{extra}\n')
    monkeypatch.setenv("ATLAS_ROLES_FILE", str(roles))


def _audit(capsys: pytest.CaptureFixture[str]) -> list[dict[str, str]]:
    assert main(["audit", "--json"]) == 0
    entries: list[dict[str, str]] = json.loads(capsys.readouterr().out)
    return entries


def test_an_import_appends_an_entry_naming_the_cli_user(data, capsys):
    assert main(["import", str(FIXTURES / "ucdp_ged.csv")]) == 0
    assert main(["import", str(FIXTURES / "ucdp_ged.csv")]) == 0
    capsys.readouterr()
    entries = _audit(capsys)
    assert [(e["user"], e["role"], e["action"], e["outcome"]) for e in entries] == [
        (f"cli:{getpass.getuser()}", "admin", "import", "ok"),
        (f"cli:{getpass.getuser()}", "admin", "reimport", "ok"),
    ]
    assert entries[0]["object"] == "ucdp-ged from ucdp_ged.csv: 3 accepted, 1 rejected"


def test_a_failed_import_is_recorded_as_failed(data, tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert main(["import", str(empty)]) == 2
    capsys.readouterr()
    (entry,) = _audit(capsys)
    assert (entry["action"], entry["outcome"]) == ("import", "failed")
    assert "empty" in entry["reason"]


def test_a_viewer_cannot_import_remove_or_export_and_each_refusal_is_recorded(
    data, tmp_path, monkeypatch, capsys
):
    assert main(["import", str(FIXTURES / "ucdp_ged.csv")]) == 0
    _as(monkeypatch, tmp_path, "viewer")
    out = tmp_path / "view.csv"
    for argv in (
        ["import", str(FIXTURES / "ucdp_ged.csv")],
        ["remove", "ucdp-ged"],
        ["export", "--view", "", "--format", "csv", "--out", str(out)],
        ["pack", "--view", "", "--out", str(tmp_path / "pack.pdf")],
        ["audit"],
    ):
        assert main(argv) == 2, argv
        assert "error: refused: " in capsys.readouterr().err
    assert not out.exists()
    monkeypatch.delenv("ATLAS_ROLES_FILE")
    refusals = [e for e in _audit(capsys) if e["outcome"] == "refused"]
    assert [e["action"] for e in refusals] == [
        "import",
        "remove_dataset",
        "export",
        "export",
        "read_audit",
    ]
    assert main(["datasets", "--json"]) == 0
    assert [d["name"] for d in json.loads(capsys.readouterr().out)] == ["ucdp-ged"]


def test_a_removal_and_an_export_are_recorded(data, tmp_path, capsys):
    assert main(["import", str(FIXTURES / "ucdp_ged.csv")]) == 0
    assert main(["remove", "ucdp-ged"]) == 0
    out = tmp_path / "view.geojson"
    assert main(["export", "--view", "region=ML-7", "--format", "geojson", "--out", str(out)]) == 0
    capsys.readouterr()
    entries = _audit(capsys)
    assert [e["action"] for e in entries] == ["import", "remove", "export"]
    assert entries[1]["object"] == "ucdp-ged (3 rows)"
    assert entries[2]["object"].startswith("geojson of ?region=ML-7 to ")


def test_a_region_restricted_cli_user_exports_only_their_regions(
    data, tmp_path, monkeypatch, capsys
):
    assert main(["import", str(FIXTURES / "ucdp_ged.csv")]) == 0
    capsys.readouterr()
    assert main(["view", "", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] > 1
    _as(monkeypatch, tmp_path, "analyst", '"ML-7"')
    assert main(["view", "", "--json"]) == 0
    seen = json.loads(capsys.readouterr().out)
    assert seen["count"] >= 1
    out = tmp_path / "gao.geojson"
    assert main(["export", "--view", "", "--format", "geojson", "--out", str(out)]) == 0
    features = json.loads(out.read_text())["features"]
    assert len(features) == seen["count"]
    assert {f["properties"]["admin1"] for f in features} == {"ML-7"}


def test_audit_since_and_user_filter_the_entries(data, capsys):
    assert main(["import", str(FIXTURES / "ucdp_ged.csv")]) == 0
    capsys.readouterr()
    assert main(["audit", "--json", "--since", "2999-01-01"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["audit", "--json", "--user", "someone@else"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["audit"]) == 0
    assert "import" in capsys.readouterr().out
