"""The dataset store: manifest, re-imports that update, removal, and the maps' layers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from atlas.datasets import DATA_SUBDIR, DatasetStore, datasets_table, open_datasets
from atlas.filters import data_span, view_incidents
from atlas.store import EmbeddedStore
from atlas.view import ViewState
from loaders.errors import LayerError
from loaders.imports import ImportOptions
from tests.factories import small_geodata_dir

FIXTURES = Path(__file__).parent / "fixtures" / "import"


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
    """The data directory's store, for what only it has (files)."""
    return DatasetStore(tmp_path / "data", geodata=geodata)


def on_disk(store: DatasetStore) -> bool:
    return type(store) is DatasetStore


def _acled_export(tmp_path: Path, changes: dict[str, dict[str, str]], extra: int = 0) -> Path:
    """The current ACLED fixture with cells changed by event id, plus ``extra`` new events."""
    table = pd.read_csv(FIXTURES / "acled_current_dyadic.csv", dtype=str, keep_default_na=False)
    for event, cells in changes.items():
        for column, value in cells.items():
            table.loc[table["event_id_cnty"] == event, column] = value
    for n in range(extra):
        row = table.iloc[0].copy()
        row["event_id_cnty"] = f"MLI90{n}"
        table = pd.concat([table, row.to_frame().T], ignore_index=True)
    path = tmp_path / "update.csv"
    table.to_csv(path, index=False)
    return path


def test_import_is_listed_in_the_manifest_with_its_licence(store):
    options = ImportOptions(access_date=pd.Timestamp("2024-05-01").date())
    report = store.import_file(FIXTURES / "acled_current_dyadic.csv", options)
    assert (report.stored, report.added, report.updated, report.unchanged) == (True, 4, 0, 0)
    (info,) = store.datasets()
    assert (info.name, info.format, info.kind, info.rows) == ("acled", "acled", "incidents", 4)
    assert (info.date_min, info.date_max) == ("2021-01-12", "2021-01-15")
    assert "accessed 2024-05-01" in info.licence
    assert info.access_date == "2024-05-01"
    assert len(store.read("acled")) == 4
    if on_disk(store):
        manifest = json.loads(store.manifest_path.read_text())
        assert manifest["datasets"]["acled"]["file"] == info.file


def test_reimporting_an_updated_export_updates_changed_events_only(store, tmp_path):
    store.import_file(FIXTURES / "acled_current_dyadic.csv")
    changed = {"MLI1001": {"fatalities": "6", "timestamp": "1700000000"}}
    report = store.import_file(_acled_export(tmp_path, changed, extra=1))
    assert (report.added, report.updated, report.unchanged) == (1, 1, 3)
    rows = store.read("acled").set_index("source_id")
    assert len(rows) == 5
    assert rows.loc["MLI1001", "fatalities"] == 6
    assert store.datasets()[0].rows == 5


def test_reimporting_the_same_file_changes_nothing(store):
    store.import_file(FIXTURES / "ucdp_ged.csv")
    report = store.import_file(FIXTURES / "ucdp_ged.csv")
    assert (report.added, report.updated, report.unchanged) == (0, 0, 3)


def test_old_data_file_is_kept_as_a_version_after_an_update(store, tmp_path):
    store.import_file(FIXTURES / "acled_current_dyadic.csv")
    store.import_file(_acled_export(tmp_path, {"MLI1001": {"timestamp": "1"}}))
    first, second = store.history().versions("acled")
    assert (first.action, second.action) == ("import", "reimport")
    assert second.file == store.datasets()[0].file
    assert len(store.read_version(first)) == 4
    if on_disk(store):
        files = {f.name for f in (store.folder / DATA_SUBDIR).iterdir()}
        assert files == {first.file, second.file}


def test_removing_a_dataset_takes_it_off_the_maps_and_keeps_its_last_version(store):
    store.import_file(FIXTURES / "ucdp_ged.csv")
    removed = store.remove("ucdp-ged")
    assert removed.rows == 3
    assert store.datasets() == []
    kept, gone = store.history().versions("ucdp-ged")
    assert (kept.file, gone.action, gone.file) == (removed.file, "remove", None)
    assert len(store.read_version(kept)) == 3
    if on_disk(store):
        assert [f.name for f in (store.folder / DATA_SUBDIR).iterdir()] == [removed.file]
    with pytest.raises(KeyError):
        store.remove("ucdp-ged")


def test_a_dataset_name_holds_one_kind_of_rows(store):
    store.import_file(FIXTURES / "geopko.csv", ImportOptions(dataset="mine"))
    with pytest.raises(LayerError, match="holds deployments, not incidents"):
        store.import_file(FIXTURES / "ucdp_ged.csv", ImportOptions(dataset="mine"))


def test_fingerprint_changes_with_every_import_and_removal(store):
    empty = store.fingerprint()
    store.import_file(FIXTURES / "ucdp_ged.csv")
    imported = store.fingerprint()
    store.remove("ucdp-ged")
    assert len({empty, imported}) == 2
    assert store.fingerprint() != imported


def test_maps_get_curated_and_imported_incidents_and_deployments(store, geodata):
    embedded = EmbeddedStore(geodata, data_folder=store.folder)
    before = embedded.fingerprint()
    store.import_file(FIXTURES / "acled_current_dyadic.csv")
    store.import_file(FIXTURES / "geopko.csv")
    assert embedded.fingerprint() != before
    layers = embedded.layers()
    # The shared database keeps its incidents out of the layers; a view asks for its own.
    assert (layers.imported is None) == on_disk(store)
    incidents = view_incidents(layers, ViewState(), *data_span(layers))
    assert sorted(set(incidents["dataset"])) == ["acled", "curated"]
    assert len(incidents) == 3 + 4
    assert incidents["id"].is_unique
    assert incidents["event_date"].is_monotonic_increasing
    assert len(layers.deployments) == 2 + 3
    assert incidents["fatalities"].dtype == "Int64"


def test_fingerprint_follows_each_layer_file(store, geodata):
    embedded = EmbeddedStore(geodata, data_folder=store.folder)
    first = embedded.fingerprint()
    assert embedded.fingerprint() == first
    layer = sorted(geodata.iterdir())[0]
    stamp = layer.stat().st_mtime_ns
    os.utime(layer, ns=(stamp + 10**9, stamp + 10**9))
    touched = embedded.fingerprint()
    assert touched != first
    layer.unlink()  # a missing file changes the key instead of failing
    assert embedded.fingerprint() not in (first, touched)


def test_datasets_table_starts_with_the_curated_set(store, geodata):
    store.import_file(FIXTURES / "ucdp_ged.csv")
    table = datasets_table(EmbeddedStore(geodata, data_folder=store.folder).layers(), store)
    assert list(table["name"]) == ["curated", "ucdp-ged"]
    assert list(table["rows"]) == [3, 3]


def test_attribution_lines_name_each_dataset(store):
    store.import_file(FIXTURES / "acled_current_dyadic.csv")
    (line,) = store.attributions()
    assert line.startswith("ACLED (Armed Conflict Location & Event Data), acleddata.com")


def test_leftover_files_of_an_interrupted_write_are_swept(file_store):
    store = file_store
    store.import_file(FIXTURES / "ucdp_ged.csv")
    stray = store.folder / DATA_SUBDIR / "ucdp-ged-deadbeef.parquet"
    stray.write_bytes(b"half")
    temp = store.folder / ".manifest.json.abc.tmp"
    temp.write_text("{")
    store.import_file(FIXTURES / "geopko.csv")
    assert not stray.exists()
    assert not temp.exists()
    assert [d.name for d in store.datasets()] == ["geo-pko", "ucdp-ged"]


def test_missing_data_directory_means_no_datasets(tmp_path, geodata):
    store = DatasetStore(tmp_path / "nowhere", geodata=geodata)
    assert store.datasets() == []
    assert not (tmp_path / "nowhere").exists()


def test_a_missing_data_file_is_a_clear_error(file_store):
    store = file_store
    store.import_file(FIXTURES / "ucdp_ged.csv")
    (store.folder / DATA_SUBDIR / store.datasets()[0].file).unlink()
    with pytest.raises(LayerError, match="its file is missing; remove it and import it again"):
        store.read("ucdp-ged")
