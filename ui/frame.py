"""Making sure a page always runs inside app.py's frame (sidebar, navigation, footer).

The app keeps its screens in ``pages/`` and lists them with ``st.navigation``. On the first
run after the server starts, before ``st.navigation`` has ever been called, Streamlit still
treats ``pages/`` as a folder of stand-alone pages: a link straight to ``/incidents`` would
run that page alone, without the sidebar, and even app.py's own first run would not keep its
widgets' state into the next one (the first slider move after a restart was lost). Whatever
runs first in that state hands the folder to ``st.navigation`` and reruns through app.py.

The shared flag is not enough when sessions open together after a restart (a briefing room
reconnecting): every run that began before the first of them cleared it still runs under
the folder's navigation. Each run therefore also looks at how it was started itself.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState


def require_frame() -> None:
    """A page's check: rerun through app.py when the page was started on its own."""
    if PagesManager.uses_pages_directory or _page_of_the_folder():
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_main_frame() -> None:
    """app.py's check: rerun unless this run executes app.py as the main script.

    Under the folder's navigation app.py runs as one of its pages, under another script
    hash, so its widgets get other ids than in every later run and the first change a
    reader makes (a slider moved) would be dropped.
    """
    if PagesManager.uses_pages_directory or _app_run_as_a_page():
        PagesManager.uses_pages_directory = False
        st.rerun()


def _app_run_as_a_page() -> bool:
    # Only meaningful at app.py's top level, where a run of the main script executes under
    # the main script's own hash.
    ctx = get_script_run_ctx()
    return ctx is not None and (
        ThreadState.get().active_script_hash != ctx.pages_manager.main_script_hash
    )


def _page_of_the_folder() -> bool:
    # Inside a page, the navigation of this run has been set: app.py's never lists app.py,
    # the folder's lists it as its first page.
    ctx = get_script_run_ctx()
    if ctx is None:
        return False
    main = Path(ctx.pages_manager.main_script_path).resolve()
    return any(
        Path(page["script_path"]).resolve() == main
        for page in ctx.pages_manager.get_pages().values()
        if page.get("script_path")
    )
