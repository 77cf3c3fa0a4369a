"""Exports of a view: PNG and PDF briefing slides, offline HTML, CSV and GeoJSON, and packs.

Everything here is plain Python (no Streamlit), so the page's download buttons and the
``python -m atlas export`` command produce the same files. Modules:

``formats``
    :func:`~atlas.export.formats.export_view`, one entry point for every format.
``pack``
    :func:`~atlas.export.pack.briefing_pack`, several views in one PDF.
``describe``
    A view in words and figures (title, dates, filters, headline figures, attribution).
``static_map``, ``html``, ``data``
    The renderers: matplotlib pages, self-contained HTML, CSV and GeoJSON.
``licence``
    Which rows may be exported as raw data, and the credit each dataset needs.
``files``
    Atomic writes.

This package imports nothing heavy itself, so the command line starts quickly; import the
module you need.
"""
