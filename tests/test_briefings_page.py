"""Pages tier: the Briefings page and "Add this view to a briefing" (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from atlas.access import LOCAL_USER
from atlas.briefings import BriefingStore, BriefingView, new_briefing
from tests.factories import small_geodata_dir

APP = str(Path(__file__).resolve().parents[1] / "app.py")
pytestmark = pytest.mark.usefixtures("navigation_owns_pages")


@pytest.fixture
def store(tmp_path, monkeypatch) -> BriefingStore:
    geodata = tmp_path / "geodata"
    geodata.mkdir()
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(small_geodata_dir(geodata)))
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "data"))
    return BriefingStore(tmp_path / "data")


def _three(store: BriefingStore) -> None:
    views = [
        BriefingView.checked("from=2015-01-01", "First"),
        BriefingView.checked("region=ML-7", "Second"),
        BriefingView.checked("agg=hexes", "Third"),
    ]
    store.create(new_briefing("morning", "Morning brief", views, LOCAL_USER), LOCAL_USER)


def _run(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_a_new_briefing_is_created_from_the_page(store):
    at = _run(page="pages/briefings.py")
    at.text_input[0].input("Morning brief, north")
    at.text_input[1].input("morning-north")
    submit = next(b for b in at.button if b.label == "Create")
    submit.click().run()
    assert not at.exception, at.exception
    assert store.get("morning-north").title == "Morning brief, north"


def test_the_current_view_is_added_to_a_briefing_from_any_page(store):
    _three(store)
    at = _run({"region": "ML-BKO", "agg": "hexes"})
    caption = next(t for t in at.text_input if t.label == "Caption")
    caption.input("Bamako, second half of 2015")
    next(b for b in at.button if b.label == "Add the current view").click().run()
    assert not at.exception, at.exception
    added = store.get("morning").views[-1]
    assert added.caption == "Bamako, second half of 2015"
    assert added.query == "region=ML-BKO&agg=hexes"


def test_views_are_reordered_and_removed(store):
    _three(store)
    at = _run({"briefing": "morning"}, page="pages/briefings.py")
    at.button(key="down-0").click().run()
    assert [v.caption for v in store.get("morning").views] == ["Second", "First", "Third"]
    at = _run({"briefing": "morning"}, page="pages/briefings.py")
    at.button(key="drop-2").click().run()
    assert [v.caption for v in store.get("morning").views] == ["Second", "First"]


def test_captions_and_notes_are_saved(store):
    _three(store)
    at = _run({"briefing": "morning"}, page="pages/briefings.py")
    at.text_input(key="cap-morning-1").input("Gao, all years")
    at.text_area(key="note-morning-1").input("<script>alert(1)</script> stays text")
    at.button(key="briefing-save").click().run()
    assert not at.exception, at.exception
    view = store.get("morning").views[1]
    assert (view.caption, view.note) == ("Gao, all years", "<script>alert(1)</script> stays text")


def test_a_briefing_is_deleted_only_after_confirming(store):
    _three(store)
    at = _run({"briefing": "morning"}, page="pages/briefings.py")
    delete = next(b for b in at.button if b.label == "Delete briefing")
    assert delete.disabled
    at.checkbox(key="briefing-confirm").check().run()
    next(b for b in at.button if b.label == "Delete briefing").click().run()
    assert not at.exception, at.exception
    assert store.list() == []


def test_an_unknown_briefing_in_the_address_is_named(store):
    at = _run({"briefing": "nope"}, page="pages/briefings.py")
    assert "no briefing named 'nope'" in at.error[0].value
