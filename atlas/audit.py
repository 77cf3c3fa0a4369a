"""The audit log: who did what, when, and what came of it, one JSON object a line.

The log is ``audit.jsonl`` in the data directory, or the ``audit`` table of the shared
database when ``ATLAS_DATABASE_URL`` is set (each entry committed on its own). The file is
only ever appended to: each entry is one ``write`` of one complete line to a file opened
for appending, flushed and synced to disk before the action is reported done, so entries
from several processes never interleave inside a line. A process killed mid-write can leave
a torn last line; readers skip it (and any other line that is not a complete entry) and say
how many they skipped.

Entries: ``time`` (UTC, ISO 8601), ``user``, ``role``, ``action`` (``sign-in``, ``sign-out``,
``import``, ``reimport``, ``replace``, ``remove``, ``export``, ``briefing``, ``note`` …),
``object`` (what it acted on), ``outcome`` (``ok``, ``refused`` or ``failed``) and, for
refusals and failures, ``reason``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from atlas.datasets import data_dir
from atlas.db import database_url
from loaders import LayerError

if TYPE_CHECKING:
    from atlas.access import User
    from loaders.imports import ImportReport

AUDIT_FILE = "audit.jsonl"
OUTCOMES = ("ok", "refused", "failed")


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    time: str
    user: str
    role: str
    action: str
    object: str
    outcome: str
    reason: str = ""


def audit_path(folder: Path | None = None) -> Path:
    """The audit log of a data directory (:func:`atlas.datasets.data_dir` by default)."""
    return (folder or data_dir()) / AUDIT_FILE


def record(
    user: User,
    action: str,
    target: str = "",
    *,
    outcome: str = "ok",
    reason: str = "",
    folder: Path | None = None,
) -> AuditEntry:
    """Append one entry for ``user`` and return it; it is on disk when this returns.

    Raises
    ------
    ValueError
        For an outcome other than ``ok``, ``refused`` and ``failed``.
    loaders.errors.LayerError
        When the log cannot be written (naming it and why).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    entry = AuditEntry(
        time=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        user=user.id,
        role=user.role_label,
        action=action,
        object=target,
        outcome=outcome,
        reason=reason,
    )
    url = database_url()
    if url is not None:
        from atlas.db.documents import append_audit

        append_audit(url, entry)
        return entry
    line = (json.dumps(asdict(entry), ensure_ascii=False) + "\n").encode("utf-8")
    path = audit_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            written = os.write(fd, line)
            if written != len(line):  # a full disk; what went out is a torn line readers skip
                raise OSError(f"only {written} of {len(line)} bytes written")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise LayerError.single(
            str(path), f"cannot write the audit log: {exc.strerror or exc}"
        ) from None
    return entry


@dataclass(frozen=True)
class AuditLog:
    """What an audit log holds: its entries, oldest first, and how many lines were unreadable."""

    entries: tuple[AuditEntry, ...]
    skipped: int


def read_log(
    folder: Path | None = None, *, since: datetime | None = None, user: str | None = None
) -> AuditLog:
    """Read the audit log, keeping entries at or after ``since`` and of ``user``.

    A ``since`` without a time zone is taken as UTC.

    A line that is not a complete entry (a torn last line) is skipped and counted.
    """
    threshold = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    url = database_url()
    if url is not None:
        from atlas.db.documents import read_audit

        return AuditLog(read_audit(url, since=threshold, user=user), 0)
    return read_log_file(audit_path(folder), since=threshold, user=user)


def read_log_file(
    path: Path, *, since: datetime | None = None, user: str | None = None
) -> AuditLog:
    """Read an audit log file (whichever store is in use), as :func:`read_log` does."""
    threshold = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return AuditLog((), 0)
    entries: list[AuditEntry] = []
    skipped = 0
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            entry = AuditEntry(**json.loads(line))
            stamp = datetime.fromisoformat(entry.time.replace("Z", "+00:00"))
        except (ValueError, TypeError):
            skipped += 1
            continue
        if threshold is not None and stamp < threshold:
            continue
        if user is not None and entry.user != user:
            continue
        entries.append(entry)
    return AuditLog(tuple(entries), skipped)


def record_import(
    user: User, report: ImportReport, *, replace: bool = False, folder: Path | None = None
) -> AuditEntry:
    """Record a stored import: ``import``, ``reimport`` or ``replace``.

    ``reimport`` went into a dataset already stored and merged with it; ``replace`` (asked
    for with ``replace``) made such a dataset exactly the file's rows.
    """
    into_stored = "replace" if replace else "reimport"
    action = into_stored if report.reimport else "import"
    return record(
        user,
        action,
        f"{report.dataset} from {report.file}: {report.accepted:,} accepted, "
        f"{len(report.rejected):,} rejected",
        folder=folder,
    )
