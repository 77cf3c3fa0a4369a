"""Streamlit glue for the Notes page: the note form, saving through the store, confirming a delete.

Every decision (who may write which note, what a valid note is) is :mod:`atlas.notes`'s; this
module only draws the widgets and says what came of a save. A note's text is shown as plain
text everywhere (text areas, tables, selection labels), never as Markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import streamlit as st

from atlas.access import RefusedError, User, may
from atlas.notes import MAX_TEXT_CHARS, Note, NoteDraft, NoteError, NotesStore, short_text
from loaders import LayerError

_DONE_KEY = "notes_done"  # what the last save did, shown once after the rerun it asks for
_DELETING_KEY = "notes_deleting"  # the id of the note whose deletion awaits confirmation
POINT, REGION = "A point clicked on the map", "A region"


def _days(chosen: Any) -> tuple[date | None, date | None]:
    """First and last day of a date-range input (one day picked: that day alone)."""
    days = [day for day in (chosen if isinstance(chosen, tuple | list) else [chosen]) if day]
    return (days[0], days[-1]) if days else (None, None)


def _fields(key: str, text: str, days: tuple[date, date]) -> tuple[str, date | None, date | None]:
    """The text and the days of a note, as a form shows them."""
    written = st.text_area(
        "Text", value=text, max_chars=MAX_TEXT_CHARS, key=f"{key}_text", help="Shown as written."
    )
    first, last = _days(st.date_input("Applies from – to", value=days, key=f"{key}_days"))
    return written, first, last


def _save(action: Callable[[], Note], done: str, forget: Sequence[str] = ()) -> None:
    """Run a store action; say what went wrong (the form keeps what was written), or empty
    the widgets named in ``forget`` and rerun so every map shows the change."""
    try:
        action()
    except NoteError as exc:
        st.error(
            "The note was not saved:\n\n"
            + "\n\n".join(f"- {line}" for line in str(exc).splitlines())
        )
    except RefusedError as refusal:
        st.error(f"Not saved: {refusal.reason}.")
    except LayerError as exc:
        st.error(str(exc))
    else:
        st.session_state[_DONE_KEY] = done
        for key in (_DELETING_KEY, *forget):
            st.session_state.pop(key, None)
        st.rerun()


def show_done() -> None:
    """Say what the last save did (once)."""
    done = st.session_state.pop(_DONE_KEY, None)
    if done:
        st.success(done, icon=":material/check:")


def add_panel(
    store: NotesStore,
    user: User,
    point: Mapping[str, float] | None,
    region_names: Mapping[str, str],
    days: tuple[date, date],
) -> None:
    """The form that pins a new note to the point last clicked on the map or to a region."""
    st.subheader("Add a note")
    pin = st.radio("Pin it to", [POINT, REGION], horizontal=True, key="note_pin")
    lat = lon = region = None
    if pin == REGION:
        region = st.selectbox(
            "Region",
            sorted(region_names),
            format_func=lambda code: f"{region_names[code]} ({code})",
            key="note_region",
        )
    elif point is None:
        st.caption("Click the map above to choose the point.")
    else:
        lat, lon = float(point["lat"]), float(point["lng"])
        st.caption(f"Point: {lat:.5f}, {lon:.5f} (click the map again to move it)")
    with st.form("note_add"):
        text, first, last = _fields("note_add", "", days)
        submitted = st.form_submit_button("Add note", type="primary", icon=":material/push_pin:")
    if submitted:
        draft = NoteDraft(text, first, last, lat, lon, region)
        _save(lambda: store.add(user, draft), "Note added.", forget=["note_add_text"])


def change_panel(store: NotesStore, user: User, notes: Sequence[Note]) -> None:
    """Change or delete one of the notes ``user`` may change (their own; any, for an admin)."""
    editable = {note.id: note for note in notes if may(user, "write_note", note.owned)}
    if not editable:
        return
    st.subheader("Change or delete a note")
    chosen = st.selectbox(
        "Note",
        list(editable),
        format_func=lambda i: f"{editable[i].date_from} · {short_text(editable[i].text, 50)} ({i})",
        key="note_chosen",
    )
    note = editable[chosen]
    with st.form(f"note_edit_{note.id}"):
        text, first, last = _fields(
            f"note_edit_{note.id}", note.text, (note.date_from, note.date_to)
        )
        saved = st.form_submit_button("Save changes", icon=":material/save:")
    if saved:
        # The place stays: a region note keeps its region, a point note its point.
        lat, lon = (None, None) if note.region else (note.lat, note.lon)
        draft = NoteDraft(text, first, last, lat=lat, lon=lon, region=note.region)
        _save(lambda: store.update(user, note.id, draft), "Note changed.")
    if st.session_state.get(_DELETING_KEY) != note.id:
        if st.button("Delete this note…", icon=":material/delete:", key="note_delete"):
            st.session_state[_DELETING_KEY] = note.id
            st.rerun()
        return
    st.warning("Delete this note for everyone? This cannot be undone.")
    keep, delete = st.columns(2)
    if keep.button("Keep it", key="note_keep"):
        st.session_state.pop(_DELETING_KEY, None)
        st.rerun()
    if delete.button("Delete", type="primary", icon=":material/delete:", key="note_delete_sure"):
        _save(lambda: store.delete(user, note.id), "Note deleted.")
