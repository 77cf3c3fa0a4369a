"""Where the project's files live, resolved from the package location (never the cwd)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
GEODATA_DIR = REPO_ROOT / "geodata"
STATIC_DIR = REPO_ROOT / "static"
