"""Briefings, presentation positions and notes in the shared database.

Their behaviour is tested on both stores through the ``backend`` fixture
(tests/test_briefings.py, tests/test_notes.py); these tests are about what only the database
does: nothing in the data directory, several replicas on one store, one transaction, locks,
and a database that fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event
from streamlit.testing.v1 import AppTest

from atlas.access import Role, User
from atlas.briefings import BriefingError, BriefingStore, BriefingView, new_briefing
from atlas.datasets import data_dir
from atlas.db import engine
from atlas.db.documents import Documents, locked_together
from atlas.notes import NoteDraft, NotesStore
from loaders import AtlasLayers, LayerError
from tests.factories import small_layers

APP = Path(__file__).resolve().parents[1] / "app.py"
ANALYST = User("a@example.org", "A", Role.ANALYST)
VIEWS = (
    BriefingView.checked("", "Everything"),
    BriefingView.checked("region=ML-7", "Gao"),
    BriefingView.checked("agg=hexes", "Density"),
)
JAN = (date(2016, 1, 1), date(2016, 1, 31))


def _note(text: str = "Road to Ansongo closed") -> NoteDraft:
    return NoteDraft(text, *JAN, lat=16.27, lon=-0.04)


@pytest.fixture
def layers(tmp_path: Path) -> AtlasLayers:
    return small_layers(tmp_path)


def _made(store: BriefingStore, name: str = "morning"):
    return store.create(new_briefing(name, "Morning brief", VIEWS, ANALYST), ANALYST)


def _slide(store: BriefingStore, name: str = "morning") -> int | None:
    """The view the presentation of ``name`` is on, as every following screen reads it."""
    position = store.position(name)
    return None if position is None else position.index


def _statements(url: str) -> list[str]:
    """Every SQL statement sent to ``url`` from now on, as it is sent."""
    sent: list[str] = []
    event.listen(engine(url), "before_cursor_execute", lambda *args: sent.append(args[2]))
    return sent


def test_briefings_positions_and_notes_write_nothing_to_the_data_directory(
    database, tmp_path, layers
):
    data = tmp_path / "data"
    briefings = BriefingStore(data)
    _made(briefings)
    briefings.start_presentation("morning", ANALYST)
    briefings.move("morning", 2, ANALYST)
    briefings.rename("morning", "daily", ANALYST)
    notes = NotesStore(data, regions=layers.regions)
    note = notes.add(ANALYST, _note())
    notes.update(ANALYST, note.id, _note("Reopened"))
    BriefingStore().create(new_briefing("evening", "Evening", VIEWS, ANALYST), ANALYST)
    NotesStore(regions=layers.regions).add(ANALYST, _note("In the default store"))
    assert not data.exists()
    assert list(data_dir().iterdir()) == []
    assert [b.name for b in BriefingStore(data).list()] == ["daily", "evening"]
    assert [n.text for n in NotesStore(data).all()] == ["Reopened", "In the default store"]


def test_two_replicas_see_each_others_briefings_and_positions(database, tmp_path):
    first, second = BriefingStore(tmp_path / "one"), BriefingStore(tmp_path / "two")
    made = _made(first)
    assert second.get("morning") == made
    second.start_presentation("morning", ANALYST)
    assert first.get("morning").last_presented_at is not None
    assert _slide(first) == 0
    first.move("morning", 2, ANALYST)
    assert _slide(second) == 2
    second.rename("morning", "daily", ANALYST)
    assert [b.name for b in first.list()] == ["daily"]
    assert _slide(first) is None  # the position went with the old name


def test_two_replicas_see_each_others_notes_and_the_fingerprint_changes(database, tmp_path, layers):
    first = NotesStore(tmp_path / "one", regions=layers.regions)
    second = NotesStore(tmp_path / "two", regions=layers.regions)
    empty = second.fingerprint()
    note = first.add(ANALYST, _note())
    added = second.fingerprint()
    assert added != empty
    assert second.all() == (note,)
    changed = second.update(ANALYST, note.id, _note("Reopened"))
    assert first.all() == (changed,)
    assert len({empty, added, first.fingerprint()}) == 3
    second.delete(ANALYST, note.id)
    assert first.all() == ()


def test_the_notes_fingerprint_is_one_query(database):
    store = NotesStore()
    store.fingerprint()  # the schema is checked once per address, before the first query
    sent = _statements(database)
    store.fingerprint()
    assert len(sent) == 1


def test_collections_held_together_commit_together_or_not_at_all(database):
    briefings, positions = Documents(database, "briefings"), Documents(database, "positions")

    def write_both_then_fail() -> None:
        with locked_together((briefings, positions), "busy"):
            briefings.put("a", {"n": 1})
            positions.put("a", {"index": 1})
            raise RuntimeError("stopped half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        write_both_then_fail()
    assert (briefings.all(), positions.all()) == ({}, {})
    with locked_together((briefings, positions), "busy"):
        briefings.put("a", {"n": 1})
        with positions.locked("busy"):  # already held: its writes join the same transaction
            positions.put("a", {"index": 1})
    assert (briefings.get("a"), positions.get("a")) == ({"n": 1}, {"index": 1})


def test_a_briefing_change_while_another_replica_writes_is_told_it_is_busy(database, monkeypatch):
    store = BriefingStore()
    _made(store)
    monkeypatch.setattr("atlas.briefings.LOCK_TIMEOUT_S", 0.2)
    with Documents(database, "briefings").locked("held by the test"):
        with pytest.raises(BriefingError, match="briefings are being changed by someone else"):
            store.update("morning", ANALYST, title="Retitled")
        assert store.move("morning", 1, ANALYST).index == 1  # a position has a lock of its own
    assert store.get("morning").title == "Morning brief"


def test_a_busy_notes_store_is_named(database, monkeypatch, layers):
    store = NotesStore(regions=layers.regions)
    monkeypatch.setattr("atlas.notes.LOCK_TIMEOUT_S", 0.2)
    with (
        Documents(database, "notes").locked("held by the test"),
        pytest.raises(LayerError, match="notes are being written by someone else"),
    ):
        store.add(ANALYST, _note())


def test_an_unreachable_database_is_a_clear_error_without_its_password(monkeypatch, layers):
    from atlas.db.local import free_port

    monkeypatch.setenv("ATLAS_DATABASE_URL", f"postgresql://atlas:s3cret@127.0.0.1:{free_port()}/a")
    briefings, notes = BriefingStore(), NotesStore(regions=layers.regions)
    for action in (
        briefings.list,
        lambda: briefings.get("morning"),
        lambda: briefings.position("morning"),
        lambda: briefings.move("morning", 1, ANALYST),
        lambda: _made(briefings),
    ):
        with pytest.raises(BriefingError, match="the shared database cannot be used") as caught:
            action()
        assert "s3cret" not in str(caught.value)
    for note_action in (notes.all, notes.fingerprint, lambda: notes.add(ANALYST, _note())):
        with pytest.raises(LayerError, match="the shared database cannot be used") as failed:
            note_action()
        assert "s3cret" not in str(failed.value)
    assert list(data_dir().iterdir()) == []


@pytest.fixture
def screens(database, tmp_path, monkeypatch) -> Callable[[str], AppTest]:
    """The app presenting or following ``morning``, a briefing of three views in the database."""
    from atlas.access import LOCAL_USER
    from tests.factories import small_geodata_dir

    geodata = tmp_path / "geodata"
    geodata.mkdir()
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(small_geodata_dir(geodata)))
    BriefingStore().create(new_briefing("morning", "Morning", VIEWS, LOCAL_USER), LOCAL_USER)

    def screen(mode: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.query_params.update({"briefing": "morning", mode: "1"})
        at.run()
        assert not at.exception, at.exception
        return at

    return screen


@pytest.mark.usefixtures("navigation_owns_pages")
def test_a_presentation_from_the_database_is_followed_from_another_screen(screens):
    presenter = screens("present")
    presenter.button(key="atlas-key-PageDown").click().run()
    assert not presenter.exception, presenter.exception
    assert _slide(BriefingStore()) == 1
    follower = screens("follow")
    assert "2 / 3" in " ".join(str(getattr(e, "value", "")) for e in follower.main.get("html"))
    assert list(data_dir().iterdir()) == []


@pytest.mark.usefixtures("navigation_owns_pages")
def test_a_shared_position_that_fails_is_said_on_the_screen(screens, monkeypatch):
    def fails(*args: object) -> None:
        raise BriefingError("the shared database cannot be used: gone")

    presenter = screens("present")
    monkeypatch.setattr(BriefingStore, "move", fails)
    presenter.button(key="atlas-key-PageDown").click().run()
    assert not presenter.exception, presenter.exception
    assert "2 / 3" in " ".join(str(getattr(e, "value", "")) for e in presenter.main.get("html"))
    assert "stay where they are" in presenter.toast[0].value
    monkeypatch.setattr(BriefingStore, "position", fails)
    follower = screens("follow")
    assert "cannot be shared: the shared database cannot be used" in follower.error[0].value
