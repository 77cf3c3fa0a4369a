"""Exploration core: filters with lineage, aggregation modes and their map layers."""

from __future__ import annotations

import json
import re
from datetime import date

import pandas as pd
import pytest
from shapely.geometry import Point

from atlas.aggregate import CLUSTERS_MAX, POINTS_MAX, hex_cells, resolve_mode
from atlas.filters import select_incidents
from atlas.lineage import expand_actors, lineage_of
from atlas.mapping import build_map
from atlas.style import hex_colour, hex_legend
from atlas.view import ViewState
from tests.factories import JNIM, incident_row, small_layers

START, END = date(2010, 1, 1), date(2030, 1, 1)


@pytest.fixture
def layers(tmp_path):
    rows = [
        incident_row(id="A", actor1="MUJAO", actor2="", actor2_family=""),
        incident_row(
            id="B",
            actor1="Ansar Dine",
            event_date="2013-01-10",
            fatalities="",
            actor2="",
            actor2_family="",
        ),
        incident_row(
            id="C",
            sub_event_type="Abduction/forced disappearance",
            actor1="ISGS",
            actor1_family="Islamic State network",
            actor2="",
            actor2_family="",
            fatalities="3",
        ),
        incident_row(
            id="D",
            actor1="Military Forces of Mali",
            actor1_family="Malian state forces",
            actor2=JNIM,
            actor2_family="al-Qaeda network",
            geo_precision="3",
            location="Gao",
            latitude="16.2666",
            longitude="-0.0400",
            fatalities="12",
        ),
    ]
    return small_layers(tmp_path, rows)


def _ids(layers, **view) -> list[str]:
    selected = select_incidents(layers.incidents, ViewState(**view), layers.lineage, START, END)
    return sorted(selected["id"])


def test_jnim_stands_for_the_groups_that_merged_into_it(layers):
    assert expand_actors([JNIM], layers.lineage) == {JNIM, "Al Mourabitoun", "MUJAO", "Ansar Dine"}
    assert _ids(layers, actors=(JNIM,)) == ["A", "B", "D"]  # D has JNIM as actor2


def test_a_split_does_not_widen_the_selection(layers):
    assert expand_actors(["Al Mourabitoun"], layers.lineage) == {"Al Mourabitoun", "MUJAO"}
    assert _ids(layers, actors=("ISGS",)) == ["C"]


def test_lineage_of_lists_both_sides(layers):
    assert set(lineage_of("Al Mourabitoun", layers.lineage)["relation"]) == {
        "merged_into",
        "split_from",
    }


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ({"families": ("Islamic State network",)}, ["C"]),
        ({"families": ("al-Qaeda network",)}, ["A", "B", "D"]),
        ({"regions": ("ML-7",)}, ["D"]),
        ({"regions": ("ML-BKO",)}, ["A", "B", "C"]),
        ({"event_types": ("Battles",)}, []),
        ({"sub_types": ("Abduction/forced disappearance",)}, ["C"]),
        ({"sub_types": ("Attack", "Abduction/forced disappearance")}, ["A", "B", "C", "D"]),
        ({"min_fatalities": 5}, ["A", "D"]),  # A has 22; B's unknown counts as 0
        ({"precise_only": True}, ["A", "B", "C"]),
    ],
)
def test_each_filter_of_the_view(layers, view, expected):
    assert _ids(layers, **view) == expected


def test_a_sub_type_narrows_only_its_own_event_type(tmp_path):
    layers = small_layers(
        tmp_path,
        [
            incident_row(id="attack"),
            incident_row(id="abduction", sub_event_type="Abduction/forced disappearance"),
            incident_row(
                id="retaken", event_type="Battles", sub_event_type="Government regains territory"
            ),
            incident_row(
                id="clash",
                event_type="Battles",
                sub_event_type="Armed clash",
                event_date="2013-01-11",
            ),
        ],
    )
    both_types = ("Violence against civilians", "Battles")
    assert _ids(layers, event_types=both_types, sub_types=("Attack",)) == [
        "attack",
        "clash",
        "retaken",
    ]
    # Sub-types alone select just themselves.
    assert _ids(layers, sub_types=("Attack",)) == ["attack"]
    # In 2015 there is no armed clash: Battles narrowed to them show none, the rest stays.
    in_2015 = select_incidents(
        layers.incidents,
        ViewState(event_types=both_types, sub_types=("Armed clash",)),
        layers.lineage,
        date(2015, 1, 1),
        date(2015, 12, 31),
    )
    assert sorted(in_2015["id"]) == ["abduction", "attack"]


def test_filters_combine(layers):
    assert _ids(layers, families=("al-Qaeda network",), min_fatalities=10) == ["A", "D"]
    assert _ids(layers, families=("al-Qaeda network",), regions=("ML-7",)) == ["D"]


@pytest.mark.parametrize(
    ("requested", "count", "mode"),
    [
        ("auto", POINTS_MAX, "points"),
        ("auto", POINTS_MAX + 1, "clusters"),
        ("auto", CLUSTERS_MAX, "clusters"),
        ("auto", CLUSTERS_MAX + 1, "hexes"),
        ("heat", 5, "heat"),
        ("points", 10**6, "points"),
    ],
)
def test_resolve_mode_by_count(requested, count, mode):
    assert resolve_mode(requested, count) == mode


def test_hex_cells_count_incidents_and_fatalities(layers):
    cells = hex_cells(layers.incidents, 4)
    assert cells["incidents"].sum() == 4
    assert cells.iloc[0]["incidents"] == 3  # the three Bamako incidents share a cell
    assert cells.iloc[0]["fatalities"] == 25  # 22 + unknown (0) + 3
    assert cells.iloc[0].geometry.contains(Point(-8.0029, 12.6392))
    assert hex_cells(layers.incidents.iloc[0:0], 4).empty


def test_hex_colours_rise_with_counts():
    assert hex_colour(1) != hex_colour(50) != hex_colour(500)
    assert [label for label, _ in hex_legend()] == ["1–2", "3–9", "10–29", "30–99", "100+"]


def _render(layers, **view) -> str:
    return build_map(layers, ViewState(**view)).get_root().render()


def test_clusters_use_the_local_markercluster_plugin(layers):
    html = _render(layers, agg="clusters")
    assert "/app/static/vendor/markercluster/leaflet.markercluster.js" in html
    assert "atlasLayers.clusteredIncidents(" in html
    assert "Incidents by event type, clustered" in html


def test_hexes_draw_cells_not_markers(layers):
    html = _render(layers, agg="hexes")
    assert '"atlas-incident"' not in html
    assert "atlas-hex" in html
    assert "Incidents per hexagon" in html


def test_heat_layer_is_served_locally(layers):
    html = _render(layers, agg="heat")
    assert "/app/static/vendor/heat/leaflet_heat.min.js" in html
    assert "cdn" not in html.lower()


def test_uncertainty_rings_follow_location_precision(layers):
    html = _render(layers, rings=True)
    # The incidents' call: its settings and its data, a line each.
    found = re.search(r"^atlasLayers\.incidentMarkers\(\w+,\n(.*),\n(.*)\);$", html, re.M)
    assert found
    options, data = json.loads(found.group(1)), json.loads(found.group(2))
    assert options["rings"] is True
    assert sorted(data["ring"]) == [0, 0, 0, 100_000]


def test_map_opens_on_the_views_centre_and_zoom(layers):
    html = _render(layers, lat=16.27, lon=-0.04, zoom=8)
    assert "[16.27, -0.04]" in html
    assert '"zoom": 8' in html
    assert "fitBounds" not in html


def test_column_styles_match_the_single_value_rules():
    import pandas as pd

    from atlas.style import (
        event_colour,
        event_colours,
        incident_radii,
        incident_radius,
        uncertainty_radii_m,
        uncertainty_radius_m,
    )

    deaths = pd.array([None, 0, 1, 9, 200], dtype="Int64")
    assert incident_radii(pd.Series(deaths)).tolist() == [
        round(incident_radius(None if pd.isna(d) else int(d)), 1) for d in deaths
    ]
    types = pd.Series(["Battles", "Riots", "Unknown"])
    assert event_colours(types) == [event_colour(t) for t in types]
    assert uncertainty_radii_m(pd.Series([1, 2, 3])) == [uncertainty_radius_m(p) for p in (1, 2, 3)]


def test_precomputed_cells_give_the_same_hexagons(layers):
    from atlas.aggregate import cell_column, with_cells

    located = with_cells(layers.incidents)
    assert cell_column(4) in located
    pd.testing.assert_frame_equal(
        hex_cells(located, 4).drop(columns="geometry"),
        hex_cells(layers.incidents, 4).drop(columns="geometry"),
    )


def test_hex_columns_carry_outline_colour_and_label(layers):
    from atlas.mapping import hex_columns

    cells = hex_cells(layers.incidents, 4)
    columns = hex_columns(cells)
    assert len(columns["outline"]) == len(columns["colour"]) == len(columns["label"]) == len(cells)
    outline, colour, label = columns["outline"][0], columns["colour"][0], columns["label"][0]
    assert len(outline) == 6  # a hexagon, not closed: Leaflet closes polygons itself
    assert colour == hex_colour(3)
    assert label == "3 incidents, 25 fatalities"
    assert all(-9 < lon < -7 and 12 < lat < 13.5 for lat, lon in outline)
