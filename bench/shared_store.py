"""The shared store under a large table: view to map with the filter in SQL, and replicas.

Run ``.venv/bin/python -m bench.shared_store map --events 1000000 --json`` or
``.venv/bin/python -m bench.shared_store replicas --replicas 2 --sessions 20 --json``.

Both start a private PostgreSQL + PostGIS server on a free loopback port
(:mod:`atlas.db.local`), create the schema, import synthetic incidents spread like Sahel
incidents (:mod:`bench.synthetic`, written as an ACLED export and imported as an analyst's
file would be), measure, and delete the server at the end.

``map``: from a view to the map's HTML, with the imported incidents asked of the database
(the filter and, for large views, the hexagon counts in SQL) against the same view with
every incident held in the process (the embedded store), for the country view and for one
region and year. ``replicas``: N app processes on one database, each with S sessions
opening Home and moving the date range three times (as :mod:`bench.load`), all at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.imports.acled import EXPORT_COLUMNS

ACLED_EVENT_DAY = "%d %B %Y"


def acled_export(events: int, seed: int = 7) -> pd.DataFrame:
    """``events`` synthetic incidents (:func:`bench.synthetic.synthetic_incidents`) as the
    rows of an ACLED export, so they are imported through the real importer."""
    from atlas.store import EmbeddedStore
    from bench.synthetic import synthetic_incidents

    shipped = EmbeddedStore().layers()
    made = synthetic_incidents(events, shipped.towns, shipped.rivers, seed=seed)
    count = len(made)
    fatalities = made["fatalities"].astype("Int64").astype(str).replace("<NA>", "")
    frame = pd.DataFrame(
        {
            "event_id_cnty": np.char.add("SYN", np.arange(1, count + 1).astype(str)),
            "event_date": made["event_date"].dt.strftime(ACLED_EVENT_DAY),
            "year": made["event_date"].dt.year.astype(str),
            "time_precision": made["date_precision"].astype(str),
            "disorder_type": "Political violence",
            "event_type": made["event_type"],
            "sub_event_type": made["sub_event_type"],
            "actor1": made["actor1"],
            "assoc_actor_1": "",
            "inter1": "2",
            "actor2": made["actor2"].fillna(""),
            "assoc_actor_2": "",
            "inter2": "1",
            "interaction": "12",
            "civilian_targeting": "",
            "iso": "466",
            "region": "Western Africa",
            "country": "Mali",
            "admin1": "",
            "admin2": "",
            "admin3": "",
            "location": made["location"],
            "latitude": made.geometry.y.round(4).astype(str),
            "longitude": made.geometry.x.round(4).astype(str),
            "geo_precision": made["geo_precision"].clip(1, 3).astype(str),
            "source": "Synthetic",
            "source_scale": "National",
            "notes": "Synthetic incident near " + made["location"] + ".",
            "fatalities": fatalities.where(fatalities != "", "0"),
            "tags": "",
            "timestamp": (1_600_000_000 + np.arange(count)).astype(str),
        }
    )
    return frame[list(EXPORT_COLUMNS)]


@contextmanager
def shared_store(events: int) -> Iterator[tuple[str, float]]:
    """A fresh PostGIS store holding ``events`` synthetic incidents: its address and the
    seconds the import took."""
    from atlas.db.datasets import DatabaseDatasetStore
    from atlas.db.local import LocalServer
    from atlas.db.migrate import upgrade

    with LocalServer() as server, tempfile.TemporaryDirectory(prefix="atlas-bench-") as folder:
        upgrade(server.url)
        export = Path(folder) / "acled.csv"
        acled_export(events).to_csv(export, index=False)
        started = time.perf_counter()
        DatabaseDatasetStore(server.url).import_file(export)
        seconds = time.perf_counter() - started
        export.unlink()
        yield server.url, seconds
