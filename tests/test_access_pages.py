"""Pages tier: sign-in, roles and region restrictions as the pages apply them (AppTest).

``at.secrets`` turns sign-in on and ``at.user`` plays the person signed in; the roles file is
one the test writes. The real sign-in through a provider is driven in Chromium
(tests/test_access_browser.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from atlas.audit import read_log
from atlas.datasets import DatasetStore
from tests.factories import ROLES, SIGN_IN_SECRETS, incident_row, small_geodata_dir

APP = str(Path(__file__).resolve().parents[1] / "app.py")
FIXTURES = Path(__file__).parent / "fixtures" / "import"

pytestmark = pytest.mark.usefixtures("navigation_owns_pages")


@pytest.fixture
def store(tmp_path, monkeypatch) -> DatasetStore:
    geodata = tmp_path / "geodata"
    geodata.mkdir()
    small_geodata_dir(
        geodata,
        [
            incident_row(id="BAMAKO-1"),
            incident_row(id="GAO-1", location="Gao", latitude="16.27", longitude="-0.04"),
            incident_row(id="GAO-2", location="Gao", latitude="16.30", longitude="-0.01"),
        ],
    )
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(geodata))
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "data"))
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES)
    monkeypatch.setenv("ATLAS_ROLES_FILE", str(roles))
    return DatasetStore(tmp_path / "data", geodata=geodata)


def _as(email: str | None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets = dict(SIGN_IN_SECRETS)
    at.user = (
        {"is_logged_in": False}
        if email is None
        else {
            "is_logged_in": True,
            "email": email,
            "name": email.split("@")[0],
        }
    )
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_anonymous_visitor_sees_only_the_sign_in_page(store):
    at = _as(None)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric
    assert not at.dataframe
    assert not at.main.get("component_instance")  # no map


def test_signed_in_user_in_no_entry_is_refused_and_recorded(store):
    at = _as("stranger@example.org")
    assert at.title[0].value == "No access"
    assert not at.metric
    (entry,) = read_log(store.folder).entries
    assert (entry.user, entry.action, entry.outcome) == (
        "stranger@example.org",
        "sign-in",
        "refused",
    )


def test_a_viewer_cannot_import_export_or_remove(store):
    store.import_file(FIXTURES / "ucdp_ged.csv")
    at = _as("viewer@example.org", "pages/data.py")
    assert "Importing is for analysts and admins" in at.info[0].value
    assert not [b for b in at.button if b.label.startswith("Remove")]
    assert not at.get("file_uploader")
    refused = [(e.action, e.outcome) for e in read_log(store.folder).entries if e.role == "viewer"]
    assert refused == [("sign-in", "ok"), ("import", "refused")]
    home = _as("viewer@example.org")
    assert not [b for b in home.button if b.label.startswith("Prepare")]
    assert any("Exports are for analysts and admins" in c.value for c in home.caption)


def test_a_viewer_posting_to_a_remove_button_is_refused_by_the_core(store):
    # The viewer's page has no such button; a forged click on the admin's key changes nothing.
    store.import_file(FIXTURES / "ucdp_ged.csv")
    at = _as("viewer@example.org", "pages/data.py")
    at.session_state["data_removing"] = "ucdp-ged"
    at.run()
    assert [d.name for d in store.datasets()] == ["ucdp-ged"]


def test_an_analyst_restricted_to_gao_sees_only_gao_everywhere(store):
    everyone = _as("admin@example.org")
    assert _metric(everyone, "Incidents") == "3"
    gao = _as("gao@example.org")
    assert _metric(gao, "Incidents") == "2"
    incidents = _as("gao@example.org", "pages/incidents.py")
    assert sorted(incidents.dataframe[0].value["ID"]) == ["GAO-1", "GAO-2"]
    # A cached answer never crosses users: the unrestricted admin still sees all three.
    again = _as("admin@example.org")
    assert _metric(again, "Incidents") == "3"


def test_the_audit_page_is_for_admins_only(store):
    admin = _as("admin@example.org", "pages/audit.py")
    assert admin.title[0].value == "Audit"
    actions = list(admin.dataframe[0].value["Action"])
    assert "sign-in" in actions
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _as("viewer@example.org", "pages/audit.py")


def test_local_mode_has_every_right_and_says_so(store, monkeypatch):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert any("Local mode" in w.value for w in at.sidebar.warning)
    assert _metric(at, "Incidents") == "3"
