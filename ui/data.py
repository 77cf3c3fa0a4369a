"""Cached access to the store, keyed by what changes the answer; and the memory it leaves.

A burst of sessions (a briefing room opening the atlas at once) leaves the server holding
memory it no longer uses: freed blocks spread over the C allocator's heaps, and sessions that
ended still tied up in reference cycles. Once the server has gone quiet after such work,
:func:`settle_memory` collects them and hands the free memory back to the system.
"""

from __future__ import annotations

import ctypes
import gc
import threading
import time
from collections import deque
from collections.abc import Hashable
from datetime import date

import streamlit as st

from atlas.access import restricted_layers
from atlas.assets import install_assets
from atlas.filters import Headline, view_headline
from atlas.store import EmbeddedStore
from atlas.view import ViewState
from loaders import AtlasLayers
from ui.auth import current_user

QUIET_S = 2.0
"""Seconds the server must have been idle, after working, before it settles its memory."""
IDLE_SHARE = 0.1
"""Share of one core under which the server counts as idle (a following screen polls)."""
WORK_CPU_S = 1.0
"""Processor seconds of work since the last settling that make another one worth doing."""
FREED_BYTES = 32 << 20
"""Memory let go (maps that sessions showed, released when they left) that makes a settling
worth doing, as a second of work does."""
SAMPLE_S = 0.5
"""How often the server's processor time is read."""


@st.cache_resource(show_spinner=False)
def ensure_assets() -> int:
    """Copy the map's JS/CSS into ``static/`` once per server process."""
    return len(install_assets())


@st.cache_resource(show_spinner="Loading layers…", max_entries=2)
def _layers_for(fingerprint: str) -> AtlasLayers:
    # Shared and read-only: every filter in atlas returns new frames, none mutates these.
    del fingerprint  # part of the cache key only
    keep_memory_settled()
    gc.unfreeze()  # layers loaded before can be collected once the cache lets them go
    loaded = EmbeddedStore().layers()
    # Python's full collections scanned every object of the layers again and again: about
    # 140 ms at 100,000 incidents, on most slider moves. Frozen objects are left out of those
    # scans and are still freed when nothing refers to them. The freeze takes in every object
    # alive now, the sessions running at this moment included: settling the memory thaws
    # them and freezes what still lives then, so no ended session is kept for good.
    gc.collect()
    gc.freeze()
    return loaded


@st.cache_resource(show_spinner=False, max_entries=16)
def _visible_for(fingerprint: str, regions: frozenset[str] | None) -> AtlasLayers:
    # The restriction is part of the key: one user's answer never reaches another.
    return restricted_layers(_layers_for(fingerprint), regions)


def layers_key() -> tuple[str, frozenset[str] | None]:
    """What the current user's layers depend on: the store's fingerprint and their regions.

    Part of the key of every cache that holds something drawn from those layers (a map),
    so an answer never crosses users nor outlives the data it was drawn from.
    """
    return EmbeddedStore().fingerprint(), current_user().regions


def layers(key: tuple[str, frozenset[str] | None] | None = None) -> AtlasLayers:
    """Every layer the current user may see, reloaded when the store's files change.

    A page that also keys caches by :func:`layers_key` passes the key it read, so its
    layers and its keys are of the same state of the store.
    """
    return _visible_for(*(key or layers_key()))


@st.cache_resource(show_spinner=False, max_entries=64)
def _figures(key: Hashable, _layers: AtlasLayers, _view: ViewState) -> tuple[date, date, Headline]:
    return view_headline(_layers, _view)


def view_figures(
    key: tuple[str, frozenset[str] | None], data: AtlasLayers, view: ViewState
) -> tuple[date, date, Headline]:
    """The date range of ``view`` and its headline figures, worked out once for every
    session showing that view of the same layers (``key``: :func:`layers_key`)."""
    return _figures((key, view.to_query_string()), data, view)


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None)
    except (OSError, TypeError):  # pragma: no cover - no C library to ask for (Windows)
        return None


_LIBC = _libc()


def settle_memory() -> None:
    """Collect every garbage cycle, freeze what still lives, return free memory to the system.

    Everything frozen before (at a load of the layers, at the last settling) is thawed
    first, so a session that ended since is collected with the rest. The trim is the C
    library's (glibc): elsewhere only the collection happens.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:
        trim(0)


class IdleAfterWork:
    """Decides, from readings of the server's processor time, when to settle its memory:
    once it has been idle for ``quiet_s`` after at least ``work_s`` of work, or after
    ``freed_bytes`` were let go, since the last settling.

    Idle is less than ``idle_share`` of a core over the last ``quiet_s``: a screen following
    a presentation polls every second and does not count as work.
    """

    def __init__(
        self,
        quiet_s: float = QUIET_S,
        idle_share: float = IDLE_SHARE,
        work_s: float = WORK_CPU_S,
        freed_bytes: int = FREED_BYTES,
    ) -> None:
        self.quiet_s = quiet_s
        self.idle_share = idle_share
        self.work_s = work_s
        self.freed_bytes = freed_bytes
        self._readings: deque[tuple[float, float]] = deque()
        self._cpu_at_settling = 0.0
        self._freed = 0

    def freed(self, nbytes: int) -> None:
        """Note ``nbytes`` let go since the last settling."""
        self._freed += nbytes

    def due(self, now: float, cpu: float) -> bool:
        """True when, at ``now`` (seconds), with ``cpu`` processor seconds used so far, the
        memory should be settled."""
        self._readings.append((now, cpu))
        # Keep the newest reading at least ``quiet_s`` old: where the window looked back on
        # starts.
        while len(self._readings) > 1 and self._readings[1][0] <= now - self.quiet_s:
            self._readings.popleft()
        since, cpu_then = self._readings[0]
        if now - since < self.quiet_s:
            return False
        idle = cpu - cpu_then <= self.idle_share * (now - since)
        worked = cpu - self._cpu_at_settling >= self.work_s or self._freed >= self.freed_bytes
        return idle and worked

    def settled(self, cpu: float) -> None:
        """Note a settling at ``cpu`` processor seconds (its own work is not work to settle)."""
        self._cpu_at_settling = cpu
        self._freed = 0


_IDLENESS = IdleAfterWork()


def memory_freed(nbytes: int) -> None:
    """Tell the server that ``nbytes`` were let go (a map no session shows any more), so
    that it settles its memory once idle even when little work came before."""
    _IDLENESS.freed(nbytes)


_SETTLER_NAME = "atlas-memory-settler"
_STARTING = threading.Lock()


def keep_memory_settled() -> None:
    """Start, once per server process, the thread that settles memory when the server idles."""
    with _STARTING:
        if any(thread.name == _SETTLER_NAME for thread in threading.enumerate()):
            return
        threading.Thread(target=_settle_when_idle, name=_SETTLER_NAME, daemon=True).start()


def _settle_when_idle() -> None:
    while True:
        time.sleep(SAMPLE_S)
        if _IDLENESS.due(time.monotonic(), time.process_time()):
            settle_memory()
            _IDLENESS.settled(time.process_time())
