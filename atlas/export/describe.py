"""A view in words and figures: what every export prints beside its map or data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd

from atlas.attribution import SOURCE_OF_LAYER
from atlas.export.licence import dataset_credits
from atlas.filters import Headline, headline
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
        The rows the view selects (:func:`atlas.mapping.view_layers`).
    figures
        Headline figures of those rows.
    """

    view: ViewState
    title: str
    start: date
    end: date
    filters: tuple[str, ...]
    incidents: gpd.GeoDataFrame
    deployments: gpd.GeoDataFrame
    figures: Headline

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
            lines.extend(dataset_credits(self.incidents, self.filters, MAP_CHANGES))
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


def summarise(layers: AtlasLayers, view: ViewState, title: str | None = None) -> ViewSummary:
    """Select the rows of ``view`` and describe them.

    Parameters
    ----------
    layers
        Every layer, validated.
    view
        The view to describe.
    title
        Heading; :data:`DEFAULT_TITLE` when None or blank.
    """
    start, end, incidents, deployments = view_layers(layers, view)
    region_names = dict(zip(layers.regions["iso_code"], layers.regions["name"], strict=True))
    return ViewSummary(
        view=view,
        title=(title or "").strip() or DEFAULT_TITLE,
        start=start,
        end=end,
        filters=filter_phrases(view, region_names),
        incidents=incidents,
        deployments=deployments,
        figures=headline(incidents, deployments),
    )
