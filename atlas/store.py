"""Where the atlas gets its layers: a small interface, and the embedded store behind it.

Pages and the CLI ask a :class:`Store`; they never open files themselves. The embedded store
reads the validated files shipped in ``geodata/``; a shared database store can stand behind
the same interface later.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from atlas.aggregate import with_cells
from atlas.datasets import open_datasets, with_imported
from atlas.notes import NotesStore, notes_frame
from atlas.paths import geodata_dir
from loaders import LAYER_FILES, LINEAGE_FILE, AtlasLayers, load_layers


class Store(Protocol):
    """What a page or command needs from storage."""

    def fingerprint(self) -> str:
        """A value that changes whenever the layers would load differently (a cache key)."""
        ...

    def layers(self) -> AtlasLayers:
        """Every layer, validated, in EPSG:4326."""
        ...


class EmbeddedStore:
    """Layers read from the files shipped with the app (``geodata/``)."""

    def __init__(self, folder: Path | None = None, data_folder: Path | None = None) -> None:
        self.geodata_dir = folder or geodata_dir()
        # Imported datasets (ATLAS_DATA_DIR) are added to the curated layers, and the
        # analysts' notes kept there become a layer of their own.
        self.datasets = open_datasets(data_folder, geodata=self.geodata_dir)
        self.notes = NotesStore(self.datasets.folder)

    def fingerprint(self) -> str:
        """Hash of the folder, of each layer file's name, size and modification time, of the
        imported datasets and of the notes."""
        digest = hashlib.sha256(str(self.geodata_dir.resolve()).encode())
        for name in sorted([*LAYER_FILES.values(), LINEAGE_FILE]):
            # One stat a file: this runs on every rerun of every session.
            try:
                found = (self.geodata_dir / name).stat()
                size, mtime = found.st_size, found.st_mtime_ns
            except FileNotFoundError:
                size, mtime = -1, -1
            digest.update(f"{name}:{size}:{mtime};".encode())
        digest.update(f"datasets:{self.datasets.fingerprint()};".encode())
        digest.update(f"notes:{self.notes.fingerprint()};".encode())
        return digest.hexdigest()[:16]

    def layers(self) -> AtlasLayers:
        """Load and validate every shipped layer, plus the imported datasets and the notes."""
        layers = with_imported(load_layers(self.geodata_dir), self.datasets)
        return replace(
            layers,
            incidents=with_cells(layers.incidents),
            notes=notes_frame(self.notes.all()),
            imported=self.datasets.imported_incidents(self.fingerprint()),
        )
