"""A view in words and figures: what every export prints beside its map or data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd

from atlas.aggregate import hex_resolution, resolve_mode
from atlas.attribution import SOURCE_OF_LAYER
from atlas.export.licence import credits_of, dataset_credits, view_dataset_licences
from atlas.filters import (
    DatasetLicence,
    Headline,
    ViewTotals,
    data_span,
    deployments_active_between,
    headline,
    view_filter,
    view_totals,
)
from atlas.mapping import view_layers
from atlas.view import ViewState
from loaders import AtlasLayers

DEFAULT_TITLE = "Mali Security Atlas"
MAP_CHANGES = "selected by the filters listed, drawn by the Mali Security Atlas; no values altered"
DATA_CHANGES = (
    "selected by the filters listed; region columns added by the Mali Security Atlas; "
    "no values altered"
)


@dataclass(frozen=True, eq=False)
class ViewSummary:
    """Everything an export states about one view.

    Attributes
    ----------
    view
        The view itself.
    title
        The heading printed above it.
    start, end
        The date range, open ends filled from the data.
    filters
        The view's filters as short phrases (``("Regions: Gao", "At least 5 fatalities")``).
    incidents, deployments
        The rows the view selects (:func:`atlas.mapping.view_layers`); ``incidents`` is
        empty when the view was described without its rows (``totals`` given).
    figures
        Headline figures of those rows.
    totals
        The view's incidents as a store that keeps them outside the process counted them,
        with the hexagon cells its map draws (:func:`atlas.filters.view_totals`), when the
        view was described without its rows; None when ``incidents`` holds them all.
    datasets
        The datasets and licences of the view's incidents (what their credits are made
        of, :func:`atlas.export.licence.view_dataset_licences`) when described without its
        rows; None when ``incidents`` holds them all.
    """

    view: ViewState
    title: str
    start: date
    end: date
    filters: tuple[str, ...]
    incidents: gpd.GeoDataFrame
    deployments: gpd.GeoDataFrame
    figures: Headline
    totals: ViewTotals | None = None
    datasets: tuple[DatasetLicence, ...] | None = None

    @property
    def has_rows(self) -> bool:
        """True when ``incidents`` holds every incident of the view (what a data export
        writes); False when the view was described from the store's counts."""
        return self.totals is None

    @property
    def date_text(self) -> str:
        """The date range, e.g. ``1 January 2015 – 31 December 2015``."""
        return f"{_day(self.start)} – {_day(self.end)}"

    @property
    def filters_text(self) -> str:
        """The filters in one line."""
        return " · ".join(self.filters)

    def map_credits(self) -> tuple[str, ...]:
        """Attribution for a map of this view: the basemap and each layer and dataset drawn."""
        lines = [SOURCE_OF_LAYER["basemap"]]
        if self.view.shows("towns"):
            lines.append(SOURCE_OF_LAYER["towns"])
        if self.view.shows("rivers"):
            lines.append(SOURCE_OF_LAYER["rivers"])
        if self.view.shows("incidents"):
            lines.extend(
                dataset_credits(self.incidents, self.filters, MAP_CHANGES)
                if self.datasets is None
                else credits_of(self.datasets, self.filters, MAP_CHANGES)
            )
        curated = SOURCE_OF_LAYER["curated"]
        if self.view.shows("deployments") and not any(s.startswith(curated) for s in lines):
            lines.append(curated)
        return tuple(lines)

    def data_credits(self, exported: gpd.GeoDataFrame) -> tuple[str, ...]:
        """Attribution for a data export of ``exported`` (the rows actually written)."""
        return (
            SOURCE_OF_LAYER["basemap"] + " (region names and codes)",
            *dataset_credits(exported, self.filters, DATA_CHANGES),
        )


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def filter_phrases(view: ViewState, region_names: dict[str, str]) -> tuple[str, ...]:
    """The filters of ``view`` as short phrases; ``("No filters",)`` when there are none.

    Parameters
    ----------
    view
        The view.
    region_names
        ISO 3166-2 code -> region name; a code without a name is printed as it is.
    """
    phrases: list[str] = []
    chosen: list[tuple[tuple[str, str], list[str], str]] = [
        (("Region", "Regions"), [region_names.get(code, code) for code in view.regions], ""),
        (("Event type", "Event types"), list(view.event_types), ""),
        (("Sub-type", "Sub-types"), list(view.sub_types), ""),
        (("Actor", "Actors"), list(view.actors), " (with groups merged into them)"),
        (("Actor family", "Actor families"), list(view.families), ""),
    ]
    for (one, several), names, note in chosen:
        if names:
            phrases.append(f"{one if len(names) == 1 else several}: {', '.join(names)}{note}")
    if view.min_fatalities > 0:
        noun = "fatality" if view.min_fatalities == 1 else "fatalities"
        phrases.append(f"At least {view.min_fatalities:,} {noun}")
    if view.precise_only:
        phrases.append("Located to a town or nearer")
    return tuple(phrases) or ("No filters",)


def summarise(
    layers: AtlasLayers, view: ViewState, title: str | None = None, *, rows: bool = True
) -> ViewSummary:
    """Select the rows of ``view`` and describe them.

    Parameters
    ----------
    layers
        Every layer, validated.
    view
        The view to describe.
    title
        Heading; :data:`DEFAULT_TITLE` when None or blank.
    rows
        Whether the summary must hold the view's rows (a data export writes them). When
        False and a store keeps its incidents outside the process (``layers.imported``),
        a view its map draws in hexagons is described from the store's counts: the same
        figures, hexagons and credits, and no incident row travels (``incidents`` is then
        empty, :attr:`ViewSummary.has_rows` False). Any other view is described from its
        rows, as with True.
    """
    region_names = dict(zip(layers.regions["iso_code"], layers.regions["name"], strict=True))
    heading = (title or "").strip() or DEFAULT_TITLE
    phrases = filter_phrases(view, region_names)
    counted = None if rows else _counted_in_hexagons(layers, view)
    if counted is not None:
        start, end, totals = counted
        deployments = deployments_active_between(layers.deployments, start, end)
        parts = view_dataset_licences(layers, view_filter(layers, view, start, end))
        return ViewSummary(
            view,
            heading,
            start,
            end,
            phrases,
            layers.incidents.iloc[0:0],
            deployments,
            totals.headline(deployments),
            totals=totals,
            datasets=tuple(parts),
        )
    start, end, incidents, deployments = view_layers(layers, view)
    figures = headline(incidents, deployments)
    return ViewSummary(view, heading, start, end, phrases, incidents, deployments, figures)


def _counted_in_hexagons(
    layers: AtlasLayers, view: ViewState
) -> tuple[date, date, ViewTotals] | None:
    """The date range of ``view`` and its totals with the hexagon cells its map draws,
    counted by a store that keeps its incidents outside the process, when that map draws
    them in hexagons (as :func:`atlas.mapspec.map_spec` decides from the count); None when
    the rows are at hand or the map needs them."""
    if layers.imported is None or view.agg not in ("auto", "hexes"):
        return None
    start, end = view.date_range(*data_span(layers))
    totals = view_totals(layers, view, start, end, hex_resolution(view.zoom_level))
    return (start, end, totals) if resolve_mode(view.agg, totals.on_map) == "hexes" else None
