"""Briefings, notes and the audit log in the shared database.

Briefings, presentation positions and notes are named JSON documents in collections (the
``documents`` table), changed under one advisory lock per collection inside a transaction;
the audit log is a table appended to one committed row at a time.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as upsert

from atlas.db import schema
from atlas.db.datasets import bump, counter, locked
from atlas.db.migrate import transaction

if TYPE_CHECKING:
    from atlas.audit import AuditEntry

LOCK_WAIT_S = 120.0


# -- the audit log ------------------------------------------------------------------------------


def append_audit(url: str, entry: AuditEntry) -> None:
    """Append one audit entry, committed when this returns."""
    fields = asdict(entry)
    fields["time"] = datetime.fromisoformat(entry.time.replace("Z", "+00:00"))
    with transaction(url) as connection:
        connection.execute(insert(schema.audit).values(**fields))


def read_audit(
    url: str, *, since: datetime | None = None, user: str | None = None
) -> tuple[AuditEntry, ...]:
    """The entries at or after ``since`` (aware) and of ``user``, oldest first."""
    from atlas.audit import AuditEntry

    table = schema.audit
    query = select(table).order_by(table.c.seq)
    if since is not None:
        query = query.where(table.c.time >= since)
    if user is not None:
        query = query.where(table.c.user == user)
    with transaction(url) as connection:
        rows = connection.execute(query).all()
    return tuple(
        AuditEntry(
            time=row.time.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            user=row.user,
            role=row.role,
            action=row.action,
            object=row.object,
            outcome=row.outcome,
            reason=row.reason,
        )
        for row in rows
    )


# -- named documents ----------------------------------------------------------------------------


class Documents:
    """One collection of named JSON documents (``briefings``, ``positions``, ``notes`` …).

    Reads see committed documents. Writers take :meth:`locked`, which holds the
    collection's advisory lock for the length of one transaction; :meth:`put` and
    :meth:`delete` inside it commit together when the block ends.
    """

    def __init__(self, url: str, collection: str) -> None:
        self.url = url
        self.collection = collection
        self._lock_key = zlib.crc32(f"atlas-documents:{collection}".encode())
        self._connection: Connection | None = None

    def _where(self, name: str | None = None) -> Any:
        table = schema.documents
        condition = table.c.collection == self.collection
        return condition if name is None else condition & (table.c.name == name)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        if self._connection is not None:
            yield self._connection
        else:
            with transaction(self.url) as connection:
                yield connection

    def get(self, name: str) -> dict[str, Any] | None:
        """One document, or None."""
        with self._reading() as connection:
            found = connection.execute(
                select(schema.documents.c.body).where(self._where(name))
            ).scalar()
        return dict(found) if found is not None else None

    def all(self) -> dict[str, dict[str, Any]]:
        """Every document of the collection, by name."""
        table = schema.documents
        with self._reading() as connection:
            rows = connection.execute(
                select(table.c.name, table.c.body).where(self._where()).order_by(table.c.name)
            ).all()
        return {row.name: dict(row.body) for row in rows}

    def fingerprint(self) -> str:
        """Changes with every write to the collection (one small query)."""
        with self._reading() as connection:
            changed = counter(connection, self.collection)
        return hashlib.sha256(f"{self.url}\0{self.collection}\0{changed}".encode()).hexdigest()[:16]

    @contextmanager
    def locked(self, busy: str, wait: float = LOCK_WAIT_S) -> Iterator[None]:
        """Hold the collection against other writers; writes inside commit together."""
        if self._connection is not None:
            yield  # already held by this store
            return
        with transaction(self.url) as connection, locked(connection, self._lock_key, wait, busy):
            self._connection = connection
            try:
                yield
            finally:
                self._connection = None

    def _writing(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("documents are written inside locked()")
        return self._connection

    def put(self, name: str, body: dict[str, Any]) -> None:
        """Store ``body`` under ``name`` (replacing what was there)."""
        connection = self._writing()
        statement = upsert(schema.documents).values(
            collection=self.collection, name=name, body=body, changed_at=func.now()
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["collection", "name"],
                set_={"body": statement.excluded.body, "changed_at": func.now()},
            )
        )
        bump(connection, self.collection)

    def delete(self, name: str) -> bool:
        """Delete a document; True when there was one."""
        connection = self._writing()
        gone = connection.execute(delete(schema.documents).where(self._where(name))).rowcount
        bump(connection, self.collection)
        return bool(gone)


@contextmanager
def locked_together(
    collections: Sequence[Documents], busy: str, wait: float = LOCK_WAIT_S
) -> Iterator[None]:
    """Hold several collections of one database in one transaction, as :meth:`Documents.locked`
    holds one: their writes inside commit together (a briefing renamed with its presentation
    position), or none of them does.

    The locks are taken in one order whoever asks, so two writers of overlapping collections
    never hold one each while waiting for the other's.

    Raises
    ------
    loaders.errors.LayerError
        Saying ``busy`` when another process still holds one of them after ``wait``.
    """
    urls = {documents.url for documents in collections}
    if len(urls) != 1:
        raise ValueError("collections held together must be of one database")
    if any(documents._connection is not None for documents in collections):
        raise RuntimeError("a collection held together is already held")
    with transaction(urls.pop()) as connection, ExitStack() as held:
        for documents in sorted(collections, key=lambda d: d._lock_key):
            held.enter_context(locked(connection, documents._lock_key, wait, busy))
        for documents in collections:
            documents._connection = connection
        try:
            yield
        finally:
            for documents in collections:
                documents._connection = None


# -- copying a data directory's documents -------------------------------------------------------


@dataclass(frozen=True)
class CopiedDocuments:
    """What a copy of a data directory's briefings, notes and audit log did."""

    briefings: int
    positions: int
    notes: int
    audit: int


def _json_file(path: Path) -> Any:
    """A JSON file's content, or None when it is missing or unreadable (the embedded store
    does not list such a file either)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _json_files(folder: Path, suffix: str, skip: str | None = None) -> dict[str, Any]:
    paths = sorted(folder.glob(f"*{suffix}")) if folder.is_dir() else []
    found = {
        path.name[: -len(suffix)]: _json_file(path)
        for path in paths
        if not (skip and path.name.endswith(skip))
    }
    return {name: body for name, body in found.items() if body is not None}


def copy_documents(folder: Path, url: str) -> CopiedDocuments:
    """Copy a data directory's briefings, positions, notes and audit log into the database.

    Idempotent: a briefing or position already in the database is left as it is (it may
    have changed there since), notes are added by id when missing, and audit entries are
    copied once (the count copied is kept beside them). One transaction.
    """
    from atlas.audit import AUDIT_FILE, read_log_file
    from atlas.briefings import BRIEFINGS_DIR
    from atlas.notes import NOTES_COLLECTION, NOTES_FILE

    origin = str(folder.resolve())
    briefings = Documents(url, "briefings")
    positions = Documents(url, "positions")
    notes = Documents(url, NOTES_COLLECTION)
    marks = Documents(url, "migrated-audit")
    counts = dict.fromkeys(("briefings", "positions", "notes", "audit"), 0)
    collections = (briefings, positions, notes, marks)
    with locked_together(collections, "the store is being changed; try again", LOCK_WAIT_S):
        for name, body in _json_files(folder / BRIEFINGS_DIR, ".json", ".position.json").items():
            if briefings.get(name) is None:
                briefings.put(name, body)
                counts["briefings"] += 1
        for name, body in _json_files(folder / BRIEFINGS_DIR, ".position.json").items():
            if positions.get(name) is None:
                positions.put(name, body)
                counts["positions"] += 1
        kept = _json_file(folder / NOTES_FILE)
        theirs = kept.get("notes", []) if isinstance(kept, dict) else []
        if theirs:
            ours = notes.get(NOTES_COLLECTION) or {"version": kept.get("version", 1), "notes": []}
            known = {n.get("id") for n in ours["notes"] if isinstance(n, dict)}
            added = [n for n in theirs if isinstance(n, dict) and n.get("id") not in known]
            if added:
                notes.put(NOTES_COLLECTION, {**ours, "notes": [*ours["notes"], *added]})
                counts["notes"] = len(added)
        log = read_log_file(folder / AUDIT_FILE).entries
        done = int((marks.get(origin) or {}).get("copied", 0))
        connection = marks._writing()
        for entry in log[done:]:
            fields = asdict(entry)
            fields["time"] = datetime.fromisoformat(entry.time.replace("Z", "+00:00"))
            connection.execute(insert(schema.audit).values(**fields))
        counts["audit"] = max(len(log) - done, 0)
        marks.put(origin, {"copied": max(len(log), done)})
    return CopiedDocuments(**counts)
