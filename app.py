"""Mali Security Atlas: page config, the shared sidebar and navigation over pages/."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from atlas.access import may
from atlas.briefings import BriefingStore
from loaders import LayerError
from ui.auth import current_user, identity_panel
from ui.briefings import add_view_panel
from ui.data import ensure_assets, layers
from ui.frame import require_main_frame
from ui.presentation import presentation_mode
from ui.view import sidebar_controls, url_errors
from ui.widgets import footer

HERE = Path(__file__).parent
require_main_frame()  # a run after a restart must already be the navigation's own

presenting = presentation_mode()
st.set_page_config(
    page_title="Mali Security Atlas",
    page_icon=str(HERE / "ui" / "favicon.png"),
    layout="wide",
    initial_sidebar_state="collapsed" if presenting else "expanded",
)
ensure_assets()
user = current_user()  # stops here for anyone who may not see the atlas

try:
    data = layers()
except LayerError as exc:
    st.error(f"The atlas data could not be loaded:\n\n{exc}")
    st.stop()

if presenting:
    # The big screen: the presentation alone, without sidebar, navigation or footer.
    st.navigation(
        [st.Page(HERE / "pages" / "present.py", title="Presentation")], position="hidden"
    ).run()
    st.stop()

identity_panel(user)

for problem in url_errors():
    st.warning(str(problem))

add_view_panel(BriefingStore(), user, sidebar_controls(data))

briefings_page = st.Page(
    HERE / "pages" / "briefings.py", title="Briefings", icon=":material/slideshow:"
)
navigation = st.navigation(
    [
        st.Page(
            HERE / "pages" / "home.py", title="Home", icon=":material/dashboard:", default=True
        ),
        st.Page(HERE / "pages" / "incidents.py", title="Incidents", icon=":material/crisis_alert:"),
        st.Page(HERE / "pages" / "regions.py", title="Regions", icon=":material/map:"),
        st.Page(HERE / "pages" / "deployments.py", title="Deployments", icon=":material/flag:"),
        briefings_page,
        st.Page(HERE / "pages" / "notes.py", title="Notes", icon=":material/push_pin:"),
        st.Page(HERE / "pages" / "data.py", title="Data", icon=":material/database:"),
        *(
            [st.Page(HERE / "pages" / "audit.py", title="Audit", icon=":material/policy:")]
            if may(user, "read_audit")
            else []
        ),
    ]
)
if navigation.url_path == "" and "briefing" in st.query_params:
    # Leaving a presentation (at the app's root) returns to its briefing.
    st.switch_page(briefings_page, query_params={"briefing": st.query_params["briefing"]})
navigation.run()
footer()
