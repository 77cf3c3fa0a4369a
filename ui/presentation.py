"""Streamlit glue for presenting a briefing on the big screen, and for screens that follow it.

``?briefing=NAME&present=1`` presents: the presenter steps through the views with buttons or
the keyboard, and every step is written to the store. ``?briefing=NAME&follow=1`` follows:
the screen polls the store's position and shows the same slide. Both hide Streamlit's own
chrome, so the map and the figures fill the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from atlas.briefings import Briefing, BriefingView, parse_time
from atlas.escape import escape_html
from atlas.filters import Headline, incidents_by_id
from atlas.history import Changes, changes_since
from atlas.mapping import view_map
from atlas.tables import change_table
from atlas.text import plural
from atlas.view import ViewState, parse_query_string
from loaders import AtlasLayers, LayerError
from ui.data import layers_key, view_figures
from ui.widgets import show_map

PRESENT, FOLLOW = "present", "follow"
SLIDE_MAP_HEIGHT = 820  # fills a 1080-pixel screen under the title row; CSS fits smaller ones
MAP_HEIGHT_CSS = "calc(100vh - 150px)"

# Streamlit's header, toolbar, sidebar and paddings hidden; big type for a room; the map as
# tall as the screen allows (the map's own element is sized from its frame).
KIOSK_CSS = f"""
<style>
header[data-testid="stHeader"], [data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"], .st-key-atlas-hidden-keys,
footer {{ display: none !important; }}
.block-container, [data-testid="stMainBlockContainer"] {{
  padding: 0.6rem 1.2rem 0 1.2rem !important; max-width: 100% !important;
}}
[data-testid="stMetricValue"] {{ font-size: 2.6rem !important; line-height: 1.1; }}
[data-testid="stMetricLabel"] p {{ font-size: 1.05rem !important; }}
.atlas-slide-title {{ font-size: 2.3rem; font-weight: 700; margin: 0; line-height: 1.15; }}
.atlas-slide-sub {{ font-size: 1.15rem; color: #444; margin: 0.1rem 0 0 0; }}
.atlas-slide-counter {{ font-size: 1.6rem; font-weight: 600; text-align: right; color: #333;
  margin: 0; }}
.st-key-atlas-controls button {{ padding: 0.1rem 0.55rem; min-height: 2rem; }}
iframe[title="streamlit_folium.st_folium"] {{ height: {MAP_HEIGHT_CSS} !important; }}
@media (max-height: 820px), (max-width: 1400px) {{
  .atlas-slide-title {{ font-size: 1.6rem; }}
  .atlas-slide-sub {{ font-size: 0.95rem; }}
  [data-testid="stMetricValue"] {{ font-size: 1.8rem !important; }}
  [data-testid="stMetricLabel"] p {{ font-size: 0.9rem !important; }}
  .atlas-slide-counter {{ font-size: 1.3rem; }}
  iframe[title="streamlit_folium.st_folium"] {{ height: calc(100vh - 125px) !important; }}
}}
</style>
"""


def presentation_mode() -> str | None:
    """``present`` or ``follow`` when the URL asks for a briefing on the big screen."""
    if "briefing" not in st.query_params:
        return None
    if st.query_params.get(PRESENT) == "1":
        return PRESENT
    if st.query_params.get(FOLLOW) == "1":
        return FOLLOW
    return None


def kiosk() -> None:
    """Hide Streamlit's chrome for the big screen."""
    st.html(KIOSK_CSS)


@st.cache_data(show_spinner=False, max_entries=64)
def _changes(fingerprint: str, since: str, regions: frozenset[str] | None) -> Changes:
    # Read once per state of the store, moment and restriction, not on every step of a slide.
    del fingerprint  # part of the cache key only
    return changes_since(parse_time(since), regions=regions)


def slides_of(
    briefing: Briefing, regions: frozenset[str] | None
) -> tuple[list[BriefingView | None], Changes | None]:
    """The slides of a presentation, and what changed since the one before it.

    A briefing presented before opens with a "Changes since …" slide (``None`` in the list):
    the incidents added, updated and removed since then, inside ``regions`` when the viewer
    is restricted to some. It is there even when nothing changed, so presenter and followers
    compute the same list and a slide number means the same slide on every screen.
    """
    before = briefing.presentations[-2] if len(briefing.presentations) >= 2 else None
    slides: list[BriefingView | None] = list(briefing.views)
    if before is None:
        return slides, None
    try:
        changes = _changes(layers_key()[0], before, regions)
    except LayerError as exc:
        st.warning(f"What changed since the last presentation cannot be shown: {exc}")
        changes = Changes(parse_time(before), (), (), (), complete=False)
    return [None, *slides], changes


Controls = Callable[[], None] | None
"""Draws the presenter's buttons in the corner of the header; None on a following screen."""


def _header(
    title: str, subtitle: str, counter: str, figures: Headline | None, controls: Controls
) -> None:
    widths = [3.3, 1, 1, 1, 1.3, 1.5] if figures else [7.1, 1.5]
    columns = st.columns(widths, vertical_alignment="center")
    columns[0].html(
        f'<p class="atlas-slide-title">{escape_html(title)}</p>'
        f'<p class="atlas-slide-sub">{escape_html(subtitle)}</p>'
    )
    if figures is not None:
        columns[1].metric("Incidents", f"{figures.incidents:,}")
        columns[2].metric("Fatalities", f"{figures.fatalities:,}")
        columns[3].metric("Deployments", f"{figures.active_deployments:,}")
        top = figures.top_regions[0][0] if figures.top_regions else "–"
        columns[4].metric("Most affected", top)
    with columns[-1]:
        st.html(f'<p class="atlas-slide-counter">{escape_html(counter)}</p>')
        if controls is not None:
            controls()


def view_slide(
    data: AtlasLayers, briefing: Briefing, slide: BriefingView, counter: str, controls: Controls
) -> None:
    """One view of the briefing: its caption, the headline figures and the map."""
    view = parse_query_string(slide.query).view
    start, end, figures = view_figures(layers_key(), data, view)
    subtitle = f"{start:%d %B %Y} – {end:%d %B %Y}"
    subtitle += f" · {slide.note}" if slide.note else f" · {briefing.title}"
    if figures.includes:
        subtitle += f" · {figures.includes}"
    _header(slide.caption, subtitle, counter, figures, controls)
    show_map(
        lambda: view_map(data, view),
        key="present_map",
        height=SLIDE_MAP_HEIGHT,
        cache_key=(layers_key(), "slide", slide.query),
        fill_frame=True,
    )


def changes_slide(
    data: AtlasLayers,
    briefing: Briefing,
    changes: Changes | None,
    counter: str,
    controls: Controls,
) -> None:
    """What changed since the briefing was last presented: on the map and in a table."""
    if changes is None:
        return
    changed = incidents_by_id(data, [*changes.added, *(i for i, _ in changes.updated)])
    visible = set(changed["id"])  # the user's restriction is in ``data``
    added = [i for i in changes.added if i in visible]
    updated = {i: fields for i, fields in changes.updated if i in visible}
    title = f"Changes since {changes.since:%d %B %Y, %H:%M} UTC"
    removed = list(changes.removed)
    if added or updated or removed:
        subtitle = (
            f"{plural(len(added), 'incident')} added, {len(updated):,} updated, "
            f"{len(removed):,} removed"
        )
    else:
        subtitle = "No incident added, updated or removed"
    if not changes.complete:
        subtitle += " (the store keeps less history than that: earlier changes are missing)"
    subtitle += f" · {briefing.title}"
    _header(title, subtitle, counter, None, controls)
    left, right = st.columns([2.2, 1])
    with left:
        view = ViewState(layers=("regions", "rivers", "towns", "incidents"), agg="points")
        shown = replace(data, incidents=changed, imported=None)
        show_map(
            view_map(shown, view),
            key="present_map",
            height=SLIDE_MAP_HEIGHT,
            fill_frame=True,
        )
    with right:
        table = change_table(changed, added, updated, removed)
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            height=min(35 * (len(table) + 1) + 3, SLIDE_MAP_HEIGHT),
        )
