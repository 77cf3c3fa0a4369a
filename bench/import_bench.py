"""Time an ACLED import of 300,000 rows: seconds and peak memory.

Run ``.venv/bin/python -m bench.import_bench`` (``--rows N`` for another size). A made-up
export in the current 31-column format is written to a temporary folder, then imported into a
fresh data directory by a child process, so the peak memory reported (``VmHWM``) is the
import's own and not the generator's. Targets: 10 s and 2 GB. Nothing is kept afterwards.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.imports.acled import EXPORT_COLUMNS

PLACES = (
    ("Gao", "Gao", 16.2666, -0.0400),
    ("Timbuktu", "Timbuktu", 16.7735, -3.0074),
    ("Mopti", "Mopti", 14.4843, -4.1827),
    ("Menaka", "Ménaka", 15.9182, 2.4022),
    ("Kidal", "Kidal", 18.4411, 1.4078),
    ("Segou", "Ségou", 13.4317, -6.2157),
)
EVENTS = (
    ("Battles", "Armed clash"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Violence against civilians", "Attack"),
    ("Strategic developments", "Looting/property destruction"),
)
ACTORS = (
    "JNIM: Jama'at Nusrat al-Islam wal Muslimin",
    "Islamic State (Sahel)",
    "Military Forces of Mali (2021-)",
    "Dan Na Ambassagou",
    "Unidentified Armed Group (Mali)",
    "Civilians (Mali)",
)


def acled_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    """A made-up ACLED export of ``rows`` events, built with whole-column operations."""
    rng = np.random.default_rng(seed)
    place = rng.integers(0, len(PLACES), rows)
    event = rng.integers(0, len(EVENTS), rows)
    days = pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 4700, rows), unit="D")
    admin1 = np.array([p[0] for p in PLACES], dtype=object)[place]
    location = np.array([p[1] for p in PLACES], dtype=object)[place]
    lat = np.array([p[2] for p in PLACES])[place] + rng.normal(0, 0.3, rows)
    lon = np.array([p[3] for p in PLACES])[place] + rng.normal(0, 0.3, rows)
    actors = np.array(ACTORS, dtype=object)
    frame = pd.DataFrame(
        {
            "event_id_cnty": np.char.add("MLI", np.arange(1, rows + 1).astype(str)),
            "event_date": days.strftime("%d %B %Y"),
            "year": days.year.astype(str),
            "time_precision": rng.integers(1, 4, rows).astype(str),
            "disorder_type": "Political violence",
            "event_type": np.array([e[0] for e in EVENTS], dtype=object)[event],
            "sub_event_type": np.array([e[1] for e in EVENTS], dtype=object)[event],
            "actor1": actors[rng.integers(0, 5, rows)],
            "assoc_actor_1": "",
            "inter1": "2",
            "actor2": actors[rng.integers(2, 6, rows)],
            "assoc_actor_2": "",
            "inter2": "1",
            "interaction": "12",
            "civilian_targeting": "",
            "iso": "466",
            "region": "Western Africa",
            "country": "Mali",
            "admin1": admin1,
            "admin2": admin1,
            "admin3": "",
            "location": location,
            "latitude": np.round(lat, 4).astype(str),
            "longitude": np.round(lon, 4).astype(str),
            "geo_precision": rng.integers(1, 4, rows).astype(str),
            "source": "Studio Tamani; Malijet",
            "source_scale": "National",
            "notes": "On the reported day, armed men attacked a position near "
            + location
            + "; casualties were reported by local sources.",
            "fatalities": rng.poisson(1.5, rows).astype(str),
            "tags": "",
            "timestamp": (1_600_000_000 + np.arange(rows)).astype(str),
        }
    )
    return frame[list(EXPORT_COLUMNS)]


def _child(csv_path: Path, data: Path) -> None:
    """Import ``csv_path`` into ``data`` and print seconds and peak memory as JSON."""
    from atlas.datasets import DatasetStore

    started = time.perf_counter()
    report = DatasetStore(data).import_file(csv_path)
    seconds = time.perf_counter() - started
    # The process's own peak (VmHWM, KiB): ru_maxrss starts from the size of the process that
    # started it, which a child inherits on Linux.
    status = Path("/proc/self/status").read_text().splitlines()
    peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "peak_mb": round(peak_kib / 1024, 1),
                "accepted": report.accepted,
                "rejected": len(report.rejected),
            }
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the file, import it in a child process and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.import_bench")
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="atlas-import-bench-") as folder:
        csv_path = Path(folder) / "acled_export.csv"
        acled_frame(args.rows).to_csv(csv_path, index=False)
        size_mb = csv_path.stat().st_size / 2**20
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.import_bench",
                "--child",
                str(csv_path),
                str(Path(folder) / "data"),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"ACLED import of {args.rows:,} rows ({size_mb:.0f} MB CSV): "
        f"{figures['seconds']:.1f} s, peak memory {figures['peak_mb']:.0f} MB "
        f"({figures['accepted']:,} accepted, {figures['rejected']:,} rejected); "
        "targets 10 s and 2,048 MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
