"""The Incidents page's month player: one month every few seconds, pausable, stopping at the end.

The fragment's timer ticks every period; a rerun of the page runs the fragment too, so a step
is taken only when a full period has passed since the last one, whatever triggered the run.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import streamlit as st

from atlas.timeline import PLAYER_SECONDS, month_of, step_month
from ui.view import request_range


def month_player(column: Any, start: date, end: date, data_start: date, data_end: date) -> None:
    """The Play toggle in ``column`` and, while it plays, the month shown in large type."""
    if st.session_state.pop("player_finished", False):
        st.session_state["playing"] = False  # before the toggle is drawn: the player stopped
    playing = column.toggle(
        "Play",
        key="playing",
        help=f"Step forward one month every {PLAYER_SECONDS:.0f} seconds; stops at the end.",
        on_change=lambda: st.session_state.update(player_stepped_at=time.monotonic()),
    )
    if playing:
        st.markdown(f"## {start:%B %Y}" + (f" – {end:%B %Y}" if month_of(start)[1] < end else ""))

    @st.fragment(run_every=PLAYER_SECONDS if playing else None)
    def _player() -> None:
        """One month a period: a rerun of the page (which runs this too) is not a tick."""
        if not st.session_state.get("playing"):
            return
        now = time.monotonic()
        if now - st.session_state.get("player_stepped_at", now) < PLAYER_SECONDS * 0.9:
            return
        st.session_state["player_stepped_at"] = now
        if end >= data_end:
            st.session_state["player_finished"] = True
        else:
            request_range(*step_month(end, 1, data_start, data_end))
        st.rerun(scope="app")

    _player()
