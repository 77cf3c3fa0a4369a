"""Analyst data import: ACLED, UCDP GED, Geo-PKO, GeoJSON, GeoPackage, shapefile and plain CSV.

Every file becomes rows of one normalised shape (see ``docs/import.md``) and a row-level report:
each rejected row with its row number and reason, the good rows kept. Never imports Streamlit;
storing the rows is :mod:`atlas.datasets`' job.
"""

from __future__ import annotations

from loaders.imports.mapped import FIELDS, parse_mapping, required_fields
from loaders.imports.model import (
    DEPLOYMENTS,
    FORMAT_TITLES,
    FORMATS,
    INCIDENTS,
    ImportLimits,
    ImportOptions,
    ImportReport,
    ImportResult,
    NothingImportedError,
    Preview,
    Reference,
)
from loaders.imports.pipeline import (
    dataset_name,
    default_dataset_name,
    preview_file,
    read_import,
)
from loaders.imports.schema import DEPLOYMENT_COLUMNS, INCIDENT_COLUMNS

__all__ = [
    "DEPLOYMENTS",
    "DEPLOYMENT_COLUMNS",
    "FIELDS",
    "FORMATS",
    "FORMAT_TITLES",
    "INCIDENTS",
    "INCIDENT_COLUMNS",
    "ImportLimits",
    "ImportOptions",
    "ImportReport",
    "ImportResult",
    "NothingImportedError",
    "Preview",
    "Reference",
    "dataset_name",
    "default_dataset_name",
    "parse_mapping",
    "preview_file",
    "read_import",
    "required_fields",
]
