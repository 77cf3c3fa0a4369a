"""The shared store: PostgreSQL with PostGIS, chosen by ``ATLAS_DATABASE_URL``.

Without the variable the atlas keeps everything in its data directory (the embedded store).
With it, datasets, their history, briefings, notes and the audit log live in the database,
and nothing is written to the data directory. Several app processes can then share one
store. The schema is created and upgraded with ``python -m atlas db upgrade``.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

from loaders import LayerError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

DATABASE_ENV = "ATLAS_DATABASE_URL"
_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def database_url() -> str | None:
    """The shared store's address from ``ATLAS_DATABASE_URL``, or None for the embedded store."""
    return os.environ.get(DATABASE_ENV) or None


def parse_url(text: str) -> URL:
    """A PostgreSQL address as SQLAlchemy's URL, with the psycopg 3 driver.

    Raises
    ------
    loaders.errors.LayerError
        For anything but a ``postgresql://`` address (naming it, without its password).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text)
    except ArgumentError:
        raise LayerError.single(
            DATABASE_ENV, "not a database address (expected postgresql://user@host:port/name)"
        ) from None
    if url.drivername not in _SCHEMES:
        raise LayerError.single(
            DATABASE_ENV,
            f"unsupported database {url.drivername!r}: the shared store is PostgreSQL "
            "with PostGIS (postgresql://user@host:port/name)",
        )
    return url.set(drivername="postgresql+psycopg")


def shown(url: URL | str) -> str:
    """The address as it may be shown or logged: never with its password."""
    parsed = parse_url(url) if isinstance(url, str) else url
    return parsed.render_as_string(hide_password=True)


@cache
def engine(text: str) -> Engine:
    """One connection pool per address for the whole process (pages and commands share it)."""
    from sqlalchemy import create_engine

    return create_engine(
        parse_url(text),
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        # A page never waits long for a busy database: it says so and stays usable.
        connect_args={"connect_timeout": 10, "application_name": "atlas"},
    )
