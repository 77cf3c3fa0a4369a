"""Selecting rows for a view and summarising them. Pure functions of their arguments."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from atlas.aggregate import CellCounts, hex_resolution
from atlas.lineage import expand_actors
from atlas.text import plural
from atlas.timeline import PeriodCounts, timelines_of
from atlas.view import ViewState
from loaders import AtlasLayers
from loaders.vocabulary import COUNTRY_ONLY, SUB_EVENT_TYPES

if TYPE_CHECKING:
    from atlas.proximity import PointSums, TownInZone


def _timestamp(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


BBox = tuple[float, float, float, float]
"""A box on the map: its west, south, east and north edges in degrees (EPSG:4326)."""


def check_bbox(bbox: BBox) -> None:
    """Raise ValueError naming ``bbox`` unless it is four finite degrees, west to east and
    south to north (a box across the antimeridian is not one: Mali is far from it)."""
    try:
        west, south, east, north = (float(edge) for edge in bbox)
    except (TypeError, ValueError):
        raise ValueError(f"bbox {bbox!r} is not four numbers (west, south, east, north)") from None
    if not all(math.isfinite(edge) for edge in (west, south, east, north)):
        raise ValueError(f"bbox {bbox!r} has an edge that is not a finite number")
    if west > east or south > north:
        raise ValueError(f"bbox {bbox!r} ends before it starts (west > east or south > north)")


@dataclass(frozen=True)
class IncidentFilter:
    """A view's selection of incidents, resolved: what :func:`select_incidents` applies, in a
    form a database can apply too (hashable, so answers can be cached by it).

    ``actors`` are already widened by the lineage; ``sub_type_parents`` are the event types
    the chosen sub-types belong to (an event type chosen without one of its sub-types keeps
    all its incidents). ``bbox`` keeps the incidents whose point lies inside the box, edges
    included; an incident located only to the country (:func:`on_map`) is in no box, since
    its point is the country's centre, not where it happened.
    """

    start: date
    end: date
    regions: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    sub_types: tuple[str, ...] = ()
    sub_type_parents: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    families: tuple[str, ...] = ()
    min_fatalities: int = 0
    precise_only: bool = False
    bbox: BBox | None = None

    def __post_init__(self) -> None:
        if self.bbox is not None:
            check_bbox(self.bbox)


class ValueCount(NamedTuple):
    """How many of a view's incidents (``times``) have ``value`` in one of the columns
    counted (the ``column``-th), and the first of them in the view's order
    (:func:`in_order`: by day, then id, then ``row``): where a value stands among those as
    frequent when values are ranked as :meth:`pandas.Series.value_counts` ranks them
    (first met, first listed).

    ``row`` is the order written among a store's incidents (from 1); incidents held in the
    process, which come first among those alike, have a negative one. Counts of different
    incidents add up value by value, the earliest first incident kept, so a store that
    keeps incidents outside the process sends these instead of rows.
    """

    column: int
    value: str
    times: int
    day: date
    id: str
    row: int = 0


class DatasetLicence(NamedTuple):
    """One dataset and licence among a view's incidents, without their rows: what the
    credits of a map of the view are made of (:func:`atlas.export.licence.credits_of`).

    ``day``, ``id`` and ``row`` are those of its first incident in the order of
    :func:`in_order` (by day, then id, then ``row``); ``earliest`` is its least ``row``,
    the first in the order the rows come in, which is the view's order when all of them
    come from one side (:func:`in_order` sorts only incidents held and fetched together).
    ``row`` is the order written among a store's incidents (from 1); incidents held in the
    process have negative ones, in their order, so they come first among those alike.
    ``accessed`` are the first and last access dates recorded on the dataset's incidents
    (an ``accessed`` column, which only held frames may have), None when none is.
    Those of different incidents add up: a store that keeps incidents outside the process
    sends these instead of rows.
    """

    dataset: str
    licence: str
    day: date
    id: str
    row: int
    earliest: int
    accessed: tuple[date, date] | None = None


class ImportedIncidents(Protocol):
    """Imported incidents kept outside the process (the shared database), asked per view.

    A store whose incidents are too many to hold in every app process leaves them out of
    ``AtlasLayers.incidents`` and hands this instead; :func:`view_incidents` asks it for the
    rows of a view only.
    """

    def select(self, chosen: IncidentFilter, held: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The imported incidents ``chosen`` selects and ``held`` (the held incidents it
        selects) in one frame, by day then id, as one store holding both would give them."""
        ...

    def span(self) -> tuple[date, date] | None:
        """First and last event day, or None without incidents."""
        ...

    def count(self) -> int:
        """How many current incidents it holds."""
        ...

    def names(self, column: str) -> set[str]:
        """The distinct values of a text column (actors, sub-types) for the sidebar."""
        ...

    def sub_types_of(self, event_types: tuple[str, ...]) -> set[str]:
        """The sub-types the incidents of ``event_types`` (all when empty) have."""
        ...

    def parents_of(self, sub_types: tuple[str, ...]) -> set[str]:
        """The event types of the incidents with one of ``sub_types``."""
        ...

    def by_ids(self, ids: list[str]) -> gpd.GeoDataFrame:
        """The current incidents with one of ``ids``."""
        ...

    def restricted(self, regions: frozenset[str]) -> ImportedIncidents:
        """The same, with only the incidents inside ``regions``."""
        ...

    def totals(self, chosen: IncidentFilter, resolution: int) -> ViewTotals:
        """The figures of the incidents ``chosen`` selects, counted where they are kept
        (:func:`totals_of`, with the cells at ``resolution``): no row travels."""
        ...

    def latest(self, chosen: IncidentFilter, limit: int) -> gpd.GeoDataFrame:
        """The ``limit`` newest incidents ``chosen`` selects, as :func:`newest_first`
        orders them: only those travel."""
        ...

    def timelines(self, chosen: IncidentFilter) -> dict[str, PeriodCounts]:
        """The incidents ``chosen`` selects counted per period (each of
        :data:`atlas.timeline.PERIODS`) and event type where they are kept: no row travels."""
        ...

    def region_counts(self, chosen: IncidentFilter) -> pd.DataFrame:
        """Incidents and fatalities (unknown as 0) of the incidents ``chosen`` selects per
        region code, counted where they are kept (:func:`atlas.regions.region_counts`)."""
        ...

    def region_days(self, chosen: IncidentFilter) -> pd.Series:
        """Fatalities (unknown as 0) of the incidents ``chosen`` selects per region code and
        event day, summed where they are kept (:func:`atlas.regions.region_days`)."""
        ...

    def value_counts(self, chosen: IncidentFilter, columns: tuple[str, ...]) -> list[ValueCount]:
        """How often each value (neither missing nor empty) of each of ``columns`` occurs
        among the incidents ``chosen`` selects, counted where they are kept."""
        ...

    def deadliest(self, chosen: IncidentFilter, limit: int) -> gpd.GeoDataFrame:
        """The ``limit`` incidents ``chosen`` selects with the most fatalities (unknown
        last), then the newest, then by id: only those travel."""
        ...

    def point_sums(
        self, chosen: IncidentFilter, excluded: frozenset[tuple[float, float]]
    ) -> PointSums:
        """The :class:`atlas.proximity.PointSums` of the points of the incidents ``chosen``
        selects, but those at one of ``excluded`` (points already counted)."""
        ...

    def nearest_towns(
        self, chosen: IncidentFilter, towns: tuple[TownInZone, ...], epsg: int, max_km: float
    ) -> list[ValueCount]:
        """How many of the incidents ``chosen`` selects have each of ``towns`` as their
        nearest within ``max_km``, measured in the UTM zone ``epsg`` as
        :func:`atlas.proximity.nearest_town_in` measures."""
        ...

    def dataset_licences(self, chosen: IncidentFilter) -> list[DatasetLicence]:
        """Each dataset and licence among the incidents ``chosen`` selects, with its first
        incident, counted where they are kept (:class:`DatasetLicence`): no row travels."""
        ...


def data_span(layers: AtlasLayers) -> tuple[date, date]:
    """First and last day of the incidents (the default date range of a view).

    The span is at least two days long, so a range can always be chosen in it; with no
    incidents at all it is the year up to today.
    """
    dates = layers.incidents["event_date"].dropna()
    days = [dates.min().date(), dates.max().date()] if not dates.empty else []
    imported = layers.imported.span() if layers.imported is not None else None
    days += list(imported or ())
    if not days:
        today = date.today()
        return today - timedelta(days=365), today
    first, last = min(days), max(days)
    return first, max(last, first + timedelta(days=1))


MALI = "MLI"
IMPRECISE = 3  # geo_precision of an event located only to its region


def on_map(incidents: pd.DataFrame) -> pd.Series:
    """True for incidents a map can draw: all but those located only to their country.

    Such an event (UCDP's ``where_prec`` 6 and 7) is counted in figures, timelines and
    tables, but its point is a country's centre, so no map draws it there.
    """
    return incidents["geo_precision"] != COUNTRY_ONLY


def not_on_map_note(count: int) -> str:
    """The words a map shows for the incidents of its view it does not draw."""
    return f"{plural(count, 'incident')} not on the map (located only to the country)"


def incident_filter(
    view: ViewState,
    lineage: pd.DataFrame,
    start: date,
    end: date,
    incidents: pd.DataFrame,
    imported: ImportedIncidents | None = None,
) -> IncidentFilter:
    """Resolve the filters of ``view`` over ``[start, end]`` (see :func:`select_incidents`).

    ``incidents`` (and ``imported``) are the data the sub-types' event types are read from,
    beside ACLED's vocabulary.
    """
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    parents: set[str] = set()
    if view.sub_types and view.event_types:
        parents = _types_of(view.sub_types, incidents)
        if imported is not None:
            parents |= imported.parents_of(view.sub_types)
    return IncidentFilter(
        start=start,
        end=end,
        regions=view.regions,
        event_types=view.event_types,
        sub_types=view.sub_types,
        sub_type_parents=frozenset(parents),
        actors=expand_actors(view.actors, lineage) if view.actors else frozenset(),
        families=view.families,
        min_fatalities=view.min_fatalities,
        precise_only=view.precise_only,
    )


def select_incidents(
    incidents: gpd.GeoDataFrame,
    view: ViewState,
    lineage: pd.DataFrame,
    start: date,
    end: date,
) -> gpd.GeoDataFrame:
    """The incidents a view selects: date range, then every filter of the view.

    An actor selects the incidents where it is either side, including the groups that merged
    into it (:func:`atlas.lineage.expand_actors`); a family likewise matches either side.
    ``min_fatalities`` treats an unknown figure as 0. ``precise_only`` leaves out incidents
    located only to a region. Sub-types alone select just themselves; with event types
    chosen, they narrow only the types they belong to: Battles and Explosions/Remote violence
    with the sub-type armed clash keep every explosion.
    """
    return apply_filter(incidents, incident_filter(view, lineage, start, end, incidents))


def apply_filter(incidents: gpd.GeoDataFrame, chosen: IncidentFilter) -> gpd.GeoDataFrame:
    """The rows of ``incidents`` that ``chosen`` selects (in their order)."""
    # One mask over the whole layer and one selection at the end: each selection copies every
    # column, which at a million incidents costs more than all the comparisons.
    selected = incidents
    mask = _dated_between(incidents["event_date"], chosen.start, chosen.end)
    if chosen.regions:
        mask &= selected["admin1"].isin(chosen.regions)
    if chosen.event_types:
        mask &= selected["event_type"].isin(chosen.event_types)
    if chosen.sub_types:
        picked = selected["sub_event_type"].isin(chosen.sub_types)
        if chosen.event_types:
            picked |= ~selected["event_type"].isin(chosen.sub_type_parents)
        mask &= picked
    if chosen.actors:
        mask &= selected["actor1"].isin(chosen.actors) | selected["actor2"].isin(chosen.actors)
    if chosen.families:
        families = set(chosen.families)
        mask &= selected["actor1_family"].isin(families) | selected["actor2_family"].isin(families)
    if chosen.min_fatalities > 0:
        mask &= selected["fatalities"].fillna(0) >= chosen.min_fatalities
    if chosen.precise_only:
        mask &= selected["geo_precision"] < IMPRECISE
    if chosen.bbox is not None:
        mask &= inside_bbox(selected, chosen.bbox)
    return selected if bool(mask.all()) else selected.loc[mask]


def inside_bbox(incidents: gpd.GeoDataFrame, bbox: BBox) -> pd.Series:
    """Row by row, whether an incident's point lies inside ``bbox``, edges included.

    An incident located only to the country is never inside (see :class:`IncidentFilter`).
    """
    west, south, east, north = bbox
    points = incidents.geometry
    inside = points.x.between(west, east) & points.y.between(south, north)
    return on_map(incidents) & inside


def view_incidents(
    layers: AtlasLayers,
    view: ViewState,
    start: date,
    end: date,
    bbox: BBox | None = None,
) -> gpd.GeoDataFrame:
    """The incidents ``view`` selects over ``[start, end]`` (inside ``bbox`` when given),
    wherever they are kept.

    Incidents held in ``layers.incidents`` are filtered here; those a store keeps outside
    the process (``layers.imported``) are asked for with the same filter, and the two are
    put in one order: by day, then id, as a store holding everything would give them.
    """
    return _selected(layers, _view_filter(layers, view, start, end, bbox))


def _selected(layers: AtlasLayers, chosen: IncidentFilter) -> gpd.GeoDataFrame:
    held = apply_filter(layers.incidents, chosen)
    if layers.imported is None:
        return held
    return layers.imported.select(chosen, held)


def view_totals(
    layers: AtlasLayers,
    view: ViewState,
    start: date,
    end: date,
    resolution: int | None,
    bbox: BBox | None = None,
) -> ViewTotals:
    """The figures of the incidents :func:`view_incidents` would give, without their rows.

    Incidents held in the process are counted here; a store that keeps its incidents
    outside (``layers.imported``) counts its own, and the two add up to exactly what
    :func:`totals_of` gives over all the view's rows: :meth:`ViewTotals.headline` is
    :func:`headline` of them, and :meth:`ViewTotals.hex_cells` is
    :func:`atlas.aggregate.hex_cells` at ``resolution`` of those on the map.
    """
    chosen = _view_filter(layers, view, start, end, bbox)
    if layers.imported is None:  # every row at hand: cells only when asked for
        return totals_of(apply_filter(layers.incidents, chosen), resolution)
    held = totals_of(apply_filter(layers.incidents, chosen), resolution or hex_resolution(None))
    return held.add(layers.imported.totals(chosen, resolution or hex_resolution(None)))


def view_headline(layers: AtlasLayers, view: ViewState) -> tuple[date, date, Headline]:
    """The date range of ``view`` and its headline figures, counted where the incidents are
    kept: a store that keeps them outside the process sums them itself, with the hexagon
    cells the view's map asks for next (both answers cached together), and no row travels."""
    start, end = view.date_range(*data_span(layers))
    resolution = hex_resolution(view.zoom_level) if layers.imported is not None else None
    totals = view_totals(layers, view, start, end, resolution)
    active = deployments_active_between(layers.deployments, start, end)
    return start, end, totals.headline(active)


def view_filter(
    layers: AtlasLayers, view: ViewState, start: date, end: date, bbox: BBox | None = None
) -> IncidentFilter:
    """The filter :func:`view_incidents` applies for ``view`` over ``[start, end]``: what a
    summary of those incidents asks each store with."""
    return _view_filter(layers, view, start, end, bbox)


def _view_filter(
    layers: AtlasLayers, view: ViewState, start: date, end: date, bbox: BBox | None
) -> IncidentFilter:
    chosen = incident_filter(view, layers.lineage, start, end, layers.incidents, layers.imported)
    return chosen if bbox is None else replace(chosen, bbox=bbox)


def in_order(held: gpd.GeoDataFrame, fetched: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Incidents held and fetched in one frame, by day then id (as one store would give)."""
    if fetched.empty:
        return held
    if held.empty:
        return fetched
    return _together(held, fetched).sort_values(["event_date", "id"], ignore_index=True)


def _together(held: gpd.GeoDataFrame, fetched: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Both frames in one, held first (the order ties keep in a stable sort)."""
    both = pd.concat([held, fetched], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=held.crs)


def newest_first(incidents: gpd.GeoDataFrame, limit: int | None = None) -> gpd.GeoDataFrame:
    """``incidents`` newest day first, ids in order within a day, as
    :func:`atlas.tables.incident_table` lists them; the first ``limit`` when given.

    The sort is stable: incidents alike in both keep their order, so the newest of a view
    are the same rows however many there are beyond them.
    """
    ordered = incidents.sort_values(["event_date", "id"], ascending=[False, True])
    return ordered if limit is None else ordered.head(limit)


@dataclass(frozen=True, eq=False)
class Listing:
    """What the Incidents page shows of a view, with no more rows than it lists.

    ``totals`` are the figures of every incident of the view (its count, how many a map
    places); ``latest`` are its newest incidents, at most the limit asked for, newest first
    (:func:`newest_first`); ``timelines`` count all of them per period and event type, one
    :class:`atlas.timeline.PeriodCounts` per name of :data:`atlas.timeline.PERIODS`.
    ``chosen`` is the view's filter, for asking the store about incidents not listed.
    """

    start: date
    end: date
    chosen: IncidentFilter
    totals: ViewTotals
    latest: gpd.GeoDataFrame
    timelines: dict[str, PeriodCounts]

    @property
    def complete(self) -> bool:
        """True when every incident of the view is listed."""
        return len(self.latest) >= self.totals.incidents

    def lists_day(self, day: date) -> bool:
        """True when every incident of the view dated ``day`` is listed: all are, or the
        day is newer than the oldest listed (the list is cut within or after its last day)."""
        if self.complete:
            return True
        oldest = self.latest["event_date"].min()
        return bool(_timestamp(day) > oldest)


def view_listing(
    layers: AtlasLayers, view: ViewState, start: date, end: date, limit: int
) -> Listing:
    """The :class:`Listing` of ``view`` over ``[start, end]``, its newest ``limit`` rows.

    Incidents held in the process are counted and sorted here; a store that keeps them
    outside (``layers.imported``) counts its own and sends its newest ``limit`` only, and
    the two add up to what the view's rows give: ``totals`` as :func:`totals_of` (with the
    hexagon cells the view's map asks for next, so both share one answer), ``latest`` as
    :func:`newest_first` of :func:`view_incidents`, and each timeline's
    :meth:`~atlas.timeline.PeriodCounts.per_key` and
    :meth:`~atlas.timeline.PeriodCounts.per_period` as
    :func:`atlas.timeline.counts_by_period` of them.
    """
    if limit < 0:
        raise ValueError(f"limit {limit} is negative")
    chosen = _view_filter(layers, view, start, end, None)
    held = apply_filter(layers.incidents, chosen)
    latest = newest_first(held, limit)
    timelines = timelines_of(held)
    if layers.imported is None:
        return Listing(start, end, chosen, totals_of(held), latest, timelines)
    resolution = hex_resolution(view.zoom_level)
    totals = totals_of(held, resolution).add(layers.imported.totals(chosen, resolution))
    fetched = layers.imported.latest(chosen, limit)
    latest = newest_first(_together(latest, fetched), limit) if not fetched.empty else latest
    counted = layers.imported.timelines(chosen)
    timelines = {period: counts.add(counted[period]) for period, counts in timelines.items()}
    return Listing(start, end, chosen, totals, latest, timelines)


def listed_or_asked_on(
    layers: AtlasLayers, listing: Listing, day: date, bbox: BBox
) -> gpd.GeoDataFrame:
    """The incidents of ``listing``'s view dated ``day`` inside ``bbox``, by id: where a
    click on the map looks for the incident it landed on (its tooltip names the day).

    Taken from the listed rows when they hold that whole day, else asked of the store for
    that day and box alone: never the whole view.
    """
    if not listing.start <= day <= listing.end:
        return listing.latest.iloc[0:0]
    if listing.lists_day(day):
        rows = listing.latest
        found = rows.loc[(rows["event_date"] == _timestamp(day)) & inside_bbox(rows, bbox)]
        return found.sort_values("id")
    return _selected(layers, replace(listing.chosen, start=day, end=day, bbox=bbox))


def view_holds(layers: AtlasLayers, listing: Listing, incident_id: str) -> bool:
    """Whether the incident ``incident_id`` is one of ``listing``'s view: looked up among
    the listed rows, else asked of the store by its id (one row, never the whole view)."""
    if (listing.latest["id"] == incident_id).any():
        return True
    if listing.complete:
        return False
    return not apply_filter(incidents_by_id(layers, [incident_id]), listing.chosen).empty


def incidents_by_id(layers: AtlasLayers, ids: list[str]) -> gpd.GeoDataFrame:
    """The incidents with one of ``ids``, wherever they are kept, by day then id."""
    held = layers.incidents.loc[layers.incidents["id"].isin(ids)]
    if layers.imported is None or not ids:
        return held
    return in_order(held, layers.imported.by_ids(ids))


def _types_of(sub_types: tuple[str, ...], incidents: pd.DataFrame) -> set[str]:
    """The event types that ``sub_types`` belong to, in ACLED's vocabulary or in the data."""
    chosen = set(sub_types)
    types = {kind for kind, subs in SUB_EVENT_TYPES.items() if chosen & set(subs)}
    return types | set(incidents.loc[incidents["sub_event_type"].isin(chosen), "event_type"])


def incidents_between(incidents: gpd.GeoDataFrame, start: date, end: date) -> gpd.GeoDataFrame:
    """Incidents whose ``event_date`` lies in ``[start, end]`` (both days included)."""
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    return incidents.loc[_dated_between(incidents["event_date"], start, end)]


def _dated_between(dates: pd.Series, start: date, end: date) -> pd.Series:
    return (dates >= _timestamp(start)) & (dates <= _timestamp(end))


def deployments_active_between(
    deployments: gpd.GeoDataFrame, start: date, end: date
) -> gpd.GeoDataFrame:
    """Deployments present at any time in ``[start, end]``; an open end means still present."""
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    began = deployments["start_date"] <= _timestamp(end)
    not_ended = deployments["end_date"].isna() | (deployments["end_date"] >= _timestamp(start))
    return deployments.loc[began & not_ended]


@dataclass(frozen=True)
class Headline:
    """The figures a briefing opens with, for one date range.

    ``incidents`` and ``fatalities`` count every incident of the view, including
    ``outside_mali`` (placed in a neighbouring country) and ``not_on_map`` (located only to
    the country); :attr:`includes` says so in words.
    """

    incidents: int
    fatalities: int
    incidents_without_fatality_figure: int
    active_deployments: int
    top_regions: tuple[tuple[str, int], ...]
    outside_mali: int = 0
    not_on_map: int = 0

    @property
    def includes(self) -> str:
        """What the totals include beyond incidents placed in Mali; empty when nothing."""
        parts = []
        if self.outside_mali:
            parts.append(f"{plural(self.outside_mali, 'incident')} outside Mali")
        if self.not_on_map:
            parts.append(not_on_map_note(self.not_on_map))
        return "Totals include " + " and ".join(parts) + "." if parts else ""


def headline(selected: gpd.GeoDataFrame, active: gpd.GeoDataFrame, top: int = 3) -> Headline:
    """Headline figures of a view: counts, fatalities and most affected regions.

    Parameters
    ----------
    selected
        The incidents the view selects (:func:`select_incidents`).
    active
        The deployments active in its range (:func:`deployments_active_between`).
    top
        How many regions to rank, by incident count then fatalities. Incidents outside Mali
        count in the totals but not in the ranking.
    """
    return totals_of(selected).headline(active, top)


class RegionFigures(NamedTuple):
    """Incidents and fatalities (unknown as 0) of the view in one region, by its name."""

    name: str
    incidents: int
    fatalities: int


@dataclass(frozen=True)
class ViewTotals:
    """What a view's headline and hexagon map are made of, counted without its rows.

    Totals of different incidents (held in the process, counted by a database) add up with
    :meth:`add` to the totals of all of them, so a store that keeps a million incidents
    outside the process sends these sums instead of the rows. ``regions`` are by name (an
    incident without a region, outside Mali or located only to the country, is in none);
    ``cells`` count the incidents on the map (:func:`on_map`) per H3 cell, as the map draws
    them, when a resolution was asked for.
    """

    incidents: int = 0
    fatalities: int = 0
    without_fatality_figure: int = 0
    outside_mali: int = 0
    not_on_map: int = 0
    regions: tuple[RegionFigures, ...] = ()
    cells: CellCounts | None = None

    @property
    def on_map(self) -> int:
        """How many of the incidents a map draws (what picks its drawing mode)."""
        return self.incidents - self.not_on_map

    def add(self, other: ViewTotals) -> ViewTotals:
        """The totals of both sets of incidents (which must not share an incident)."""
        if (self.cells is None) != (other.cells is None):
            raise ValueError("cannot add totals with cells to totals without them")
        regions: dict[str, tuple[int, int]] = {}
        for name, count, dead in (*self.regions, *other.regions):
            before = regions.get(name, (0, 0))
            regions[name] = (before[0] + count, before[1] + dead)
        cells = self.cells
        if cells is not None and other.cells is not None:
            cells = cells.add(other.cells)
        return ViewTotals(
            incidents=self.incidents + other.incidents,
            fatalities=self.fatalities + other.fatalities,
            without_fatality_figure=self.without_fatality_figure + other.without_fatality_figure,
            outside_mali=self.outside_mali + other.outside_mali,
            not_on_map=self.not_on_map + other.not_on_map,
            regions=tuple(RegionFigures(n, *regions[n]) for n in sorted(regions)),
            cells=cells,
        )

    def headline(self, active: gpd.GeoDataFrame, top: int = 3) -> Headline:
        """The headline of these incidents with ``active`` deployments (see :func:`headline`).

        Regions rank by incident count, then fatalities, then name.
        """
        ranked = sorted(self.regions, key=lambda r: (-r.incidents, -r.fatalities, r.name))
        return Headline(
            incidents=self.incidents,
            fatalities=self.fatalities,
            incidents_without_fatality_figure=self.without_fatality_figure,
            active_deployments=len(active),
            top_regions=tuple((r.name, r.incidents) for r in ranked[:top]),
            outside_mali=self.outside_mali,
            not_on_map=self.not_on_map,
        )

    def hex_cells(self) -> gpd.GeoDataFrame:
        """The hexagons of the incidents on the map (:func:`atlas.aggregate.hex_cells`).

        Raises
        ------
        ValueError
            When these totals were counted without cells.
        """
        if self.cells is None:
            raise ValueError("these totals were counted without cells; ask with a resolution")
        return self.cells.hex_cells()


def totals_of(incidents: gpd.GeoDataFrame, resolution: int | None = None) -> ViewTotals:
    """The totals of ``incidents`` (rows a view selects), with the cells at ``resolution``
    of those on the map when given."""
    fatalities = incidents["fatalities"]
    # Counted over integer region codes: a pandas groupby cost more than every other figure
    # together, on each rerun of every session. Codes follow the names' order.
    codes, names = pd.factorize(incidents["admin1_name"], sort=True)
    in_mali = codes >= 0  # a missing region is coded -1
    counts = np.bincount(codes[in_mali], minlength=len(names))
    dead = np.bincount(
        codes[in_mali],
        weights=fatalities.fillna(0).to_numpy(float)[in_mali],
        minlength=len(names),
    )
    placed = on_map(incidents)
    cells = None
    if resolution is not None:
        drawn = incidents if bool(placed.all()) else incidents.loc[placed]
        cells = CellCounts.of(drawn, resolution)
    return ViewTotals(
        incidents=len(incidents),
        fatalities=int(fatalities.sum(skipna=True)),
        without_fatality_figure=int(fatalities.isna().sum()),
        outside_mali=int((placed & (incidents["country"] != MALI)).sum()),
        not_on_map=int((~placed).sum()),
        regions=tuple(
            RegionFigures(str(name), int(count), int(deaths))
            for name, count, deaths in zip(names, counts, dead, strict=True)
        ),
        cells=cells,
    )
