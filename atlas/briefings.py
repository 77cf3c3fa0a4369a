"""Saved briefings: named, ordered views with captions, presented on a shared screen.

A briefing is a title, an ordered list of views (each a view's query string, a caption and an
optional note), an author and timestamps. It lives in the store's data directory as one JSON
file per briefing (``briefings/<name>.json``), written atomically like datasets, and every
change is asked of :mod:`atlas.access` and recorded in the audit log.

While a briefing is presented, the presenter's position (which view is on the screen) is
shared state in the store too (``briefings/<name>.position.json``), not in one session's
memory: every screen that follows reads it, whichever server process it talks to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from atlas.access import Owned, User, require
from atlas.audit import record
from atlas.datasets import data_dir
from atlas.export.files import write_atomically
from atlas.view import parse_query_string

BRIEFINGS_DIR = "briefings"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
MAX_VIEWS = 60
MAX_TEXT = 2000
LOCK_TIMEOUT_S = 10.0


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


class BriefingStore:
    """The briefings of one data directory (``briefings/`` in :func:`data_dir` by default)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.data_folder = folder or data_dir()
        self.folder = self.data_folder / BRIEFINGS_DIR

    # -- reading -------------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        return self.folder / f"{check_name(name)}.json"

    def list(self) -> list[Briefing]:
        """Every briefing, by name."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(self.folder.glob("*.json")):
            if path.name.endswith(".position.json"):
                continue
            try:
                found.append(self.get(path.stem))
            except BriefingError:
                continue  # a file that is not a briefing of ours is not listed
        return found

    def get(self, name: str) -> Briefing:
        """One briefing.

        Raises
        ------
        BriefingError
            When there is none of that name, or its file cannot be read.
        """
        path = self._path(name)
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            return Briefing.from_json(body)
        except FileNotFoundError:
            raise BriefingError(f"no briefing named {name!r}") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BriefingError(f"briefing {name!r} cannot be read: {exc}") from None

    def exists(self, name: str) -> bool:
        """True when a briefing of that name is stored."""
        return self._path(name).is_file()

    def position(self, name: str) -> Position | None:
        """Where the presentation of ``name`` is, if it has been presented."""
        try:
            body = json.loads(self._position_path(name).read_text(encoding="utf-8"))
            return Position(int(body["index"]), str(body["at"]), str(body["by"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(self.folder / ".lock", timeout=LOCK_TIMEOUT_S):
                yield
        except Timeout:
            raise BriefingError("briefings are being changed by someone else; try again") from None

    def _write(self, briefing: Briefing) -> None:
        content = json.dumps(briefing.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
        write_atomically(self._path(briefing.name), content)

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
        with self._locked():
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
        with self._locked():
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
        with self._locked():
            current = self.get(name)
            require(user, "write_briefing", current.owned, what=name, folder=self.data_folder)
            if self.exists(new_name):
                raise BriefingError(f"a briefing named {new_name!r} exists already")
            renamed = replace(current, name=new_name, updated_at=now_utc())
            self._write(renamed)
            self._path(name).unlink()
            self._position_path(name).unlink(missing_ok=True)
        record(user, "briefing-rename", f"{name} -> {new_name}", folder=self.data_folder)
        return renamed

    def duplicate(self, name: str, new_name: str, user: User) -> Briefing:
        """A copy of a briefing under a new name, written by ``user``."""
        source = self.get(name)
        copy = new_briefing(new_name, f"{source.title} (copy)", source.views, user)
        return self.create(copy, user)

    def delete(self, name: str, user: User) -> None:
        """Remove a briefing (its author's, or any for an admin)."""
        with self._locked():
            current = self.get(name)
            require(user, "write_briefing", current.owned, what=name, folder=self.data_folder)
            self._path(name).unlink()
            self._position_path(name).unlink(missing_ok=True)
        record(user, "briefing-delete", name, folder=self.data_folder)

    def start_presentation(self, name: str, user: User) -> tuple[Briefing, str | None]:
        """Record that ``user`` starts presenting ``name``, on its first view.

        Returns the briefing and when it was presented before (None the first time): what
        changed since then is what the room has not seen.
        """
        require(user, "present", what=name, folder=self.data_folder)
        with self._locked():
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
        return self._write_position(name, index, user)

    def _position_path(self, name: str) -> Path:
        return self.folder / f"{check_name(name)}.position.json"

    def _write_position(self, name: str, index: int, user: User) -> Position:
        position = Position(index, now_utc(), user.id)
        content = json.dumps(asdict(position)).encode("utf-8")
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self._position_path(name), content)
        return position
