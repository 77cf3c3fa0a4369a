"""Read, validate and bundle every layer of the atlas. Never imports Streamlit."""

from __future__ import annotations

# GDAL and PROJ are set up (offline) before any module below loads them.
import loaders.gdal_env  # noqa: F401

# isort: split

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:
    from atlas.filters import ImportedIncidents

from loaders.curated import load_deployments, load_incidents, load_lineage
from loaders.errors import LayerError, Problem
from loaders.reference import (
    assign_regions,
    load_countries,
    load_regions,
    load_rivers,
    load_towns,
)

__all__ = [
    "LAYER_FILES",
    "LINEAGE_FILE",
    "NOTE_COLUMNS",
    "AtlasLayers",
    "LayerError",
    "Problem",
    "empty_notes",
    "load_layers",
]

LAYER_FILES: dict[str, str] = {
    "countries": "countries.geojson",
    "regions": "regions.geojson",
    "towns": "towns.geojson",
    "rivers": "rivers.geojson",
    "deployments": "deployments.csv",
    "incidents": "incidents.csv",
}
LINEAGE_FILE = "actor_lineage.csv"

NOTE_COLUMNS: dict[str, str] = {
    "id": "str",
    "author": "str",
    "created_at": "str",
    "updated_at": "str",
    "text": "str",
    "date_from": "datetime64[us]",
    "date_to": "datetime64[us]",
    "region": "str",
    "admin1": "str",
}
"""The columns of the notes layer and their types (besides ``geometry``, the note's point).

``region`` is the region a note is pinned to (missing for a note pinned to a point);
``admin1`` the region its point lies in (missing outside Mali's regions). The notes
themselves are kept by :mod:`atlas.notes`.
"""


def empty_notes() -> gpd.GeoDataFrame:
    """A notes layer without notes, in EPSG:4326, with every column of :data:`NOTE_COLUMNS`."""
    columns = {name: pd.Series(dtype=dtype) for name, dtype in NOTE_COLUMNS.items()}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs="EPSG:4326"))


@dataclass(frozen=True)
class AtlasLayers:
    """Every layer the maps draw, validated, in EPSG:4326.

    ``notes`` are the analysts' shared map notes; files in ``geodata/`` carry none, so
    :func:`load_layers` leaves the layer empty and the store adds them. ``imported`` is set
    by a store that keeps imported incidents out of ``incidents`` (the shared database):
    views ask it for their rows (:func:`atlas.filters.view_incidents`).
    """

    countries: gpd.GeoDataFrame
    regions: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame
    deployments: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    lineage: pd.DataFrame
    notes: gpd.GeoDataFrame = field(default_factory=empty_notes)
    imported: ImportedIncidents | None = None

    def by_name(self) -> dict[str, gpd.GeoDataFrame]:
        """The layers keyed by their names in :data:`LAYER_FILES`."""
        return {name: getattr(self, name) for name in LAYER_FILES}


def load_layers(geodata_dir: Path) -> AtlasLayers:
    """Load and validate every layer from ``geodata_dir``.

    Incidents and deployments get ``admin1`` (ISO 3166-2 region code) by spatial join with
    the regions layer. Raises :class:`LayerError` naming the first file that is wrong.
    """
    regions = load_regions(geodata_dir / LAYER_FILES["regions"])
    return AtlasLayers(
        countries=load_countries(geodata_dir / LAYER_FILES["countries"]),
        regions=regions,
        towns=load_towns(geodata_dir / LAYER_FILES["towns"]),
        rivers=load_rivers(geodata_dir / LAYER_FILES["rivers"]),
        deployments=assign_regions(
            load_deployments(geodata_dir / LAYER_FILES["deployments"]), regions
        ),
        incidents=assign_regions(load_incidents(geodata_dir / LAYER_FILES["incidents"]), regions),
        lineage=load_lineage(geodata_dir / LINEAGE_FILE),
    )
