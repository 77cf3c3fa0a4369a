"""The store's history of versions, replace, and what changed in the incidents since a moment."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from atlas.datasets import DATA_SUBDIR, HISTORY, DatasetStore, ForgottenError, open_datasets
from atlas.history import Changes, changes_since, compare_versions, history
from loaders.errors import LayerError
from loaders.imports import ImportOptions
from tests.factories import small_geodata_dir

FIXTURES = Path(__file__).parent / "fixtures" / "import"
ACLED = FIXTURES / "acled_current_dyadic.csv"


@pytest.fixture
def geodata(tmp_path: Path) -> Path:
    folder = tmp_path / "geodata"
    folder.mkdir()
    return small_geodata_dir(folder)


@pytest.fixture
def store(tmp_path: Path, geodata: Path, backend: str) -> DatasetStore:
    """The store in use, once on the data directory and once on PostGIS."""
    return open_datasets(tmp_path / "data", geodata=geodata)


@pytest.fixture
def file_store(tmp_path: Path, geodata: Path) -> DatasetStore:
    """The data directory's store, for what only its files can show."""
    return DatasetStore(tmp_path / "data", geodata=geodata)


def _acled_export(
    folder: Path, changes: dict[str, dict[str, str]] | None = None, drop: tuple[str, ...] = ()
) -> Path:
    """The ACLED fixture with cells changed by event id (a new timestamp each) and rows dropped."""
    table = pd.read_csv(ACLED, dtype=str, keep_default_na=False)
    for event, cells in (changes or {}).items():
        for column, value in {**cells, "timestamp": "1800000000"}.items():
            table.loc[table["event_id_cnty"] == event, column] = value
    table = table.loc[~table["event_id_cnty"].isin(drop)]
    path = folder / f"export-{time.monotonic_ns()}.csv"
    table.to_csv(path, index=False)
    return path


def _moment() -> datetime:
    """Now, with the next write certainly later."""
    moment = datetime.now(UTC)
    time.sleep(0.002)
    return moment


# -- replace and re-import ----------------------------------------------------------------------


def test_replace_dropping_one_event_and_changing_another_gives_one_removal_and_one_update(
    store, tmp_path
):
    store.import_file(ACLED)
    since = _moment()
    export = _acled_export(tmp_path, {"MLI1001": {"fatalities": "9"}}, drop=("MLI1002",))
    report = store.import_file(export, replace=True)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    changes = changes_since(since, store.folder)
    assert changes == Changes(
        since=since,
        added=(),
        updated=(("acled:MLI1001", ("fatalities",)),),
        removed=("acled:MLI1002",),
        complete=True,
    )


def test_reimport_keeps_rows_the_file_lacks_and_replace_drops_them(store, tmp_path):
    store.import_file(ACLED)
    smaller = _acled_export(tmp_path, drop=("MLI1002",))
    merged = store.import_file(smaller)
    assert len(store.read("acled")) == 4
    assert (merged.added, merged.updated, merged.unchanged, merged.removed) == (0, 0, 3, 0)
    replaced = store.import_file(smaller, replace=True)
    assert (replaced.added, replaced.updated, replaced.unchanged, replaced.removed) == (0, 0, 3, 1)
    assert "acled:MLI1002" not in set(store.read("acled")["id"])
    assert store.datasets()[0].rows == 3
    assert [v.action for v in store.history().versions("acled")] == [
        "import",
        "reimport",
        "replace",
    ]
    assert [v.rows for v in store.history().versions("acled")] == [4, 4, 3]


def test_replace_of_a_dataset_not_stored_yet_is_an_import(store):
    report = store.import_file(ACLED, replace=True)
    assert not report.reimport
    (version,) = store.history().versions("acled")
    assert version.action == "import"


def test_a_moved_event_reports_its_geometry(store, tmp_path):
    store.import_file(ACLED)
    since = _moment()
    store.import_file(_acled_export(tmp_path, {"MLI1003": {"longitude": "-3.2"}}), replace=True)
    ((event, fields),) = changes_since(since, store.folder).updated
    assert event == "acled:MLI1003"
    assert "geometry" in fields
    assert "source_version" not in fields


# -- datasets created and removed --------------------------------------------------------------


def test_dataset_created_after_the_moment_counts_every_row_as_added(store):
    store.import_file(ACLED)
    since = _moment()
    store.import_file(FIXTURES / "ucdp_ged.csv")
    changes = changes_since(since, store.folder)
    assert changes.added == tuple(sorted(store.read("ucdp-ged")["id"]))
    assert (changes.updated, changes.removed, changes.complete) == ((), (), True)


def test_dataset_removed_after_the_moment_counts_every_row_as_removed(store):
    store.import_file(FIXTURES / "ucdp_ged.csv")
    ids = tuple(sorted(store.read("ucdp-ged")["id"]))
    since = _moment()
    store.remove("ucdp-ged")
    changes = changes_since(since, store.folder)
    assert (changes.added, changes.updated, changes.removed) == ((), (), ids)


def test_created_and_removed_again_since_the_moment_is_no_change(store):
    since = _moment()
    store.import_file(FIXTURES / "ucdp_ged.csv")
    store.remove("ucdp-ged")
    changes = changes_since(since, store.folder)
    assert (changes.added, changes.updated, changes.removed) == ((), (), ())


def test_nothing_changed_after_the_last_write(store):
    store.import_file(ACLED)
    changes = changes_since(_moment(), store.folder)
    assert (changes.added, changes.updated, changes.removed, changes.complete) == (
        (),
        (),
        (),
        True,
    )


def test_empty_store_has_no_changes(store):
    changes = changes_since(datetime(2020, 1, 1, tzinfo=UTC), store.folder)
    assert (changes.added, changes.updated, changes.removed, changes.complete) == (
        (),
        (),
        (),
        True,
    )


def test_deployment_datasets_are_left_out(store):
    since = _moment()
    store.import_file(FIXTURES / "geopko.csv")
    assert changes_since(since, store.folder).added == ()


def test_a_name_reused_for_incidents_after_deployments_counts_them_as_added(store):
    store.import_file(FIXTURES / "geopko.csv", ImportOptions(dataset="mine"))
    since = _moment()
    store.remove("mine")
    store.import_file(FIXTURES / "ucdp_ged.csv", ImportOptions(dataset="mine"))
    changes = changes_since(since, store.folder)
    assert len(changes.added) == 3
    assert changes.removed == ()


def test_a_moment_without_time_zone_is_utc(store):
    store.import_file(ACLED)
    since = _moment()
    store.remove("acled")
    changes = changes_since(since.replace(tzinfo=None), store.folder)
    assert changes.since == since
    assert len(changes.removed) == 4


def test_changes_as_json(store, tmp_path):
    store.import_file(ACLED)
    since = _moment()
    store.import_file(
        _acled_export(tmp_path, {"MLI1001": {"fatalities": "9"}}, drop=("MLI1002",)),
        replace=True,
    )
    store.import_file(FIXTURES / "ucdp_ged.csv")
    body = changes_since(since, store.folder).to_json()
    assert json.loads(json.dumps(body)) == {
        "added": sorted(store.read("ucdp-ged")["id"]),
        "updated": [{"id": "acled:MLI1001", "fields": ["fatalities"]}],
        "removed": ["acled:MLI1002"],
        "since": since.isoformat(),
        "complete": True,
    }


# -- how much history is kept -------------------------------------------------------------------


def test_versions_beyond_the_bound_are_swept_with_their_files(tmp_path, geodata, backend):
    store = open_datasets(tmp_path / "data", geodata=geodata, keep_versions=2)
    first_moment = _moment()
    for fatalities in ("1", "2", "3"):
        store.import_file(_acled_export(tmp_path, {"MLI1001": {"fatalities": fatalities}}))
    versions = store.history().versions("acled")
    assert [v.action for v in versions] == ["reimport", "reimport"]
    if backend == "embedded":
        files = {p.name for p in (store.folder / DATA_SUBDIR).iterdir()}
        assert files == {v.file for v in versions}
    assert [len(store.read_version(v)) for v in versions] == [4, 4]
    with pytest.raises(ForgottenError, match="the history of dataset 'acled' is kept from"):
        store.history().version_at("acled", first_moment)
    assert store.history().version_at("acled", versions[0].moment) == versions[0]


def test_a_moment_older_than_the_history_kept_is_incomplete(tmp_path, geodata, backend):
    store = open_datasets(tmp_path / "data", geodata=geodata, keep_versions=2)
    before_all = _moment()
    store.import_file(ACLED)
    store.import_file(_acled_export(tmp_path, {"MLI1001": {"fatalities": "9"}}))
    between = _moment()
    store.import_file(
        _acled_export(tmp_path, {"MLI1001": {"fatalities": "9"}, "MLI1003": {"fatalities": "8"}})
    )
    older = changes_since(before_all, store.folder)
    assert not older.complete
    # Compared from the oldest version kept: the first change is no longer known.
    assert older.updated == (("acled:MLI1003", ("fatalities",)),)
    assert changes_since(between, store.folder).complete


def test_a_store_written_before_the_history_was_kept_starts_it(file_store, tmp_path):
    store = file_store
    store.import_file(ACLED)
    (store.folder / HISTORY).unlink()
    manifest = json.loads(store.manifest_path.read_text())
    del manifest["history"]
    store.manifest_path.write_text(json.dumps(manifest))
    imported = store.datasets()[0]
    (version,) = store.history().versions("acled")
    assert (version.file, version.action, version.became_current) == (
        imported.file,
        "import",
        imported.imported_at,
    )
    store.import_file(_acled_export(tmp_path, {"MLI1001": {"fatalities": "9"}}))
    files = [v.file for v in store.history().versions("acled")]
    assert files == [imported.file, store.datasets()[0].file]
    before = version.moment - timedelta(days=1)
    assert not changes_since(before, store.folder).complete


def test_entries_the_manifest_does_not_commit_are_ignored(file_store, tmp_path):
    store = file_store
    store.import_file(ACLED)
    body = json.loads((store.folder / HISTORY).read_text())
    orphan = {**body["entries"][0], "seq": 2, "file": "acled-000000000000.parquet"}
    body["entries"].append(orphan)
    (store.folder / HISTORY).write_text(json.dumps(body))
    (version,) = store.history().versions("acled")
    assert version.seq == 1


def test_an_unreadable_history_is_named(file_store):
    store = file_store
    store.import_file(ACLED)
    (store.folder / HISTORY).write_text("{not json")
    with pytest.raises(LayerError, match="unreadable import history") as raised:
        changes_since(_moment(), store.folder)
    assert str(store.folder / HISTORY) in str(raised.value)


def test_history_helper_reads_the_data_directory(file_store, monkeypatch):
    store = file_store
    store.import_file(ACLED)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(store.folder))
    assert [v.action for v in history().entries] == ["import"]


def test_keep_versions_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="keep_versions must be at least 1"):
        DatasetStore(tmp_path, keep_versions=0)


# -- comparing versions -------------------------------------------------------------------------


def test_rows_are_matched_by_id_and_two_missing_values_are_equal():
    then = pd.DataFrame({"id": ["a", "b"], "fatalities": pd.array([1, None], dtype="Int64")})
    now = pd.DataFrame({"id": ["b", "a"], "fatalities": pd.array([None, 2], dtype="Int64")})
    assert compare_versions(then, now) == ([], [("a", ("fatalities",))], [])


def test_a_field_only_one_version_has_is_not_compared():
    then = pd.DataFrame({"id": ["a"], "location": ["Gao"]})
    now = pd.DataFrame({"id": ["a"], "location": ["Gao"], "admin2": ["Gao"]})
    assert compare_versions(then, now) == ([], [], [])


def test_comparing_300000_incidents_is_fast(store):
    store.import_file(ACLED)
    base = store.read("acled")
    count = 300_000
    then = base.iloc[np.arange(count) % len(base)].reset_index(drop=True)
    then["id"] = [f"acled:E{n}" for n in range(count)]
    then = gpd.GeoDataFrame(then, geometry="geometry", crs=base.crs)
    now = then.iloc[1_000:].copy()
    now.loc[now.index[::10], "fatalities"] = 99
    started = time.perf_counter()
    added, updated, removed = compare_versions(then, now)
    elapsed = time.perf_counter() - started
    assert (len(added), len(updated), len(removed)) == (0, 29_900, 1_000)
    assert updated[0][1] == ("fatalities",)
    assert elapsed < 5, f"{elapsed:.2f} s"  # about 0.4 s on the 2-core reference machine


def test_a_restricted_viewer_sees_only_the_changes_inside_their_regions(store, tmp_path):
    store.import_file(ACLED)
    since = _moment()
    # MLI1002 lies in Gao (ML-7); MLI1001 does not.
    export = _acled_export(tmp_path, {"MLI1001": {"fatalities": "9"}}, drop=("MLI1002",))
    store.import_file(export, replace=True)
    gao = changes_since(since, store.folder, frozenset({"ML-7"}))
    assert (gao.added, gao.updated, gao.removed) == ((), (), ("acled:MLI1002",))
    elsewhere = changes_since(since, store.folder, frozenset({"ML-BKO"}))
    assert (elsewhere.added, elsewhere.updated, elsewhere.removed) == ((), (), ())
