"""Shared map notes: an analyst's remark pinned to a point or a region for a span of days.

A note has an author, free text, the days it applies to and a place: a point clicked on the
map, or one of Mali's regions (drawn at the region's representative point). Everyone who may
see a place sees its notes; a region-restricted user sees only the notes inside their regions
(:func:`atlas.access.restricted_layers`). A note is written, changed and deleted only through
:class:`NotesStore`, which asks :func:`atlas.access.require` first (``write_note``: analysts
and admins; a note's author or an admin; a restricted analyst only inside their regions) and
records every change in the audit log.

The embedded store keeps every note in ``notes.json`` in the data directory, rewritten whole
and atomically (temp file, fsync, rename, fsync of the folder) under a lock of its own, so two
sessions adding at once both keep their note and an import never holds notes back. With
``ATLAS_DATABASE_URL`` set the same list is one document of the shared database, rewritten
in one transaction under the notes' own lock, and the data directory is left alone. The
methods of :class:`NotesStore` are the whole interface.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, MutableSequence, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from filelock import FileLock, Timeout
from shapely.geometry import Point

from atlas.access import Owned, User, require
from atlas.audit import record
from atlas.datasets import _write_atomically, data_dir
from atlas.db import database_url
from atlas.paths import geodata_dir
from atlas.view import ViewState
from loaders import LAYER_FILES, NOTE_COLUMNS, LayerError, empty_notes
from loaders.checks import STUDY_AREA
from loaders.reference import load_regions
from loaders.vocabulary import REGION_CODES

NOTES_FILE = "notes.json"
NOTES_LOCK = ".notes.lock"
NOTES_VERSION = 1
MAX_TEXT_CHARS = 2000
LOCK_TIMEOUT_S = 30.0
BUSY = "notes are being written by someone else; try again"
NOTES_COLLECTION = "notes"
ALLOWED_CONTROLS = frozenset("\n\t")
"""Control characters a note's text may hold: line breaks and tabs, nothing else."""
NOTE_COLOUR = "#263238"
NOTE_DOT_COLOUR = "#ffca28"
"""The notes' pin: dark slate with an amber dot, unlike any incident or mission colour."""
OUTSIDE_REGIONS = "outside Mali's regions"
"""What a note outside every region concerns, for the access check: a region-restricted
analyst may not write there (they could not see the note either)."""


class NoteError(ValueError):
    """A note that cannot be written as asked; the message names what is wrong."""


@dataclass(frozen=True)
class NoteDraft:
    """What a person writes: the text, the days it applies to, and a point or a region.

    Give either ``lat`` and ``lon`` (degrees, inside the atlas area) or ``region`` (an ISO
    3166-2 code of a Malian region), not both. A day left out (None) is reported as missing.
    """

    text: str
    date_from: date | None
    date_to: date | None
    lat: float | None = None
    lon: float | None = None
    region: str | None = None


@dataclass(frozen=True)
class Note:
    """A stored note.

    ``lat`` and ``lon`` are where it is drawn: the point it is pinned to, or the
    representative point of its ``region``. ``admin1`` is the region it concerns (None
    outside Mali's regions); times are UTC, ISO 8601.
    """

    id: str
    author: str
    created_at: str
    updated_at: str
    text: str
    date_from: date
    date_to: date
    lat: float
    lon: float
    region: str | None
    admin1: str | None

    @property
    def owned(self) -> Owned:
        """The note as :func:`atlas.access.may` judges it: its author and its region."""
        return Owned(self.author, frozenset({self.admin1 or OUTSIDE_REGIONS}))

    @property
    def place(self) -> str:
        """Where it is pinned, in words: ``region ML-7`` or ``16.27000, -0.04000 (ML-7)``."""
        if self.region:
            return f"region {self.region}"
        return f"{self.lat:.5f}, {self.lon:.5f} ({self.admin1 or OUTSIDE_REGIONS})"

    def describe(self) -> str:
        """The note for the audit log: id, place and days (never its text)."""
        return f"note {self.id} at {self.place}, {self.date_from} to {self.date_to}"

    def to_json(self) -> dict[str, Any]:
        """The note as the notes file stores it."""
        raw = asdict(self)
        raw["date_from"] = self.date_from.isoformat()
        raw["date_to"] = self.date_to.isoformat()
        return raw

    @classmethod
    def from_json(cls, raw: Any) -> Note:
        """A note read back from the notes file.

        Raises
        ------
        ValueError
            When an entry lacks a field or holds a value of the wrong kind.
        """
        if not isinstance(raw, dict):
            raise ValueError("not an object")
        missing = [name for name in cls.__dataclass_fields__ if name not in raw]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        return cls(
            id=str(raw["id"]),
            author=str(raw["author"]),
            created_at=str(raw["created_at"]),
            updated_at=str(raw["updated_at"]),
            text=str(raw["text"]),
            date_from=date.fromisoformat(str(raw["date_from"])),
            date_to=date.fromisoformat(str(raw["date_to"])),
            lat=float(raw["lat"]),
            lon=float(raw["lon"]),
            region=None if raw["region"] is None else str(raw["region"]),
            admin1=None if raw["admin1"] is None else str(raw["admin1"]),
        )


@dataclass(frozen=True)
class _Placed:
    """A draft that passed every check, with its drawing point and region."""

    text: str
    date_from: date
    date_to: date
    lat: float
    lon: float
    region: str | None
    admin1: str | None


def _text_problems(text: Any) -> tuple[str, list[str]]:
    if not isinstance(text, str):
        return "", ["the note's text must be text"]
    stripped = text.replace("\r\n", "\n").strip()
    if not stripped:
        return stripped, ["the note's text is empty; write what the note says"]
    problems = []
    if len(stripped) > MAX_TEXT_CHARS:
        problems.append(
            f"the note's text has {len(stripped):,} characters; at most {MAX_TEXT_CHARS:,}"
        )
    for position, char in enumerate(stripped, start=1):
        if unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS:
            problems.append(
                f"the note's text holds the control character U+{ord(char):04X} at character "
                f"{position}; only line breaks and tabs are allowed"
            )
            break
    return stripped, problems


def _day(value: Any, name: str, problems: list[str]) -> date | None:
    if isinstance(value, date):
        return date(value.year, value.month, value.day)  # a datetime counts as its day
    problems.append(f"the note's {name} date is missing or not a date")
    return None


def region_at(regions: gpd.GeoDataFrame, lat: float, lon: float) -> str | None:
    """The ISO 3166-2 code of the region a point lies in (the first, on a border), or None."""
    hits = regions.loc[regions.geometry.intersects(Point(lon, lat)), "iso_code"]
    return None if hits.empty else str(hits.iloc[0])


def _check_draft(draft: NoteDraft, regions: gpd.GeoDataFrame) -> _Placed:
    """Check every field of ``draft`` and place it with ``regions`` (the regions layer).

    Raises
    ------
    NoteError
        Naming every field that is wrong, one per line.
    """
    text, problems = _text_problems(draft.text)
    start = _day(draft.date_from, "first", problems)
    end = _day(draft.date_to, "last", problems)
    if start and end and end < start:
        problems.append(f"the note's last day ({end}) is before its first day ({start})")
    lat = lon = None
    admin1 = None
    has_point = draft.lat is not None or draft.lon is not None
    if has_point and draft.region is not None:
        problems.append("pin the note to a point or to a region, not both")
    elif draft.region is not None:
        code = str(draft.region)
        known = regions.loc[regions["iso_code"] == code]
        if code not in REGION_CODES:
            problems.append(f"unknown region {code!r} (known: {', '.join(REGION_CODES)})")
        elif known.empty:
            problems.append(f"region {code} has no boundary in the regions layer")
        else:
            point = known.geometry.iloc[0].representative_point()
            lat, lon, admin1 = point.y, point.x, code
    elif has_point:
        try:
            lat, lon = float(draft.lat), float(draft.lon)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append("the note's point needs both a latitude and a longitude, as numbers")
        else:
            min_lon, min_lat, max_lon, max_lat = STUDY_AREA
            inside = min_lat <= lat <= max_lat and min_lon <= lon <= max_lon
            if not (math.isfinite(lat) and math.isfinite(lon) and inside):
                problems.append(
                    f"the point {lat}, {lon} (latitude, longitude) lies outside the atlas "
                    f"area ({min_lat}..{max_lat} N, {min_lon}..{max_lon} E)"
                )
                lat = lon = None
            else:
                admin1 = region_at(regions, lat, lon)
    else:
        problems.append("pin the note to a point on the map or to a region")
    if problems or start is None or end is None or lat is None or lon is None:
        raise NoteError("\n".join(problems))
    return _Placed(text, start, end, lat, lon, draft.region, admin1)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class _NotesFile:
    """The notes in the data directory ``folder``: one file, rewritten whole and atomically
    under a lock of its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / NOTES_FILE
        self.where = str(self.path)

    def fingerprint(self) -> str:
        try:
            content = self.path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            content = b""
        return hashlib.sha256(content).hexdigest()[:16]

    def read(self) -> Any:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            raise LayerError.single(
                str(self.folder), "the data directory is not a folder"
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LayerError.single(self.where, f"unreadable notes file: {exc}") from None

    @contextmanager
    def locked(self) -> Iterator[None]:
        if self.folder.exists() and not self.folder.is_dir():
            raise LayerError.single(str(self.folder), "the data directory is not a folder")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LayerError.single(
                str(self.folder), f"cannot create the data directory: {exc.strerror or exc}"
            ) from None
        try:
            with FileLock(self.folder / NOTES_LOCK, timeout=LOCK_TIMEOUT_S):
                for stale in self.folder.glob(f".{NOTES_FILE}.*.tmp"):  # left by a killed write
                    stale.unlink(missing_ok=True)
                yield
        except Timeout:
            raise LayerError.single(str(self.folder), BUSY) from None

    def write(self, body: dict[str, Any]) -> None:
        text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
        try:
            _write_atomically(self.path, lambda p: p.write_text(text, encoding="utf-8"))
        except OSError as exc:
            raise LayerError.single(
                self.where, f"cannot write the notes: {exc.strerror or exc}"
            ) from None


class _NotesDocument:
    """The notes in the shared database at ``url``: the same body as the file's, one
    document (``notes`` of the collection ``notes``), so they keep the order they were
    written in; the collection's change counter is the fingerprint."""

    def __init__(self, url: str) -> None:
        from atlas.db import shown
        from atlas.db.documents import Documents

        self.documents = Documents(url, NOTES_COLLECTION)
        self.where = f"the notes in {shown(url)}"

    def fingerprint(self) -> str:
        return self.documents.fingerprint()

    def read(self) -> Any:
        return self.documents.get(NOTES_COLLECTION)

    def locked(self) -> AbstractContextManager[None]:
        return self.documents.locked(BUSY, LOCK_TIMEOUT_S)

    def write(self, body: dict[str, Any]) -> None:
        self.documents.put(NOTES_COLLECTION, body)


class NotesStore:
    """The shared notes of the store in use.

    With ``ATLAS_DATABASE_URL`` set they are kept in the shared database, and nothing is
    written to the data directory; otherwise in ``notes.json`` of the data directory.
    Both answer alike; a database that fails raises :class:`loaders.errors.LayerError`
    saying so.

    Parameters
    ----------
    folder
        The data directory; :func:`atlas.datasets.data_dir` when None.
    regions
        The regions layer, to place notes; read from the shipped layers when None and a note
        is written.
    """

    def __init__(
        self, folder: Path | None = None, *, regions: gpd.GeoDataFrame | None = None
    ) -> None:
        self.folder = folder or data_dir()
        self._regions = regions
        url = database_url()
        self._storage: _NotesFile | _NotesDocument = (
            _NotesFile(self.folder) if url is None else _NotesDocument(url)
        )

    @property
    def path(self) -> Path:
        """The notes file of the data directory (unused with the shared database)."""
        return self.folder / NOTES_FILE

    @property
    def regions(self) -> gpd.GeoDataFrame:
        """The regions layer notes are placed with."""
        if self._regions is None:
            self._regions = load_regions(geodata_dir() / LAYER_FILES["regions"])
        return self._regions

    # -- reading -------------------------------------------------------------------------

    def fingerprint(self) -> str:
        """Changes whenever a note is added, changed or deleted (a cache key; one small read)."""
        return self._storage.fingerprint()

    def all(self) -> tuple[Note, ...]:
        """Every note, as written (for the notes layer, which is restricted per user later).

        Raises
        ------
        loaders.errors.LayerError
            When the notes cannot be read, naming them and the entry that is wrong.
        """
        raw = self._storage.read()
        if raw is None:
            return ()
        entries = raw.get("notes") if isinstance(raw, dict) else None
        if not isinstance(entries, list):
            raise LayerError.single(self._storage.where, 'not a notes file (no "notes" list)')
        notes = []
        for number, entry in enumerate(entries, start=1):
            try:
                notes.append(Note.from_json(entry))
            except (ValueError, TypeError) as exc:
                raise LayerError.single(
                    self._storage.where, f"note entry {number} is unreadable: {exc}"
                ) from None
        return tuple(notes)

    def list(self, user: User) -> tuple[Note, ...]:
        """The notes ``user`` may see, newest first.

        Raises
        ------
        atlas.access.RefusedError
            For someone with no role.
        """
        require(user, "view", what="notes", folder=self.folder)
        seen = [n for n in self.all() if user.regions is None or n.admin1 in user.regions]
        return tuple(sorted(seen, key=lambda n: (n.created_at, n.id), reverse=True))

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[MutableSequence[Note]]:
        """The notes as they are stored, held against other writers until the block ends."""
        with self._storage.locked():
            yield list(self.all())

    def _write(self, notes: Iterable[Note]) -> None:
        self._storage.write({"version": NOTES_VERSION, "notes": [n.to_json() for n in notes]})

    @staticmethod
    def _find(notes: Sequence[Note], note_id: str) -> int:
        for index, note in enumerate(notes):
            if note.id == note_id:
                return index
        raise NoteError(f"there is no note {note_id!r} (it may have been deleted)")

    def add(self, user: User, draft: NoteDraft) -> Note:
        """Check ``draft`` and store it as a new note by ``user``; return the note.

        Raises
        ------
        NoteError
            Naming every field of the draft that is wrong.
        atlas.access.RefusedError
            When ``user`` may not write this note (recorded in the audit log).
        loaders.errors.LayerError
            When the notes cannot be read or written.
        """
        placed = _check_draft(draft, self.regions)
        now = _now()
        note = Note(id="", author=user.id, created_at=now, updated_at=now, **asdict(placed))
        require(
            user, "write_note", note.owned, what=f"a new note at {note.place}", folder=self.folder
        )
        with self._locked() as notes:
            taken = {stored.id for stored in notes}
            note_id = secrets.token_hex(4)
            while note_id in taken:
                note_id = secrets.token_hex(4)
            note = replace(note, id=note_id)
            self._write([*notes, note])
        record(user, "note", f"added {note.describe()}", folder=self.folder)
        return note

    def update(self, user: User, note_id: str, draft: NoteDraft) -> Note:
        """Replace the text, days and place of a note; its author and id stay.

        ``user`` must be allowed to change the note as it was and as it will be.

        Raises
        ------
        NoteError
            For a note that does not exist, or a draft that is wrong.
        atlas.access.RefusedError
            When ``user`` may not change it (recorded in the audit log).
        loaders.errors.LayerError
            When the notes cannot be read or written.
        """
        placed = _check_draft(draft, self.regions)
        with self._locked() as notes:
            index = self._find(notes, note_id)
            old = notes[index]
            new = replace(old, updated_at=_now(), **asdict(placed))
            both = Owned(old.author, old.owned.regions | new.owned.regions)
            require(user, "write_note", both, what=old.describe(), folder=self.folder)
            notes[index] = new
            self._write(notes)
        record(
            user,
            "note",
            f"changed {old.describe()} to {new.place}, {new.date_from} to {new.date_to}",
            folder=self.folder,
        )
        return new

    def delete(self, user: User, note_id: str) -> Note:
        """Delete a note; return what it was.

        Raises
        ------
        NoteError
            For a note that does not exist.
        atlas.access.RefusedError
            When ``user`` may not delete it (recorded in the audit log).
        loaders.errors.LayerError
            When the notes cannot be read or written.
        """
        with self._locked() as notes:
            index = self._find(notes, note_id)
            note = notes[index]
            require(user, "write_note", note.owned, what=note.describe(), folder=self.folder)
            del notes[index]
            self._write(notes)
        record(user, "note", f"deleted {note.describe()}", folder=self.folder)
        return note


# -- the notes layer --------------------------------------------------------------------------


def notes_frame(notes: Iterable[Note]) -> gpd.GeoDataFrame:
    """The notes as a layer: one point per note, the columns of :data:`loaders.NOTE_COLUMNS`."""
    rows = list(notes)
    if not rows:
        return empty_notes()
    table = pd.DataFrame([note.to_json() for note in rows])
    frame = gpd.GeoDataFrame(
        table[list(NOTE_COLUMNS)].astype(NOTE_COLUMNS),
        geometry=gpd.points_from_xy(table["lon"], table["lat"]),
        crs="EPSG:4326",
    )
    return frame


def notes_in_view(
    notes: gpd.GeoDataFrame, view: ViewState, start: date, end: date
) -> gpd.GeoDataFrame:
    """The notes a view shows: those applying on a day of ``start``..``end``, within the
    view's regions when it names any, earliest first."""
    overlaps = (notes["date_from"] <= pd.Timestamp(end)) & (notes["date_to"] >= pd.Timestamp(start))
    if view.regions:
        overlaps &= notes["admin1"].isin(view.regions)
    return notes.loc[overlaps].sort_values(["date_from", "id"])


def short_text(text: str, most: int = 60) -> str:
    """The first line of a note's text in at most ``most`` characters, "…" when there is more
    (a label or a tooltip)."""
    lines = text.strip().splitlines() or [""]
    first = lines[0].strip()
    if len(first) > most:
        return first[: most - 1].rstrip() + "…"
    return first + (" …" if len(lines) > 1 else "")


def notes_table(notes: Iterable[Note], region_names: Mapping[str, str]) -> pd.DataFrame:
    """The notes as a table for a page (plain text; a page shows it as data, never markup).

    ``region_names`` maps ISO 3166-2 codes to names; a code without a name is shown as it is.
    """
    rows = [
        {
            "From": note.date_from,
            "To": note.date_to,
            "Region": region_names.get(note.admin1, note.admin1) if note.admin1 else "",
            "Pinned to": note.place,
            "Text": note.text,
            "Author": note.author,
            "Written": note.created_at,
            "Edited": note.updated_at if note.updated_at != note.created_at else "",
            "ID": note.id,
        }
        for note in notes
    ]
    columns = ["From", "To", "Region", "Pinned to", "Text", "Author", "Written", "Edited", "ID"]
    return pd.DataFrame(rows, columns=columns)
