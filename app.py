"""Mali Security Atlas: page config, the shared sidebar and navigation over pages/."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from atlas.access import may
from loaders import LayerError
from ui.auth import current_user, identity_panel
from ui.data import ensure_assets, layers
from ui.frame import require_frame
from ui.view import sidebar_controls, url_errors
from ui.widgets import footer

HERE = Path(__file__).parent
require_frame()  # the first run after a restart must already be the navigation's own

st.set_page_config(
    page_title="Mali Security Atlas",
    page_icon=str(HERE / "ui" / "favicon.png"),
    layout="wide",
    initial_sidebar_state="expanded",
)
ensure_assets()
user = current_user()  # stops here for anyone who may not see the atlas
identity_panel(user)

try:
    data = layers()
except LayerError as exc:
    st.error(f"The atlas data could not be loaded:\n\n{exc}")
    st.stop()

for problem in url_errors():
    st.warning(str(problem))

sidebar_controls(data)

navigation = st.navigation(
    [
        st.Page(
            HERE / "pages" / "home.py", title="Home", icon=":material/dashboard:", default=True
        ),
        st.Page(HERE / "pages" / "incidents.py", title="Incidents", icon=":material/crisis_alert:"),
        st.Page(HERE / "pages" / "regions.py", title="Regions", icon=":material/map:"),
        st.Page(HERE / "pages" / "deployments.py", title="Deployments", icon=":material/flag:"),
        st.Page(HERE / "pages" / "data.py", title="Data", icon=":material/database:"),
        *(
            [st.Page(HERE / "pages" / "audit.py", title="Audit", icon=":material/policy:")]
            if may(user, "read_audit")
            else []
        ),
    ]
)
navigation.run()
footer()
