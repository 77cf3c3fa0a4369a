"""Presentation: a briefing on the big screen, one view a slide; or a screen following it.

``?briefing=NAME&present=1`` presents (arrow keys, Page Up/Down and space step, Escape leaves;
``&auto=SECONDS`` steps by itself); ``?briefing=NAME&follow=1`` shows whatever the presenter
shows, within a second or two. The slides redraw by themselves when the data changes.
"""

from __future__ import annotations

import time

import streamlit as st

from atlas.briefings import BriefingError, BriefingStore
from atlas.store import EmbeddedStore
from loaders import LayerError
from ui.auth import current_user
from ui.data import layers
from ui.frame import require_frame
from ui.presentation import (
    FOLLOW,
    changes_slide,
    kiosk,
    presentation_mode,
    slides_of,
    view_slide,
)

require_frame()
kiosk()

user = current_user()
store = BriefingStore()
name = st.query_params.get("briefing", "")
mode = presentation_mode()
try:
    briefing = store.get(name)
except BriefingError as exc:
    st.error(f"{exc}. Open *Briefings* to see the briefings there are.")
    st.stop()

started_key = f"atlas_presenting_{name}"
index_key = f"atlas_slide_{name}"
try:
    if mode != FOLLOW and started_key not in st.session_state:
        briefing, _before = store.start_presentation(name, user)
        st.session_state[started_key] = True
        st.session_state[index_key] = 0
    if mode == FOLLOW:
        position = store.position(name)
        st.session_state[index_key] = position.index if position else 0
except BriefingError as exc:
    st.error(f"The presentation cannot be shared: {exc}")
    st.stop()

slides, changes = slides_of(briefing, user.regions)
index = min(max(int(st.session_state.get(index_key, 0)), 0), len(slides) - 1)
st.session_state[index_key] = index
fingerprint = EmbeddedStore().fingerprint()


def _step(by: int) -> None:
    moved = min(max(index + by, 0), len(slides) - 1)
    st.session_state[index_key] = moved
    st.session_state["atlas_auto_since"] = time.monotonic()
    try:
        store.move(name, moved, user)
    except BriefingError as exc:
        st.toast(f"The following screens stay where they are: {exc}", icon=":material/error:")


def _leave() -> None:
    for flag in ("present", "follow", "auto"):
        st.query_params.pop(flag, None)


@st.fragment(run_every=1.0 if mode == FOLLOW else 5.0)
def _watch() -> None:
    """Follow the presenter, and redraw when the data changes."""
    try:
        position = store.position(name) if mode == FOLLOW else None
        data_changed = EmbeddedStore().fingerprint() != fingerprint
    except (BriefingError, LayerError) as exc:
        st.warning(f"Waiting for the shared store: {exc}")  # the next tick tries again
        return
    if mode == FOLLOW and (position.index if position else 0) != index:
        st.rerun()
    if data_changed:
        st.rerun()


auto = st.query_params.get("auto", "")
if mode != FOLLOW and auto.isdigit() and 2 <= int(auto) <= 3600:
    seconds = int(auto)
    st.session_state.setdefault("atlas_auto_since", time.monotonic())

    @st.fragment(run_every=seconds)
    def _advance() -> None:
        """Step once a period has passed since the slide came up (a rerun is not a tick)."""
        if time.monotonic() - st.session_state["atlas_auto_since"] < seconds * 0.9:
            return
        st.session_state["atlas_auto_since"] = time.monotonic()
        if index < len(slides) - 1:
            _step(+1)
            st.rerun()

    _advance()

_watch()
counter = f"{index + 1} / {len(slides)}"


def _controls() -> None:
    with st.container(horizontal=True, horizontal_alignment="right", key="atlas-controls"):
        st.button(
            "",
            icon=":material/arrow_back:",
            shortcut="Left",
            on_click=_step,
            args=(-1,),
            help="Previous (←, Page Up)",
        )
        st.button(
            "",
            icon=":material/arrow_forward:",
            shortcut="Right",
            on_click=_step,
            args=(+1,),
            help="Next (→, Page Down, space)",
        )
        st.button("", icon=":material/close:", shortcut="Esc", on_click=_leave, help="Leave (Esc)")
    with st.container(key="atlas-hidden-keys"):
        for key, by in (("PageDown", +1), ("Space", +1), ("PageUp", -1)):
            st.button(key, shortcut=key, on_click=_step, args=(by,), key=f"atlas-key-{key}")


slide = slides[index]
data = layers()
controls = None if mode == FOLLOW else _controls
if slide is None:
    changes_slide(data, briefing, changes, counter, controls)
else:
    view_slide(data, briefing, slide, counter, controls)
