"""Shared map notes: checking, storing, permissions, the notes layer, the map and the exports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from matplotlib.text import Text

from atlas.access import RefusedError, Role, User, restricted_layers
from atlas.audit import read_log
from atlas.escape import escape_html
from atlas.export.describe import summarise
from atlas.export.static_map import draw_view, new_figure, page_size, render_static
from atlas.mapping import build_map
from atlas.notes import (
    NOTES_FILE,
    Note,
    NoteDraft,
    NoteError,
    NotesStore,
    notes_frame,
    notes_in_view,
    notes_table,
    short_text,
)
from atlas.store import EmbeddedStore
from atlas.view import LAYER_NAMES, ViewState, parse_query_string
from loaders import AtlasLayers, LayerError, empty_notes
from tests.factories import small_geodata_dir, small_layers

REPO = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(1)> `tick` ${alert(1)} </script><script>alert(2)</script>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt; &#96;tick&#96; &#36;&#123;alert(1)&#125;"

VIEWER = User("v@example.org", "Viewer", Role.VIEWER)
ANALYST = User("a@example.org", "Analyst", Role.ANALYST)
OTHER = User("b@example.org", "Other analyst", Role.ANALYST)
GAO = User("gao@example.org", "Gao desk", Role.ANALYST, frozenset({"ML-7"}))
ADMIN = User("boss@example.org", "Admin", Role.ADMIN)

IN_GAO = (16.27, -0.04)  # inside the test region ML-7
IN_BURKINA = (12.0, -3.0)  # inside the atlas area, in no region of Mali
JAN = (date(2016, 1, 1), date(2016, 1, 31))


def draft(
    text: str = "Road to Ansongo closed",
    days: tuple[date, date] = JAN,
    *,
    lat: float | None = None,
    lon: float | None = None,
    region: str | None = None,
) -> NoteDraft:
    """A valid note pinned in Gao unless another point or a region is given."""
    if lat is None and lon is None and region is None:
        lat, lon = IN_GAO
    return NoteDraft(text, days[0], days[1], lat=lat, lon=lon, region=region)


@pytest.fixture
def layers(tmp_path: Path) -> AtlasLayers:
    return small_layers(tmp_path)


@pytest.fixture
def store(tmp_path: Path, layers: AtlasLayers, backend: str) -> NotesStore:
    """The store in use, once on the data directory and once on PostGIS."""
    return NotesStore(tmp_path / "data", regions=layers.regions)


@pytest.fixture
def file_store(tmp_path: Path, layers: AtlasLayers) -> NotesStore:
    """The data directory's store, for what only it has (the file)."""
    return NotesStore(tmp_path / "data", regions=layers.regions)


# -- checking a draft -------------------------------------------------------------------------


def test_a_point_note_is_stored_with_its_author_times_and_region(store):
    note = store.add(ANALYST, draft("  Road to Ansongo closed \r\nuntil further notice  "))
    assert re.fullmatch(r"[0-9a-f]{8}", note.id)
    assert note.author == ANALYST.id
    assert note.text == "Road to Ansongo closed \nuntil further notice"
    assert (note.lat, note.lon, note.region, note.admin1) == (16.27, -0.04, None, "ML-7")
    assert note.created_at == note.updated_at
    assert datetime.fromisoformat(note.created_at.replace("Z", "+00:00")).tzinfo is not None
    assert store.all() == (note,)


def test_a_region_note_is_drawn_at_the_regions_representative_point(store, layers):
    note = store.add(ANALYST, draft(region="ML-7"))
    gao = layers.regions.loc[layers.regions["iso_code"] == "ML-7"].geometry.iloc[0]
    point = gao.representative_point()
    assert (note.lat, note.lon) == (point.y, point.x)
    assert (note.region, note.admin1) == ("ML-7", "ML-7")


def test_a_point_outside_malis_regions_has_no_region(store):
    assert store.add(ANALYST, draft(lat=IN_BURKINA[0], lon=IN_BURKINA[1])).admin1 is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": ""}, "text is empty"),
        ({"text": " \n\t "}, "text is empty"),
        ({"text": "x" * 2001}, "2,001 characters; at most 2,000"),
        ({"text": "bell\x07"}, "control character U+0007 at character 5"),
        ({"text": "esc \x1b[31m"}, "control character U+001B"),
        ({"date_from": None}, "first date is missing"),
        ({"date_to": "2016-01-31"}, "last date is missing or not a date"),
        ({"date_from": date(2016, 2, 1)}, "last day (2016-01-31) is before its first day"),
        ({"lat": None, "lon": None}, "pin the note to a point on the map or to a region"),
        ({"region": "ML-7"}, "not both"),
        ({"lon": None}, "both a latitude and a longitude"),
        ({"lat": 48.85, "lon": 2.35}, "outside the atlas area"),
        ({"lat": float("nan")}, "outside the atlas area"),
        ({"lat": None, "lon": None, "region": "ML-99"}, "unknown region 'ML-99'"),
        ({"lat": None, "lon": None, "region": "ML-3"}, "ML-3 has no boundary"),
    ],
)
def test_a_bad_draft_is_refused_naming_what_is_wrong(store, changes, message):
    with pytest.raises(NoteError, match=re.escape(message)):
        store.add(ANALYST, replace(draft(), **changes))
    assert store.all() == ()
    assert not store.path.exists()


def test_every_problem_of_a_draft_is_named_at_once(store):
    bad = NoteDraft("", date(2016, 2, 1), date(2016, 1, 1))
    with pytest.raises(NoteError) as caught:
        store.add(ANALYST, bad)
    assert len(str(caught.value).splitlines()) == 3


def test_the_longest_text_line_breaks_and_tabs_are_taken(store):
    text = "a\tb\n" + "x" * 1996
    assert store.add(ANALYST, draft(text)).text == text


def test_a_one_day_note_is_taken(store):
    day = date(2016, 1, 5)
    note = store.add(ANALYST, draft(days=(day, day)))
    assert note.date_from == note.date_to == day


# -- permissions and the audit log -------------------------------------------------------------


def test_a_viewer_may_not_add_and_the_refusal_is_audited(store):
    with pytest.raises(RefusedError, match="needs the analyst role"):
        store.add(VIEWER, draft())
    assert store.all() == ()
    (entry,) = read_log(store.folder).entries
    assert (entry.user, entry.action, entry.outcome) == (VIEWER.id, "write_note", "refused")


def test_every_change_is_audited_without_the_text(store):
    note = store.add(ANALYST, draft(HOSTILE))
    store.update(ANALYST, note.id, draft("Reopened"))
    store.delete(ANALYST, note.id)
    entries = read_log(store.folder).entries
    assert [(e.action, e.outcome, e.object.split()[0]) for e in entries] == [
        ("note", "ok", "added"),
        ("note", "ok", "changed"),
        ("note", "ok", "deleted"),
    ]
    assert all(note.id in e.object for e in entries)
    assert not any("img" in e.object or "Reopened" in e.object for e in entries)


def test_only_the_author_or_an_admin_may_change_a_note(store):
    note = store.add(ANALYST, draft())
    with pytest.raises(RefusedError, match=r"only its author \(a@example.org\) or an admin"):
        store.update(OTHER, note.id, draft("Taken over"))
    with pytest.raises(RefusedError):
        store.delete(OTHER, note.id)
    with pytest.raises(RefusedError):
        store.delete(VIEWER, note.id)
    assert store.all() == (note,)
    changed = store.update(ADMIN, note.id, draft("Checked by the admin"))
    assert (changed.id, changed.author, changed.created_at) == (
        note.id,
        note.author,
        note.created_at,
    )
    assert changed.text == "Checked by the admin"
    assert store.delete(ADMIN, note.id) == changed
    assert store.all() == ()


def test_the_author_changes_text_days_and_place(store):
    note = store.add(ANALYST, draft())
    later = (date(2016, 3, 1), date(2016, 3, 2))
    changed = store.update(ANALYST, note.id, draft("Moved", days=later, region="ML-BKO"))
    assert (changed.text, changed.date_from, changed.date_to) == ("Moved", *later)
    assert (changed.region, changed.admin1) == ("ML-BKO", "ML-BKO")
    assert changed.updated_at >= note.updated_at
    assert store.all() == (changed,)


def test_a_restricted_analyst_writes_only_inside_their_regions(store):
    mine = store.add(GAO, draft())
    with pytest.raises(RefusedError, match="may not act on regions ML-BKO"):
        store.add(GAO, draft(region="ML-BKO"))
    with pytest.raises(RefusedError, match="outside Mali's regions"):
        store.add(GAO, draft(lat=IN_BURKINA[0], lon=IN_BURKINA[1]))
    with pytest.raises(RefusedError, match="ML-BKO"):  # nor move their own note out
        store.update(GAO, mine.id, draft(region="ML-BKO"))
    elsewhere = store.add(ADMIN, draft(region="ML-BKO"))
    with pytest.raises(RefusedError):
        store.delete(GAO, elsewhere.id)
    assert {n.id for n in store.all()} == {mine.id, elsewhere.id}


def test_a_restricted_user_lists_only_the_notes_inside_their_regions(store):
    in_gao = store.add(ANALYST, draft())
    store.add(ANALYST, draft(region="ML-BKO"))
    store.add(ANALYST, draft(lat=IN_BURKINA[0], lon=IN_BURKINA[1]))
    assert store.list(GAO) == (in_gao,)
    assert len(store.list(VIEWER)) == 3


def test_the_list_is_newest_first(store):
    first = store.add(ANALYST, draft("first"))
    second = store.add(ANALYST, draft("second"))
    listed = [n.id for n in store.list(ANALYST)]
    assert set(listed) == {first.id, second.id}
    if first.created_at != second.created_at:  # within one second, the ids decide
        assert listed == [second.id, first.id]


def test_a_missing_note_is_named(store):
    with pytest.raises(NoteError, match="no note 'nope'"):
        store.delete(ANALYST, "nope")
    with pytest.raises(NoteError, match="no note 'nope'"):
        store.update(ANALYST, "nope", draft())


# -- the notes file --------------------------------------------------------------------------


def test_the_file_is_json_a_person_can_read(file_store):
    store = file_store
    note = store.add(ANALYST, draft("Ségou: marché fermé"))
    raw = json.loads(store.path.read_text(encoding="utf-8"))
    assert raw["version"] == 1
    assert raw["notes"] == [note.to_json()]
    assert "Ségou" in store.path.read_text(encoding="utf-8")
    assert Note.from_json(raw["notes"][0]) == note


def test_a_broken_notes_file_is_named(file_store):
    store = file_store
    store.folder.mkdir(parents=True)
    store.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(LayerError, match=r"notes\.json: unreadable notes file"):
        store.all()
    store.path.write_text('{"version": 1, "notes": [{"id": "x"}]}', encoding="utf-8")
    with pytest.raises(LayerError, match="note entry 1 is unreadable: missing author"):
        store.all()


def test_a_temp_file_left_by_a_killed_write_is_swept_and_never_read(file_store):
    store = file_store
    store.add(ANALYST, draft("kept"))
    stale = store.folder / f".{NOTES_FILE}.abc.tmp"
    stale.write_text("half a file")
    assert [n.text for n in store.all()] == ["kept"]
    store.add(ANALYST, draft("second"))
    assert not stale.exists()
    assert [p.name for p in store.folder.glob(".*.tmp")] == []


def test_the_fingerprint_changes_with_every_change(store):
    before = store.fingerprint()
    note = store.add(ANALYST, draft())
    added = store.fingerprint()
    store.update(ANALYST, note.id, draft("changed"))
    assert len({before, added, store.fingerprint()}) == 3


_ADD_MANY = """
import sys
from datetime import date
from atlas.access import Role, User
from atlas.notes import NoteDraft, NotesStore
user = User(sys.argv[2], sys.argv[2], Role.ANALYST)
store = NotesStore()
for number in range(int(sys.argv[1])):
    store.add(user, NoteDraft(f"{sys.argv[2]} {number}", date(2016, 1, 1), date(2016, 1, 2),
                              region="ML-7"))
"""


def test_two_processes_adding_at_once_lose_nothing(tmp_path, backend):
    geodata = tmp_path / "geodata"
    geodata.mkdir()
    small_geodata_dir(geodata)
    data = tmp_path / "data"
    env = {**os.environ, "ATLAS_GEODATA_DIR": str(geodata), "ATLAS_DATA_DIR": str(data)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _ADD_MANY, "15", who], cwd=REPO, env=env, stderr=subprocess.PIPE
        )
        for who in ("first", "second")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    notes = NotesStore(data).all()
    assert len(notes) == 30
    assert len({n.id for n in notes}) == 30
    assert {n.text for n in notes} == {
        f"{who} {i}" for who in ("first", "second") for i in range(15)
    }


# -- the notes layer -------------------------------------------------------------------------


def test_the_layer_has_the_columns_and_types_of_an_empty_one(store):
    store.add(ANALYST, draft())
    store.add(ANALYST, draft(region="ML-BKO"))
    frame = notes_frame(store.all())
    empty = empty_notes()
    assert list(frame.columns) == list(empty.columns)
    assert frame.dtypes.equals(empty.dtypes)
    assert frame.crs == empty.crs == "EPSG:4326"
    assert frame["region"].isna().tolist() == [True, False]
    assert frame.geometry.iloc[0].coords[0] == (-0.04, 16.27)


def test_layers_loaded_without_notes_have_an_empty_notes_layer(layers):
    assert layers.notes.empty
    assert list(layers.notes.columns) == list(empty_notes().columns)


def test_the_store_adds_the_notes_layer_and_a_new_note_changes_its_fingerprint(tmp_path, backend):
    (tmp_path / "geodata").mkdir()
    geodata = small_geodata_dir(tmp_path / "geodata")
    data = tmp_path / "data"
    embedded = EmbeddedStore(geodata, data)
    before = embedded.fingerprint()
    assert embedded.layers().notes.empty
    NotesStore(data).add(ANALYST, draft())
    assert embedded.fingerprint() != before
    assert embedded.layers().notes["author"].tolist() == [ANALYST.id]


@pytest.mark.parametrize(
    ("days", "shown"),
    [
        ((date(2015, 12, 1), date(2016, 1, 1)), True),  # ends on the first day of the range
        ((date(2016, 1, 31), date(2016, 3, 1)), True),  # starts on the last day
        ((date(2015, 1, 1), date(2017, 1, 1)), True),  # spans the whole range
        ((date(2015, 12, 1), date(2015, 12, 31)), False),
        ((date(2016, 2, 1), date(2016, 2, 2)), False),
    ],
)
def test_a_view_shows_the_notes_whose_days_overlap_its_range(store, days, shown):
    store.add(ANALYST, draft(days=days))
    selected = notes_in_view(notes_frame(store.all()), ViewState(), *JAN)
    assert len(selected) == int(shown)


def test_a_view_with_regions_shows_only_their_notes(store):
    store.add(ANALYST, draft("gao"))
    store.add(ANALYST, draft("bamako", region="ML-BKO"))
    frame = notes_frame(store.all())
    only_gao = notes_in_view(frame, ViewState(regions=("ML-7",)), *JAN)
    assert only_gao["text"].tolist() == ["gao"]


def test_restricted_layers_keep_only_the_notes_inside_the_regions(store, layers):
    store.add(ANALYST, draft("gao"))
    store.add(ANALYST, draft("bamako", region="ML-BKO"))
    store.add(ANALYST, draft("burkina", lat=IN_BURKINA[0], lon=IN_BURKINA[1]))
    full = replace(layers, notes=notes_frame(store.all()))
    assert restricted_layers(full, frozenset({"ML-7"})).notes["text"].tolist() == ["gao"]
    assert restricted_layers(full, None).notes is full.notes


def test_the_notes_layer_is_on_by_default_and_named_in_links():
    assert "notes" in LAYER_NAMES
    assert ViewState().shows("notes")
    assert parse_query_string("layers=notes").view.layers == ("notes",)
    assert not parse_query_string("layers=incidents").view.shows("notes")


def test_short_text_takes_the_first_line_and_says_when_there_is_more():
    assert short_text("one line") == "one line"
    assert short_text("first\nsecond") == "first …"
    assert short_text("x" * 70, 10) == "x" * 9 + "…"


def test_the_table_lists_text_as_it_was_written(store, layers):
    note = store.add(ANALYST, draft(HOSTILE))
    names = dict(zip(layers.regions["iso_code"], layers.regions["name"], strict=True))
    table = notes_table([note], names)
    assert table.loc[0, "Text"] == HOSTILE.strip()
    assert table.loc[0, "Region"] == "Gao"
    assert table.loc[0, "Edited"] == ""


# -- the map --------------------------------------------------------------------------------


def _with_notes(layers: AtlasLayers, store: NotesStore) -> AtlasLayers:
    return replace(layers, notes=notes_frame(store.all()))


def _note_rows(html: str) -> list[tuple[object, ...]]:
    """``(lat, lon, tooltip, popup)`` of each note the notes layer's call draws."""
    match = re.search(r"^atlasLayers\.noteMarkers\(\w+,\n.*,\n(.*)\);$", html, re.M)
    if not match:
        return []
    data = json.loads(match.group(1))
    return list(zip(data["lat"], data["lon"], data["tooltip"], data["popup"], strict=True))


def test_a_hostile_note_reaches_the_map_only_as_escaped_text(store, layers):
    store.add(ANALYST, draft(HOSTILE, days=(date(2015, 1, 1), date(2017, 12, 31))))
    html = build_map(_with_notes(layers, store), ViewState()).get_root().render()
    assert "<img src=x" not in html
    assert "${alert(1)}" not in html
    assert "`tick`" not in html
    assert "</script><script>alert(2)" not in html
    ((lat, lon, tooltip, popup),) = _note_rows(html)
    assert (lat, lon) == (16.27, -0.04)
    assert str(tooltip).startswith("Note: " + ESCAPED)
    assert ESCAPED in str(popup)
    assert escape_html(ANALYST.id) in str(popup)
    assert "2015-01-01 to 2017-12-31" in str(popup)


def test_notes_are_drawn_as_pins_above_the_incidents(store, layers):
    store.add(ANALYST, draft(days=(date(2015, 1, 1), date(2017, 12, 31))))
    html = build_map(_with_notes(layers, store), ViewState()).get_root().render()
    assert html.index('"atlas-incident"') < html.index('"atlas-note"')
    assert "atlasLayers.noteMarkers(" in html  # pins above the incidents: atlas/js/layers.js
    assert "Notes (1)" in html
    assert "Analysts" in html  # the legend


def test_notes_outside_the_range_or_with_the_layer_off_are_not_drawn(store, layers):
    store.add(ANALYST, draft())
    with_notes = _with_notes(layers, store)
    html = build_map(with_notes, ViewState(date_from=date(2016, 1, 15))).get_root().render()
    assert len(_note_rows(html)) == 1
    later = build_map(with_notes, ViewState(date_from=date(2016, 6, 1))).get_root().render()
    assert _note_rows(later) == []
    assert "Notes (0)" in later
    hidden = build_map(with_notes, ViewState(layers=("incidents",))).get_root().render()
    assert '"atlas-note"' not in hidden
    assert "Notes (" not in hidden


# -- the exports ---------------------------------------------------------------------------


def _texts(layers: AtlasLayers, view: ViewState) -> list[str]:
    fig = new_figure(page_size("slide"), raster=True)
    draw_view(fig, layers, summarise(layers, view), page_size("slide"))
    return [t.get_text() for t in fig.findobj(Text)]


def test_an_export_draws_a_pin_and_the_start_of_the_text_when_the_layer_is_on(store, layers):
    store.add(ANALYST, draft("Convoy route closed after IED near Gao\nDetails follow"))
    with_notes = _with_notes(layers, store)
    shown = _texts(with_notes, ViewState(date_from=date(2016, 1, 10)))
    assert "Convoy route closed after IED near Gao …" in shown
    assert "Analysts' note" in shown
    assert not any("Convoy" in t for t in _texts(with_notes, ViewState(layers=("incidents",))))
    outside = _texts(with_notes, ViewState(date_from=date(2016, 6, 1)))
    assert not any("Convoy" in t or t == "Analysts' note" for t in outside)


def test_a_note_with_mathematics_and_markup_exports_as_plain_text(store, layers):
    store.add(ANALYST, draft(r"cost $\foo{$ <b>x</b>"))
    with_notes = _with_notes(layers, store)
    assert r"cost $\foo{$ <b>x</b>" in _texts(with_notes, ViewState(date_from=date(2016, 1, 10)))
    summary = summarise(with_notes, ViewState(date_from=date(2016, 1, 10)))
    assert render_static(with_notes, summary, "slide", "png").startswith(b"\x89PNG")
    assert render_static(with_notes, summary, "a4", "pdf").startswith(b"%PDF")
