"""Who may do what: the one place the atlas decides it, for every page and the command line.

A person is a :class:`User`: who they are, their :class:`Role`, and the regions they may see
(``None`` for all of them). Pages and commands ask :func:`may` before they act, and
:func:`require` refuses (and records the refusal in the audit log) when the answer is no; a
hidden button is never the check. What a region-restricted user sees is decided here as well
(:func:`visible_layers`), so maps, tables, figures and exports all read the same restricted
data, and :attr:`User.restriction_key` is part of every cache key that holds such data.

Roles come from a TOML file (``ATLAS_ROLES_FILE``, default ``roles.toml`` in the data
directory; ``roles.example.toml`` in the project shows its form)::

    [[users]]
    email = "amina@example.org"
    role = "admin"

    [[users]]
    email = "gao.desk@example.org"
    role = "analyst"
    regions = ["ML-7"]

    [[groups]]
    name = "atlas-viewers"   # a value of the sign-in token's claim below
    claim = "groups"         # default "groups"
    role = "viewer"

A user's own entry wins over their groups; among groups the highest role wins, and its
regions are those of the groups giving it (none given by any of them: every region).
"""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum
from pathlib import Path
from typing import Any

from atlas.datasets import data_dir
from loaders import AtlasLayers, LayerError
from loaders.vocabulary import REGION_CODES

ROLES_ENV = "ATLAS_ROLES_FILE"
ROLES_FILE = "roles.toml"


class Role(IntEnum):
    """What a person may do, each role including the ones below it."""

    VIEWER = 1
    ANALYST = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        """The role's name as the roles file writes it."""
        return self.name.lower()


ACTIONS: dict[str, Role] = {
    "view": Role.VIEWER,
    "present": Role.VIEWER,
    "follow": Role.VIEWER,
    "import": Role.ANALYST,
    "export": Role.ANALYST,
    "write_note": Role.ANALYST,
    "write_briefing": Role.ANALYST,
    "replace_dataset": Role.ADMIN,
    "remove_dataset": Role.ADMIN,
    "manage_briefings": Role.ADMIN,
    "read_audit": Role.ADMIN,
    "manage_store": Role.ADMIN,
}
"""Every action the atlas guards, and the least role that may take it."""

OWNED_ACTIONS = frozenset({"write_note", "write_briefing"})
"""Actions on a thing with an author: its author may, and an admin may for anyone's."""


@dataclass(frozen=True)
class User:
    """A person using the atlas.

    Parameters
    ----------
    id
        Their e-mail (signed in), ``local`` (local mode) or ``cli:<name>`` (command line).
    name
        How pages greet them.
    role
        None for someone signed in who has no entry in the roles file.
    regions
        ISO 3166-2 codes of the regions they may see; None for every region.
    mode
        ``oidc``, ``local`` or ``cli``.
    """

    id: str
    name: str
    role: Role | None
    regions: frozenset[str] | None = None
    mode: str = "oidc"

    @property
    def restriction_key(self) -> str:
        """What this user's data depends on, for cache keys: ``*`` for every region."""
        return "*" if self.regions is None else ",".join(sorted(self.regions))

    @property
    def role_label(self) -> str:
        """The role's name, or ``none``."""
        return self.role.label if self.role else "none"


LOCAL_USER = User("local", "Local user", Role.ADMIN, None, "local")
"""The one user of local mode (no sign-in configured): every right."""


@dataclass(frozen=True)
class Decision:
    """The answer to "may this user do this?", and why not when it is no."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


class RefusedError(PermissionError):
    """An action the user may not take; the message says why."""

    def __init__(self, user: User, action: str, reason: str) -> None:
        super().__init__(reason)
        self.user, self.action, self.reason = user, action, reason


@dataclass(frozen=True)
class Owned:
    """Something with an author and, optionally, the regions it concerns (a note, a briefing)."""

    author: str
    regions: frozenset[str] = field(default_factory=frozenset)


def may(user: User, action: str, target: Owned | None = None) -> Decision:
    """Whether ``user`` may take ``action`` (on ``target``, for notes and briefings).

    Raises
    ------
    ValueError
        For an action the atlas does not know (a bug, never user input).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user.role is None:
        return Decision(False, f"{user.id} has no role in this atlas")
    needed = ACTIONS[action]
    if user.role < needed:
        return Decision(
            False,
            f"{action.replace('_', ' ')} needs the {needed.label} role; "
            f"{user.id} has the {user.role.label} role",
        )
    if target is not None:
        if user.regions is not None and target.regions - user.regions:
            outside = ", ".join(sorted(target.regions - user.regions))
            return Decision(False, f"{user.id} may not act on regions {outside}")
        if action in OWNED_ACTIONS and target.author != user.id and user.role < Role.ADMIN:
            return Decision(False, f"only its author ({target.author}) or an admin may change it")
    return Decision(True)


def require(
    user: User,
    action: str,
    target: Owned | None = None,
    *,
    what: str = "",
    folder: Path | None = None,
) -> None:
    """Refuse unless :func:`may` allows it; a refusal is recorded in the audit log.

    ``what`` names the object in the log; ``folder`` is the data directory whose log it is
    (the default one when None).

    Raises
    ------
    RefusedError
        With the reason, when the answer is no.
    """
    decision = may(user, action, target)
    if not decision:
        from atlas.audit import record

        record(user, action, what, outcome="refused", reason=decision.reason, folder=folder)
        raise RefusedError(user, action, decision.reason)


def visible_layers(layers: AtlasLayers, user: User) -> AtlasLayers:
    """The layers as ``user`` may see them: incidents only inside their regions."""
    return restricted_layers(layers, user.regions)


def restricted_layers(layers: AtlasLayers, regions: frozenset[str] | None) -> AtlasLayers:
    """``layers`` with only the incidents and notes inside ``regions`` (all of them for None).

    With regions given, no incident or note outside them is kept, including those outside
    Mali or located only to the country. The layers given are never changed.
    """
    if regions is None:
        return layers
    incidents, notes = layers.incidents, layers.notes
    return replace(
        layers,
        incidents=incidents.loc[incidents["admin1"].isin(regions)],
        notes=notes.loc[notes["admin1"].isin(regions)],
        imported=layers.imported.restricted(regions) if layers.imported is not None else None,
    )


# -- the roles file ---------------------------------------------------------------------------


def roles_path() -> Path:
    """Where the roles file is: ``ATLAS_ROLES_FILE``, else ``roles.toml`` in the data folder."""
    override = os.environ.get(ROLES_ENV)
    return Path(override) if override else data_dir() / ROLES_FILE


@dataclass(frozen=True)
class _Entry:
    role: Role
    regions: frozenset[str] | None


@dataclass(frozen=True)
class Roles:
    """Who has which role: entries by e-mail and by a claim's value (groups)."""

    users: Mapping[str, _Entry]
    groups: Mapping[tuple[str, str], _Entry]

    def user_for(self, email: str | None, claims: Mapping[str, Any]) -> User:
        """The :class:`User` a signed-in person is, from their e-mail and token claims."""
        who = (email or str(claims.get("sub") or "")).strip()
        name = str(claims.get("name") or who)
        own = self.users.get(who.casefold())
        if own is not None:
            return User(who, name, own.role, own.regions)
        matched = [
            entry
            for (claim, value), entry in self.groups.items()
            if value in _claim_values(claims.get(claim))
        ]
        if not matched:
            return User(who, name, None)
        role = max(entry.role for entry in matched)
        giving = [entry for entry in matched if entry.role == role]
        if any(entry.regions is None for entry in giving):
            return User(who, name, role)
        regions = frozenset().union(*(entry.regions or frozenset() for entry in giving))
        return User(who, name, role, regions)

    def role_of(self, user_id: str) -> _Entry | None:
        """The entry of a user id (``cli:<name>`` for the command line), if any."""
        return self.users.get(user_id.casefold())


NO_ROLES = Roles({}, {})


def _claim_values(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    if isinstance(value, Iterable):
        return {str(v) for v in value}
    return {str(value)}


def _entry(raw: Any, where: str, file: str) -> _Entry:
    if not isinstance(raw, dict):
        raise LayerError.single(file, f"{where} must be a table of keys")
    role_text = raw.get("role")
    try:
        role = Role[str(role_text).upper()]
    except KeyError:
        raise LayerError.single(
            file, f"{where}: role must be viewer, analyst or admin", value=str(role_text)
        ) from None
    regions_raw = raw.get("regions")
    if regions_raw is None:
        return _Entry(role, None)
    if not isinstance(regions_raw, list) or not regions_raw:
        raise LayerError.single(
            file, f"{where}: regions must be a non-empty list of codes", value=str(regions_raw)
        )
    unknown = [str(code) for code in regions_raw if code not in REGION_CODES]
    if unknown:
        raise LayerError.single(
            file,
            f"{where}: unknown region code (known: {', '.join(REGION_CODES)})",
            value=", ".join(unknown),
        )
    return _Entry(role, frozenset(str(code) for code in regions_raw))


def load_roles(path: Path) -> Roles:
    """Read and check a roles file; a missing file gives nobody any role.

    Raises
    ------
    loaders.errors.LayerError
        Naming the file, the entry and the value that is wrong.
    """
    file = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return NO_ROLES
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LayerError.single(file, f"not a readable roles file: {exc}") from None
    unknown = set(raw) - {"users", "groups"}
    if unknown:
        raise LayerError.single(
            file, "unknown section (expected [[users]] and [[groups]])", value=", ".join(unknown)
        )
    users: dict[str, _Entry] = {}
    for number, item in enumerate(raw.get("users", []), start=1):
        where = f"users entry {number}"
        entry = _entry(item, where, file)
        email = str(item.get("email") or item.get("id") or "").strip()
        if not email:
            raise LayerError.single(file, f"{where}: give the user's email")
        users[email.casefold()] = entry
    groups: dict[tuple[str, str], _Entry] = {}
    for number, item in enumerate(raw.get("groups", []), start=1):
        where = f"groups entry {number}"
        entry = _entry(item, where, file)
        name = str(item.get("name") or "").strip()
        if not name:
            raise LayerError.single(file, f"{where}: give the group's name")
        groups[(str(item.get("claim") or "groups"), name)] = entry
    return Roles(users, groups)


def cli_user(roles: Roles | None = None) -> User:
    """The person running the command line: ``cli:<os user>``.

    The command line works on the store directly, so it acts as an admin unless the roles
    file gives ``cli:<name>`` a lesser role or regions.
    """
    name = f"cli:{getpass.getuser()}"
    entry = (roles if roles is not None else load_roles(roles_path())).role_of(name)
    if entry is None:
        return User(name, name, Role.ADMIN, None, "cli")
    return User(name, name, entry.role, entry.regions, "cli")
