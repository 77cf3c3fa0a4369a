"""The shared store: datasets with their history, briefings, notes and the audit log.

Revision ID: 0001
Revises:
Created: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CELLS = ("h3_r3", "h3_r4", "h3_r5", "h3_r6", "h3_r7", "h3_r8")


def _temporal() -> list[sa.Column[object]]:
    return [
        sa.Column("row_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("valid_from", sa.BigInteger, nullable=False),
        sa.Column("valid_to", sa.BigInteger, nullable=True),
    ]


def _point() -> sa.Column[object]:
    return sa.Column("geometry", Geometry("POINT", srid=4326, spatial_index=False), nullable=True)


def _rows_indexes(table: str) -> None:
    op.create_index(
        f"{table}_current",
        table,
        ["dataset", "id"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.create_index(f"{table}_versions", table, ["dataset", "valid_from", "valid_to"])
    op.create_index(f"{table}_geometry", table, ["geometry"], postgresql_using="gist")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "datasets",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("date_min", sa.Text),
        sa.Column("date_max", sa.Text),
        sa.Column("licence", sa.Text, nullable=False),
        sa.Column("imported_at", sa.Text, nullable=False),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.Column("encoding", sa.Text),
        sa.Column("access_date", sa.Text),
    )
    op.create_table(
        "versions",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("dataset", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("became_current", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
    )
    op.create_index("ix_versions_dataset", "versions", ["dataset"])
    op.create_table(
        "kept_since",
        sa.Column("dataset", sa.Text, primary_key=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "incidents",
        *_temporal(),
        sa.Column("dataset", sa.Text, nullable=False),
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("date_precision", sa.SmallInteger, nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("country", sa.Text, nullable=False),
        sa.Column("geo_precision", sa.SmallInteger, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("sub_event_type", sa.Text, nullable=False),
        sa.Column("actor1", sa.Text, nullable=False),
        sa.Column("actor1_family", sa.Text, nullable=False),
        sa.Column("actor2", sa.Text, nullable=False),
        sa.Column("actor2_family", sa.Text, nullable=False),
        sa.Column("fatalities", sa.Integer),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("licence", sa.Text, nullable=False),
        sa.Column("admin1", sa.Text),
        sa.Column("admin1_name", sa.Text),
        sa.Column("source_id", sa.Text, nullable=False),
        sa.Column("end_date", sa.Date),
        sa.Column("fatalities_low", sa.Integer),
        sa.Column("fatalities_high", sa.Integer),
        sa.Column("admin2", sa.Text, nullable=False),
        sa.Column("assoc_actors", sa.Text, nullable=False),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("source_version", sa.Text, nullable=False),
        _point(),
        *(sa.Column(name, sa.BigInteger) for name in CELLS),
    )
    _rows_indexes("incidents")
    op.create_index("incidents_event_date", "incidents", ["event_date"])
    op.create_index("incidents_admin1", "incidents", ["admin1"])
    op.create_table(
        "deployments",
        *_temporal(),
        sa.Column("dataset", sa.Text, nullable=False),
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("mission", sa.Text, nullable=False),
        sa.Column("contributor", sa.Text, nullable=False),
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("geo_precision", sa.SmallInteger, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("start_precision", sa.SmallInteger, nullable=False),
        sa.Column("end_date", sa.Date),
        sa.Column("end_precision", sa.SmallInteger),
        sa.Column("strength", sa.Integer),
        sa.Column("strength_note", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("source_publisher", sa.Text),
        sa.Column("source_title", sa.Text),
        sa.Column("source_date", sa.Text),
        sa.Column("source_url", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("admin1", sa.Text),
        sa.Column("admin1_name", sa.Text),
        sa.Column("licence", sa.Text, nullable=False),
        sa.Column("source_id", sa.Text),
        sa.Column("source_version", sa.Text, nullable=False),
        _point(),
    )
    _rows_indexes("deployments")
    op.create_table(
        "documents",
        sa.Column("collection", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("body", JSONB, nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
    )
    op.create_table(
        "audit",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("object", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_audit_time", "audit", ["time"])
    op.create_index("ix_audit_user", "audit", ["user"])
    op.create_table(
        "changes",
        sa.Column("area", sa.Text, primary_key=True),
        sa.Column("counter", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "changes",
        "audit",
        "documents",
        "deployments",
        "incidents",
        "kept_since",
        "versions",
        "datasets",
    ):
        op.drop_table(table)
