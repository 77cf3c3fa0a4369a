"""The shared store's tables, declared once for queries (migrations create them).

Rows of imported datasets are *temporal*: a row is part of every version of its dataset from
the version that wrote it (``valid_from``) up to, not including, the version that replaced or
removed it (``valid_to``, NULL while current). A re-import therefore writes only the rows
that changed, and any kept version can be read back exactly, which is what "what changed
since" compares. Versions older than the history keeps are deleted with the rows only they
needed.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from atlas.aggregate import PRECOMPUTED_RESOLUTIONS, cell_column

metadata = MetaData()

CELL_COLUMNS = tuple(cell_column(r) for r in PRECOMPUTED_RESOLUTIONS)
"""The H3 cell of each incident at every resolution the maps use, as signed 64-bit integers."""


def _point() -> Column[object]:
    return Column("geometry", Geometry("POINT", srid=4326, spatial_index=False), nullable=True)


def _temporal() -> list[Column[object]]:
    return [
        Column("row_id", BigInteger, Identity(), primary_key=True),
        Column("valid_from", BigInteger, nullable=False),
        Column("valid_to", BigInteger, nullable=True),
    ]


datasets = Table(
    "datasets",
    metadata,
    Column("name", Text, primary_key=True),
    Column("format", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("date_min", Text),
    Column("date_max", Text),
    Column("licence", Text, nullable=False),
    Column("imported_at", Text, nullable=False),
    Column("source_file", Text, nullable=False),
    Column("encoding", Text),
    Column("access_date", Text),
)
"""One row per stored dataset; ``seq`` is its current version."""

versions = Table(
    "versions",
    metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("dataset", Text, nullable=False, index=True),
    Column("kind", Text, nullable=False),
    Column("became_current", DateTime(timezone=True), nullable=False),
    Column("action", Text, nullable=False),
    Column("rows", Integer, nullable=False),
)
"""Every kept version of every dataset, numbered in the order written (the history)."""

kept_since = Table(
    "kept_since",
    metadata,
    Column("dataset", Text, primary_key=True),
    Column("since", DateTime(timezone=True), nullable=False),
)
"""Datasets whose older versions were deleted: from when on their versions are known."""

incidents = Table(
    "incidents",
    metadata,
    *_temporal(),
    Column("dataset", Text, nullable=False),
    Column("id", Text, nullable=False),
    Column("event_date", Date, nullable=False),
    Column("date_precision", SmallInteger, nullable=False),
    Column("location", Text, nullable=False),
    Column("country", Text, nullable=False),
    Column("geo_precision", SmallInteger, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("sub_event_type", Text, nullable=False),
    Column("actor1", Text, nullable=False),
    Column("actor1_family", Text, nullable=False),
    Column("actor2", Text, nullable=False),
    Column("actor2_family", Text, nullable=False),
    Column("fatalities", Integer),
    Column("description", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("licence", Text, nullable=False),
    Column("admin1", Text),
    Column("admin1_name", Text),
    Column("source_id", Text, nullable=False),
    Column("end_date", Date),
    Column("fatalities_low", Integer),
    Column("fatalities_high", Integer),
    Column("admin2", Text, nullable=False),
    Column("assoc_actors", Text, nullable=False),
    Column("source_url", Text, nullable=False),
    Column("source_version", Text, nullable=False),
    _point(),
    *(Column(name, BigInteger) for name in CELL_COLUMNS),
    Index(
        "incidents_current", "dataset", "id", unique=True, postgresql_where=text("valid_to IS NULL")
    ),
    Index("incidents_versions", "dataset", "valid_from", "valid_to"),
    Index("incidents_event_date", "event_date"),
    Index("incidents_admin1", "admin1"),
    Index("incidents_geometry", "geometry", postgresql_using="gist"),
)
"""Imported incidents, every kept version (see the module's docstring)."""

deployments = Table(
    "deployments",
    metadata,
    *_temporal(),
    Column("dataset", Text, nullable=False),
    Column("id", Text, nullable=False),
    Column("mission", Text, nullable=False),
    Column("contributor", Text, nullable=False),
    Column("site", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("geo_precision", SmallInteger, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("start_precision", SmallInteger, nullable=False),
    Column("end_date", Date),
    Column("end_precision", SmallInteger),
    Column("strength", Integer),
    Column("strength_note", Text),
    Column("description", Text),
    Column("source_publisher", Text),
    Column("source_title", Text),
    Column("source_date", Text),
    Column("source_url", Text),
    Column("source", Text, nullable=False),
    Column("admin1", Text),
    Column("admin1_name", Text),
    Column("licence", Text, nullable=False),
    Column("source_id", Text),
    Column("source_version", Text, nullable=False),
    _point(),
    Index(
        "deployments_current",
        "dataset",
        "id",
        unique=True,
        postgresql_where=text("valid_to IS NULL"),
    ),
    Index("deployments_versions", "dataset", "valid_from", "valid_to"),
    Index("deployments_geometry", "geometry", postgresql_using="gist"),
)
"""Imported deployments, every kept version."""

documents = Table(
    "documents",
    metadata,
    Column("collection", Text, primary_key=True),
    Column("name", Text, primary_key=True),
    Column("body", JSONB, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)
"""Briefings, presentation positions and notes: named JSON documents, by collection."""

audit = Table(
    "audit",
    metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("time", DateTime(timezone=True), nullable=False, index=True),
    Column("user", Text, nullable=False, index=True),
    Column("role", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("object", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
)
"""The audit log, appended to only."""

changes = Table(
    "changes",
    metadata,
    Column("area", Text, primary_key=True),
    Column("counter", BigInteger, nullable=False),
)
"""A counter per area (``datasets``, ``notes``, ``briefings``) bumped by every write: the
cache key pages compare on each rerun with one small query."""

ROW_TABLES = {"incidents": incidents, "deployments": deployments}
"""The rows table of each kind of dataset."""
