"""``python -m atlas export`` and ``pack``: files written atomically, clear exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from atlas.cli import main
from atlas.export.files import write_atomically
from tests.factories import small_geodata_dir

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def geodata(tmp_path, monkeypatch):
    folder = tmp_path / "geodata"
    folder.mkdir()
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "imported"))  # no imported datasets
    monkeypatch.delenv("ATLAS_ALLOW_RAW_EXPORT", raising=False)
    return small_geodata_dir(folder)


def _run(geodata: Path, *args: str) -> int:
    return main(["--geodata", str(geodata), *args])


def test_export_writes_the_geojson_of_a_view(geodata, tmp_path, capsys):
    out = tmp_path / "view.geojson"
    code = _run(
        geodata,
        "export",
        "--view",
        "from=2015-01-01&to=2015-12-31",
        "--format",
        "geojson",
        "--out",
        str(out),
    )
    assert code == 0
    assert len(json.loads(out.read_text())["features"]) == 1
    assert "wrote" in capsys.readouterr().out


def test_export_csv_gets_a_readme_beside_it(geodata, tmp_path):
    out = tmp_path / "view.csv"
    assert _run(geodata, "export", "--view", "", "--format", "csv", "--out", str(out)) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    readme = (tmp_path / "view.csv.README.txt").read_text()
    assert "Attribution" in readme
    assert "Rows: 3" in readme


def test_export_png_takes_a_size(geodata, tmp_path):
    out = tmp_path / "page.png"
    code = _run(
        geodata,
        "export",
        "--view",
        "?layers=regions,incidents",
        "--format",
        "png",
        "--size",
        "a4",
        "--out",
        str(out),
    )
    assert code == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_bad_query_string_is_one_line_and_exit_code_2(geodata, tmp_path, capsys):
    out = tmp_path / "never.pdf"
    code = _run(
        geodata,
        "export",
        "--view",
        "from=2015-13-01&minfat=lots",
        "--format",
        "pdf",
        "--out",
        str(out),
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: --view")
    assert "from=" in err
    assert "minfat=" in err
    assert not out.exists()


def test_size_is_refused_for_data_formats(geodata, tmp_path, capsys):
    code = _run(
        geodata,
        "export",
        "--view",
        "",
        "--format",
        "csv",
        "--size",
        "a4",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert code == 2
    assert "--size" in capsys.readouterr().err


def test_an_unwritable_destination_is_reported(geodata, tmp_path, capsys):
    code = _run(
        geodata,
        "export",
        "--view",
        "",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "missing" / "x.csv"),
    )
    assert code == 1
    assert "cannot write" in capsys.readouterr().err


def test_pack_writes_one_page_per_view(geodata, tmp_path):
    out = tmp_path / "pack.pdf"
    code = _run(
        geodata,
        "pack",
        "--view",
        "from=2015-01-01&to=2015-12-31&title=Bamako 2015",
        "--view",
        "agg=hexes",
        "--out",
        str(out),
    )
    assert code == 0
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) == 4  # cover, table, two views
    assert "Bamako 2015" in reader.pages[2].extract_text()


def test_pack_names_the_bad_view(geodata, tmp_path, capsys):
    code = _run(
        geodata, "pack", "--view", "", "--view", "region=ML-99", "--out", str(tmp_path / "pack.pdf")
    )
    assert code == 2
    assert "--view #2" in capsys.readouterr().err


def test_the_module_exits_with_2_on_a_bad_query_string(geodata, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "atlas",
            "--geodata",
            str(geodata),
            "export",
            "--view",
            "zoom=99",
            "--format",
            "png",
            "--out",
            str(tmp_path / "x.png"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: --view 'zoom=99'")
    assert len(done.stderr.strip().splitlines()) == 1


def test_write_atomically_replaces_the_whole_file(tmp_path):
    target = tmp_path / "out.bin"
    write_atomically(target, b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.bin"
    write_atomically(target, b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
