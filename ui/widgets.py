"""Widgets every page uses: the map and the attribution footer."""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
import streamlit_folium
from branca.element import Figure
from streamlit_folium import st_folium

from atlas import style
from atlas.attribution import footer_markdown
from atlas.datasets import open_datasets
from atlas.leaflet import RawText
from atlas.mapping import LayeredMap
from atlas.viewport import Viewport
from ui.data import memory_freed

MapSource = LayeredMap | Callable[[], LayeredMap]
"""A map, or what builds it (called only when the cache does not hold it already)."""

# The map component itself. Every map of the app goes through :func:`show_map`, which asks
# st_folium for the component's arguments (st_folium would otherwise send them at once) and
# sends them itself, so that identical arguments, kept in a cache shared by every session,
# cost no map work at all on a rerun.
_COMPONENT = streamlit_folium._component_func
_DEDENT = streamlit_folium.dedent
# Maps are built one at a time. The capture swaps st_folium's module global; and building
# holds the interpreter anyway, so builds running side by side only all finish late, each
# holding its megabytes of script meanwhile (40 sessions moving their ranges at once, 63
# maps to build: the median move took a third longer side by side, bench/load.py).
_BUILDING = threading.Lock()


def dedent_by_lines(text: str) -> str:
    """:func:`textwrap.dedent`, worked out line by line.

    st_folium dedents every script it sends; textwrap's regular expressions walk all of a
    map's overlays character by character, 16 ms for the two million characters of 3,535
    incidents (most of them on one line), where a walk over the lines takes microseconds.
    Lines holding only spaces and tabs become empty; then the whitespace every other line
    begins with is taken off.
    """
    lines = ["" if not line.strip(" \t") else line for line in text.split("\n")]
    margin: str | None = None
    for line in filter(None, lines):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if margin is None or margin.startswith(indent):
            margin = indent
        elif not indent.startswith(margin):  # they part at some character: keep what precedes
            shared = 0
            while margin[shared] == indent[shared]:
                shared += 1
            margin = margin[:shared]
    if not margin:
        return "\n".join(lines)
    return "\n".join(line[len(margin) :] if line.startswith(margin) else line for line in lines)


def _component_arguments(
    source: MapSource, key: str, height: int, returned: tuple[str, ...]
) -> dict[str, Any]:
    """What st_folium would send the browser for the map of ``source``: scripts, links and
    defaults."""
    captured: dict[str, Any] = {}

    def capture(**arguments: Any) -> None:
        captured.update(arguments)

    with _BUILDING:
        lmap = source() if callable(source) else source
        streamlit_folium._component_func = capture
        streamlit_folium.dedent = dedent_by_lines
        try:
            st_folium(
                lmap.for_app(),
                height=height,
                use_container_width=True,
                returned_objects=list(returned),
                key=key,
                feature_group_to_add=lmap.overlays,
                layer_control=lmap.layer_control(),
            )
        finally:
            streamlit_folium._component_func = _COMPONENT
            streamlit_folium.dedent = _DEDENT
    captured.pop("on_change", None)
    return captured


class ShownMap:
    """A map's component arguments, one object that sessions hold and share."""

    __slots__ = ("__weakref__", "arguments", "nbytes")

    def __init__(self, arguments: dict[str, Any]) -> None:
        self.arguments = arguments
        self.nbytes = sum(sys.getsizeof(v) for v in arguments.values() if isinstance(v, str))


RECENT_MAPS = 4
"""Maps kept after no session shows them any more (each is a whole map's script, about 4 MB
at 3,535 incidents): the views a room opens on and moves to together stay warm."""


@st.cache_resource(show_spinner=False, max_entries=RECENT_MAPS)
def _recent_map(
    cache_key: Hashable, key: str, height: int, returned: tuple[str, ...], _build: MapSource
) -> ShownMap:
    # Streamlit lets one session build a key while the others asking for it wait.
    return ShownMap(_component_arguments(_build, key, height, returned))


# Every map some session shows now, found by any other session asking for the same; an entry
# goes when the last session holding it lets it go.
_SHOWN: weakref.WeakValueDictionary[Hashable, ShownMap] = weakref.WeakValueDictionary()
_SHOWN_LOCK = threading.Lock()


def _let_go(shown: ShownMap) -> None:
    # Counted even when another session still shows it: a settling too many only costs an
    # idle moment's collection.
    memory_freed(shown.nbytes)


@st.cache_resource(show_spinner=False, max_entries=1, scope="session", on_release=_let_go)
def _shown_map(
    cache_key: Hashable, key: str, height: int, returned: tuple[str, ...], _build: MapSource
) -> ShownMap:
    # The map this session shows, held until it shows another or disconnects: its reruns
    # cost no map work however many views other sessions build meanwhile, and the memory
    # goes with the session.
    shown_key = (cache_key, key, height, returned)
    with _SHOWN_LOCK:
        shown = _SHOWN.get(shown_key)
    if shown is None:
        shown = _recent_map(cache_key, key, height, returned, _build=_build)
        with _SHOWN_LOCK:
            shown = _SHOWN.setdefault(shown_key, shown)
    return shown


MAP_MIN_HEIGHT = 420
"""The least height of a map that fills the screen (:func:`map_screen`): on a laptop's screen
the page scrolls rather than the map shrinking below what a reader can work with."""

_SCREEN_KEY = "atlas-map-screen"
_MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# The screen is one of Streamlit's vertical blocks (a flex column): at least as tall as the
# window less the room Streamlit keeps over a page (6rem, its header) and a margin under the
# map (1rem); the map's frame, and the two boxes Streamlit wraps it in, take whatever height
# the elements above the map leave, from MAP_MIN_HEIGHT up.
_SCREEN_CSS = f"""<style>
.st-key-{_SCREEN_KEY} {{ min-height: calc(100vh - 7rem); }}
.st-key-{_SCREEN_KEY} > [data-testid="stElementContainer"]:has({_MAP_FRAME}),
.st-key-{_SCREEN_KEY} > [data-testid="stElementContainer"] > div:has(> {_MAP_FRAME}) {{
  flex: 1 0 auto; display: flex; flex-direction: column;
}}
.st-key-{_SCREEN_KEY} {_MAP_FRAME} {{ flex: 1 0 {MAP_MIN_HEIGHT}px; }}
</style>"""


@contextmanager
def map_screen() -> Iterator[None]:
    """The first screen of a map page: what the page puts in it (title, headline figures,
    controls) and then its map, shown with ``fill_screen``, which takes the height left.

    The map grows and shrinks with the browser's window, so the headline, the whole map
    and its legend are in sight without scrolling, whatever the elements above the map
    take (a longer warning, a caption that wraps on a narrower screen). What the page
    shows after the screen follows below the fold.
    """
    st.html(_SCREEN_CSS)
    with st.container(key=_SCREEN_KEY):
        yield


# The element st_folium's page draws the map in, sized to the height st_folium was given
# (in the element's own style, which only an important rule overrides).
_FILL_FRAME_CSS = "<style>#map_div { height: 100vh !important; }</style>"


def _filling_its_frame(source: MapSource) -> Callable[[], LayeredMap]:
    """What builds the map of ``source`` as tall as the frame it is drawn in, which the
    page's screen sizes to the window.

    The map's element takes the frame's height by a rule of the map's own page, before the
    map is drawn: drawn at its final size from the start, a map opened on a link's centre
    opens exactly there (grown after drawing, the map would shift its centre by up to a
    pixel, and a link copied from it would drift). Leaflet follows later sizes of the frame
    by itself.
    """

    def build() -> LayeredMap:
        lmap = source() if callable(source) else source
        figure = lmap.base.get_root()
        assert isinstance(figure, Figure), "a folium map lies in a figure"
        figure.header.add_child(RawText(_FILL_FRAME_CSS), name="atlas_fill_frame")
        return lmap

    return build


def show_map(
    source: MapSource,
    key: str,
    height: int = 640,
    *,
    cache_key: Hashable | None = None,
    on_click: bool = False,
    pick_point: bool = False,
    fill_screen: bool = False,
    fill_frame: bool = False,
    report_extent: bool = False,
) -> dict[str, Any] | None:
    """Draw a map; with ``on_click``, return the last marker clicked: the point clicked
    (``lat``, ``lng``), the marker's ``tooltip`` (plain text) and the ``count`` of clicks
    since the map was mounted (a new click has a new count). With ``pick_point`` instead,
    return the last point clicked anywhere on the map (``lat``, ``lng``).

    The base stays mounted in the browser for as long as it does not change; a new range or
    filter only swaps the overlays, so the map keeps its pan and zoom and redraws fast. Only
    clicks are returned, never the extent, so panning and zooming do not rerun the script.

    With a ``cache_key`` (everything the map depends on: the data's fingerprint, the
    viewer's restriction, the view …) the component's arguments are built once and shared
    by every session asking for the same key while any of them shows that map (and a few
    recent ones after); ``source`` is then best given as a function that builds the map, so
    a hit builds nothing.

    With ``report_extent``, the map also tells the page its extent and zoom after each pan
    or zoom (read with :func:`reported_viewport`): a rerun each time, so only for a map whose
    overlays follow the extent (:func:`atlas.viewport.reports_extent`).

    With ``fill_screen``, drawn inside the page's :func:`map_screen`, the map is as tall as
    the window leaves room for under what the screen shows above it, and never less than
    :data:`MAP_MIN_HEIGHT`; ``height`` is then not used. With ``fill_frame``, the map fills
    the frame however the page sizes it (the presentation's own rule), from ``height``.
    """
    if on_click and pick_point:
        raise ValueError("ask for the marker clicked or for the point clicked, not both")
    returned: tuple[str, ...] = ()
    if on_click:
        returned = (
            "last_object_clicked",
            "last_object_clicked_tooltip",
            "last_object_clicked_count",
        )
    elif pick_point:
        returned = ("last_clicked",)
    if report_extent:
        returned += ("bounds", "zoom")
    if fill_screen:
        height = MAP_MIN_HEIGHT
    if fill_screen or fill_frame:
        source = _filling_its_frame(source)
        cache_key = None if cache_key is None else (cache_key, "fills its frame")
    if cache_key is None:
        arguments = _component_arguments(source, key, height, returned)
    else:
        arguments = _shown_map(cache_key, key, height, returned, _build=source).arguments
    component_key = arguments["key"]

    def keep_state() -> None:  # as st_folium does: the page's key holds the last answer
        st.session_state[key] = st.session_state.get(component_key, {})

    state = _COMPONENT(**arguments, on_change=keep_state)
    if pick_point:
        point = (state or {}).get("last_clicked")
        return point if isinstance(point, dict) and "lat" in point else None
    clicked = (state or {}).get("last_object_clicked") if on_click else None
    if not isinstance(clicked, dict) or "lat" not in clicked:
        return None
    return {
        **clicked,
        "tooltip": state.get("last_object_clicked_tooltip"),
        "count": state.get("last_object_clicked_count"),
    }


def reported_viewport(key: str) -> Viewport | None:
    """The extent and zoom the map of ``key`` last reported (see ``report_extent``), or None
    before it has, or when what it reported is not a usable extent."""
    state = st.session_state.get(key)
    if not isinstance(state, dict):
        return None
    return Viewport.from_map(state.get("bounds"), state.get("zoom"))


_COPY_LINK = (Path(__file__).parent / "assets" / "copy_link.html").read_text(encoding="utf-8")


def copy_link_button() -> None:
    """A button under a map that copies the page's link with the map's centre and zoom as
    the reader left them (read in the browser, so panning never reruns the page)."""
    components.html(_COPY_LINK, height=40)


def event_type_bars(by_type: pd.DataFrame, y_label: str, height: int) -> None:
    """Incidents per period stacked by event type, in the map's colours (one palette)."""
    colours: list[Any] = style.event_colours(pd.Series(by_type.columns))
    st.bar_chart(
        by_type,
        color=colours,
        y_label=y_label,
        height=height,
    )


def footer() -> None:
    """The data attribution, required by the sources' licences."""
    st.divider()
    st.caption(footer_markdown(open_datasets().attributions()))
    st.caption(
        "Regions: Ménaka and Taoudénit (created 2016) have no offline boundaries and are "
        "shown within Gao and Timbuktu."
    )
