"""What changed in the imported incidents since a moment, from the store's history of versions.

Every import, re-import, replace and removal of a dataset is a version in the store's history
(:mod:`atlas.datasets`). :func:`changes_since` compares, dataset by dataset, the version current
at a moment with the current one and lists the incidents added, updated (with the fields that
changed) and removed. Only imported incident datasets have a history; the curated set ships
with the app and never changes between two briefings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from geopandas.array import GeometryDtype

from atlas.datasets import (
    DatasetStore,
    ForgottenError,
    HistoryEntry,
    StoreHistory,
    as_utc,
    open_datasets,
)
from loaders import LayerError
from loaders.imports import INCIDENT_COLUMNS, INCIDENTS

__all__ = [
    "COMPARED_FIELDS",
    "Changes",
    "ForgottenError",
    "HistoryEntry",
    "StoreHistory",
    "changes_since",
    "compare_versions",
    "history",
]

BOOKKEEPING = frozenset({"id", "source_version", "licence", "dataset"})
"""Columns that say where a row came from, not what happened: never reported as changed.

``licence`` carries the access date, so every re-import would otherwise change it.
"""

COMPARED_FIELDS: tuple[str, ...] = tuple(c for c in INCIDENT_COLUMNS if c not in BOOKKEEPING)
"""The incident fields whose change makes an incident *updated*, in schema order."""


@dataclass(frozen=True)
class Changes:
    """The incidents added, updated and removed since a moment, each list sorted by id.

    ``updated`` pairs each id with the names of its fields that changed (of
    :data:`COMPARED_FIELDS`). ``complete`` is False when the moment is older than the
    history kept of some dataset: that dataset was then compared from its oldest version
    kept, so changes before that version are missing.
    """

    since: datetime
    added: tuple[str, ...]
    updated: tuple[tuple[str, tuple[str, ...]], ...]
    removed: tuple[str, ...]
    complete: bool

    def to_json(self) -> dict[str, Any]:
        """``{"added": [ids], "updated": [{"id", "fields"}], "removed": [ids], "since": iso,
        "complete": bool}`` (``complete`` False: see the class)."""
        return {
            "complete": self.complete,
            "added": list(self.added),
            "updated": [{"id": id_, "fields": list(fields)} for id_, fields in self.updated],
            "removed": list(self.removed),
            "since": self.since.isoformat(),
        }


def history(folder: Path | None = None) -> StoreHistory:
    """Every version the store in ``folder`` (the data directory by default) keeps."""
    return open_datasets(folder).history()


def _differs(then: pd.Series, now: pd.Series) -> np.ndarray:
    """Row by row, whether two aligned columns differ (two missing values are equal)."""
    both_missing = then.isna().to_numpy() & now.isna().to_numpy()
    if isinstance(then.dtype, GeometryDtype) or isinstance(now.dtype, GeometryDtype):
        equal = shapely.equals_exact(np.asarray(then, dtype=object), np.asarray(now, dtype=object))
    else:
        equal = (then == now).to_numpy(dtype=bool, na_value=False)
    return ~(equal | both_missing)


def compare_versions(
    then: pd.DataFrame, now: pd.DataFrame
) -> tuple[list[str], list[tuple[str, tuple[str, ...]]], list[str]]:
    """The ids added, updated (with their changed fields) and removed between two versions.

    Both frames have an ``id`` column, unique within each. Rows are matched by id and every
    field of :data:`COMPARED_FIELDS` both versions have is compared, one column at a time (a
    field only one version has came with a change of schema, not of the events).
    """
    # Where each current row was then (-1: new); a hash join on id, like a merge, but without
    # carrying every column through it.
    was_at = pd.Index(then["id"]).get_indexer(now["id"])
    kept = was_at >= 0
    still_there = np.zeros(len(then), dtype=bool)
    still_there[was_at[kept]] = True
    added = now["id"].to_numpy()[~kept].tolist()
    removed = then["id"].to_numpy()[~still_there].tolist()
    now_rows = np.flatnonzero(kept)
    then_rows = was_at[kept]
    # One bit per field: rows sharing a pattern of changes share one tuple of names, so only
    # the changed rows are visited one by one.
    masks = np.zeros(len(now_rows), dtype=np.int64)
    for bit, name in enumerate(COMPARED_FIELDS):
        if name not in then.columns or name not in now.columns:
            continue
        then_column = then[name].take(then_rows).reset_index(drop=True)
        now_column = now[name].take(now_rows).reset_index(drop=True)
        masks |= _differs(then_column, now_column).astype(np.int64) << bit
    changed = masks != 0
    names = {
        mask: tuple(name for bit, name in enumerate(COMPARED_FIELDS) if mask >> bit & 1)
        for mask in np.unique(masks[changed]).tolist()
    }
    ids = now["id"].to_numpy()[now_rows[changed]].tolist()
    updated = [(id_, names[mask]) for id_, mask in zip(ids, masks[changed].tolist(), strict=True)]
    return added, updated, removed


def _incident_rows(
    store: DatasetStore, entry: HistoryEntry | None, regions: frozenset[str] | None
) -> pd.DataFrame:
    """The incidents of a version (inside ``regions`` when given): none before the dataset
    existed or when it holds others."""
    if entry is None or entry.kind != INCIDENTS:
        return pd.DataFrame({"id": pd.Series([], dtype=object)})
    rows = store.read_version(entry)
    return rows if regions is None else rows.loc[rows["admin1"].isin(regions)]


def _changes(
    store: DatasetStore, kept: StoreHistory, since: datetime, regions: frozenset[str] | None
) -> Changes:
    added: list[str] = []
    updated: list[tuple[str, tuple[str, ...]]] = []
    removed: list[str] = []
    complete = True
    for dataset in kept.datasets():
        versions = kept.versions(dataset)
        try:
            then = kept.version_at(dataset, since)
        except ForgottenError as forgotten:
            complete = False
            then = forgotten.oldest
        now = versions[-1]
        if then is not None and then.file == now.file:
            continue  # the same version, or removed both then and now
        more, changed, fewer = compare_versions(
            _incident_rows(store, then, regions), _incident_rows(store, now, regions)
        )
        added += more
        updated += changed
        removed += fewer
    return Changes(
        since=since,
        added=tuple(sorted(added)),
        updated=tuple(sorted(updated)),
        removed=tuple(sorted(removed)),
        complete=complete,
    )


def changes_since(
    since: datetime, folder: Path | None = None, regions: frozenset[str] | None = None
) -> Changes:
    """The imported incidents added, updated and removed since ``since``.

    For every incident dataset the version current at ``since`` is compared with the current
    one: a dataset created since contributes all its rows as added, one removed since all its
    rows as removed. Deployment datasets and the curated set are left out.

    Parameters
    ----------
    since
        The moment; without a time zone it is taken as UTC. ``Changes.since`` is in UTC.
    folder
        The data directory (:func:`atlas.datasets.data_dir` when None).
    regions
        A region-restricted user's regions: only incidents inside them, then or now, count
        (an incident that moved out of them counts as removed). None for every incident.

    Returns
    -------
    Changes
        With ``complete`` False when ``since`` is older than the history kept of a dataset.

    Raises
    ------
    loaders.errors.LayerError
        When the manifest, the history or a version's file cannot be read (naming it).
    """
    since = as_utc(since)
    store = open_datasets(folder)
    for _ in range(3):
        try:
            return _changes(store, store.history(), since, regions)
        except FileNotFoundError:
            time.sleep(0.05)  # a writer swept a version we were about to read: look again
    raise LayerError.single(
        str(store.folder), "the history kept changing while it was read; try again"
    )
