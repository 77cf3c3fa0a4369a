"""Adaptive aggregation: how incidents are drawn so the map stays fast at any count.

Below :data:`POINTS_MAX` incidents every one is a point; up to :data:`CLUSTERS_MAX` they are
clustered in the browser; above that they are counted into H3 hexagons on the server, so the
page carries a few hundred cells instead of a marker per incident. The thresholds keep a
slider move within half a second (``bench/slider_bench.py``): 3,000 points redraw in about
0.37 s, 10,000 clustered markers in 0.65-0.8 s, 100,000 incidents in hexagons in 0.3 s. A
reader can still ask for points or clusters at any count.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
from shapely.geometry import Polygon

POINTS_MAX = 3_000
CLUSTERS_MAX = 5_000
DEFAULT_HEX_RESOLUTION = 3  # cells of about 12,400 km², legible over the whole country
ZOOM_TO_RESOLUTION = {4: 3, 5: 3, 6: 4, 7: 4, 8: 5, 9: 5, 10: 6, 11: 6, 12: 7, 13: 8}


def resolve_mode(requested: str, count: int) -> str:
    """The drawing mode for ``count`` incidents: the requested one, or by count for ``auto``."""
    if requested != "auto":
        return requested
    if count <= POINTS_MAX:
        return "points"
    if count <= CLUSTERS_MAX:
        return "clusters"
    return "hexes"


def hex_resolution(zoom: int | None) -> int:
    """The H3 resolution that suits a map zoom (cells a few tens of pixels across)."""
    return ZOOM_TO_RESOLUTION.get(zoom, DEFAULT_HEX_RESOLUTION) if zoom else DEFAULT_HEX_RESOLUTION


PRECOMPUTED_RESOLUTIONS = tuple(sorted(set(ZOOM_TO_RESOLUTION.values()) | {DEFAULT_HEX_RESOLUTION}))
"""Every resolution a map asks for, so no redraw locates points again."""


def cell_column(resolution: int) -> str:
    """Name of the column that holds each incident's H3 cell at ``resolution``."""
    return f"h3_r{resolution}"


CELL_COLUMNS = frozenset(cell_column(r) for r in PRECOMPUTED_RESOLUTIONS)
"""The columns :func:`with_cells` adds: the map's own bookkeeping, never exported."""


def with_cells(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy with each incident's H3 cell at every resolution a map uses, computed once at load.

    The cells are H3 indexes as ``uint64``: a map in hexagons then only counts integers,
    instead of locating every point again on each redraw. Each resolution is located on its
    own: an H3 parent cell does not quite cover its children, so a parent would put points
    near a cell's edge in the neighbouring hexagon.
    """
    located = incidents.copy()
    lats, lons = located.geometry.y.to_numpy(), located.geometry.x.to_numpy()
    for resolution in PRECOMPUTED_RESOLUTIONS:
        located[cell_column(resolution)] = _cells(lats, lons, resolution)
    return located


def _cells(lats: np.ndarray, lons: np.ndarray, resolution: int) -> np.ndarray:
    locate = h3.api.numpy_int.latlng_to_cell
    return np.fromiter(
        (locate(lat, lon, resolution) for lat, lon in zip(lats, lons, strict=True)),
        dtype=np.uint64,
        count=len(lats),
    )


@dataclass(frozen=True, eq=False)
class CellCounts:
    """Incidents and fatalities per H3 cell at one resolution: what a hexagon map draws.

    Counts from different places (incidents held in the process, sums a database returned)
    add up cell by cell, so a map of both draws exactly what one count over all their
    incidents would. ``cells`` are ascending and unique, as ``uint64`` H3 indexes; the
    arrays are read-only, so a cached count can be handed to every caller. Two counts are
    equal when they count the same cells the same.
    """

    resolution: int
    cells: np.ndarray
    incidents: np.ndarray
    fatalities: np.ndarray

    @classmethod
    def summed(
        cls, resolution: int, cells: np.ndarray, incidents: np.ndarray, fatalities: np.ndarray
    ) -> CellCounts:
        """Counts per cell from rows that may name a cell more than once (they are added)."""
        if not len(cells) == len(incidents) == len(fatalities):
            raise ValueError(
                f"cells, incidents and fatalities differ in length: "
                f"{len(cells)}, {len(incidents)}, {len(fatalities)}"
            )
        found, which = np.unique(np.asarray(cells, dtype=np.uint64), return_inverse=True)
        return cls(
            resolution,
            _frozen(found),
            _frozen(_summed(which, incidents, len(found))),
            _frozen(_summed(which, fatalities, len(found))),
        )

    @classmethod
    def of(cls, incidents: gpd.GeoDataFrame, resolution: int) -> CellCounts:
        """Count ``incidents`` (with ``fatalities``, unknown as 0) per cell at ``resolution``,
        from their precomputed cell column when they have one."""
        column = cell_column(resolution)
        if column in incidents:
            cells = incidents[column].to_numpy(dtype=np.uint64)
        else:
            cells = _cells(
                incidents.geometry.y.to_numpy(), incidents.geometry.x.to_numpy(), resolution
            )
        # Counting integers with numpy: a pandas groupby over a million strings took ten
        # times as long.
        deaths = incidents["fatalities"].fillna(0).to_numpy(dtype=np.int64)
        return cls.summed(resolution, cells, np.ones(len(cells), dtype=np.int64), deaths)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CellCounts):
            return NotImplemented
        return self.resolution == other.resolution and all(
            np.array_equal(mine, theirs)
            for mine, theirs in zip(
                (self.cells, self.incidents, self.fatalities),
                (other.cells, other.incidents, other.fatalities),
                strict=True,
            )
        )

    def __hash__(self) -> int:
        return hash((self.resolution, len(self.cells), int(self.incidents.sum())))

    def add(self, other: CellCounts) -> CellCounts:
        """The counts of both, cell by cell."""
        if other.resolution != self.resolution:
            raise ValueError(
                f"cannot add counts at resolution {other.resolution} "
                f"to counts at resolution {self.resolution}"
            )
        return CellCounts.summed(
            self.resolution,
            np.concatenate([self.cells, other.cells]),
            np.concatenate([self.incidents, other.incidents]),
            np.concatenate([self.fatalities, other.fatalities]),
        )

    def hex_cells(self) -> gpd.GeoDataFrame:
        """The hexagons to draw (:func:`hex_cells_from_counts`)."""
        return hex_cells_from_counts(self.cells, self.incidents, self.fatalities)


def _summed(which: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    weights = np.asarray(values, dtype=np.int64)
    # Whole numbers summed as floats are exact below 2**53, far above any count here.
    return np.bincount(which, weights=weights, minlength=size).astype(np.int64)


def _frozen(values: np.ndarray) -> np.ndarray:
    values.setflags(write=False)
    return values


def hex_cells(incidents: gpd.GeoDataFrame, resolution: int) -> gpd.GeoDataFrame:
    """Count incidents and fatalities per H3 cell.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per non-empty cell: ``cell`` (H3 index), ``incidents``, ``fatalities``
        (unknown counted as 0) and the hexagon ``geometry`` in EPSG:4326, most incidents first.
    """
    if incidents.empty:
        none = np.zeros(0, dtype=np.int64)
        return hex_cells_from_counts(none, none, none)
    counted = CellCounts.of(incidents, resolution)
    return hex_cells_from_counts(counted.cells, counted.incidents, counted.fatalities)


HEX_COLUMNS = ["cell", "incidents", "fatalities", "geometry"]


def hex_cells_from_counts(
    cells: np.ndarray, incidents: np.ndarray, fatalities: np.ndarray
) -> gpd.GeoDataFrame:
    """The hexagons of cells already counted, as :func:`hex_cells` returns them.

    Parameters
    ----------
    cells
        H3 indexes of one resolution as integers, each once.
    incidents, fatalities
        The counts of each cell, in the order of ``cells``.
    """
    if not len(cells) == len(incidents) == len(fatalities):
        raise ValueError(
            f"cells, incidents and fatalities differ in length: "
            f"{len(cells)}, {len(incidents)}, {len(fatalities)}"
        )
    if not len(cells):
        return gpd.GeoDataFrame(columns=HEX_COLUMNS, geometry="geometry", crs="EPSG:4326")
    cells = np.asarray(cells, dtype=np.uint64)
    counts = np.asarray(incidents, dtype=np.int64)
    # Hex strings of one resolution have one length, so integer order is the strings' order.
    order = np.lexsort((cells, -counts))
    names = [h3.int_to_str(int(cell)) for cell in cells[order]]
    shapes = [
        Polygon([(round(lon, 4), round(lat, 4)) for lat, lon in h3.cell_to_boundary(name)])
        for name in names
    ]
    counted = pd.DataFrame(
        {
            "cell": names,
            "incidents": counts[order],
            "fatalities": np.asarray(fatalities, dtype=np.int64)[order],
        }
    )
    return gpd.GeoDataFrame(counted, geometry=shapes, crs="EPSG:4326")[HEX_COLUMNS]
