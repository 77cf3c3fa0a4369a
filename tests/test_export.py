"""Exports of a view: slides and pages, self-contained HTML, briefing packs, attribution."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader

from atlas.export.describe import filter_phrases, summarise
from atlas.export.formats import export_view
from atlas.export.html import fetched_urls
from atlas.export.pack import briefing_pack
from atlas.export.static_map import ExportError, view_extent
from atlas.view import ViewState
from tests.factories import incident_row, small_layers

YEAR_2015 = ViewState(date_from=date(2015, 1, 1), date_to=date(2015, 12, 31))


@pytest.fixture
def layers(tmp_path):
    return small_layers(tmp_path)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _pixels(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG"
        return image.size


@pytest.mark.parametrize(("size", "pixels"), [("slide", (1920, 1080)), ("a4", (2339, 1654))])
def test_png_has_the_pixel_size_of_its_page(layers, size, pixels):
    result = export_view(layers, YEAR_2015, "png", size=size)
    assert result.media_type == "image/png"
    assert _pixels(result.content) == pixels


def test_pdf_states_title_dates_filters_figures_and_attribution(layers):
    view = replace(YEAR_2015, min_fatalities=5)
    result = export_view(layers, view, "pdf", title="Bamako attacks")
    text = _pdf_text(result.content)
    assert "Bamako attacks" in text
    assert "1 January 2015 – 31 December 2015" in text
    assert "At least 5 fatalities" in text
    assert re.search(r"Incidents\s+1\b", text)
    assert "Fatalities" in text
    assert "22" in text
    assert "Made with Natural Earth" in text
    assert "GeoNames" in text
    assert "CC BY 4.0" in text
    assert "WDBII" in text
    assert "curated set" in text


def test_pdf_is_a4_landscape_without_a_creation_date_and_reproducible(layers):
    first = export_view(layers, YEAR_2015, "pdf").content
    reader = PdfReader(io.BytesIO(first))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    assert "/CreationDate" not in (reader.metadata or {})
    assert export_view(layers, YEAR_2015, "pdf").content == first


def test_attribution_names_only_the_layers_shown(layers):
    view = replace(YEAR_2015, layers=("incidents",))
    credits = summarise(layers, view).map_credits()
    assert any("Natural Earth" in c for c in credits)  # the basemap is always drawn
    assert not any("GeoNames" in c for c in credits)
    assert not any("WDBII" in c for c in credits)
    assert any("curated set" in c for c in credits)


def test_acled_rows_are_credited_with_access_date_filters_and_changes(layers):
    incidents = layers.incidents.copy()
    incidents["dataset"] = "acled"
    incidents["licence"] = "ACLED (acleddata.com), accessed 2025-03-01; raw rows not for sharing"
    acled = replace(layers, incidents=incidents)
    view = replace(YEAR_2015, event_types=("Violence against civilians",))
    credits = " ".join(summarise(acled, view).map_credits())
    assert "accessed 2025-03-01" in credits
    assert "filters used: Event type: Violence against civilians" in credits
    assert "changes made:" in credits


def test_ucdp_rows_are_credited_with_its_citation(layers):
    incidents = layers.incidents.assign(dataset="ucdp", licence="UCDP GED, CC BY 4.0")
    credits = " ".join(summarise(replace(layers, incidents=incidents), ViewState()).map_credits())
    assert "Sundberg" in credits
    assert "Journal of Peace Research" in credits


def test_filters_are_put_in_words():
    view = ViewState(
        regions=("ML-7",),
        event_types=("Battles", "Riots"),
        sub_types=("Armed clash",),
        actors=("JNIM", "ISGS"),
        families=("al-Qaeda network",),
        min_fatalities=1,
        precise_only=True,
    )
    assert filter_phrases(view, {"ML-7": "Gao"}) == (
        "Region: Gao",
        "Event types: Battles, Riots",
        "Sub-type: Armed clash",
        "Actors: JNIM, ISGS (with groups merged into them)",
        "Actor family: al-Qaeda network",
        "At least 1 fatality",
        "Located to a town or nearer",
    )
    assert filter_phrases(ViewState(), {}) == ("No filters",)


@pytest.mark.parametrize("agg", ["hexes", "heat", "clusters"])
def test_aggregated_views_render(layers, agg):
    result = export_view(layers, ViewState(agg=agg, rings=True), "png")
    assert _pixels(result.content) == (1920, 1080)


def test_a_view_with_no_incidents_still_renders(layers):
    view = ViewState(date_from=date(2030, 1, 1), date_to=date(2030, 12, 31))
    text = _pdf_text(export_view(layers, view, "pdf").content)
    assert "none in this view" in text


def test_a_centred_view_is_framed_around_its_centre(layers):
    wide = view_extent(summarise(layers, ViewState(lat=16.27, lon=-0.04, zoom=5)))
    close = view_extent(summarise(layers, ViewState(lat=16.27, lon=-0.04, zoom=9)))
    assert close.width == pytest.approx(wide.width / 16)
    assert (close.xmin + close.xmax) / 2 == pytest.approx((wide.xmin + wide.xmax) / 2)


def test_unknown_format_or_size_is_refused(layers):
    with pytest.raises(ExportError, match="unknown format"):
        export_view(layers, ViewState(), "svg")
    with pytest.raises(ExportError, match="unknown page size"):
        export_view(layers, ViewState(), "png", size="poster")
    with pytest.raises(ExportError, match="png and pdf only"):
        export_view(layers, ViewState(), "csv", size="a4")


def test_html_inlines_every_asset_and_fetches_nothing(layers):
    html = export_view(layers, ViewState(agg="clusters"), "html").content.decode("utf-8")
    assert "<script src=" not in html
    assert '<link rel="stylesheet"' not in html
    assert "/app/static/" not in html
    assert "/* leaflet */" in html
    assert "/* markerclusterjs */" in html
    assert "data:image/png;base64," in html  # Leaflet's layer-control icon
    assert fetched_urls(html) == []
    assert "tile.openstreetmap.org" in html  # offered in the layer control, hidden by default


def test_html_heading_escapes_the_title(layers):
    html = export_view(layers, ViewState(), "html", title="<script>alert(1)</script>").content
    assert b"<script>alert(1)</script>" not in html
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_fetched_urls_finds_links_outside_scripts():
    page = '<img src="http://x/a.png"><style>a{background:url(https://y/b.png)}</style>'
    assert fetched_urls(page) == ["http://x/a.png", "https://y/b.png"]
    assert fetched_urls('<script>var u = "https://tiles/{z}";</script>') == []


def test_briefing_pack_has_a_cover_a_table_and_a_page_per_view(tmp_path):
    layers = small_layers(
        tmp_path, [incident_row(), incident_row(id="T-9", event_date="2016-05-01")]
    )
    views = [YEAR_2015, ViewState(date_from=date(2016, 1, 1), date_to=date(2016, 12, 31))]
    summaries = [summarise(layers, v, f"View {i}") for i, v in enumerate(views, start=1)]
    content = briefing_pack(layers, summaries, generated=date(2025, 1, 2))
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 2 + len(views)
    cover, table = (page.extract_text() for page in reader.pages[:2])
    assert "Prepared 2 January 2025" in cover
    assert "Headline figures per view" in table
    assert "View 1" in table
    assert "View 2" in table
    assert "1 January 2016 – 31 December 2016" in table
    assert "View 2" in reader.pages[3].extract_text()


def test_briefing_pack_needs_a_view(layers):
    with pytest.raises(ExportError, match="at least one view"):
        briefing_pack(layers, [])


def test_a_slide_names_regions_and_neighbours_as_the_map_does(layers):
    from matplotlib.text import Text

    from atlas.export.static_map import draw_view, new_figure, page_size
    from atlas.mapping import neighbour_names, region_names

    page = page_size("slide")
    fig = new_figure(page, raster=True)
    draw_view(fig, layers, summarise(layers, ViewState()), page)
    drawn = {t.get_text().replace("\u2009", "") for t in fig.findobj(Text)}
    expected = {name for _, _, name in region_names(layers.regions)}
    expected |= {name for _, _, name in neighbour_names(layers.countries)}
    assert expected
    assert expected & drawn


LONG_LICENCE = (
    "ACLED (Armed Conflict Location & Event Data Project), acleddata.com, accessed 2026-11-29; "
    "raw rows not for redistribution; filters used: Country: Mali; changes made: columns "
    "renamed, rows outside Mali flagged; see the terms of use for every condition. "
) * 6


@pytest.mark.parametrize("raster", [True, False], ids=["png", "pdf"])
@pytest.mark.parametrize("size", ["slide", "a4"])
def test_credits_stay_clear_of_the_map_its_scale_bar_and_the_legend(layers, size, raster):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import FancyBboxPatch

    from atlas.export.static_map import (
        draw_view,
        export_style,
        finish_figure,
        new_figure,
        page_size,
    )

    licensed = replace(
        layers, incidents=layers.incidents.assign(dataset="acled", licence=LONG_LICENCE)
    )
    page = page_size(size)
    with export_style():
        fig = new_figure(page, raster=raster)
        draw_view(fig, licensed, summarise(licensed, ViewState()), page)
        finish_figure(fig)
        renderer = FigureCanvasAgg(fig).get_renderer()
        ax = fig.axes[0]
        map_box = ax.get_window_extent(renderer)
        (scale_bar,) = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
        scale_box = scale_bar.get_window_extent(renderer)
        legend_box = fig.legends[0].get_window_extent(renderer)
        # The footer: every text of the page anchored under the map.
        footer = [t for t in fig.texts if t.get_position()[1] < ax.get_position().y0]
        boxes = [t.get_window_extent(renderer) for t in footer]

    assert "Sources:" in footer[0].get_text()
    assert "ACLED" in " ".join(t.get_text() for t in footer)
    assert footer[-1].get_text().startswith("View:")
    assert map_box.x0 <= scale_box.x0 < scale_box.x1 <= map_box.x1
    assert map_box.y0 <= scale_box.y0 < scale_box.y1 <= map_box.y1
    for text, box in zip(footer, boxes, strict=True):
        for other in (map_box, scale_box, legend_box):
            assert not box.overlaps(other), f"{text.get_text()[:40]!r} overlaps the map"
        assert box.x0 >= 0, "the credits stay on the page"
        assert box.x1 <= fig.bbox.x1, "the credits stay on the page"
        assert box.y0 >= 0, "the credits stay on the page"
