"""The server hands back what a burst of sessions left once it is idle again."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

import ui.widgets
from ui.data import IdleAfterWork, keep_memory_settled, settle_memory


class _Node:
    """Something that lives in a reference cycle, as an ended session does."""

    def __init__(self) -> None:
        self.itself = self


@pytest.fixture
def thawed():
    """Leave the interpreter unfrozen, as it was, whatever the test froze."""
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("thawed")
def test_settling_frees_a_cycle_that_a_freeze_kept():
    node = _Node()
    gone = weakref.ref(node)
    gc.freeze()  # as a load of the layers does while sessions run
    del node
    gc.collect()
    assert gone() is not None  # frozen: a full collection leaves it
    settle_memory()
    assert gone() is None


@pytest.mark.usefixtures("thawed")
def test_settling_keeps_what_still_lives_out_of_later_collections():
    node = _Node()
    settle_memory()
    assert gc.get_freeze_count() > 0
    assert all(obj is not node for obj in gc.get_objects())  # frozen objects are not listed


def _readings(idleness: IdleAfterWork, cpu_at: dict[float, float]) -> list[float]:
    """The times at which ``idleness`` says to settle, for processor readings by time."""
    return [now for now, cpu in sorted(cpu_at.items()) if idleness.due(now, cpu)]


def test_a_settling_is_due_once_the_server_idles_after_work():
    idleness = IdleAfterWork(quiet_s=2.0, idle_share=0.1, work_s=1.0)
    # Busy for 4 s (a core's worth), then quiet.
    cpu = {t / 2: min(t / 2, 4.0) for t in range(0, 17)}
    assert _readings(idleness, cpu) == [6.0, 6.5, 7.0, 7.5, 8.0]


def test_no_settling_while_the_server_works():
    idleness = IdleAfterWork(quiet_s=2.0, idle_share=0.1, work_s=1.0)
    assert _readings(idleness, {t / 2: t / 4 for t in range(0, 40)}) == []


def test_no_settling_without_work_since_the_last():
    idleness = IdleAfterWork(quiet_s=2.0, idle_share=0.1, work_s=1.0)
    cpu = {t / 2: min(t / 2, 4.0) for t in range(0, 17)}
    first = _readings(idleness, cpu)[0]
    idleness.settled(cpu[first])
    later = {8.0 + t / 2: 4.0 + t / 100 for t in range(1, 20)}  # a follower's polling
    assert _readings(idleness, later) == []


def test_a_settling_is_due_once_idle_after_enough_was_let_go():
    idleness = IdleAfterWork(quiet_s=2.0, idle_share=0.1, work_s=1.0, freed_bytes=100)
    assert _readings(idleness, {t / 2: 0.0 for t in range(0, 9)}) == []
    idleness.freed(60)
    assert _readings(idleness, {4.5: 0.0}) == []
    idleness.freed(40)
    assert _readings(idleness, {5.0: 0.0}) == [5.0]


def test_a_map_a_session_lets_go_counts_as_memory_freed(monkeypatch):
    freed: list[int] = []
    monkeypatch.setattr(ui.widgets, "memory_freed", freed.append)
    ui.widgets._let_go(ui.widgets.ShownMap({"script": "x" * 100_000, "height": 400}))
    assert len(freed) == 1
    assert freed[0] >= 100_000


def test_the_settler_starts_once_per_process():
    keep_memory_settled()
    keep_memory_settled()
    names = [thread.name for thread in threading.enumerate()]
    assert names.count("atlas-memory-settler") == 1
