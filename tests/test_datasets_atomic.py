"""Imports killed mid-write leave the previous data intact; concurrent imports both land.

These run the real ``python -m atlas import`` in subprocesses. The kill happens at a stage
named by ``ATLAS_IMPORT_PAUSE_AT``: the import stops there and says so, and the test kills it
with SIGKILL, as a crash or an out-of-memory kill would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from atlas.datasets import DATA_SUBDIR, PAUSE_ENV, DatasetStore, open_datasets
from tests.factories import small_geodata_dir

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "import"


@pytest.fixture
def geodata(tmp_path: Path) -> Path:
    folder = tmp_path / "geodata"
    folder.mkdir()
    return small_geodata_dir(folder)


def _import_process(
    path: Path, data: Path, geodata: Path, *extra: str, pause_at: str | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, "ATLAS_GEODATA_DIR": str(geodata), "PYTHONUNBUFFERED": "1"}
    env.pop(PAUSE_ENV, None)
    if pause_at:
        env[PAUSE_ENV] = pause_at
    return subprocess.Popen(
        [sys.executable, "-m", "atlas", "import", str(path), "--data", str(data), *extra],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _updated_export(tmp_path: Path) -> Path:
    table = pd.read_csv(FIXTURES / "acled_current_dyadic.csv", dtype=str, keep_default_na=False)
    table["fatalities"] = "99"
    table["timestamp"] = "1800000000"
    path = tmp_path / "update.csv"
    table.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("stage", ["data-written", "history-written", "manifest-written"])
def test_import_killed_mid_write_leaves_a_consistent_dataset(tmp_path, geodata, stage):
    store = DatasetStore(tmp_path / "data", geodata=geodata)
    store.import_file(FIXTURES / "acled_current_dyadic.csv")
    before = store.read("acled")

    process = _import_process(_updated_export(tmp_path), store.folder, geodata, pause_at=stage)
    assert process.stdout is not None
    watchdog = threading.Timer(60, process.kill)  # never hang the suite on a silent child
    watchdog.start()
    line = process.stdout.readline()
    watchdog.cancel()
    assert line.strip() == f"paused at {stage}", process.stderr.read() if process.stderr else ""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()
    if process.stderr:
        process.stderr.close()

    after = store.read("acled")
    versions = store.history().versions("acled")
    if stage != "manifest-written":  # the manifest was not replaced: the old data, untouched
        pd.testing.assert_frame_equal(after, before)
        assert [v.action for v in versions] == ["import"]
    else:  # the manifest was replaced: the new data, complete, and its version recorded
        assert set(after["fatalities"]) == {99}
        assert [v.action for v in versions] == ["import", "reimport"]
    assert versions[-1].file == store.datasets()[0].file
    assert len(after) == 4
    (info,) = store.datasets()
    assert info.rows == 4
    # The next write sweeps whatever the killed one left behind.
    store.import_file(FIXTURES / "ucdp_ged.csv")
    named = {d.file for d in store.datasets()} | store.history().files()
    assert {p.name for p in (store.folder / DATA_SUBDIR).iterdir()} == named
    assert len(named) == len(versions) + 1


def test_two_concurrent_imports_into_one_dataset_both_land(tmp_path, geodata, backend):
    data = tmp_path / "data"
    first = _import_process(FIXTURES / "acled_current_dyadic.csv", data, geodata, "--json")
    second = _import_process(FIXTURES / "acled_old_monadic.csv", data, geodata, "--json")
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    store = open_datasets(data, geodata=geodata)
    (info,) = store.datasets()
    assert info.rows == 4 + 3  # neither import overwrote the other
    assert len(store.read("acled")) == 7
