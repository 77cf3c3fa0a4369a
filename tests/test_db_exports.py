"""Slides, PDFs and packs of a view drawn in hexagons, from the shared store's counts.

The same incidents are held in a data directory and kept in PostGIS
(:func:`tests.test_db_totals.held_and_kept`): a page of a view whose map is drawn in
hexagons must come out byte for byte the same from both stores, and the database store must
send no incident row for it. Data exports still write every row.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest

from atlas import aggregate, viewport
from atlas.export.describe import summarise
from atlas.export.formats import export_summary, export_view
from atlas.export.licence import (
    credits_of,
    dataset_credits,
    dataset_licences_of,
    view_dataset_licences,
)
from atlas.export.pack import briefing_pack
from atlas.filters import view_filter
from atlas.mapping import view_layers
from atlas.view import ViewState, parse_query_string
from loaders import AtlasLayers
from tests.conftest import PostgisForTests
from tests.test_db_totals import held_and_kept

HEXAGON_VIEWS = [
    "agg=hexes",
    "agg=hexes&minfat=1&region=ML-7",
    "agg=hexes&lat=16.3&lon=-1.0&zoom=7&from=2016-01-01",
    "agg=hexes&actor=JNIM:+Jama'at+Nusrat+al-Islam+wal+Muslimin",
]
AUTO_VIEWS = ["", "type=Battles&from=2014-01-01"]
"""Views drawn in hexagons only because they have many incidents (thresholds made low)."""


@pytest.fixture(scope="module")
def stores(
    tmp_path_factory: pytest.TempPathFactory, postgis_server: PostgisForTests
) -> Iterator[dict[str, AtlasLayers]]:
    """The same incidents held in the process and kept in PostGIS, loaded once."""
    yield from held_and_kept(tmp_path_factory, postgis_server, "exports")


@pytest.fixture
def few_make_hexagons(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hexagons from 20 incidents on, so that views of this small store reach them."""
    monkeypatch.setattr(aggregate, "POINTS_MAX", 10)
    monkeypatch.setattr(aggregate, "CLUSTERS_MAX", 20)
    monkeypatch.setattr(viewport, "CLUSTERS_MAX", 20)


def _no_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any fetch of incident rows from the database fail (none kept from before)."""
    from atlas.db import query

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("incident rows were fetched")

    monkeypatch.setattr(query.views, "get", lambda key: None)
    monkeypatch.setattr(query, "_rows", refuse)
    monkeypatch.setattr(query, "fetch_rows", refuse)


def _pages_equal(
    stores: dict[str, AtlasLayers], view: ViewState, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {fmt: export_view(stores["embedded"], view, fmt).content for fmt in ("png", "pdf")}
    _no_rows(monkeypatch)
    for fmt, content in expected.items():
        assert export_view(stores["postgis"], view, fmt).content == content, fmt


@pytest.mark.parametrize("query", HEXAGON_VIEWS)
def test_a_page_in_hexagons_is_the_same_without_fetching_rows(stores, query, monkeypatch):
    view = parse_query_string(query).view
    counted = summarise(stores["postgis"], view, rows=False)
    assert not counted.has_rows
    assert counted.incidents.empty
    assert counted.figures.incidents > len(stores["postgis"].incidents)  # imported counted too
    _pages_equal(stores, view, monkeypatch)


@pytest.mark.usefixtures("few_make_hexagons")
@pytest.mark.parametrize("query", AUTO_VIEWS)
def test_a_page_drawn_in_hexagons_by_its_count_is_the_same_without_rows(stores, query, monkeypatch):
    view = parse_query_string(query).view
    assert view.agg == "auto"
    assert not summarise(stores["postgis"], view, rows=False).has_rows
    _pages_equal(stores, view, monkeypatch)


def test_the_same_pdf_twice_is_the_same_file(stores):
    view = parse_query_string("agg=hexes").view
    first = export_view(stores["postgis"], view, "pdf").content
    assert first.startswith(b"%PDF")
    assert b"CreationDate" not in first
    assert export_view(stores["postgis"], view, "pdf").content == first


def test_a_page_in_points_still_fetches_its_rows_and_is_the_same(stores, rows_fetched):
    view = parse_query_string("agg=points&region=ML-7").view
    expected = export_view(stores["embedded"], view, "png").content
    fetched = rows_fetched
    assert summarise(stores["postgis"], view, rows=False).has_rows
    assert export_view(stores["postgis"], view, "png").content == expected
    assert fetched  # the view's rows were asked for
    assert fetched[-1] > 0


def test_a_briefing_pack_in_hexagons_is_the_same_without_rows(stores, monkeypatch):
    views = [parse_query_string(q).view for q in HEXAGON_VIEWS[:2]]

    def pack(layers: AtlasLayers) -> bytes:
        summaries = [summarise(layers, v, f"View {n}", rows=False) for n, v in enumerate(views)]
        return briefing_pack(layers, summaries, generated=date(2026, 1, 5))

    expected = pack(stores["embedded"])
    _no_rows(monkeypatch)
    assert pack(stores["postgis"]) == expected


def test_the_store_counts_its_datasets_as_the_rows_credit_them(stores):
    for query in ["", "agg=hexes&region=ML-7", "from=2016-01-01&minfat=2", "actor=Nobody"]:
        view = parse_query_string(query).view
        for layers in stores.values():
            start, end, rows, _ = view_layers(layers, view)
            parts = view_dataset_licences(layers, view_filter(layers, view, start, end))
            expected = dataset_credits(rows, ("No filters",), "none")
            assert credits_of(parts, ("No filters",), "none") == expected, query
    assert len(expected) == 0  # nobody's incidents: no credit
    rows = view_layers(stores["postgis"], ViewState())[2]
    assert rows["dataset"].nunique() == 2  # the curated incidents and the made-up export


def test_credits_from_parts_keep_the_order_of_first_appearance():
    days = pd.to_datetime(["2020-01-03", "2020-01-01", "2020-01-02", "2020-01-01", "2020-01-05"])
    rows = pd.DataFrame(
        {
            "event_date": days,
            "id": ["e", "b", "c", "a", "d"],
            "dataset": ["ucdp", "acled-sahel", "ucdp", "curated", "acled-sahel"],
            "licence": ["UCDP GED", "terms B", "UCDP candidate", "CC BY", "terms A"],
            "accessed": ["2025-01-02", "2025-03-01", None, None, "2025-02-01"],
        }
    )
    expected = dataset_credits(rows, ("Regions: Gao",), "none")  # in the frame's order
    assert expected[0].startswith("Incidents: UCDP GED; UCDP candidate")
    assert "terms B; terms A; accessed 2025-02-01 to 2025-03-01" in expected[1]
    assert credits_of(dataset_licences_of(rows), ("Regions: Gao",), "none") == expected


def test_a_data_export_still_writes_every_row_on_both_stores(stores):
    view = parse_query_string("agg=hexes&from=2015-01-01").view
    written = {}
    for name, layers in stores.items():
        result = export_view(layers, view, "csv", allow_raw=True)
        table = pd.read_csv(io.BytesIO(result.content), encoding="utf-8-sig", dtype=str)
        rows = view_layers(stores["embedded"], view)[2]
        assert len(table) == len(rows) > len(stores["postgis"].incidents), name
        written[name] = list(table["id"])
    assert written["embedded"] == written["postgis"]
    counted = summarise(stores["postgis"], view, rows=False)
    with pytest.raises(ValueError, match="rows=True"):
        export_summary(stores["postgis"], counted, "csv")
