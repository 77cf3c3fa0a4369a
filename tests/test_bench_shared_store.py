"""The shared-store benchmark: its synthetic export imports whole, and a small run works."""

from __future__ import annotations

import json
import os

from bench.shared_store import MAP_VIEWS, acled_export, main
from loaders.imports.acled import EXPORT_COLUMNS


def test_the_synthetic_export_is_an_acled_export_the_importer_takes_whole(tmp_path):
    from atlas.datasets import DatasetStore

    export = acled_export(500, seed=3)
    assert list(export.columns) == list(EXPORT_COLUMNS)
    path = tmp_path / "synthetic.csv"
    export.to_csv(path, index=False)
    report = DatasetStore(tmp_path / "data").import_file(path)
    assert report.accepted + len(report.rejected) == 500
    assert report.accepted >= 495  # a point or two may fall outside Mali and its neighbours
    assert len(set(export["event_id_cnty"])) == 500


def test_a_small_map_run_prints_every_view_and_a_json_line(capsys):
    assert main(["map", "--events", "3000", "--runs", "1", "--json"]) == 0
    assert "ATLAS_DATABASE_URL" not in os.environ  # the run's database is gone with it
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["events"] >= 2_990
    for name in MAP_VIEWS:
        view = figures[name]
        assert view["shared_cold"]["bytes"] == view["held"]["bytes"]  # the same map
        assert view["shared_warm"]["seconds"] <= view["shared_cold"]["seconds"]
    assert figures["country"]["incidents"] == figures["events"]


def test_two_replicas_on_one_database_serve_their_sessions_without_error(capsys):
    assert (
        main(["replicas", "--replicas", "2", "--sessions", "2", "--events", "300", "--json"]) == 0
    )
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["errors"] == 0
    assert len(figures["per_replica"]) == 2
    assert all(r["p50"] > 0 for r in figures["per_replica"])
