"""Pages tier: the Data page lists the datasets feeding the maps, removes and replaces them.

The import itself is covered by the core tests; here the datasets are mostly imported through
the store before the page runs, and a replacement uploads its file through the page.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from filelock import FileLock
from streamlit.testing.v1 import AppTest

from atlas.audit import read_log
from atlas.datasets import LOCK, DatasetStore, open_datasets
from loaders.imports import ImportOptions
from tests.factories import sign_in, small_geodata_dir

APP = str(Path(__file__).resolve().parents[1] / "app.py")
FIXTURES = Path(__file__).parent / "fixtures" / "import"


pytestmark = pytest.mark.usefixtures("navigation_owns_pages")


@pytest.fixture
def file_store(tmp_path, monkeypatch) -> DatasetStore:
    geodata = tmp_path / "geodata"
    geodata.mkdir()
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(small_geodata_dir(geodata)))
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "data"))
    return DatasetStore(tmp_path / "data", geodata=geodata)


@pytest.fixture
def store(file_store, backend) -> DatasetStore:
    """The store the page uses: the data directory's, then the shared database's."""
    return open_datasets(file_store.folder, geodata=file_store.geodata)


def _data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def test_data_page_lists_the_embedded_curated_set(store):
    at = _data_page()
    assert at.title[0].value == "Data"
    table = at.dataframe[0].value
    assert list(table["name"]) == ["curated"]
    assert list(table["rows"]) == [3]
    assert not [b for b in at.button if b.label.startswith("Remove")]


def test_an_administrator_is_told_where_imports_are_stored(store, backend):
    at = _data_page()
    where = " ".join(c.value for c in at.caption)
    expected = "the shared database postgresql" if backend == "postgis" else "the data directory"
    assert f"Imports are stored in {expected}" in where


def test_imported_dataset_is_listed_with_its_attribution_in_the_footer(store):
    options = ImportOptions(access_date=date(2024, 5, 1))
    store.import_file(FIXTURES / "acled_current_dyadic.csv", options)
    at = _data_page()
    table = at.dataframe[0].value
    assert list(table["name"]) == ["curated", "acled"]
    assert "accessed 2024\\-05\\-01" in " ".join(c.value for c in at.caption)
    assert [b.label for b in at.button if b.label.startswith("Remove")] == ["Remove acled…"]


def test_remove_asks_first_naming_the_dataset_and_its_rows(store):
    store.import_file(FIXTURES / "ucdp_ged.csv")
    at = _data_page()
    at.button(key="remove-ucdp-ged").click().run()
    assert not at.exception, at.exception
    assert [d.name for d in store.datasets()] == ["ucdp-ged"]  # nothing removed yet
    question = " ".join(m.value for m in at.markdown)
    assert "Remove **ucdp-ged** (3 rows, imported from ucdp_ged.csv)?" in question
    at.button(key="remove-cancel").click().run()
    assert [d.name for d in store.datasets()] == ["ucdp-ged"]


def test_remove_after_confirming_removes_the_dataset_and_records_it(store):
    store.import_file(FIXTURES / "ucdp_ged.csv")
    at = _data_page()
    at.button(key="remove-ucdp-ged").click().run()
    at.button(key="remove-confirm").click().run()
    assert not at.exception, at.exception
    assert store.datasets() == []
    assert list(at.dataframe[0].value["name"]) == ["curated"]
    (entry,) = read_log(store.folder).entries
    assert (entry.user, entry.action, entry.object) == ("local", "remove", "ucdp-ged (3 rows)")


def test_remove_while_an_import_holds_the_data_says_so_at_once(file_store):
    store = file_store
    store.import_file(FIXTURES / "ucdp_ged.csv")
    at = _data_page()
    at.button(key="remove-ucdp-ged").click().run()
    with FileLock(store.folder / LOCK):
        started = time.monotonic()
        at.button(key="remove-confirm").click().run()
        waited = time.monotonic() - started
    assert waited < 10
    assert "an import is writing to this data now" in " ".join(e.value for e in at.error)
    assert [d.name for d in store.datasets()] == ["ucdp-ged"]


def test_last_import_report_is_shown_with_its_rejected_rows(store):
    report = store.import_file(FIXTURES / "ucdp_ged.csv")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["data_import_report"] = report
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows read"] == "4"
    assert metrics["Incidents accepted"] == "3"
    assert metrics["Rows rejected"] == "1"
    assert metrics["Added / updated / unchanged"] == "3 / 0 / 0"
    reasons = at.dataframe[1].value
    assert list(reasons["Rejected"]) == ["invalid where_prec"]


def test_rows_kept_with_a_warning_are_counted_by_reason(store):
    report = store.import_file(FIXTURES / "acled_current_dyadic.csv")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["data_import_report"] = report
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    flagged = next(d.value for d in at.dataframe if "Kept, flagged" in d.value.columns)
    assert dict(zip(flagged["Kept, flagged"], flagged["Rows"], strict=True)) == {"outside Mali": 1}


def _smaller_acled() -> bytes:
    """The ACLED fixture without event MLI1002."""
    lines = (FIXTURES / "acled_current_dyadic.csv").read_bytes().splitlines(keepends=True)
    return b"".join(line for line in lines if not line.startswith(b"MLI1002,"))


def _ask_to_replace(at: AppTest) -> AppTest:
    at.file_uploader(key="data_upload").set_value(("smaller.csv", _smaller_acled(), "text/csv"))
    at.run()
    at.checkbox(key="data_replace").check()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception, at.exception
    return at


def test_replace_asks_first_naming_the_dataset_and_its_rows(store):
    store.import_file(FIXTURES / "acled_current_dyadic.csv")
    at = _ask_to_replace(_data_page())
    question = " ".join(m.value for m in at.markdown)
    assert "Replace **acled** (4 rows) with the rows of this file?" in question
    assert store.datasets()[0].rows == 4  # nothing replaced yet
    at.button(key="replace-cancel").click().run()
    assert store.datasets()[0].rows == 4
    assert not [b for b in at.button if b.key == "replace-confirm"]


def test_replace_after_confirming_drops_the_rows_the_file_lacks_and_records_it(store):
    store.import_file(FIXTURES / "acled_current_dyadic.csv")
    at = _ask_to_replace(_data_page())
    at.button(key="replace-confirm").click().run()
    assert not at.exception, at.exception
    assert "acled:MLI1002" not in set(store.read("acled")["id"])
    assert [v.action for v in store.history().versions("acled")] == ["import", "replace"]
    (entry,) = read_log(store.folder).entries
    assert (entry.user, entry.action) == ("local", "replace")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Added / updated / unchanged"] == "0 / 0 / 3"
    assert "1 stored row the file does not have removed." in [c.value for c in at.caption]


def test_replace_into_a_new_dataset_imports_without_asking(store):
    at = _ask_to_replace(_data_page())
    assert not [b for b in at.button if b.key == "replace-confirm"]
    assert store.datasets()[0].rows == 3
    (entry,) = read_log(store.folder).entries
    assert entry.action == "import"


def test_only_admins_are_offered_to_replace(store, tmp_path, monkeypatch):
    roles = tmp_path / "roles.toml"
    roles.write_text('[[users]]\nemail = "gao@example.org"\nrole = "analyst"\n')
    monkeypatch.setenv("ATLAS_ROLES_FILE", str(roles))
    at = AppTest.from_file(APP, default_timeout=60)
    sign_in(at, "gao@example.org")
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload").set_value(("smaller.csv", _smaller_acled(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    labels = [c.label for c in at.checkbox]
    assert "Keep rows outside Mali and its neighbours (flagged)" in labels
    assert not [label for label in labels if label.startswith("Replace")]
