"""Streamlit glue for briefings: adding the current view from any page, and the editor.

Every change goes through :class:`atlas.briefings.BriefingStore`, which asks the access module
and writes the audit log; a refusal or a bad value is shown in words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from atlas.access import RefusedError, User, may
from atlas.briefings import (
    Briefing,
    BriefingError,
    BriefingStore,
    BriefingView,
    check_name,
)
from atlas.view import ViewState
from loaders import LayerError

_MESSAGE_KEY = "atlas_briefing_message"


def attempt(action: Callable[[], Any], done: str) -> bool:
    """Run a store change; say what happened (kept over the rerun that follows)."""
    try:
        action()
    except (BriefingError, RefusedError, LayerError) as exc:  # LayerError: the store failed
        st.error(str(exc))
        return False
    st.session_state[_MESSAGE_KEY] = done
    return True


def show_message() -> None:
    """The last change's outcome, once."""
    message = st.session_state.pop(_MESSAGE_KEY, None)
    if message:
        st.success(message, icon=":material/check:")


def presentation_links(name: str) -> tuple[str, str]:
    """The addresses (relative to a page's) that present a briefing and follow it."""
    return f"./?briefing={name}&present=1", f"./?briefing={name}&follow=1"


def add_view_panel(store: BriefingStore, user: User, view: ViewState) -> None:
    """In the sidebar: add the view on the screen to a briefing of the user's."""
    if not may(user, "write_briefing"):
        return
    mine = [b for b in store.list() if may(user, "write_briefing", b.owned)]
    with st.sidebar.popover("Add this view to a briefing", icon=":material/playlist_add:"):
        if not mine:
            st.caption("No briefing of yours yet: create one on the Briefings page.")
            return
        titles = {b.name: f"{b.title} ({b.name})" for b in mine}
        name = st.selectbox("Briefing", list(titles), format_func=titles.__getitem__)
        caption = st.text_input("Caption", placeholder="What this view shows")
        if st.button("Add the current view", type="primary", key="briefing-add-view"):
            briefing = store.get(name)

            def add() -> None:
                added = BriefingView.checked(
                    view.to_query_string(), caption or f"View {len(briefing.views) + 1}"
                )
                store.update(name, user, views=(*briefing.views, added))

            if attempt(add, f"Added to {briefing.title}."):
                st.rerun()


def views_editor(store: BriefingStore, user: User, briefing: Briefing) -> None:
    """Captions, notes and order of a briefing's views, saved together."""
    editable = bool(may(user, "write_briefing", briefing.owned))
    edited: list[BriefingView] = []
    order = list(range(len(briefing.views)))
    for position, view in enumerate(briefing.views):
        with st.container(border=True):
            top = st.columns([5, 1, 1, 1], vertical_alignment="bottom")
            caption = top[0].text_input(
                f"View {position + 1}",
                view.caption,
                key=f"cap-{briefing.name}-{position}",
                disabled=not editable,
            )
            if top[1].button("Up", key=f"up-{position}", disabled=not editable or position == 0):
                order[position - 1], order[position] = order[position], order[position - 1]
            if top[2].button(
                "Down",
                key=f"down-{position}",
                disabled=not editable or position == len(briefing.views) - 1,
            ):
                order[position + 1], order[position] = order[position], order[position + 1]
            if top[3].button("Remove", key=f"drop-{position}", disabled=not editable):
                order.remove(position)
            note = st.text_area(
                "Note",
                view.note,
                key=f"note-{briefing.name}-{position}",
                height=68,
                disabled=not editable,
            )
            st.caption(f"?{view.query}" if view.query else "The whole span, every filter off")
            edited.append(BriefingView(view.query, caption, note))
    if not editable:
        return
    moved = order != list(range(len(briefing.views)))
    if moved or st.button("Save captions and notes", type="primary", key="briefing-save"):

        def save() -> None:
            views = [BriefingView.checked(v.query, v.caption, v.note) for v in edited]
            store.update(briefing.name, user, views=[views[i] for i in order])

        if attempt(save, "Saved."):
            st.rerun()


def briefing_actions(store: BriefingStore, user: User, briefing: Briefing) -> None:
    """Rename, retitle, duplicate and delete a briefing."""
    editable = bool(may(user, "write_briefing", briefing.owned))
    with st.expander("Rename, duplicate or delete", icon=":material/edit:"):
        title = st.text_input("Title", briefing.title, disabled=not editable)
        new_name = st.text_input(
            "Name (its address)",
            briefing.name,
            disabled=not editable,
            help="1-48 lower-case letters, digits or '-'",
        )
        row = st.columns(3)
        if row[0].button("Save title and name", disabled=not editable):

            def rename() -> None:
                store.update(briefing.name, user, title=title)
                if new_name != briefing.name:
                    store.rename(briefing.name, check_name(new_name), user)
                    st.query_params["briefing"] = new_name

            if attempt(rename, "Renamed."):
                st.rerun()
        copy_name = f"{briefing.name}-copy"[:48]
        duplicate = row[1].button(
            f"Duplicate as {copy_name}", disabled=not may(user, "write_briefing")
        )
        if duplicate and attempt(
            lambda: store.duplicate(briefing.name, copy_name, user), "Duplicated."
        ):
            st.query_params["briefing"] = copy_name
            st.rerun()
        confirm = row[2].checkbox("Yes, delete it", disabled=not editable, key="briefing-confirm")
        delete = row[2].button("Delete briefing", disabled=not (editable and confirm))
        if delete and attempt(
            lambda: store.delete(briefing.name, user), f"Deleted {briefing.title}."
        ):
            st.query_params.pop("briefing", None)
            st.rerun()
