"""Create and upgrade the shared store's schema (``python -m atlas db upgrade``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from atlas.db import engine, shown
from loaders import LayerError

MIGRATIONS = Path(__file__).parent / "migrations"
LOCK_KEY = 0x61746C6173_00  # "atlas" and 0: the lock upgrades hold against each other


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def head() -> str:
    """The revision this code expects the database to be at."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(url: str) -> str | None:
    """The revision the database is at (None before the first upgrade).

    Raises
    ------
    loaders.errors.LayerError
        When the database cannot be reached (naming it, without its password).
    """
    try:
        with engine(url).connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise unreachable(url, exc) from None


def upgrade(url: str, revision: str = "head") -> str:
    """Bring the database's schema to ``revision``; return the revision it is at.

    Safe to run from several processes at once: one upgrades, the others wait and find it
    done.
    """
    config = _config()
    try:
        with engine(url).begin() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except SQLAlchemyError as exc:
        raise unreachable(url, exc) from None
    found = current(url)
    assert found is not None
    return found


_current: set[str] = set()
_current_lock = threading.Lock()


def ensure_current(url: str) -> None:
    """:func:`require_current`, asked once per address and process: pages open a store on
    every rerun, and the schema does not change under a running release."""
    if url in _current:
        return
    require_current(url)
    with _current_lock:
        _current.add(url)


def require_current(url: str) -> None:
    """Raise unless the database's schema is the one this code expects.

    Raises
    ------
    loaders.errors.LayerError
        Saying to run ``python -m atlas db upgrade``, or why the database cannot be used.
    """
    found = current(url)
    if found != head():
        state = "has no atlas schema yet" if found is None else f"is at schema {found}"
        raise LayerError.single(
            shown(url),
            f"the database {state}, this version of the atlas needs {head()}: "
            "run `python -m atlas db upgrade`",
        )


DATABASE_ERRORS = (SQLAlchemyError, psycopg.Error)
"""What a failing database raises, through SQLAlchemy or straight from the driver (COPY)."""


@contextmanager
def transaction(url: str) -> Iterator[Connection]:
    """A connection in a transaction on a database at the current schema, committed when
    the block ends without error.

    Raises
    ------
    loaders.errors.LayerError
        When the database is unreachable or its schema is not upgraded (saying so).
    """
    ensure_current(url)
    try:
        with engine(url).begin() as connection:
            yield connection
    except DATABASE_ERRORS as exc:
        raise unreachable(url, exc) from None


def unreachable(url: str, exc: BaseException) -> LayerError:
    """The error a page or command shows when the database fails it (first line only)."""
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = first[0] if first else type(exc).__name__
    return LayerError.single(shown(url), f"the shared database cannot be used: {reason}")
