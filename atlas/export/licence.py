"""Which incident rows may leave the atlas as raw data, and the credit each dataset needs.

The rule for raw data: a row is *restricted* when its ``licence`` or its ``dataset`` names ACLED
(case-insensitive). ACLED's terms allow its data to be shown in maps and figures but not
redistributed row by row, so CSV and GeoJSON exports withhold restricted rows unless the operator
sets ``ATLAS_ALLOW_RAW_EXPORT=1`` (for instance under an agreement with the data owner). Maps,
slides and briefing packs draw every row and credit the dataset as its terms ask.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd

from atlas.attribution import SOURCE_OF_LAYER
from atlas.filters import DatasetLicence, IncidentFilter, apply_filter
from loaders import AtlasLayers
from loaders.curated import CURATED_DATASET

ALLOW_RAW_EXPORT_ENV = "ATLAS_ALLOW_RAW_EXPORT"
RESTRICTED_MARK = "acled"
RESTRICTED_REASON = (
    "ACLED's terms of use do not allow its raw event data to be redistributed; "
    f"an operator with permission can set {ALLOW_RAW_EXPORT_ENV}=1 to include these rows"
)
UCDP_CITATION = (
    "Sundberg, Ralph and Erik Melander (2013), 'Introducing the UCDP Georeferenced Event "
    "Dataset', Journal of Peace Research 50(4): 523–532"
)
ACCESS_DATE_COLUMN = "accessed"
_TRUE = {"1", "true", "yes", "on"}


def raw_export_allowed(environ: Mapping[str, str] | None = None) -> bool:
    """True when the operator allows restricted rows in data exports.

    Parameters
    ----------
    environ
        The environment to read (default: the process environment); ``ATLAS_ALLOW_RAW_EXPORT``
        set to ``1``, ``true``, ``yes`` or ``on`` allows them.
    """
    env = os.environ if environ is None else environ
    return env.get(ALLOW_RAW_EXPORT_ENV, "").strip().lower() in _TRUE


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str)


def restricted_rows(incidents: pd.DataFrame) -> pd.Series:
    """Boolean mask of the rows whose licence forbids redistributing them as raw data."""
    return _text(incidents, "licence").str.lower().str.contains(
        RESTRICTED_MARK, regex=False
    ) | _text(incidents, "dataset").str.lower().str.contains(RESTRICTED_MARK, regex=False)


def _is_ucdp(dataset: str, licence: str) -> bool:
    return "ucdp" in dataset.lower() or "ucdp" in licence.lower()


def _access_dates(rows: pd.DataFrame) -> str:
    return _access_words(_access_span(rows))


def dataset_credits(
    incidents: gpd.GeoDataFrame, filters: Sequence[str], changes: str
) -> tuple[str, ...]:
    """One credit line per dataset among ``incidents``, in order of first appearance.

    Parameters
    ----------
    incidents
        The incidents shown or exported (``dataset`` and ``licence`` columns).
    filters
        The view's filters in words; ACLED's terms ask for the filters used.
    changes
        What the atlas did to the rows, in words; ACLED's terms ask for the changes made.
    """
    if incidents.empty:
        return ()
    datasets = _text(incidents, "dataset").to_numpy()
    licences = _text(incidents, "licence").to_numpy()
    restricted = restricted_rows(incidents).to_numpy()
    lines: list[str] = []
    for dataset in dict.fromkeys(datasets):
        mask = datasets == dataset
        lines.append(
            _credit_line(
                dataset,
                list(dict.fromkeys(licences[mask])),
                bool(restricted[mask].any()),
                partial(_access_dates, incidents.loc[mask]),
                filters,
                changes,
            )
        )
    return tuple(lines)


def _credit_line(
    dataset: str,
    licences: list[str],
    restricted: bool,
    access_dates: Callable[[], str],
    filters: Sequence[str],
    changes: str,
) -> str:
    """The credit of one dataset: its ``licences`` in order of first appearance, whether
    any of its rows is restricted, and its access dates in words (asked only when needed)."""
    licence = "; ".join(licences) or "licence not recorded"
    if dataset == CURATED_DATASET:
        return f"{SOURCE_OF_LAYER['curated']}; {licence}"
    if restricted:
        named = "acled" in licence.lower()
        return (
            "Incidents: "
            + ("" if named else "Armed Conflict Location & Event Data (ACLED), acleddata.com; ")
            + licence
            + ("" if "accessed" in licence.lower() else f"; {access_dates()}")
            + f"; filters used: {'; '.join(filters)}; changes made: {changes}"
        )
    if _is_ucdp(dataset, licence):
        return f"Incidents: {licence}; cite: {UCDP_CITATION}"
    return f"Incidents: {dataset or 'unnamed dataset'}, {licence}"


def _is_restricted(dataset: str, licence: str) -> bool:
    """:func:`restricted_rows` of one row with ``dataset`` and ``licence``."""
    return RESTRICTED_MARK in licence.lower() or RESTRICTED_MARK in dataset.lower()


def _access_span(rows: pd.DataFrame) -> tuple[date, date] | None:
    """The first and last access dates of ``rows`` (one dataset's), as
    :func:`_access_dates` reads them; None when none is recorded."""
    if ACCESS_DATE_COLUMN not in rows.columns:
        return None
    days = pd.to_datetime(rows[ACCESS_DATE_COLUMN], errors="coerce").dropna()
    if days.empty:
        return None
    return days.min().date(), days.max().date()


def _access_words(span: tuple[date, date] | None) -> str:
    """:func:`_access_dates` of rows whose access dates span ``span``."""
    if span is None:
        return "access date not recorded"
    first, last = span[0].isoformat(), span[1].isoformat()
    return f"accessed {first}" if first == last else f"accessed {first} to {last}"


def dataset_licences_of(incidents: gpd.GeoDataFrame) -> list[DatasetLicence]:
    """The :class:`atlas.filters.DatasetLicence` of each dataset and licence among
    ``incidents``, rows held in the process in the view's order: the held part of
    :func:`view_dataset_licences` (rows numbered from ``-len(incidents)``)."""
    if incidents.empty:
        return []
    datasets = _text(incidents, "dataset").to_numpy()
    table = pd.DataFrame(
        {
            "dataset": datasets,
            "licence": _text(incidents, "licence").to_numpy(),
            "day": incidents["event_date"].to_numpy(),
            "id": incidents["id"].to_numpy(),
            "row": np.arange(len(incidents)) - len(incidents),
        }
    )
    # Each dataset's access dates are read over all its rows at once, as _access_dates does.
    dated = incidents[[ACCESS_DATE_COLUMN]] if ACCESS_DATE_COLUMN in incidents else None
    spans = {
        dataset: None if dated is None else _access_span(dated.loc[datasets == dataset])
        for dataset in dict.fromkeys(datasets)
    }
    ordered = table.sort_values(["day", "id", "row"], kind="stable")
    first = ordered.groupby(["dataset", "licence"], sort=False).agg(
        day=("day", "first"), id=("id", "first"), row=("row", "first")
    )
    earliest = table.groupby(["dataset", "licence"], sort=False)["row"].min()
    return [
        DatasetLicence(
            str(dataset),
            str(licence),
            pd.Timestamp(day).date(),
            str(ident),
            int(row),
            int(earliest[(dataset, licence)]),
            spans[dataset],
        )
        for (dataset, licence), day, ident, row in first.itertuples()
    ]


def view_dataset_licences(layers: AtlasLayers, chosen: IncidentFilter) -> list[DatasetLicence]:
    """The :class:`atlas.filters.DatasetLicence` parts of the incidents ``chosen`` selects,
    wherever they are kept: those held in the process read from their rows, those a store
    keeps outside (``layers.imported``) grouped by it, so no row of theirs travels.
    :func:`credits_of` of them is :func:`dataset_credits` of the view's rows."""
    held = dataset_licences_of(apply_filter(layers.incidents, chosen))
    if layers.imported is None:
        return held
    return held + layers.imported.dataset_licences(chosen)


def credits_of(
    parts: Sequence[DatasetLicence], filters: Sequence[str], changes: str
) -> tuple[str, ...]:
    """:func:`dataset_credits` of the incidents ``parts`` describe (from one store or
    both, :func:`view_dataset_licences`), without their rows.

    The rows of a view are by day then id when some are held and some fetched, and in the
    order they come in when all come from one side (:func:`atlas.filters.in_order`): the
    first appearance of a dataset or licence is read in that order.
    """
    merged: dict[tuple[str, str], DatasetLicence] = {}
    for part in parts:
        key = (part.dataset, part.licence)
        before = merged.get(key)
        merged[key] = part if before is None else _both(before, part)
    if not merged:
        return ()
    sorted_together = any(p.row < 0 for p in parts) and any(p.row > 0 for p in parts)

    def appearance(part: DatasetLicence) -> tuple[date, str, int] | tuple[int]:
        return (part.day, part.id, part.row) if sorted_together else (part.earliest,)

    ordered = sorted(merged.values(), key=appearance)
    by_dataset: dict[str, list[DatasetLicence]] = {}
    for part in ordered:
        by_dataset.setdefault(part.dataset, []).append(part)
    lines = []
    for dataset, found in by_dataset.items():
        spans = [p.accessed for p in found if p.accessed is not None]
        span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
        lines.append(
            _credit_line(
                dataset,
                [p.licence for p in found],
                any(_is_restricted(p.dataset, p.licence) for p in found),
                partial(_access_words, span),
                filters,
                changes,
            )
        )
    return tuple(lines)


def _both(one: DatasetLicence, other: DatasetLicence) -> DatasetLicence:
    """One part for the incidents of two with the same dataset and licence."""
    first = min(one, other, key=lambda p: (p.day, p.id, p.row))
    spans = [s for s in (one.accessed, other.accessed) if s is not None]
    return first._replace(
        earliest=min(one.earliest, other.earliest),
        accessed=(min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None,
    )
