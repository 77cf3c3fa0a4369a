"""Audit: who did what and when, for admins: sign-ins, refusals, imports, removals, exports."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pandas as pd
import streamlit as st

from atlas.access import RefusedError, require
from atlas.audit import read_log
from ui.auth import current_user
from ui.frame import require_frame

require_frame()

user = current_user()
st.title("Audit")
try:
    require(user, "read_audit", what="audit log")
except RefusedError as refusal:
    st.error(f"The audit log is for admins: {refusal.reason}.")
    st.stop()

who_column, since_column = st.columns(2)
who = who_column.text_input("User (e-mail or cli:name)", key="audit_user").strip()
since = since_column.date_input("Since", value=None, key="audit_since")
log = read_log(since=datetime.combine(since, time.min, UTC) if since else None, user=who or None)
st.caption(
    f"{len(log.entries):,} entries, newest first"
    + (f"; {log.skipped} unreadable lines skipped" if log.skipped else "")
)
table = pd.DataFrame(
    [vars(entry) for entry in reversed(log.entries)],
    columns=["time", "user", "role", "action", "object", "outcome", "reason"],
)
st.dataframe(
    table.rename(columns=str.capitalize),
    hide_index=True,
    width="stretch",
    column_config={"Reason": st.column_config.TextColumn(width="large")},
)
