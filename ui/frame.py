"""Making sure a page always runs inside app.py's frame (sidebar, navigation, footer).

The app keeps its screens in ``pages/`` and lists them with ``st.navigation``. On the first
run after the server starts, before ``st.navigation`` has ever been called, Streamlit still
treats ``pages/`` as a folder of stand-alone pages: a link straight to ``/incidents`` would
run that page alone, without the sidebar, and even app.py's own first run would not keep its
widgets' state into the next one (the first slider move after a restart was lost). Whatever
runs first in that state hands the folder to ``st.navigation`` and reruns through app.py.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_frame() -> None:
    """Rerun through app.py when a page was started on its own."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
