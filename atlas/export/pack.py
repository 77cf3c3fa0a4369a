"""A briefing pack: one PDF with a cover, a table of headline figures and a page per view."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from atlas.export.describe import ViewSummary
from atlas.export.static_map import (
    PAGE_SIZES,
    ExportError,
    PageSize,
    draw_view,
    export_style,
    finish_figure,
    fit_line,
    new_figure,
    pdf_metadata,
    wrap_text,
)
from loaders import AtlasLayers

PACK_TITLE = "Briefing pack"
ROWS_PER_TABLE_PAGE = 9
_COLUMNS = (  # heading, share of the table width
    ("#", 0.04),
    ("View", 0.38),
    ("Incidents", 0.1),
    ("Fatalities", 0.1),
    ("Active deployments", 0.12),
    ("Most affected regions", 0.26),
)


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _cover(page: PageSize, title: str, generated: date, summaries: Sequence[ViewSummary]) -> Figure:
    fig = new_figure(page, raster=False)
    k = page.scale
    line_w_in = 0.88 * page.width_in
    fig.text(
        0.06, 0.8, fit_line(title, line_w_in, 40 * k), fontsize=40 * k, fontweight="bold", va="top"
    )
    fig.text(0.06, 0.7, "Mali Security Atlas", fontsize=22 * k, va="top", color="#444444")
    fig.text(0.06, 0.64, f"Prepared {_day(generated)}", fontsize=18 * k, va="top")
    noun = "view" if len(summaries) == 1 else "views"
    fig.text(0.06, 0.55, f"{len(summaries)} {noun}:", fontsize=15 * k, va="top", fontweight="bold")
    y = 0.5
    for number, summary in enumerate(summaries[:14], start=1):
        line = fit_line(f"{number}. {summary.title} · {summary.date_text}", line_w_in, 13 * k)
        fig.text(0.08, y, line, fontsize=13 * k, va="top")
        y -= 0.035
    if len(summaries) > 14:
        fig.text(0.08, y, f"… and {len(summaries) - 14} more", fontsize=13 * k, va="top")
    fig.text(
        0.06,
        0.06,
        "Each view has its own page, with its sources and its query string.",
        fontsize=11 * k,
        color="#555555",
    )
    return fig


def _table_pages(page: PageSize, summaries: Sequence[ViewSummary]) -> list[Figure]:
    """The headline figures of every view, a few rows per page."""
    k = page.scale
    font = 11.5 * k
    left, width = 0.05, 0.9
    pages = []
    for first in range(0, len(summaries), ROWS_PER_TABLE_PAGE):
        fig = new_figure(page, raster=False)
        fig.text(
            left, 0.93, "Headline figures per view", fontsize=24 * k, fontweight="bold", va="top"
        )
        y = 0.84
        x = left
        for heading, share in _COLUMNS:
            fig.text(x, y, heading, fontsize=font, fontweight="bold", va="top")
            x += share * width
        y -= 0.045
        fig.add_artist(
            Line2D([left, left + width], [y + 0.015, y + 0.015], color="#333333", linewidth=1.0 * k)
        )
        for number, summary in enumerate(
            summaries[first : first + ROWS_PER_TABLE_PAGE], start=first + 1
        ):
            figures = summary.figures
            regions = ", ".join(f"{n} ({c:,})" for n, c in figures.top_regions) or "–"
            cells = (
                [str(number)],
                [summary.title, summary.date_text, summary.filters_text],
                [f"{figures.incidents:,}"],
                [f"{figures.fatalities:,}"],
                [f"{figures.active_deployments:,}"],
                [regions],
            )
            x = left
            lines_used = 1
            for (_, share), texts in zip(_COLUMNS, cells, strict=True):
                lines = [
                    line
                    for text in texts
                    for line in wrap_text(text, share * width * page.width_in * 0.95, font)
                ][:5]
                for i, line in enumerate(lines):
                    fig.text(
                        x,
                        y - i * font * 1.4 / 72 / page.height_in,
                        line,
                        fontsize=font,
                        va="top",
                        fontweight="bold" if i == 0 and texts is cells[1] else None,
                    )
                lines_used = max(lines_used, len(lines))
                x += share * width
            y -= (lines_used * font * 1.4 / 72 + 0.12 * k) / page.height_in
            fig.add_artist(
                Line2D(
                    [left, left + width], [y + 0.01, y + 0.01], color="#bbbbbb", linewidth=0.6 * k
                )
            )
        pages.append(fig)
    return pages


def briefing_pack(
    layers: AtlasLayers,
    summaries: Sequence[ViewSummary],
    *,
    generated: date | None = None,
    title: str = PACK_TITLE,
) -> bytes:
    """One PDF: a cover with the date, a table of headline figures, then one page per view.

    Parameters
    ----------
    layers
        Every layer.
    summaries
        The views, in the order they are presented (:func:`atlas.export.describe.summarise`;
        a pack draws maps only, so ``rows=False`` spares fetching what a store can count).
    generated
        The date printed on the cover (default: today).
    title
        The pack's title, on the cover and in the PDF's properties.

    Raises
    ------
    ExportError
        When no view is given.
    """
    if not summaries:
        raise ExportError("a briefing pack needs at least one view")
    page = PAGE_SIZES["a4"]
    day = generated or date.today()
    out = io.BytesIO()
    with export_style():
        metadata = pdf_metadata(title, f"{len(summaries)} views, prepared {day.isoformat()}")
        with PdfPages(out, metadata=metadata) as pdf:
            pdf.savefig(finish_figure(_cover(page, title, day, summaries)))
            for table in _table_pages(page, summaries):
                pdf.savefig(finish_figure(table))
            for summary in summaries:
                fig = new_figure(page, raster=False)
                draw_view(fig, layers, summary, page)
                pdf.savefig(finish_figure(fig))
    return out.getvalue()
