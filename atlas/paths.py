"""Where the project's files live, resolved from the package location (never the cwd)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
GEODATA_DIR = REPO_ROOT / "geodata"
STATIC_DIR = REPO_ROOT / "static"


def geodata_dir() -> Path:
    """The folder of the layer files: ``ATLAS_GEODATA_DIR`` when set, else the shipped one."""
    override = os.environ.get("ATLAS_GEODATA_DIR")
    return Path(override) if override else GEODATA_DIR
