"""Runs the shared store's migrations on the connection :mod:`atlas.db.migrate` hands over."""

from __future__ import annotations

from alembic import context

from atlas.db.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # PostGIS's own tables are not ours to compare or drop.
    include_object=lambda obj, name, kind, reflected, other: (
        not (kind == "table" and reflected and other is None)
    ),
)
with context.begin_transaction():
    context.run_migrations()
