"""Saved briefings: named, ordered views with captions, presented on a shared screen.

A briefing is a title, an ordered list of views (each a view's query string, a caption and an
optional note), an author and timestamps. In the data directory it is one JSON file per
briefing (``briefings/<name>.json``), written atomically like datasets; with
``ATLAS_DATABASE_URL`` set it is a document in the shared database instead, and the data
directory is left alone. Every change is asked of :mod:`atlas.access` and recorded in the
audit log.

While a briefing is presented, the presenter's position (which view is on the screen) is
shared state in the store too (``briefings/<name>.position.json``, or a document beside the
briefing's), not in one session's memory: every screen that follows reads it, whichever
server process it talks to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock, Timeout

from atlas.access import Owned, User, require
from atlas.audit import record
from atlas.datasets import data_dir
from atlas.db import database_url
from atlas.export.files import write_atomically
from atlas.view import parse_query_string
from loaders import LayerError

BRIEFINGS_DIR = "briefings"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
MAX_VIEWS = 60
MAX_TEXT = 2000
LOCK_TIMEOUT_S = 10.0
BUSY = "briefings are being changed by someone else; try again"


class BriefingError(ValueError):
    """A briefing that cannot be made or found: the message names what is wrong."""


def now_utc() -> str:
    """The current time as the store writes it: UTC, ISO 8601, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """A time as the store writes it (or any ISO 8601 time; UTC when no zone is given)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_name(name: str) -> str:
    """A briefing's name, which names its file and its address: a short lower-case slug.

    Raises
    ------
    BriefingError
        For anything but 1-48 lower-case letters, digits and ``-``, starting with a letter or
        digit.
    """
    if not NAME.fullmatch(name):
        raise BriefingError(
            f"briefing name {name!r} must be 1-48 lower-case letters, digits or '-', "
            "starting with a letter or digit"
        )
    return name


def check_view(query: str) -> str:
    """A view's query string, checked and written the way the app writes it.

    Raises
    ------
    BriefingError
        Naming every parameter that cannot be used.
    """
    parsed = parse_query_string(query)
    if parsed.errors:
        problems = "; ".join(f"{e.name}={e.value!r}: {e.reason}" for e in parsed.errors)
        raise BriefingError(f"view {query!r} does not parse: {problems}")
    return parsed.view.to_query_string()


def _check_text(text: str, what: str, *, required: bool = False) -> str:
    cleaned = text.strip()
    if required and not cleaned:
        raise BriefingError(f"{what} is empty")
    if len(cleaned) > MAX_TEXT:
        raise BriefingError(f"{what} is {len(cleaned):,} characters, over {MAX_TEXT:,}")
    if any(ord(c) < 32 and c not in "\n\t" for c in cleaned):
        raise BriefingError(f"{what} holds control characters")
    return cleaned


@dataclass(frozen=True)
class BriefingView:
    """One view of a briefing: its query string, the caption shown as its title, a note."""

    query: str
    caption: str
    note: str = ""

    @classmethod
    def checked(cls, query: str, caption: str, note: str = "") -> BriefingView:
        """A view with its query string and texts checked (raises :class:`BriefingError`)."""
        return cls(
            check_view(query),
            _check_text(caption, "caption", required=True),
            _check_text(note, "note"),
        )


@dataclass(frozen=True)
class Briefing:
    """A saved briefing."""

    name: str
    title: str
    views: tuple[BriefingView, ...]
    author: str
    created_at: str
    updated_at: str
    presentations: tuple[str, ...] = field(default=())
    """When each presentation started (UTC), oldest first."""

    @property
    def last_presented_at(self) -> str | None:
        """When it was last presented, if ever."""
        return self.presentations[-1] if self.presentations else None

    def summary(self) -> dict[str, Any]:
        """What ``python -m atlas briefings --json`` lists."""
        return {
            "name": self.name,
            "title": self.title,
            "views": len(self.views),
            "author": self.author,
            "updated_at": self.updated_at,
            "last_presented_at": self.last_presented_at,
        }

    def to_json(self) -> dict[str, Any]:
        """Everything stored, as plain JSON values."""
        body = asdict(self)
        body["views"] = [asdict(v) for v in self.views]
        body["presentations"] = list(self.presentations)
        body["last_presented_at"] = self.last_presented_at
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Briefing:
        """A briefing from what :meth:`to_json` wrote."""
        return cls(
            name=str(body["name"]),
            title=str(body["title"]),
            views=tuple(BriefingView(**view) for view in body["views"]),
            author=str(body["author"]),
            created_at=str(body["created_at"]),
            updated_at=str(body["updated_at"]),
            presentations=tuple(str(t) for t in body.get("presentations", ())),
        )

    @property
    def owned(self) -> Owned:
        """What access decisions about changing it need: its author."""
        return Owned(author=self.author)

    def with_views(self, views: Sequence[BriefingView]) -> Briefing:
        """The same briefing with other views (at most :data:`MAX_VIEWS`)."""
        if len(views) > MAX_VIEWS:
            raise BriefingError(f"a briefing holds at most {MAX_VIEWS} views")
        return replace(self, views=tuple(views))


def new_briefing(name: str, title: str, views: Sequence[BriefingView], author: User) -> Briefing:
    """A briefing not yet stored, its name and title checked."""
    stamp = now_utc()
    return Briefing(
        name=check_name(name),
        title=_check_text(title, "title", required=True),
        views=(),
        author=author.id,
        created_at=stamp,
        updated_at=stamp,
    ).with_views(views)


@dataclass(frozen=True)
class Position:
    """Where a presentation is: the slide shown, since when, and who moved it there."""

    index: int
    at: str
    by: str


class _Storage(Protocol):
    """Where briefings and their presentation positions are kept: JSON bodies by name."""

    def read(self, name: str) -> Any:
        """The body stored under ``name``, or None; :class:`BriefingError` when unreadable."""

    def read_all(self) -> dict[str, Any]:
        """Every readable body, by name."""

    def write(self, name: str, body: dict[str, Any]) -> None:
        """Store ``body`` under ``name`` (inside :meth:`locked`)."""

    def remove(self, name: str) -> None:
        """Remove a briefing and its position (inside :meth:`locked`)."""

    def read_position(self, name: str) -> Any:
        """The position body of ``name``, or None."""

    def write_position(self, name: str, body: dict[str, Any]) -> None:
        """Store the position of ``name``, at once (or with the writes of :meth:`locked`)."""

    def locked(self) -> AbstractContextManager[None]:
        """Hold the briefings against other writers until the block ends."""


class _Files:
    """Briefings as files in the data directory: ``<name>.json`` and ``<name>.position.json``
    in ``folder``, each written atomically, one writer at a time under a file lock."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def _position_path(self, name: str) -> Path:
        return self.folder / f"{name}.position.json"

    def read(self, name: str) -> Any:
        try:
            return json.loads(self._path(name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise BriefingError(f"briefing {name!r} cannot be read: {exc}") from None

    def read_all(self) -> dict[str, Any]:
        if not self.folder.is_dir():
            return {}
        found = {}
        for path in sorted(self.folder.glob("*.json")):
            if path.name.endswith(".position.json") or not NAME.fullmatch(path.stem):
                continue  # a file that is not a briefing of ours is not listed
            try:
                found[path.stem] = self.read(path.stem)
            except BriefingError:
                continue
        return found

    def write(self, name: str, body: dict[str, Any]) -> None:
        write_atomically(
            self._path(name), json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
        )

    def remove(self, name: str) -> None:
        self._path(name).unlink()
        self._position_path(name).unlink(missing_ok=True)

    def read_position(self, name: str) -> Any:
        try:
            return json.loads(self._position_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_position(self, name: str, body: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self._position_path(name), json.dumps(body).encode("utf-8"))

    @contextmanager
    def locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(self.folder / ".lock", timeout=LOCK_TIMEOUT_S):
                yield
        except Timeout:
            raise BriefingError(BUSY) from None


@contextmanager
def _answered_as_briefing_error() -> Iterator[None]:
    """A database that fails is said as a briefing error, which every briefing screen shows."""
    try:
        yield
    except LayerError as exc:
        raise BriefingError(str(exc)) from None


class _Documents:
    """Briefings and their positions in the shared database at ``url`` (the collections
    ``briefings`` and ``positions``); a change and its position's commit together."""

    def __init__(self, url: str) -> None:
        from atlas.db.documents import Documents

        self.briefings = Documents(url, "briefings")
        self.positions = Documents(url, "positions")

    def read(self, name: str) -> Any:
        with _answered_as_briefing_error():
            return self.briefings.get(name)

    def read_all(self) -> dict[str, Any]:
        with _answered_as_briefing_error():
            return self.briefings.all()

    def write(self, name: str, body: dict[str, Any]) -> None:
        self.briefings.put(name, body)

    def remove(self, name: str) -> None:
        self.briefings.delete(name)
        self.positions.delete(name)

    def read_position(self, name: str) -> Any:
        with _answered_as_briefing_error():
            return self.positions.get(name)

    def write_position(self, name: str, body: dict[str, Any]) -> None:
        with _answered_as_briefing_error(), self.positions.locked(BUSY, LOCK_TIMEOUT_S):
            self.positions.put(name, body)

    @contextmanager
    def locked(self) -> Iterator[None]:
        from atlas.db.documents import locked_together

        with (
            _answered_as_briefing_error(),
            locked_together((self.briefings, self.positions), BUSY, LOCK_TIMEOUT_S),
        ):
            yield


class BriefingStore:
    """The briefings of the store in use.

    With ``ATLAS_DATABASE_URL`` set they are documents in the shared database, and nothing is
    written to the data directory; otherwise they are files in ``briefings/`` of the data
    directory ``folder`` (:func:`data_dir` by default). Both answer alike; a database that
    fails raises :class:`BriefingError` saying so.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.data_folder = folder or data_dir()
        self.folder = self.data_folder / BRIEFINGS_DIR
        url = database_url()
        self._storage: _Storage = _Files(self.folder) if url is None else _Documents(url)

    # -- reading -------------------------------------------------------------------------

    def list(self) -> list[Briefing]:
        """Every briefing, by name."""
        bodies = self._storage.read_all()
        found = []
        for name in sorted(bodies):
            try:
                found.append(Briefing.from_json(bodies[name]))
            except (ValueError, KeyError, TypeError):
                continue  # what is not a briefing of ours is not listed
        return found

    def get(self, name: str) -> Briefing:
        """One briefing.

        Raises
        ------
        BriefingError
            When there is none of that name, or it cannot be read.
        """
        body = self._storage.read(check_name(name))
        if body is None:
            raise BriefingError(f"no briefing named {name!r}")
        try:
            return Briefing.from_json(body)
        except (ValueError, KeyError, TypeError) as exc:
            raise BriefingError(f"briefing {name!r} cannot be read: {exc}") from None

    def exists(self, name: str) -> bool:
        """True when a briefing of that name is stored."""
        return self._storage.read(check_name(name)) is not None

    def position(self, name: str) -> Position | None:
        """Where the presentation of ``name`` is, if it has been presented."""
        body = self._storage.read_position(check_name(name))
        try:
            return Position(int(body["index"]), str(body["at"]), str(body["by"]))
        except (ValueError, KeyError, TypeError):
            return None

    # -- writing -------------------------------------------------------------------------

    def _write(self, briefing: Briefing) -> None:
        self._storage.write(briefing.name, briefing.to_json())

    def create(self, briefing: Briefing, user: User) -> Briefing:
        """Store a new briefing written by ``user``.

        Raises
        ------
        BriefingError
            When a briefing of that name exists.
        atlas.access.RefusedError
            When ``user`` may not write briefings.
        """
        require(user, "write_briefing", what=briefing.name, folder=self.data_folder)
        with self._storage.locked():
            if self.exists(briefing.name):
                raise BriefingError(f"a briefing named {briefing.name!r} exists already")
            stored = replace(briefing, author=user.id)
            self._write(stored)
        record(user, "briefing-create", briefing.name, folder=self.data_folder)
        return stored

    def update(self, name: str, user: User, **changes: Any) -> Briefing:
        """Change the title or views of a briefing (its author's, or any for an admin).

        ``changes`` are fields of :class:`Briefing`: ``title`` or ``views``.
        """
        with self._storage.locked():
            current = self.get(name)
            require(user, "write_briefing", current.owned, what=name, folder=self.data_folder)
            title = changes.pop("title", current.title)
            views = changes.pop("views", current.views)
            if changes:
                raise BriefingError(f"cannot change {', '.join(sorted(changes))}")
            updated = replace(
                current.with_views(views),
                title=_check_text(title, "title", required=True),
                updated_at=now_utc(),
            )
            self._write(updated)
        record(user, "briefing-update", name, folder=self.data_folder)
        return updated

    def rename(self, name: str, new_name: str, user: User) -> Briefing:
        """Give a briefing another name (its address changes with it)."""
        check_name(new_name)
        with self._storage.locked():
            current = self.get(name)
            require(user, "write_briefing", current.owned, what=name, folder=self.data_folder)
            if self.exists(new_name):
                raise BriefingError(f"a briefing named {new_name!r} exists already")
            renamed = replace(current, name=new_name, updated_at=now_utc())
            self._write(renamed)
            self._storage.remove(name)
        record(user, "briefing-rename", f"{name} -> {new_name}", folder=self.data_folder)
        return renamed

    def duplicate(self, name: str, new_name: str, user: User) -> Briefing:
        """A copy of a briefing under a new name, written by ``user``."""
        source = self.get(name)
        copy = new_briefing(new_name, f"{source.title} (copy)", source.views, user)
        return self.create(copy, user)

    def delete(self, name: str, user: User) -> None:
        """Remove a briefing (its author's, or any for an admin)."""
        with self._storage.locked():
            current = self.get(name)
            require(user, "write_briefing", current.owned, what=name, folder=self.data_folder)
            self._storage.remove(name)
        record(user, "briefing-delete", name, folder=self.data_folder)

    def start_presentation(self, name: str, user: User) -> tuple[Briefing, str | None]:
        """Record that ``user`` starts presenting ``name``, on its first view.

        Returns the briefing and when it was presented before (None the first time): what
        changed since then is what the room has not seen.
        """
        require(user, "present", what=name, folder=self.data_folder)
        with self._storage.locked():
            current = self.get(name)
            before = current.last_presented_at
            stamp = now_utc()
            presented = replace(current, presentations=(*current.presentations, stamp)[-50:])
            self._write(presented)
            self._write_position(name, 0, user)
        record(user, "briefing-present", name, folder=self.data_folder)
        return presented, before

    def move(self, name: str, index: int, user: User) -> Position:
        """Put the presentation of ``name`` on view ``index``: every follower goes there."""
        require(user, "present", what=name, folder=self.data_folder)
        return self._write_position(check_name(name), index, user)

    def _write_position(self, name: str, index: int, user: User) -> Position:
        position = Position(index, now_utc(), user.id)
        self._storage.write_position(name, asdict(position))
        return position
