"""Pages tier: a presentation opens with what changed since the briefing was last presented."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from atlas.access import LOCAL_USER
from atlas.briefings import BriefingStore, BriefingView, new_briefing
from atlas.datasets import open_datasets
from tests.factories import small_geodata_dir

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ACLED = Path(__file__).parent / "fixtures" / "import" / "acled_current_dyadic.csv"
pytestmark = pytest.mark.usefixtures("navigation_owns_pages")


@pytest.fixture
def data(tmp_path, monkeypatch, backend) -> Path:
    """A briefing of two views, in the data directory and then in the shared database."""
    geodata = tmp_path / "geodata"
    geodata.mkdir()
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(small_geodata_dir(geodata)))
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "data"))
    views = [BriefingView.checked("", "Everything"), BriefingView.checked("region=ML-7", "Gao")]
    BriefingStore(tmp_path / "data").create(
        new_briefing("morning", "Morning", views, LOCAL_USER), LOCAL_USER
    )
    return tmp_path / "data"


def _present() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["briefing"] = "morning"
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception, at.exception
    return at


def _slide_texts(at: AppTest) -> str:
    return " ".join(str(getattr(e, "value", "")) for e in at.main.get("html"))


def test_a_first_presentation_opens_on_its_first_view(data):
    at = _present()
    assert "Everything" in _slide_texts(at)
    assert "1 / 2" in _slide_texts(at)
    assert not at.sidebar.get("markdown")  # no sidebar controls on the big screen


def test_the_next_presentation_opens_with_what_changed_since(data):
    _present()
    open_datasets(data).import_file(ACLED)
    at = _present()
    texts = _slide_texts(at)
    assert "Changes since" in texts
    assert "1 / 3" in texts
    assert "4 incidents added, 0 updated, 0 removed" in texts
    table = at.dataframe[0].value
    assert set(table["Change"]) == {"added"}
    assert len(table) == 4


def test_an_unknown_briefing_is_named(data):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["briefing"] = "nope"
    at.query_params["present"] = "1"
    at.run()
    assert "no briefing named 'nope'" in at.error[0].value
