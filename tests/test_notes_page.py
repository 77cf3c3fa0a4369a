"""Pages tier: the Notes page in Streamlit's AppTest, in local mode and signed in with roles.

The page runs inside a small navigation of its own (the app lists it beside the others); a
click on the map cannot run here, so the map component is replaced by one that reports a
click where a test says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from atlas.access import Role, User
from atlas.audit import read_log
from atlas.notes import NoteDraft, NotesStore
from tests.factories import incident_row, sign_in, small_geodata_dir

REPO = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(1)> `tick` ${alert(1)} [link](http://example.org)"
ROLES = """
[[users]]
email = "viewer@example.org"
role = "viewer"

[[users]]
email = "ana@example.org"
role = "analyst"

[[users]]
email = "bob@example.org"
role = "analyst"

[[users]]
email = "gao@example.org"
role = "analyst"
regions = ["ML-7"]
"""
ANA = User("ana@example.org", "ana", Role.ANALYST)
BOB = User("bob@example.org", "bob", Role.ANALYST)
WHOLE_SPAN = (date(2015, 1, 1), date(2017, 12, 31))


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A navigation holding the Notes page, over a small atlas and an empty data folder."""
    geodata = tmp_path / "geodata"
    geodata.mkdir()
    small_geodata_dir(
        geodata,
        [incident_row(), incident_row(id="T-2", event_date="2017-01-18", location="Gao")],
    )
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(geodata))
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "data"))
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES)
    monkeypatch.setenv("ATLAS_ROLES_FILE", str(roles))
    script = tmp_path / "notes_app.py"
    script.write_text(
        "import streamlit as st\n"
        f"page = st.Page({str(REPO / 'pages' / 'notes.py')!r}, title='Notes', default=True)\n"
        "st.navigation([page]).run()\n"
    )
    return script


@pytest.fixture
def store(tmp_path: Path) -> NotesStore:
    return NotesStore(tmp_path / "data")


@pytest.fixture
def clicks(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The map reports a click at 16.27 N, 0.04 W; the objects each map asked for are kept."""
    asked: list[Any] = []

    def arguments(lmap: object, key: str, height: int, returned: tuple[str, ...]) -> dict[str, Any]:
        asked.append(list(returned))
        return {"key": key}

    def component(**arguments: Any) -> dict[str, Any]:
        return {"last_clicked": {"lat": 16.27, "lng": -0.04}}

    monkeypatch.setattr("ui.widgets._component_arguments", arguments)
    monkeypatch.setattr("ui.widgets._COMPONENT", component)
    return asked


def _open(app: Path, email: str | None = None, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(app), default_timeout=60)
    if email is not None:
        sign_in(at, email)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def _write(at: AppTest, text: str, *, region: str | None = None) -> AppTest:
    if region:
        at.radio(key="note_pin").set_value("A region").run()
        at.selectbox(key="note_region").set_value(region)
    at.text_area(key="note_add_text").input(text)
    _button(at, "Add note").click().run()
    assert not at.exception, at.exception
    return at


def _markup(at: AppTest) -> str:
    """Every text the page renders as Markdown (where a note's text must never go)."""
    parts: list[Callable[[], Any]] = [
        lambda: [m.value for m in at.markdown],
        lambda: [c.value for c in at.caption],
        lambda: [e.value for e in at.error],
        lambda: [s.value for s in at.success],
        lambda: [i.value for i in at.info],
    ]
    return "\n".join(str(v) for part in parts for v in part())


def test_an_analyst_pins_a_note_to_a_region(app, store):
    at = _write(_open(app), "Market in Gao closed on Fridays", region="ML-7")
    assert [s.value for s in at.success] == ["Note added."]
    (note,) = store.all()
    assert (note.text, note.region, note.author) == (
        "Market in Gao closed on Fridays",
        "ML-7",
        "local",
    )
    assert at.dataframe[0].value["Text"].tolist() == [note.text]
    assert [e.action for e in read_log(store.folder).entries] == ["note"]


def test_a_click_on_the_map_pins_a_note_to_that_point(app, store, clicks):
    at = _open(app)
    assert clicks[-1] == ["last_clicked"]
    assert any("Point: 16.27000, -0.04000" in c.value for c in at.caption)
    _write(at, "Checkpoint at the bridge")
    (note,) = store.all()
    assert (note.lat, note.lon, note.admin1, note.region) == (16.27, -0.04, "ML-7", None)


def test_a_bad_note_is_explained_and_nothing_is_stored(app, store):
    at = _write(_open(app), "", region="ML-7")
    assert "text is empty" in at.error[0].value
    assert store.all() == ()


def test_a_refused_text_stays_in_the_form_and_a_stored_one_leaves_it(app, store):
    at = _write(_open(app), "bell\x07 and a long text", region="ML-7")
    assert "control character U+0007" in at.error[0].value
    assert at.text_area(key="note_add_text").value == "bell\x07 and a long text"
    _write(at, "A clean text")
    assert at.text_area(key="note_add_text").value == ""
    assert [n.text for n in store.all()] == ["A clean text"]


def test_a_viewer_reads_notes_but_gets_no_controls(app, store, clicks):
    store.add(ANA, NoteDraft("Written by Ana", *WHOLE_SPAN, region="ML-7"))
    at = _open(app, "viewer@example.org")
    assert clicks[-1] == []  # the map reports no clicks to pick a point
    assert "Writing notes is for analysts and admins" in at.info[0].value
    assert not [b for b in at.button if b.label in ("Add note", "Save changes")]
    assert not at.text_area
    assert at.dataframe[0].value["Text"].tolist() == ["Written by Ana"]
    refusals = [(e.action, e.outcome) for e in read_log(store.folder).entries if e.role == "viewer"]
    assert ("write_note", "refused") in refusals


def test_an_analyst_may_change_only_their_own_notes(app, store):
    mine = store.add(ANA, NoteDraft("Ana's note", *WHOLE_SPAN, region="ML-7"))
    store.add(BOB, NoteDraft("Bob's note", *WHOLE_SPAN, region="ML-7"))
    at = _open(app, "ana@example.org")
    assert at.selectbox(key="note_chosen").options == [f"2015-01-01 · Ana's note ({mine.id})"]
    assert len(at.dataframe[0].value) == 2


def test_the_author_changes_and_deletes_a_note(app, store):
    note = store.add(ANA, NoteDraft("Before", *WHOLE_SPAN, region="ML-7"))
    at = _open(app, "ana@example.org")
    at.text_area(key=f"note_edit_{note.id}_text").input("After")
    _button(at, "Save changes").click().run()
    assert [s.value for s in at.success] == ["Note changed."]
    assert [n.text for n in store.all()] == ["After"]
    _button(at, "Delete this note…").click().run()
    assert "cannot be undone" in at.warning[0].value
    _button(at, "Delete").click().run()
    assert [s.value for s in at.success] == ["Note deleted."]
    assert store.all() == ()
    assert [e.object.split()[0] for e in read_log(store.folder).entries if e.action == "note"] == [
        "added",
        "changed",
        "deleted",
    ]


def test_a_restricted_analyst_sees_and_writes_only_inside_their_regions(app, store):
    store.add(ANA, NoteDraft("In Gao", *WHOLE_SPAN, region="ML-7"))
    store.add(ANA, NoteDraft("In Bamako", *WHOLE_SPAN, region="ML-BKO"))
    at = _open(app, "gao@example.org")
    assert at.dataframe[0].value["Text"].tolist() == ["In Gao"]
    _write(at, "Mine in Bamako", region="ML-BKO")
    assert "may not act on regions ML-BKO" in at.error[0].value
    assert len(store.all()) == 2


def test_hostile_text_is_shown_as_data_never_as_markup(app, store):
    store.add(ANA, NoteDraft(HOSTILE, *WHOLE_SPAN, region="ML-7"))
    at = _open(app)
    assert at.dataframe[0].value["Text"].tolist() == [HOSTILE]
    assert "onerror" not in _markup(at)
    assert "example.org" not in _markup(at)


def test_the_pages_map_shows_notes_even_when_the_view_hides_them(app, store):
    store.add(ANA, NoteDraft("Shown here", *WHOLE_SPAN, region="ML-7"))
    at = _open(app, query={"layers": "incidents"})
    (component,) = at.main.get("component_instance")
    assert "atlas-note" in component.proto.json_args
    assert "Shown here" in component.proto.json_args
