"""The shared store on PostGIS: what only it does (schema, transactions, locks, copying).

The behaviour both stores share is tested on both through the ``backend`` fixture
(tests/test_datasets.py, tests/test_history.py, ...); these tests are about the database.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from atlas.cli import main
from atlas.datasets import PAUSE_ENV, DatasetStore, open_datasets
from atlas.db import engine, parse_url, shown
from atlas.db.datasets import DatabaseDatasetStore
from atlas.db.schema import metadata
from atlas.history import changes_since
from loaders import LayerError
from tests.factories import small_geodata_dir

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "import"
ACLED = FIXTURES / "acled_current_dyadic.csv"
UCDP = FIXTURES / "ucdp_ged.csv"
GEOPKO = FIXTURES / "geopko.csv"


@pytest.fixture
def geodata(tmp_path: Path) -> Path:
    folder = tmp_path / "geodata"
    folder.mkdir()
    return small_geodata_dir(folder)


def _sql(url: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(query).fetchall()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _changed_acled(tmp_path: Path, fatalities: str, stamp: str) -> Path:
    table = pd.read_csv(ACLED, dtype=str, keep_default_na=False)
    table.loc[table["event_id_cnty"] == "MLI1001", ["fatalities", "timestamp"]] = [
        fatalities,
        stamp,
    ]
    path = tmp_path / f"acled-{stamp}.csv"
    table.to_csv(path, index=False)
    return path


# -- the acceptance: an import lands in PostGIS, and the answers match the embedded store ------


def test_import_lands_in_a_postgis_table_and_nothing_in_the_data_directory(data, database, capsys):
    code, out, err = _run(capsys, "import", str(ACLED), "--json")
    assert code == 0, err
    assert json.loads(out)["accepted"] == 4
    assert not data.exists() or list(data.iterdir()) == []
    ((count, srid, kind),) = _sql(
        database,
        "SELECT count(*), min(ST_SRID(geometry)), min(GeometryType(geometry)) FROM incidents",
    )
    assert (count, srid, kind) == (4, 4326, "POINT")
    indexes = {str(row[0]) for row in _sql(database, "SELECT indexdef FROM pg_indexes")}
    assert any("incidents USING gist (geometry)" in d for d in indexes)
    assert any("incidents USING btree (event_date)" in d for d in indexes)
    # The H3 cells the hexagon maps count are stored with every incident.
    ((cells,),) = _sql(database, "SELECT count(*) FROM incidents WHERE h3_r5 IS NOT NULL")
    assert cells == 4


def _answers(capsys: pytest.CaptureFixture[str]) -> tuple[list[dict], dict]:
    for path in (ACLED, UCDP, GEOPKO):
        assert _run(capsys, "import", str(path))[0] == 0
    assert _run(capsys, "import", str(ACLED))[0] == 0  # a re-import changes nothing
    code, listed, _ = _run(capsys, "datasets", "--json")
    assert code == 0
    code, view, err = _run(capsys, "view", "from=2000-01-01", "--json")
    assert code == 0, err
    datasets = [{k: v for k, v in d.items() if k != "imported_at"} for d in json.loads(listed)]
    return datasets, json.loads(view)


def test_datasets_and_view_give_the_same_answers_on_both_stores(
    data, postgis_server, monkeypatch, capsys
):
    embedded = _answers(capsys)
    url = postgis_server.fresh()
    monkeypatch.setenv("ATLAS_DATABASE_URL", url)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data.parent / "unused"))
    try:
        shared = _answers(capsys)
    finally:
        engine(url).dispose()
    assert shared[0] == embedded[0]
    assert shared[1] == embedded[1]
    assert shared[1]["incidents"]  # the view is not trivially empty


@pytest.mark.parametrize("path", [ACLED, UCDP, GEOPKO], ids=lambda p: p.stem)
def test_rows_read_back_exactly_as_the_files_hold_them(tmp_path, geodata, database, path):
    files = DatasetStore(tmp_path / "files", geodata=geodata)
    shared = open_datasets(tmp_path / "unused", geodata=geodata)
    assert isinstance(shared, DatabaseDatasetStore)
    report = files.import_file(path)
    shared.import_file(path)
    expected = files.read(report.dataset).sort_values("id", ignore_index=True)
    got = shared.read(report.dataset).sort_values("id", ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_like=True)
    assert not (tmp_path / "unused").exists()


# -- transactions and locks ---------------------------------------------------------------------


def _import_process(path: Path, geodata: Path, pause_at: str | None) -> subprocess.Popen[str]:
    env = {**os.environ, "ATLAS_GEODATA_DIR": str(geodata), "PYTHONUNBUFFERED": "1"}
    env.pop(PAUSE_ENV, None)
    if pause_at:
        env[PAUSE_ENV] = pause_at
    return subprocess.Popen(
        [sys.executable, "-m", "atlas", "import", str(path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_pause(process: subprocess.Popen[str], stage: str) -> None:
    assert process.stdout is not None
    watchdog = threading.Timer(60, process.kill)  # never hang the suite on a silent child
    watchdog.start()
    line = process.stdout.readline()
    watchdog.cancel()
    assert line.strip() == f"paused at {stage}", process.stderr.read() if process.stderr else ""


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    for stream in (process.stdout, process.stderr):
        if stream:
            stream.close()


def _table_counts(url: str) -> tuple[object, ...]:
    ((counts),) = _sql(
        url,
        "SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM versions),"
        " (SELECT count(*) FROM datasets), (SELECT coalesce(max(counter), 0) FROM changes)",
    )
    return counts


@pytest.mark.parametrize("stage", ["data-written", "manifest-written"])
def test_an_import_killed_mid_way_leaves_the_database_as_it_was(tmp_path, geodata, database, stage):
    store = open_datasets(tmp_path / "unused", geodata=geodata)
    store.import_file(ACLED)
    before, counts = store.read("acled"), _table_counts(database)

    process = _import_process(_changed_acled(tmp_path, "99", "1800000000"), geodata, stage)
    _wait_for_pause(process, stage)
    _kill(process)

    pd.testing.assert_frame_equal(store.read("acled"), before)
    assert _table_counts(database) == counts
    assert [v.action for v in store.history().versions("acled")] == ["import"]
    # The killed import's lock went with its connection: the next import need not wait.
    started = time.monotonic()
    store.import_file(UCDP)
    assert time.monotonic() - started < 10
    assert [d.name for d in store.datasets()] == ["acled", "ucdp-ged"]


def test_an_import_waits_for_another_replicas_import_to_commit(tmp_path, geodata, database):
    store = open_datasets(tmp_path / "unused", geodata=geodata)
    first = _import_process(ACLED, geodata, "data-written")
    _wait_for_pause(first, "data-written")
    second = _import_process(UCDP, geodata, None)
    time.sleep(1.5)
    assert second.poll() is None  # waiting for the lock the paused import holds
    assert store.datasets() == []
    _kill(first)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert [d.name for d in store.datasets()] == ["ucdp-ged"]


def test_a_page_asking_to_remove_during_an_import_is_told_at_once(tmp_path, geodata, database):
    store = open_datasets(tmp_path / "unused", geodata=geodata)
    store.import_file(UCDP)
    importing = _import_process(ACLED, geodata, "data-written")
    try:
        _wait_for_pause(importing, "data-written")
        started = time.monotonic()
        with pytest.raises(LayerError, match="an import is writing to this data now"):
            store.remove("ucdp-ged", wait=0.2)
        assert time.monotonic() - started < 3
    finally:
        _kill(importing)
    assert store.remove("ucdp-ged").rows == 3


# -- history kept in rows -----------------------------------------------------------------------


def test_versions_past_the_bound_are_deleted_with_the_rows_only_they_needed(
    tmp_path, geodata, database
):
    store = open_datasets(tmp_path / "unused", geodata=geodata, keep_versions=2)
    for n, deaths in enumerate(("1", "2", "3")):
        store.import_file(_changed_acled(tmp_path, deaths, f"18000000{n}0"))
    versions = store.history().versions("acled")
    assert [v.rows for v in versions] == [4, 4]
    fatalities = [
        store.read_version(v).set_index("source_id").at["MLI1001", "fatalities"] for v in versions
    ]
    assert fatalities == [2, 3]
    # 4 rows of the first version, one replaced row for each later one; the first's is gone.
    ((rows,),) = _sql(database, "SELECT count(*) FROM incidents")
    assert rows == 4 + 1


def test_a_removed_dataset_keeps_its_last_version_readable(tmp_path, geodata, database):
    store = open_datasets(tmp_path / "unused", geodata=geodata)
    store.import_file(UCDP)
    since = datetime.now(UTC)
    time.sleep(0.01)
    store.remove("ucdp-ged")
    kept, removed = store.history().versions("ucdp-ged")
    assert len(store.read_version(kept)) == 3
    assert removed.file is None
    assert len(changes_since(since).removed) == 3


# -- copying an embedded store ------------------------------------------------------------------


def test_migrate_copies_datasets_and_history_once(tmp_path, geodata, postgis_server, capsys):
    files = DatasetStore(tmp_path / "files", geodata=geodata)
    files.import_file(ACLED)
    time.sleep(0.01)
    middle = datetime.now(UTC)
    time.sleep(0.01)
    files.import_file(_changed_acled(tmp_path, "7", "1800000000"))
    files.import_file(UCDP)
    files.remove("ucdp-ged")
    files.import_file(GEOPKO)
    url = postgis_server.fresh()
    try:
        code, out, err = _run(capsys, "migrate", "--to", url, "--data", str(files.folder))
        assert code == 0, err
        assert "5 dataset versions copied, 0 already there" in out
        assert "0 audit entries copied" in out
        shared = DatabaseDatasetStore(url, geodata=geodata)
        assert [d.summary() for d in shared.datasets()] == [d.summary() for d in files.datasets()]

        def described(store: DatasetStore) -> list[tuple[object, ...]]:
            history = store.history()
            return [(e.dataset, e.action, e.rows, e.moment) for e in history.entries]

        assert described(shared) == described(files)
        pd.testing.assert_frame_equal(
            shared.read("acled").sort_values("id", ignore_index=True),
            files.read("acled").sort_values("id", ignore_index=True),
            check_like=True,
        )
        code, out, _ = _run(capsys, "migrate", "--to", url, "--data", str(files.folder))
        assert "0 dataset versions copied, 5 already there; 0 briefings" in out
        assert len(shared.history().entries) == 5
        os.environ["ATLAS_DATABASE_URL"] = url
        try:
            in_db = changes_since(middle)
        finally:
            del os.environ["ATLAS_DATABASE_URL"]
        assert in_db == changes_since(middle, files.folder)
        assert in_db.updated == (("acled:MLI1001", ("fatalities",)),)
    finally:
        engine(url).dispose()


# -- schema and connection errors ---------------------------------------------------------------


def test_the_migrated_schema_is_the_one_the_code_queries(database):
    with engine(database).connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": lambda obj, name, kind, reflected, other: (
                    not (kind == "table" and reflected and other is None)
                )
            },
        )
        assert compare_metadata(context, metadata) == []


def test_a_database_without_the_schema_says_to_upgrade_it(
    postgis_server, data, monkeypatch, capsys
):
    url = postgis_server.server.create_database("atlas_empty")
    monkeypatch.setenv("ATLAS_DATABASE_URL", url)
    try:
        code, _, err = _run(capsys, "datasets")
        assert code == 2
        assert "has no atlas schema yet" in err
        assert "python -m atlas db upgrade" in err
        code, out, _ = _run(capsys, "db", "status")
        assert code == 2
        assert "schema none" in out
        code, out, err = _run(capsys, "db", "upgrade")
        assert code == 0, err
        assert "schema none -> 0001" in out
        code, out, _ = _run(capsys, "db", "upgrade")
        assert "already current" in out
        assert _run(capsys, "datasets", "--json")[:2] == (0, "[]\n")
    finally:
        engine(url).dispose()


def test_an_unreachable_database_is_one_line_without_its_password(data, monkeypatch, capsys):
    from atlas.db.local import free_port

    url = f"postgresql://atlas:s3cret@127.0.0.1:{free_port()}/atlas"
    monkeypatch.setenv("ATLAS_DATABASE_URL", url)
    code, _, err = _run(capsys, "datasets")
    assert code == 2
    assert "the shared database cannot be used" in err
    assert "s3cret" not in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2


def test_only_postgresql_addresses_are_accepted():
    with pytest.raises(LayerError, match="unsupported database 'sqlite'"):
        parse_url("sqlite:///atlas.db")
    with pytest.raises(LayerError, match="not a database address"):
        parse_url("not a url")
    assert shown("postgresql://a:pw@h:1/d") == "postgresql+psycopg://a:***@h:1/d"


def test_the_audit_log_is_a_table_of_the_shared_database(data, database):
    from atlas.access import Role, User
    from atlas.audit import read_log, record

    amina = User("amina@example.org", "Amina", Role.ANALYST)
    record(amina, "import", "acled from export.csv")
    time.sleep(0.01)
    middle = datetime.now(UTC)
    time.sleep(0.01)  # entries carry milliseconds
    record(amina, "export", "Gao.png", outcome="refused", reason="no right")
    record(User("cli:root", "root", Role.ADMIN), "remove", "acled")
    assert [e.action for e in read_log().entries] == ["import", "export", "remove"]
    assert [e.action for e in read_log(since=middle).entries] == ["export", "remove"]
    (refused,) = read_log(user="amina@example.org", since=middle).entries
    assert (refused.outcome, refused.reason, refused.role) == ("refused", "no right", "analyst")
    assert refused.time.endswith("Z")
    assert not data.exists() or list(data.iterdir()) == []
    ((rows,),) = _sql(database, "SELECT count(*) FROM audit")
    assert rows == 3


def test_migrate_copies_briefings_positions_notes_and_the_audit_log_once(
    tmp_path, geodata, postgis_server, capsys
):
    from atlas.access import Role, User
    from atlas.audit import read_log
    from atlas.briefings import BriefingStore, BriefingView, new_briefing
    from atlas.notes import NoteDraft, NotesStore
    from loaders.reference import load_regions

    folder = tmp_path / "files"
    amina = User("amina@example.org", "Amina", Role.ANALYST)
    briefings = BriefingStore(folder)
    view = BriefingView.checked("region=ML-7", "Gao")
    briefings.create(new_briefing("morning", "Morning brief", [view], amina), amina)
    briefings.start_presentation("morning", amina)
    briefings.move("morning", 1, amina)
    regions = load_regions(geodata / "regions.geojson")
    notes = NotesStore(folder, regions=regions)
    note = notes.add(
        amina,
        NoteDraft(
            "Road closed", datetime(2016, 1, 1).date(), datetime(2016, 1, 2).date(), region="ML-7"
        ),
    )
    logged = read_log(folder).entries
    assert len(logged) == 3  # briefing created, presented, note added
    url = postgis_server.fresh()
    try:
        code, out, err = _run(capsys, "migrate", "--to", url, "--data", str(folder))
        assert code == 0, err
        assert "1 briefings, 1 presentation positions, 1 notes and 3 audit entries copied" in out
        code, out, _ = _run(capsys, "migrate", "--to", url, "--data", str(folder))
        assert "0 briefings, 0 presentation positions, 0 notes and 0 audit entries copied" in out
        os.environ["ATLAS_DATABASE_URL"] = url
        try:
            shared = BriefingStore(tmp_path / "unused")
            assert shared.get("morning") == briefings.get("morning")
            assert shared.position("morning") == briefings.position("morning")
            assert NotesStore(tmp_path / "unused", regions=regions).all() == (note,)
            assert read_log().entries == logged
        finally:
            del os.environ["ATLAS_DATABASE_URL"]
        assert not (tmp_path / "unused").exists()
    finally:
        engine(url).dispose()


# -- views answered by the database -------------------------------------------------------------

VIEWS = [
    "",
    "from=2015-01-01&to=2016-12-31",
    "region=ML-7",
    "region=ML-7&region=ML-6&from=2013-01-01",
    "type=Battles",
    "type=Battles&type=Explosions/Remote+violence&subtype=Armed+clash",
    "subtype=Attack",
    "actor=JNIM:+Jama'at+Nusrat+al-Islam+wal+Muslimin",
    "family=jihadist",
    "minfat=5",
    "precise=1&type=Violence+against+civilians",
]


@pytest.fixture
def both_stores(tmp_path, postgis_server, monkeypatch):
    """The shipped layers plus one made-up ACLED export, in a data directory and in PostGIS."""
    from atlas.store import EmbeddedStore
    from bench.import_bench import acled_frame

    export = tmp_path / "acled.csv"
    acled_frame(600, seed=11).to_csv(export, index=False)
    files = EmbeddedStore(data_folder=tmp_path / "files")
    files.datasets.import_file(export)
    url = postgis_server.fresh()
    monkeypatch.setenv("ATLAS_DATABASE_URL", url)
    shared = EmbeddedStore(data_folder=tmp_path / "unused")
    shared.datasets.import_file(export)
    yield files.layers(), shared.layers()
    engine(url).dispose()


@pytest.mark.parametrize("query", VIEWS)
def test_a_view_selects_the_same_incidents_from_the_database(both_stores, query):
    from atlas.access import restricted_layers
    from atlas.mapping import view_layers
    from atlas.view import parse_query_string

    held, asked = both_stores
    assert asked.imported is not None
    assert len(asked.incidents) < len(held.incidents)  # the replica holds the curated only
    view = parse_query_string(query).view
    for restriction in (None, frozenset({"ML-7"})):
        expected = view_layers(restricted_layers(held, restriction), view)
        got = view_layers(restricted_layers(asked, restriction), view)
        assert got[:2] == expected[:2]  # the same date range
        assert list(got[2]["id"]) == list(expected[2]["id"])
        assert (
            got[2]["fatalities"].fillna(-1).tolist()
            == expected[2]["fatalities"].fillna(-1).tolist()
        )
        cells = [c for c in expected[2].columns if c.startswith("h3_")]
        assert (got[2][cells].to_numpy() == expected[2][cells].to_numpy()).all()
    assert len(expected[2]) > 0 or query == "minfat=5"


def test_sidebar_choices_and_span_include_the_databases_incidents(both_stores):
    from atlas.filters import data_span

    held, asked = both_stores
    assert data_span(asked) == data_span(held)
    actors = set(held.incidents["actor1"]) | set(held.incidents["actor2"])
    found = set(asked.incidents["actor1"]) | set(asked.incidents["actor2"])
    assert found | asked.imported.names("actor1") | asked.imported.names("actor2") == actors


def test_layers_counts_the_incidents_the_database_keeps(data, database, capsys):
    assert _run(capsys, "import", str(ACLED))[0] == 0
    code, out, _ = _run(capsys, "layers", "--json")
    assert code == 0
    assert json.loads(out)["incidents"]["in_database"] == 4
    code, out, _ = _run(capsys, "layers")
    assert "and 4 imported incidents in the shared database" in out
