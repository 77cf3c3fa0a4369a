"""The "Export this view" panel: prepare the files of the current view, then download them.

Files are made only when asked for (a slide takes about a second), kept in the session for the
view they were made for, and dropped as soon as the view changes, so a download always matches
what the page shows. A failure is reported in words; the traceback goes to the server log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st

from atlas.access import RefusedError, User, may, require
from atlas.audit import record
from atlas.export.formats import ExportResult, export_view
from atlas.export.static_map import ExportError
from atlas.view import ViewState
from loaders import AtlasLayers
from ui.auth import current_user

_LOG = logging.getLogger(__name__)
_STATE_KEY = "atlas_exports"


@dataclass(frozen=True)
class _Choice:
    fmt: str
    size: str | None
    label: str
    slow: bool


CHOICES: tuple[_Choice, ...] = (
    _Choice("png", "slide", "PNG slide", True),
    _Choice("pdf", "a4", "PDF (A4)", True),
    _Choice("html", None, "HTML map", True),
    _Choice("csv", None, "CSV", False),
    _Choice("geojson", None, "GeoJSON", False),
)


def _prepared() -> dict[str, tuple[str, ExportResult]]:
    """Format -> (the view's query string, its export), for this session."""
    stored: dict[str, tuple[str, ExportResult]] = st.session_state.setdefault(_STATE_KEY, {})
    return stored


def _prepare(
    layers: AtlasLayers, view: ViewState, choice: _Choice, user: User
) -> ExportResult | None:
    what = f"{choice.fmt} of ?{view.to_query_string()}"
    try:
        require(user, "export", what=what)
        if choice.slow:
            with st.spinner(f"Preparing the {choice.label}…"):
                result = export_view(layers, view, choice.fmt, size=choice.size)
        else:
            result = export_view(layers, view, choice.fmt, size=choice.size)
        record(user, "export", what)
        return result
    except RefusedError as refusal:
        st.error(f"Not exported: {refusal.reason}.")
    except ExportError as exc:
        st.error(f"Could not prepare the {choice.label}: {exc}")
    except Exception:
        _LOG.exception("export of %s failed for view %r", choice.fmt, view.to_query_string())
        st.error(
            f"Could not prepare the {choice.label}: an unexpected error occurred. "
            "It has been logged for the administrator."
        )
    return None


def export_panel(layers: AtlasLayers, view: ViewState) -> None:
    """Draw the "Export this view" panel: prepare buttons, then download buttons.

    Parameters
    ----------
    layers
        Every layer (as the page has them).
    view
        The view the page shows; files are made of exactly this view.
    """
    user = current_user()
    current = view.to_query_string()
    prepared = _prepared()
    for fmt in [f for f, (query, _) in prepared.items() if query != current]:
        del prepared[fmt]  # made for another view: never offer it for this one
    with st.expander("Export this view", icon=":material/download:"):
        if not may(user, "export"):
            st.caption(f"Exports are for analysts and admins: {may(user, 'export').reason}.")
            return
        st.caption(
            "Slides and pages are drawn on the server; the HTML map opens offline on any "
            "machine; CSV and GeoJSON hold the incidents of this view."
        )
        columns = st.columns(len(CHOICES))
        for column, choice in zip(columns, CHOICES, strict=True):
            with column:
                if st.button(f"Prepare {choice.label}", key=f"export_prepare_{choice.fmt}"):
                    result = _prepare(layers, view, choice, user)
                    if result is not None:
                        prepared[choice.fmt] = (current, result)
                if choice.fmt in prepared:
                    result = prepared[choice.fmt][1]
                    st.download_button(
                        f"Download {choice.label}",
                        data=result.content,
                        file_name=result.filename,
                        mime=result.media_type,
                        key=f"export_download_{choice.fmt}",
                        on_click="ignore",
                        type="primary",
                        icon=":material/download:",
                    )
                    if result.readme and choice.fmt == "csv":
                        st.download_button(
                            "README for the CSV",
                            data=result.readme.encode("utf-8"),
                            file_name=result.filename + ".README.txt",
                            mime="text/plain",
                            key="export_download_csv_readme",
                            on_click="ignore",
                        )
        notes = dict.fromkeys(note for _, result in prepared.values() for note in result.notes)
        for note in notes:
            st.info(note)
