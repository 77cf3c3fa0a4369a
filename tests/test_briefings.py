"""Briefings: the round trip through the store, names and views checked, who may change them."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest

from atlas.access import RefusedError, Role, User
from atlas.audit import read_log
from atlas.briefings import (
    BriefingError,
    BriefingStore,
    BriefingView,
    new_briefing,
    parse_time,
)
from atlas.cli import main

ANALYST = User("a@example.org", "A", Role.ANALYST)
OTHER = User("b@example.org", "B", Role.ANALYST)
ADMIN = User("boss@example.org", "Boss", Role.ADMIN)
VIEWER = User("v@example.org", "V", Role.VIEWER)
VIEWS = (
    BriefingView.checked("from=2015-01-01&to=2015-12-31", "2015 overview"),
    BriefingView.checked("region=ML-7&layers=incidents", "Gao", "Convoy attacks rising"),
    BriefingView.checked("agg=hexes", "Density"),
)


@pytest.fixture
def store(tmp_path: Path, backend: str) -> BriefingStore:
    """The store in use, once on the data directory and once on PostGIS."""
    return BriefingStore(tmp_path / "data")


@pytest.fixture
def file_store(tmp_path: Path) -> BriefingStore:
    """The data directory's store, for what only it has (files)."""
    return BriefingStore(tmp_path / "data")


def _made(store: BriefingStore, name: str = "morning", user: User = ANALYST):
    return store.create(new_briefing(name, "Morning brief", VIEWS, user), user)


def test_a_briefing_round_trips_through_the_store(store):
    made = _made(store)
    again = store.get("morning")
    assert again == made
    assert [v.caption for v in again.views] == ["2015 overview", "Gao", "Density"]
    assert again.views[1].note == "Convoy attacks rising"
    assert again.author == ANALYST.id
    assert again.last_presented_at is None
    assert [b.name for b in store.list()] == ["morning"]


def test_views_are_stored_as_the_app_writes_them():
    assert BriefingView.checked("to=2015-12-31&from=2015-01-01", "x").query == (
        "from=2015-01-01&to=2015-12-31"
    )


@pytest.mark.parametrize("name", ["Morning", "../etc", "a b", "", "-x", "x" * 49, "é"])
def test_a_name_that_is_not_a_safe_slug_is_refused(store, name):
    with pytest.raises(BriefingError, match="must be 1-48 lower-case"):
        new_briefing(name, "T", VIEWS, ANALYST)


@pytest.mark.parametrize(
    ("query", "named"),
    [("zoom=99", "zoom='99'"), ("from=yesterday", "from='yesterday'"), ("agg=3d", "agg='3d'")],
)
def test_a_view_that_does_not_parse_is_refused_naming_the_parameter(query, named):
    with pytest.raises(BriefingError, match="does not parse") as caught:
        BriefingView.checked(query, "caption")
    assert named in str(caught.value)


def test_texts_are_checked(store):
    with pytest.raises(BriefingError, match="caption is empty"):
        BriefingView.checked("", "  ")
    with pytest.raises(BriefingError, match="control characters"):
        BriefingView.checked("", "bad\x00caption")


def test_a_missing_briefing_is_named(store):
    with pytest.raises(BriefingError, match="no briefing named 'nope'"):
        store.get("nope")


def test_two_briefings_cannot_share_a_name(store):
    _made(store)
    with pytest.raises(BriefingError, match="exists already"):
        _made(store)


def test_only_the_author_or_an_admin_changes_or_deletes_it(store):
    _made(store)
    with pytest.raises(RefusedError, match="only its author"):
        store.update("morning", OTHER, title="Hijacked")
    with pytest.raises(RefusedError, match="only its author"):
        store.delete("morning", OTHER)
    assert store.update("morning", ADMIN, title="Checked").title == "Checked"
    store.delete("morning", ANALYST)
    assert store.list() == []


def test_a_viewer_cannot_write_a_briefing_and_the_refusal_is_recorded(store):
    with pytest.raises(RefusedError, match="needs the analyst role"):
        _made(store, user=VIEWER)
    (entry,) = read_log(store.data_folder).entries
    assert (entry.user, entry.action, entry.outcome) == (VIEWER.id, "write_briefing", "refused")


def test_reorder_rename_and_duplicate(store):
    _made(store)
    reordered = store.update("morning", ANALYST, views=tuple(reversed(VIEWS)))
    assert [v.caption for v in reordered.views] == ["Density", "Gao", "2015 overview"]
    renamed = store.rename("morning", "daily", ANALYST)
    assert renamed.name == "daily"
    assert not store.exists("morning")
    copy = store.duplicate("daily", "daily-copy", OTHER)
    assert (copy.author, copy.title, copy.views) == (
        OTHER.id,
        "Morning brief (copy)",
        renamed.views,
    )
    actions = [e.action for e in read_log(store.data_folder).entries]
    assert actions == ["briefing-create", "briefing-update", "briefing-rename", "briefing-create"]


def test_presenting_records_when_and_shares_the_position(store):
    _made(store)
    presented, before = store.start_presentation("morning", VIEWER)
    assert before is None
    assert presented.last_presented_at is not None
    assert store.position("morning").index == 0
    store.move("morning", 2, VIEWER)
    assert (store.position("morning").index, store.position("morning").by) == (2, VIEWER.id)
    _again, before = store.start_presentation("morning", VIEWER)
    assert before == presented.last_presented_at
    store.rename("morning", "daily", ANALYST)
    assert store.position("morning") is None  # the position goes with the old name


def test_an_unreadable_briefing_file_is_named_not_a_traceback(file_store):
    store = file_store
    _made(store)
    (store.folder / "morning.json").write_text("{not json")
    with pytest.raises(BriefingError, match="briefing 'morning' cannot be read"):
        store.get("morning")
    assert store.list() == []


# -- the command line ---------------------------------------------------------------------------


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_adds_lists_shows_and_removes(capsys, backend):
    code, out, _ = _run(
        capsys,
        "briefings",
        "add",
        "morning",
        "--title",
        "Morning brief",
        "--view",
        "from=2015-01-01",
        "--view",
        "region=ML-7",
        "--caption",
        "Since 2015",
    )
    assert (code, out.strip()) == (0, "added briefing 'morning' with 2 views")
    code, out, _ = _run(capsys, "briefings", "--json")
    (listed,) = json.loads(out)
    assert set(listed) >= {"name", "title", "views", "updated_at", "last_presented_at"}
    assert (listed["name"], listed["views"], listed["last_presented_at"]) == ("morning", 2, None)
    code, out, _ = _run(capsys, "briefings", "show", "morning", "--json")
    shown = json.loads(out)
    assert [v["caption"] for v in shown["views"]] == ["Since 2015", "View 2"]
    assert shown["author"] == f"cli:{getpass.getuser()}"
    assert _run(capsys, "briefings", "remove", "morning")[0] == 0
    assert json.loads(_run(capsys, "briefings", "--json")[1]) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add", "Bad Name", "--view", ""], "briefing name 'Bad Name'"),
        (["add", "ok", "--view", "zoom=99"], "view 'zoom=99' does not parse"),
        (["show", "nope"], "no briefing named 'nope'"),
        (["remove", "nope"], "no briefing named 'nope'"),
        (["add", "ok", "--view", "", "--caption", "a", "--caption", "b"], "2 captions for 1 views"),
    ],
)
def test_cli_refuses_bad_input_with_exit_2_naming_it(capsys, argv, message, backend):
    code, _, err = _run(capsys, "briefings", *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


def test_cli_packs_a_briefing(capsys, tmp_path, monkeypatch):
    from tests.factories import small_geodata_dir

    geodata = tmp_path / "geodata"
    geodata.mkdir()
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(small_geodata_dir(geodata)))
    _run(capsys, "briefings", "add", "morning", "--view", "", "--view", "region=ML-7")
    out = tmp_path / "pack.pdf"
    code, printed, _ = _run(capsys, "briefings", "pack", "morning", "--out", str(out))
    assert code == 0
    assert "2 views" in printed
    assert out.read_bytes().startswith(b"%PDF")


def test_cli_changes_since_the_last_presentation(capsys, tmp_path, monkeypatch, backend):
    import pandas as pd

    from atlas.access import cli_user
    from tests.factories import small_geodata_dir

    geodata = tmp_path / "geodata"
    geodata.mkdir()
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(small_geodata_dir(geodata)))
    acled = Path(__file__).parent / "fixtures" / "import" / "acled_current_dyadic.csv"
    assert _run(capsys, "import", str(acled))[0] == 0
    _run(capsys, "briefings", "add", "morning", "--view", "")
    code, _, err = _run(capsys, "briefings", "changes", "morning", "--json")
    assert (code, "has never been presented" in err) == (2, True)
    BriefingStore().start_presentation("morning", cli_user())
    table = pd.read_csv(acled, dtype=str, keep_default_na=False)
    table.loc[table["event_id_cnty"] == "MLI1001", ["fatalities", "timestamp"]] = [
        "9",
        "1800000000",
    ]
    changed = tmp_path / "export.csv"
    table.loc[table["event_id_cnty"] != "MLI1002"].to_csv(changed, index=False)
    assert _run(capsys, "import", str(changed), "--replace")[0] == 0
    code, out, _ = _run(capsys, "briefings", "changes", "morning", "--json")
    body = json.loads(out)
    assert code == 0
    assert body["added"] == []
    assert body["updated"] == [{"id": "acled:MLI1001", "fields": ["fatalities"]}]
    assert body["removed"] == ["acled:MLI1002"]
    presented = BriefingStore().get("morning").last_presented_at
    assert presented is not None
    assert parse_time(body["since"]) == parse_time(presented)
