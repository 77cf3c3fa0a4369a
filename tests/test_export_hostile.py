"""Exports and the command line facing hostile text, odd views and odd destinations."""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
import warnings
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from matplotlib.text import Text
from PIL import Image
from pypdf import PdfReader

from atlas.cli import EXIT_CLOSED_PIPE, main
from atlas.export.describe import summarise
from atlas.export.files import NotAFileError, checked_destination, write_atomically
from atlas.export.formats import export_view
from atlas.export.html import fetched_urls
from atlas.export.pack import briefing_pack
from atlas.export.static_map import (
    PAGE_SIZES,
    draw_view,
    export_style,
    new_figure,
    plain_text,
    view_extent,
)
from atlas.view import ViewState, parse_query_string
from loaders import AtlasLayers
from tests.factories import incident_row, small_geodata_dir, small_layers

REPO = Path(__file__).resolve().parents[1]
MATHS = "$\\foo{$ and $x^2$"  # matplotlib would read both as mathematics
LONG = " long" * 2_000  # 10,000 characters
HOSTILE = f"{MATHS}\nsecond line{LONG}"


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _png_size(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG"
        return image.size


@pytest.fixture
def layers(tmp_path: Path) -> AtlasLayers:
    return small_layers(tmp_path)


def _hostile_layers(layers: AtlasLayers, text: str) -> AtlasLayers:
    """Every text an export draws from the data set to ``text``: credits, names, labels."""
    incidents = layers.incidents.assign(
        dataset=f"math_{text}",
        licence=f"licence {text}",
        actor1=text,
        sub_event_type=text,
        admin1_name=text,
    )
    towns = layers.towns.assign(name=text)
    deployments = layers.deployments.assign(mission=text)
    return replace(layers, incidents=incidents, towns=towns, deployments=deployments)


def test_maths_like_text_is_drawn_literally_in_png_pdf_and_pack(layers):
    hostile = _hostile_layers(layers, HOSTILE)
    view = ViewState(actors=(HOSTILE,))
    png = export_view(hostile, view, "png", title=HOSTILE).content
    assert _png_size(png) == (1920, 1080)
    pdf = _pdf_text(export_view(hostile, view, "pdf", title=HOSTILE).content)
    summary = summarise(hostile, view, HOSTILE)
    pack = _pdf_text(briefing_pack(hostile, [summary], title=HOSTILE, generated=date(2025, 1, 2)))
    for text in (pdf, pack):
        assert "$\\foo{$" in text
        assert "$x^2$" in text
        assert "math_$\\foo{$" in text  # the dataset's name, in the credits
        assert "Actor: $\\foo{$" in text  # the filters line
        assert "Incidents 3" in text  # the actor filter selected every row


def test_every_text_object_is_plain_whatever_drew_it(layers):
    """Figure texts, axes texts (town labels), annotations (north arrow) and legend labels."""
    text = "$\\foo{$"
    hostile = _hostile_layers(layers, text)
    summary = summarise(hostile, ViewState(actors=(text,)), text)
    page = PAGE_SIZES["slide"]
    with export_style():
        fig = new_figure(page, raster=True)
        draw_view(fig, hostile, summary, page)
        texts = fig.findobj(Text)
    drawn_by = {type(t).__name__ for t in texts}
    assert {"Text", "Annotation"} <= drawn_by
    town_labels = [t for t in fig.axes[0].texts if t.get_text() == text]
    legend_labels = [t for t in fig.legends[0].get_texts() if t.get_text() == text]
    assert town_labels
    assert legend_labels
    assert not [t for t in texts if t.get_parse_math() or t.get_usetex()]


@pytest.mark.parametrize(
    ("raw", "drawn"),
    [
        ("line\nbreak\ttab\r\n", "line break tab  "),
        ("nul\x00escape\x1b[31m", "nul escape [31m"),
        ("abc\u202egnp.exe", "abcgnp.exe"),  # a direction override is dropped
        ("\ufeffbom and zero\u200bwidth", "bom and zerowidth"),
        ("flag \U0001f1f2\U0001f1f1", "flag \ufffd\ufffd"),  # no glyph in the font
        ("Ségou, Tombouctou – 𝑥", "Ségou, Tombouctou – \ufffd"),
    ],
)
def test_plain_text_keeps_one_line_of_drawable_characters(raw, drawn):
    assert plain_text(raw) == drawn


def test_unusual_characters_export_without_errors_or_warnings(layers):
    text = "a\x00b\nc\u202ed\ufeffe \U0001f1f2\U0001f1f1 😀 \u2028 end"
    hostile = _hostile_layers(layers, text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-glyph warnings on the console either
        for fmt in ("png", "pdf"):
            export_view(hostile, ViewState(), fmt, title=text)
        briefing_pack(hostile, [summarise(hostile, ViewState(), text)], title=text)


def test_credits_of_any_length_leave_room_for_the_map(layers):
    hostile = replace(layers, incidents=layers.incidents.assign(dataset="x" * 40_000))
    pdf = export_view(hostile, ViewState(), "pdf").content
    text = _pdf_text(pdf)
    assert "xxxx …" in text
    assert _png_size(export_view(hostile, ViewState(), "png").content) == (1920, 1080)


@pytest.mark.parametrize(
    "query",
    [
        "lat=90&lon=0&zoom=5",
        "lat=-90&lon=0",
        "lat=90&lon=180&zoom=4",
        "lat=0&lon=180&zoom=4",
        "lat=0&lon=-180&zoom=13",
        "lat=-85.06&lon=179.999&zoom=13",
    ],
)
def test_any_accepted_centre_exports(layers, query):
    parsed = parse_query_string(query)
    assert parsed.errors == ()
    assert _png_size(export_view(layers, parsed.view, "png").content) == (1920, 1080)
    assert "lat=" in _pdf_text(export_view(layers, parsed.view, "pdf").content)


@pytest.mark.parametrize("lat", [-90.0, -85.1, 0.0, 45.0, 89.999, 90.0])
@pytest.mark.parametrize("lon", [-180.0, -90.0, -3.0, 90.0, 180.0])
@pytest.mark.parametrize("zoom", [4, 13])
def test_view_extent_is_finite_and_not_empty(layers, lat, lon, zoom):
    extent = view_extent(summarise(layers, ViewState(lat=lat, lon=lon, zoom=zoom)))
    corners = (extent.xmin, extent.xmax, extent.ymin, extent.ymax)
    assert all(math.isfinite(v) for v in corners)
    assert extent.width > 1
    assert extent.height > 1


def test_a_pole_is_framed_like_the_interactive_map_at_its_limit(layers):
    at_pole = view_extent(summarise(layers, ViewState(lat=90, lon=0, zoom=6)))
    at_limit = view_extent(summarise(layers, ViewState(lat=85.0511287798, lon=0, zoom=6)))
    assert at_pole == at_limit


# Hostile HTML-looking data: escaped, it is text on the page, and loads nothing.
_MARKUP = "<img src=x>"
_BARE_SRC = "src=http://evil.example/a.png url(http://evil.example/b.png)"


def test_html_export_with_src_in_the_data_loads_nothing(tmp_path):
    layers = small_layers(tmp_path, [incident_row(actor1=_MARKUP, description=_BARE_SRC)])
    layers = replace(layers, incidents=layers.incidents.assign(dataset=_BARE_SRC))
    html = export_view(layers, ViewState(actors=(_MARKUP,)), "html", title=_MARKUP).content
    page = html.decode("utf-8")
    assert "<img src=x>" not in page
    assert "&lt;img src=x&gt;" in page  # the title and the actor filter, shown as text
    assert "Incidents: src=http://evil.example/a.png" in page  # the credits, as text
    assert fetched_urls(page) == []


def test_fetched_urls_reads_the_page_elements_not_its_text():
    page = (
        "<p>&lt;img src=x&gt; src=http://a url(http://b) @import 'http://c'</p>"
        '<img src="http://d/1.png"><img srcset="http://e/1.png 1x, /f.png 2x"/>'
        '<a href="http://g/">followed only when clicked</a><link rel="icon" href="/h.ico">'
        '<div style="background:url(http://i/1.png)"></div>'
        "<style>@import 'http://j/1.css'; p { background: url(data:image/png;base64,AA) }</style>"
        '<script src="http://k/1.js"></script><script>var t = "<img src=http://l>";</script>'
        '<IMG SRC=http://m/1.png><link href="#local">'
    )
    assert fetched_urls(page) == [
        "http://d/1.png",
        "http://e/1.png",
        "/f.png",
        "/h.ico",
        "http://i/1.png",
        "http://j/1.css",
        "http://k/1.js",
        "http://m/1.png",
    ]


# --out: only a regular file is replaced.


@pytest.fixture
def geodata(tmp_path: Path) -> Path:
    folder = tmp_path / "geodata"
    folder.mkdir()
    return small_geodata_dir(folder)


def _export(geodata: Path, out: Path, fmt: str = "csv") -> int:
    return main(
        ["--geodata", str(geodata), "export", "--view", "", "--format", fmt, "--out", str(out)]
    )


def _not_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    link = tmp_path / "link-to-pipe"
    link.symlink_to(fifo)
    return {"named pipe": fifo, "folder": folder, "link to a named pipe": link}


@pytest.mark.parametrize("kind", ["named pipe", "folder", "link to a named pipe"])
@pytest.mark.parametrize("fmt", ["csv", "png"])
def test_export_refuses_to_replace_what_is_not_a_file(geodata, tmp_path, capsys, kind, fmt):
    out = _not_files(tmp_path)[kind]
    before = os.lstat(out)
    assert _export(geodata, out, fmt) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --out {out}")
    assert err.count("\n") == 1
    after = os.lstat(out)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_pack_refuses_a_named_pipe(geodata, tmp_path, capsys):
    fifo = _not_files(tmp_path)["named pipe"]
    code = main(["--geodata", str(geodata), "pack", "--view", "", "--out", str(fifo)])
    assert code == 2
    assert "named pipe" in capsys.readouterr().err


def test_a_device_is_never_a_destination(tmp_path):
    # Only looked at, never written: the check refuses it before any temporary file exists.
    with pytest.raises(NotAFileError, match="character device"):
        checked_destination(Path(os.devnull))
    link = tmp_path / "null"
    link.symlink_to(os.devnull)
    with pytest.raises(NotAFileError, match=r"links to /dev/null\) is a character device"):
        write_atomically(link, b"data")
    assert link.is_symlink()


def test_a_link_to_a_file_is_written_through(tmp_path):
    target = tmp_path / "real.csv"
    target.write_bytes(b"old")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    write_atomically(link, b"new")
    assert link.is_symlink()
    assert target.read_bytes() == b"new"


def test_a_csv_readme_that_is_a_folder_is_refused_before_writing(geodata, tmp_path, capsys):
    out = tmp_path / "view.csv"
    (tmp_path / "view.csv.README.txt").mkdir()
    assert _export(geodata, out) == 2
    assert "view.csv.README.txt is a folder" in capsys.readouterr().err
    assert not out.exists()


# Arguments that are not text, and readers that go away.


def test_arguments_that_are_not_utf8_are_refused(geodata, tmp_path, capsys):
    undecodable = os.fsdecode(b"actor=\xff")  # as the interpreter hands over such bytes
    for argv in (
        ["export", "--view", undecodable, "--format", "csv", "--out", str(tmp_path / "x.csv")],
        ["export", "--view", "", "--title", undecodable, "--format", "html", "--out", "x.html"],
        ["pack", "--view", undecodable, "--out", str(tmp_path / "x.pdf")],
        ["view", undecodable],
    ):
        with pytest.raises(SystemExit) as stop:
            main(["--geodata", str(geodata), *argv])
        assert stop.value.code == 2
        assert "not valid UTF-8 text: 'actor=\\xff'" in capsys.readouterr().err
    assert list(tmp_path.glob("x.*")) == []


def test_an_output_name_that_is_not_utf8_is_written_and_printed(geodata, tmp_path, capsys):
    out = Path(os.fsdecode(bytes(tmp_path) + b"/\xff.csv"))
    assert _export(geodata, out) == 0
    assert "\\xff.csv" in capsys.readouterr().out
    assert out.exists()


@pytest.mark.parametrize("command", [["view", ""], ["layers", "--json"], ["layers"]])
def test_a_reader_that_goes_away_ends_the_command_quietly(geodata, command):
    process = subprocess.Popen(
        [sys.executable, "-m", "atlas", "--geodata", str(geodata), *command],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert process.stdout is not None
    process.stdout.close()  # as `head` does once it has read enough, here before any output
    _, err = process.communicate(timeout=120)
    assert err.decode() == ""
    assert process.returncode == EXIT_CLOSED_PIPE


def test_bad_view_values_are_refused_not_drawn(geodata, tmp_path, capsys):
    for query in ("zoom=0", "zoom=30", "lon=1e308&lat=0", "lat=nan&lon=0"):
        out = str(tmp_path / "x.png")
        argv = ["--geodata", str(geodata), "export", "--view", query, "--format", "png"]
        assert main([*argv, "--out", out]) == 2
        assert capsys.readouterr().err.startswith(f"error: --view '{query}'")
    assert not (tmp_path / "x.png").exists()


def test_a_view_that_matches_nothing_exports_in_every_format(layers):
    view = ViewState(actors=("nobody",), layers=("incidents",), agg="heat")
    for fmt in ("png", "pdf", "html", "csv", "geojson"):
        assert export_view(layers, view, fmt).content
    empty = ViewState(layers=())
    assert "none in this view" not in _pdf_text(export_view(layers, empty, "pdf").content)
