"""One entry point for every export of a view, shared by the page and the command line."""

from __future__ import annotations

from dataclasses import dataclass

from atlas.export.data import incidents_csv, incidents_geojson
from atlas.export.describe import ViewSummary, summarise
from atlas.export.html import render_html
from atlas.export.kinds import DEFAULT_SIZES, FORMATS, MEDIA_TYPES
from atlas.export.static_map import ExportError, render_static
from atlas.view import ViewState
from loaders import AtlasLayers

__all__ = [
    "DEFAULT_SIZES",
    "FORMATS",
    "MEDIA_TYPES",
    "ExportError",
    "ExportResult",
    "export_filename",
    "export_summary",
    "export_view",
]


@dataclass(frozen=True)
class ExportResult:
    """A finished export.

    Attributes
    ----------
    content
        The file's bytes.
    media_type
        Its MIME type.
    filename
        A suggested file name, from the view's dates.
    notes
        Sentences for the person exporting (rows withheld and why).
    readme
        For data exports, a text describing the file (view, attribution, notes); for a CSV it
        is meant to be saved beside it. Empty for maps, which print this on the page.
    """

    content: bytes
    media_type: str
    filename: str
    notes: tuple[str, ...] = ()
    readme: str = ""


def export_filename(summary: ViewSummary, fmt: str, size: str | None = None) -> str:
    """A file name such as ``mali-atlas_2015-01-01_2015-12-31_slide.png``."""
    stem = f"mali-atlas_{summary.start.isoformat()}_{summary.end.isoformat()}"
    if fmt in DEFAULT_SIZES:
        stem += f"_{size or DEFAULT_SIZES[fmt]}"
    return f"{stem}.{fmt}"


def export_summary(
    layers: AtlasLayers,
    summary: ViewSummary,
    fmt: str,
    *,
    size: str | None = None,
    allow_raw: bool | None = None,
) -> ExportResult:
    """Export a view already described by :func:`atlas.export.describe.summarise`.

    See :func:`export_view` for the parameters. A summary described without its rows
    (``rows=False``) makes maps only: a data export of it raises ValueError.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if size is not None and fmt not in DEFAULT_SIZES:
        raise ExportError(f"a size applies to png and pdf only, not to {fmt}")
    if fmt in ("csv", "geojson") and not summary.has_rows:
        raise ValueError(f"a {fmt} export writes the view's rows; describe it with rows=True")
    name = export_filename(summary, fmt, size)
    if fmt in DEFAULT_SIZES:
        content = render_static(layers, summary, size or DEFAULT_SIZES[fmt], fmt)
        return ExportResult(content, MEDIA_TYPES[fmt], name)
    if fmt == "html":
        return ExportResult(render_html(layers, summary), MEDIA_TYPES[fmt], name)
    data = (incidents_csv if fmt == "csv" else incidents_geojson)(summary, allow_raw=allow_raw)
    return ExportResult(data.content, MEDIA_TYPES[fmt], name, data.notes, data.readme)


def export_view(
    layers: AtlasLayers,
    view: ViewState,
    fmt: str,
    *,
    size: str | None = None,
    title: str | None = None,
    allow_raw: bool | None = None,
) -> ExportResult:
    """Export one view in one format.

    Parameters
    ----------
    layers
        Every layer, validated.
    view
        The view, as the page shows it (or as parsed from its query string).
    fmt
        ``png``, ``pdf``, ``html``, ``csv`` or ``geojson``.
    size
        For png and pdf: ``slide`` (16:9, 1920 × 1080 px) or ``a4`` (landscape, 200 dpi).
        Default: slide for png, a4 for pdf.
    title
        The heading of maps and the title of data exports (default: the atlas's name).
    allow_raw
        For csv and geojson: whether rows under a no-redistribution licence are written;
        None reads ``ATLAS_ALLOW_RAW_EXPORT``.

    Raises
    ------
    ExportError
        For an unknown format or size, or a map that cannot be made self-contained.
    """
    # A page needs no row a store can count (a map in hexagons); data and HTML write them.
    summary = summarise(layers, view, title, rows=fmt not in DEFAULT_SIZES)
    return export_summary(layers, summary, fmt, size=size, allow_raw=allow_raw)
