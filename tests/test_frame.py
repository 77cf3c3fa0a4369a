"""Sessions opened together on a freshly started server each run inside app.py's frame.

The first run after a start executes app.py under Streamlit's folder navigation; every
session whose run began before the first of them handed the folder to ``st.navigation``
must rerun too, or its widgets change ids (a first slider move lost) or a page linked
directly runs without the sidebar. Each test starts its own server: the state is the
process's first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

import pytest
from streamlit.util import calc_hash

from bench.load import BrowserSession, _stream
from tests.serving import serve_app

SESSIONS = 8
T = TypeVar("T")

pytestmark = pytest.mark.browser


async def _first_move(url: str) -> str:
    """Open Home, move the range once; the query string the page then shows."""
    async with _stream(url) as connection:
        session = BrowserSession(connection, run_timeout=120)
        await session.rerun()
        await session.move_range(1, session.span_days - 1)
        return session.query_string


async def _has_sidebar(url: str, page: str) -> bool:
    """Open ``page`` by its address, as a link straight to it does; True when the sidebar's
    date range was drawn."""
    async with _stream(url) as connection:
        session = BrowserSession(connection, run_timeout=120)
        session.page_script_hash = calc_hash(page)
        opened = await session.rerun()
        assert opened.errors == []
        return session.slider is not None


async def _together(sessions: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    return list(await asyncio.gather(*sessions))


def test_every_session_opened_at_a_start_keeps_its_first_move():
    with serve_app() as app:
        shown = asyncio.run(_together(_first_move(app.url) for _ in range(SESSIONS)))
    assert all("from=" in query for query in shown), shown


def test_every_page_linked_directly_at_a_start_has_the_sidebar():
    with serve_app() as app:
        drawn = asyncio.run(_together(_has_sidebar(app.url, "incidents") for _ in range(SESSIONS)))
    assert all(drawn), drawn
