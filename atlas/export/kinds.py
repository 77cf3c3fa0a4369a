"""The names of export formats and page sizes (no heavy imports: the command line reads them)."""

from __future__ import annotations

FORMATS: tuple[str, ...] = ("png", "pdf", "html", "csv", "geojson")
SIZES: tuple[str, ...] = ("slide", "a4")
MEDIA_TYPES: dict[str, str] = {
    "png": "image/png",
    "pdf": "application/pdf",
    "html": "text/html",
    "csv": "text/csv",
    "geojson": "application/geo+json",
}
DEFAULT_SIZES: dict[str, str] = {"png": "slide", "pdf": "a4"}
"""The formats that take a page size, and the size each gets by default."""
