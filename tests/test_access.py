"""Who may do what: roles, region restrictions, the roles file and the audit log."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from atlas.access import (
    LOCAL_USER,
    NO_ROLES,
    Owned,
    RefusedError,
    Role,
    User,
    cli_user,
    load_roles,
    may,
    require,
    roles_path,
    visible_layers,
)
from atlas.audit import audit_path, read_log, record
from loaders import LayerError
from tests.factories import incident_row, small_layers

VIEWER = User("v@example.org", "Viewer", Role.VIEWER)
ANALYST = User("a@example.org", "Analyst", Role.ANALYST)
GAO_ANALYST = User("gao@example.org", "Gao desk", Role.ANALYST, frozenset({"ML-7"}))
ADMIN = User("boss@example.org", "Admin", Role.ADMIN)
NOBODY = User("stranger@example.org", "Stranger", None)


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        (VIEWER, {"view", "present", "follow"}),
        (
            ANALYST,
            {"view", "present", "follow", "import", "export", "write_note", "write_briefing"},
        ),
        (
            ADMIN,
            {
                "view",
                "present",
                "follow",
                "import",
                "export",
                "write_note",
                "write_briefing",
                "replace_dataset",
                "remove_dataset",
                "manage_briefings",
                "read_audit",
                "manage_store",
            },
        ),
        (NOBODY, set()),
        (LOCAL_USER, None),  # every action
    ],
)
def test_each_role_may_take_exactly_its_actions(user, allowed):
    from atlas.access import ACTIONS

    granted = {action for action in ACTIONS if may(user, action)}
    assert granted == (set(ACTIONS) if allowed is None else allowed)


def test_a_refusal_says_why():
    decision = may(VIEWER, "import")
    assert not decision
    assert decision.reason == "import needs the analyst role; v@example.org has the viewer role"
    assert "has no role" in may(NOBODY, "view").reason


def test_only_the_author_or_an_admin_changes_a_note():
    note = Owned(author=ANALYST.id)
    assert may(ANALYST, "write_note", note)
    other = User("b@example.org", "B", Role.ANALYST)
    assert "only its author (a@example.org)" in may(other, "write_note", note).reason
    assert may(ADMIN, "write_note", note)


def test_a_restricted_analyst_acts_only_inside_their_regions():
    assert may(GAO_ANALYST, "write_note", Owned(GAO_ANALYST.id, frozenset({"ML-7"})))
    refused = may(GAO_ANALYST, "write_note", Owned(GAO_ANALYST.id, frozenset({"ML-6"})))
    assert refused.reason == "gao@example.org may not act on regions ML-6"


def test_an_unknown_action_is_a_bug_not_a_refusal():
    with pytest.raises(ValueError, match="unknown action"):
        may(ADMIN, "launch")


def test_require_refuses_and_records_the_refusal():
    with pytest.raises(RefusedError, match="needs the admin role"):
        require(ANALYST, "remove_dataset", what="acled")
    (entry,) = read_log().entries
    assert (entry.user, entry.role, entry.action, entry.object, entry.outcome) == (
        "a@example.org",
        "analyst",
        "remove_dataset",
        "acled",
        "refused",
    )
    assert "needs the admin role" in entry.reason


def test_restriction_key_tells_users_apart():
    assert ADMIN.restriction_key == "*"
    assert GAO_ANALYST.restriction_key == "ML-7"
    both = User("x", "x", Role.ANALYST, frozenset({"ML-7", "ML-6"}))
    assert both.restriction_key == "ML-6,ML-7"


def test_a_restricted_user_sees_only_incidents_inside_their_regions(tmp_path):
    layers = small_layers(
        tmp_path,
        [
            incident_row(id="BAMAKO"),
            incident_row(id="GAO", location="Gao", latitude="16.27", longitude="-0.04"),
        ],
    )
    assert visible_layers(layers, ADMIN) is layers
    seen = visible_layers(layers, GAO_ANALYST)
    assert seen.incidents["id"].tolist() == ["GAO"]
    assert len(layers.incidents) == 2  # the shared layers are not changed


ROLES = """
[[users]]
email = "Amina@Example.org"
role = "admin"

[[users]]
email = "gao@example.org"
role = "analyst"
regions = ["ML-7"]

[[users]]
email = "cli:operator"
role = "viewer"

[[groups]]
name = "atlas-viewers"
role = "viewer"

[[groups]]
name = "north-desk"
claim = "teams"
role = "analyst"
regions = ["ML-6"]

[[groups]]
name = "gao-desk"
claim = "teams"
role = "analyst"
regions = ["ML-7"]
"""


@pytest.fixture
def roles(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(ROLES)
    return load_roles(path)


def test_users_are_found_by_email_whatever_its_case(roles):
    user = roles.user_for("amina@example.org", {"name": "Amina"})
    assert (user.role, user.regions, user.name) == (Role.ADMIN, None, "Amina")
    assert roles.user_for("gao@example.org", {}).regions == frozenset({"ML-7"})


def test_groups_give_the_highest_role_and_the_union_of_its_regions(roles):
    viewer = roles.user_for("x@example.org", {"groups": ["atlas-viewers"]})
    assert (viewer.role, viewer.regions) == (Role.VIEWER, None)
    desk = roles.user_for(
        "y@example.org", {"groups": "atlas-viewers", "teams": ["north-desk", "gao-desk"]}
    )
    assert (desk.role, desk.regions) == (Role.ANALYST, frozenset({"ML-6", "ML-7"}))


def test_a_user_in_no_entry_has_no_role(roles):
    assert roles.user_for("z@example.org", {"groups": ["other"]}).role is None


def test_a_missing_roles_file_gives_nobody_a_role(tmp_path):
    assert load_roles(tmp_path / "absent.toml") is NO_ROLES


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[users]]\nemail = "a@b"\nrole = "superuser"', "users entry 1: role must be viewer"),
        ('[[users]]\nemail = "a@b"\nrole = "admin"\nregions = ["ML-99"]', "unknown region code"),
        ('[[users]]\nemail = "a@b"\nrole = "admin"\nregions = []', "non-empty list"),
        ('[[users]]\nrole = "admin"', "give the user's email"),
        ('[[groups]]\nrole = "admin"', "give the group's name"),
        ("[admins]\nx = 1", "unknown section"),
        ("users = [", "not a readable roles file"),
    ],
)
def test_a_bad_roles_file_is_named_with_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "roles.toml"
    path.write_text(text)
    with pytest.raises(LayerError, match=message) as caught:
        load_roles(path)
    assert str(path) in str(caught.value)


def test_roles_file_is_beside_the_data_unless_named(monkeypatch, tmp_path):
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.delenv("ATLAS_ROLES_FILE", raising=False)
    assert roles_path() == tmp_path / "store" / "roles.toml"
    monkeypatch.setenv("ATLAS_ROLES_FILE", str(tmp_path / "elsewhere.toml"))
    assert roles_path() == tmp_path / "elsewhere.toml"


def test_the_command_line_is_an_admin_unless_the_roles_file_says_otherwise(roles, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "root")
    assert (cli_user(roles).id, cli_user(roles).role) == ("cli:root", Role.ADMIN)
    monkeypatch.setattr("getpass.getuser", lambda: "operator")
    assert cli_user(roles).role == Role.VIEWER


def test_audit_entries_are_appended_one_complete_line_each():
    record(ADMIN, "remove", "acled")
    record(VIEWER, "import", "x.csv", outcome="refused", reason="needs analyst")
    lines = audit_path().read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["action"] for line in lines] == ["remove", "import"]
    assert set(json.loads(lines[1])) == {
        "time",
        "user",
        "role",
        "action",
        "object",
        "outcome",
        "reason",
    }
    assert oct(os.stat(audit_path()).st_mode & 0o777) == "0o600"


def test_audit_reader_skips_a_torn_last_line_and_counts_it():
    record(ADMIN, "remove", "acled")
    with audit_path().open("ab") as handle:
        handle.write(b'{"time": "2026-11-29T10:00:00Z", "user": "ha')  # killed mid-write
    log = read_log()
    assert [e.action for e in log.entries] == ["remove"]
    assert log.skipped == 1


def test_audit_reader_filters_by_time_and_user():
    record(ADMIN, "remove", "old")
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert read_log(since=later).entries == ()
    assert read_log(since=later.replace(tzinfo=None) - timedelta(hours=1)).entries != ()
    assert read_log(user="nobody").entries == ()
    assert len(read_log(user=ADMIN.id).entries) == 1


def test_an_unknown_outcome_is_refused():
    with pytest.raises(ValueError, match="unknown outcome"):
        record(ADMIN, "remove", "x", outcome="maybe")


def test_an_empty_or_missing_log_reads_as_no_entries(tmp_path: Path):
    assert read_log(tmp_path / "nowhere").entries == ()


def test_the_example_roles_file_is_valid_and_means_what_it_says():
    roles = load_roles(Path(__file__).resolve().parents[1] / "roles.example.toml")
    assert roles.user_for("amina.traore@example.org", {}).role == Role.ADMIN
    assert roles.user_for("gao.desk@example.org", {}).regions == frozenset({"ML-7"})
    north = roles.user_for("someone@example.org", {"groups": ["north-analysts"]})
    assert (north.role, north.regions) == (Role.ANALYST, frozenset({"ML-6", "ML-7", "ML-8"}))
