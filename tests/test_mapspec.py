"""One map specification, drawn by the live map and by the slides alike.

The spec is tested on its own (extent, draw order, legend), then each renderer is tested
against it: the live map's legend and the slide's legend list the same entries, and both
stack the map's parts in the spec's order.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from matplotlib.text import Text

from atlas import style
from atlas.export.describe import summarise
from atlas.export.static_map import (
    _TO_MAP,
    ABOVE_MAP,
    draw_view,
    export_style,
    new_figure,
    page_size,
)
from atlas.extent import MALI_EXTENT
from atlas.leaflet import Legend
from atlas.mapping import PANE_Z_INDEX, PART_PANES, region_names, view_layers, view_map
from atlas.mapspec import (
    DRAW_ORDER,
    HEADINGS,
    Dot,
    MapSpec,
    Stroke,
    Swatch,
    draw_rank,
    map_spec,
    ramp_section,
)
from atlas.view import ViewState
from atlas.viewport import Viewport
from loaders import AtlasLayers
from loaders.vocabulary import COUNTRY_ONLY
from tests.factories import incident_row, legend_html_of, overlay_elements, small_layers

LONG_NAME = "Coordination des Mouvements de l'Azawad et alliés du Nord (une très longue mission)"


@pytest.fixture
def layers(tmp_path) -> AtlasLayers:
    """The small layers, one incident known only to the country, one deployment of a
    mission with a long name the palette does not know."""
    loaded = small_layers(
        tmp_path,
        [
            incident_row(id="IN-1"),
            incident_row(
                id="IN-2",
                event_type="Riots",
                sub_event_type="Violent demonstration",
                latitude="16.27",
                longitude="-0.04",
            ),
            incident_row(id="IN-3", location="Mali", fatalities="5"),
        ],
    )
    incidents = loaded.incidents.copy()
    nowhere = incidents["id"] == "IN-3"
    incidents.loc[nowhere, ["geo_precision", "admin1", "admin1_name"]] = (COUNTRY_ONLY, None, None)
    deployments = loaded.deployments.copy()
    deployments.loc[deployments.index[0], "mission"] = LONG_NAME
    return replace(loaded, incidents=incidents, deployments=deployments)


def _spec(layers: AtlasLayers, view: ViewState, **kwargs) -> MapSpec:
    _, _, incidents, deployments = view_layers(layers, view)
    return map_spec(layers.regions, view, incidents, deployments, **kwargs)


class _LegendText(HTMLParser):
    """The text of each heading and entry of the live legend, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "h4" or "entry" in classes:
            self.texts.append("")
            self._open.append(tag)
        elif self._open:
            self._open.append(tag)

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        if self._open:
            self.texts[-1] += data


def _live_legend(layers: AtlasLayers, view: ViewState) -> list[str]:
    drawn = view_map(layers, view)
    assert len(overlay_elements(drawn, Legend)) == 1
    parser = _LegendText()
    parser.feed(legend_html_of(drawn))
    return [" ".join(text.split()) for text in parser.texts]


def _slide(layers: AtlasLayers, view: ViewState):
    page = page_size("slide")
    with export_style():
        fig = new_figure(page, raster=True)
        draw_view(fig, layers, summarise(layers, view), page)
    return fig


def _slide_legend(layers: AtlasLayers, view: ViewState) -> list[str]:
    (legend,) = _slide(layers, view).legends
    texts = [" ".join(t.get_text().split()) for t in legend.get_texts()]
    return [text for text in texts if text]  # the blank fillers of a second column


YEAR: dict[str, Any] = {"date_from": date(2015, 1, 1), "date_to": date(2015, 12, 31)}
VIEWS = {
    "points": ViewState(agg="points", **YEAR),
    "clusters": ViewState(agg="clusters", **YEAR),
    "hexes": ViewState(agg="hexes", **YEAR),
    "heat": ViewState(agg="heat", **YEAR),
    "incidents only": ViewState(agg="points", layers=("incidents",), **YEAR),
    "nothing selected": ViewState(date_from=date(2030, 1, 1), date_to=date(2030, 12, 31)),
    "a region": ViewState(agg="points", regions=("ML-GAO",), **YEAR),
}


@pytest.mark.parametrize("name", VIEWS)
def test_the_live_map_and_the_slide_list_the_same_legend(layers, name):
    view = VIEWS[name]
    spec = _spec(layers, view)
    expected = [
        " ".join(text.split())
        for section in spec.legend
        for text in (section.title, *(entry.label for entry in section.entries))
    ]
    assert _live_legend(layers, view) == expected
    assert _slide_legend(layers, view) == expected


def test_the_legend_names_what_the_view_draws(layers):
    points = _spec(layers, VIEWS["points"])
    incidents = points.section("incidents")
    assert incidents is not None
    assert incidents.title == HEADINGS["points"]
    labels = [entry.label for entry in incidents.entries]
    # The palette's order, only the types present.
    assert labels[:2] == ["Violence against civilians", "Riots"]
    assert "1 incident not on the map (located only to the country)" in labels
    sizes = [e.mark.radius_px for e in incidents.entries if isinstance(e.mark, Dot)][2:]
    assert sizes == sorted(sizes)
    assert len(set(sizes)) == 3
    deployments = points.section("deployments")
    assert deployments is not None
    assert deployments.entries[-1].label == LONG_NAME  # an unknown mission, listed last, whole
    base = points.section("basemap")
    assert base is not None
    assert [e.label for e in base.entries] == ["Town", "Region boundary", "River"]
    assert isinstance(base.entries[1].mark, Stroke)
    assert base.entries[1].mark.dashed

    hidden = _spec(layers, VIEWS["incidents only"])
    assert [s.part for s in hidden.legend] == ["incidents"]
    hexes = _spec(layers, VIEWS["hexes"]).section("incidents")
    assert hexes is not None
    assert hexes.title == HEADINGS["hexes"]
    nothing = _spec(layers, VIEWS["nothing selected"]).section("incidents")
    assert nothing is not None
    assert nothing.title == "Incidents: none in this view"


def test_a_long_label_wraps_on_the_slide_and_is_never_cut(layers):
    (legend,) = _slide(layers, VIEWS["points"]).legends
    texts = [t.get_text() for t in legend.get_texts()]
    wrapped = [text for text in texts if LONG_NAME.split()[0] in text]
    assert len(wrapped) == 1
    assert "\n" in wrapped[0]
    assert "…" not in wrapped[0]
    assert " ".join(wrapped[0].split()) == LONG_NAME


def test_the_spec_frames_mali_or_the_chosen_regions(layers):
    assert _spec(layers, ViewState()).extent == MALI_EXTENT
    west, south, east, north = _spec(layers, ViewState(regions=("ML-BKO",))).extent
    assert east - west < 2
    assert north - south < 2
    assert west < -8.0 < east
    assert south < 12.65 < north
    gao = _spec(layers, ViewState(regions=("ML-GAO",)))
    assert "shading" in gao.parts  # the other regions dimmed
    assert "shading" not in _spec(layers, ViewState()).parts


def test_the_spec_draws_placed_incidents_only_and_counts_the_rest(layers):
    spec = _spec(layers, VIEWS["points"])
    assert sorted(spec.incidents["id"]) == ["IN-1", "IN-2"]
    assert spec.unplaced == 1
    assert spec.outside == 0


def test_zoomed_in_on_hexagons_the_spec_draws_the_extents_incidents(layers):
    view = ViewState(agg="auto", **YEAR)
    many = layers.incidents.loc[layers.incidents.index.repeat(3000)].copy()
    many["id"] = [f"IN-{i}" for i in range(len(many))]
    spec = map_spec(layers.regions, view, many, layers.deployments.iloc[0:0])
    assert spec.mode == "hexes"
    bamako = Viewport(-8.2, 12.5, -7.8, 12.8, 10)
    zoomed = map_spec(layers.regions, view, many, layers.deployments.iloc[0:0], viewport=bamako)
    assert zoomed.mode in ("points", "clusters", "hexes")
    assert 0 < len(zoomed.incidents) < len(spec.incidents)
    assert zoomed.outside == len(spec.incidents) - len(zoomed.incidents)
    section = zoomed.section("incidents")
    assert section is not None
    assert any("outside this part of the map" in e.label for e in section.entries)


def test_the_parts_follow_the_draw_order(layers):
    spec = _spec(layers, VIEWS["points"])
    assert list(spec.parts) == sorted(spec.parts, key=draw_rank)
    assert {"basemap", "incidents", "deployments", "towns", "town_labels"} <= set(spec.parts)
    order = DRAW_ORDER.index
    assert order("incidents") < order("deployments")  # hollow outlines over what happened
    assert order("towns") < order("incidents") < order("town_labels")
    assert order("incident_areas") < order("area_names") < order("regions")
    heat = _spec(layers, VIEWS["heat"])
    assert "incident_areas" in heat.parts
    assert "incidents" not in heat.parts


def test_the_live_map_stacks_its_panes_in_the_draw_order():
    assert set(PART_PANES) == set(DRAW_ORDER)
    levels = [PANE_Z_INDEX[PART_PANES[part]] for part in DRAW_ORDER]
    assert levels == sorted(levels)


def test_the_live_map_draws_hexagons_and_heat_in_the_shading_pane(layers):
    for name in ("hexes", "heat"):
        html = view_map(layers, VIEWS[name]).merged().get_root().render()
        assert re.search(rf'"pane":\s*"{PART_PANES["incident_areas"]}"', html)


@pytest.mark.parametrize("name", ["points", "incidents only", "hexes"])
def test_the_slide_stacks_its_layers_in_the_draw_order(layers, name):
    fig = _slide(layers, VIEWS[name])
    spec = _spec(layers, VIEWS[name])
    ax = fig.axes[0]
    frame = {*ax.spines.values(), ax.xaxis, ax.yaxis, ax.patch}
    drawn = [
        artist
        for artist in ax.get_children()
        if artist not in frame and not (isinstance(artist, Text) and not artist.get_text())
    ]
    ranks = {math.floor(a.get_zorder()) for a in drawn if a.get_zorder() < ABOVE_MAP}
    assert ranks <= {draw_rank(part) for part in spec.parts}
    assert draw_rank("basemap") in ranks
    drawn_parts = {"incidents", "deployments"} if name == "points" else set()
    assert {draw_rank(part) for part in drawn_parts} <= ranks


def test_a_choropleths_legend_gives_each_class_its_values():
    section = ramp_section("Incidents", 50)
    labels = [entry.label for entry in section.entries]
    assert labels == ["0 – 10", "10 – 20", "20 – 30", "30 – 40", "40 – 50"]
    for value in (0, 9.9, 10, 35, 50):
        colour = style.ramp_colour(value / 50)
        (entry,) = [e for e in section.entries if e.mark == Swatch(colour)]
        low, high = (float(bound) for bound in entry.label.split(" – "))
        assert low <= value <= high
    assert ramp_section("Per 100,000 people", 0.5).entries[0].label == "0 – 0.1"
    assert ramp_section("Incidents", 1500).entries[-1].label == "1,200 – 1,500"


def test_a_region_name_moves_off_the_incidents_drawn_over_it_on_a_slide(tmp_path):
    layers = small_layers(tmp_path)
    (lat, lon, name) = next(n for n in region_names(layers.regions) if n[2] == "GAO")
    at_the_name = incident_row(id="IN-ON-GAO", latitude=str(lat), longitude=str(lon))
    (tmp_path / "again").mkdir()
    layers = small_layers(tmp_path / "again", [at_the_name])
    fig = _slide(layers, ViewState(agg="points"))
    fig.canvas.draw()
    ax = fig.axes[0]
    (label,) = [t for t in ax.texts if t.get_text().replace("\u2009", "") == name]
    box = label.get_window_extent()
    x, y = ax.transData.transform(_TO_MAP.transform(lon, lat))
    assert not (box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1)
    assert box.y1 > y - 80  # still near its region: moved by a line or two, not away


def test_a_slide_names_the_towns_the_screen_names_at_the_zoom_its_extent_makes():
    from atlas.paths import GEODATA_DIR
    from loaders import load_layers

    shipped = load_layers(GEODATA_DIR)

    def named(view: ViewState) -> set[str]:
        return {t.get_text() for t in _slide(shipped, view).axes[0].texts}

    # Bourem is a small town (rank 3): the live map names it from zoom 7, which a view of
    # the Gao region reaches and a view of the whole country does not.
    assert "Bourem" in named(ViewState(regions=("ML-7",)))
    assert "Bourem" not in named(ViewState())
    assert "Gao" in named(ViewState())
