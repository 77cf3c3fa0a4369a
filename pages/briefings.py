"""Briefings: saved views to present on the big screen, and to follow from other screens."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from atlas.access import may
from atlas.briefings import BriefingError, BriefingStore, new_briefing
from ui.auth import current_user
from ui.briefings import (
    attempt,
    briefing_actions,
    presentation_links,
    show_message,
    views_editor,
)
from ui.frame import require_frame

require_frame()

user = current_user()
store = BriefingStore()
st.title("Briefings")
show_message()
chosen = st.query_params.get("briefing")

if chosen:
    try:
        briefing = store.get(chosen)
    except BriefingError as exc:
        st.error(f"{exc}.")
        st.stop()
    st.subheader(briefing.title)
    present, follow = presentation_links(briefing.name)
    links = st.columns([1, 1, 4])
    links[0].link_button("Present", present, type="primary", icon=":material/slideshow:")
    links[1].link_button("Follow", follow, icon=":material/cast:")
    links[2].caption(
        f"By {briefing.author}; updated {briefing.updated_at}; last presented "
        f"{briefing.last_presented_at or 'never'}. Screens that open the Follow link show the "
        "slide the presenter shows."
    )
    if not briefing.views:
        st.info("No views yet: open a page, set the view, and use *Add this view to a briefing*.")
    views_editor(store, user, briefing)
    briefing_actions(store, user, briefing)
    if st.button("All briefings", icon=":material/arrow_back:"):
        st.query_params.pop("briefing", None)
        st.rerun()
    st.stop()

try:
    briefings = store.list()
except BriefingError as exc:
    st.error(f"{exc}.")
    st.stop()
if briefings:
    table = pd.DataFrame([b.summary() for b in briefings])
    table["open"] = "briefings?briefing=" + table["name"]
    st.dataframe(
        table[["title", "views", "author", "updated_at", "last_presented_at", "open"]],
        hide_index=True,
        width="stretch",
        column_config={
            "title": "Title",
            "views": "Views",
            "author": "Author",
            "updated_at": "Updated",
            "last_presented_at": st.column_config.TextColumn("Last presented"),
            "open": st.column_config.LinkColumn("Open", display_text="Open"),
        },
    )
else:
    st.info("No briefings yet.")

if may(user, "write_briefing"):
    with st.form("briefing-new"):
        st.markdown("**New briefing**")
        title = st.text_input("Title", placeholder="Morning brief, northern regions")
        name = st.text_input("Name (its address)", placeholder="morning-north")
        if st.form_submit_button("Create", type="primary") and attempt(
            lambda: store.create(new_briefing(name.strip(), title, (), user), user),
            f"Created {title.strip()}.",
        ):
            st.query_params["briefing"] = name.strip()
            st.rerun()
