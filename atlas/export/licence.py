"""Which incident rows may leave the atlas as raw data, and the credit each dataset needs.

The rule for raw data: a row is *restricted* when its ``licence`` or its ``dataset`` names ACLED
(case-insensitive). ACLED's terms allow its data to be shown in maps and figures but not
redistributed row by row, so CSV and GeoJSON exports withhold restricted rows unless the operator
sets ``ATLAS_ALLOW_RAW_EXPORT=1`` (for instance under an agreement with the data owner). Maps,
slides and briefing packs draw every row and credit the dataset as its terms ask.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd

from atlas.attribution import SOURCE_OF_LAYER
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
    if ACCESS_DATE_COLUMN not in rows.columns:
        return "access date not recorded"
    days = pd.to_datetime(rows[ACCESS_DATE_COLUMN], errors="coerce").dropna()
    if days.empty:
        return "access date not recorded"
    first, last = days.min().date().isoformat(), days.max().date().isoformat()
    return f"accessed {first}" if first == last else f"accessed {first} to {last}"


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
        rows = incidents.loc[mask]
        licence = "; ".join(dict.fromkeys(licences[mask])) or "licence not recorded"
        if dataset == CURATED_DATASET:
            lines.append(f"{SOURCE_OF_LAYER['curated']}; {licence}")
        elif restricted[mask].any():
            named = "acled" in licence.lower()
            lines.append(
                "Incidents: "
                + ("" if named else "Armed Conflict Location & Event Data (ACLED), acleddata.com; ")
                + licence
                + ("" if "accessed" in licence.lower() else f"; {_access_dates(rows)}")
                + f"; filters used: {'; '.join(filters)}; changes made: {changes}"
            )
        elif _is_ucdp(dataset, licence):
            lines.append(f"Incidents: {licence}; cite: {UCDP_CITATION}")
        else:
            lines.append(f"Incidents: {dataset or 'unnamed dataset'}, {licence}")
    return tuple(lines)
