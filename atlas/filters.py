"""Selecting rows for a view and summarising them. Pure functions of their arguments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd

from atlas.lineage import expand_actors
from atlas.text import plural
from atlas.view import ViewState
from loaders import AtlasLayers
from loaders.vocabulary import COUNTRY_ONLY, SUB_EVENT_TYPES


def _timestamp(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def data_span(layers: AtlasLayers) -> tuple[date, date]:
    """First and last day of the incidents (the default date range of a view).

    The span is at least two days long, so a range can always be chosen in it; with no
    incidents at all it is the year up to today.
    """
    dates = layers.incidents["event_date"].dropna()
    if dates.empty:
        today = date.today()
        return today - timedelta(days=365), today
    first, last = dates.min().date(), dates.max().date()
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
    # One mask over the whole layer and one selection at the end: each selection copies every
    # column, which at a million incidents costs more than all the comparisons.
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    selected = incidents
    mask = _dated_between(incidents["event_date"], start, end)
    if view.regions:
        mask &= selected["admin1"].isin(view.regions)
    if view.event_types:
        mask &= selected["event_type"].isin(view.event_types)
    if view.sub_types:
        chosen = selected["sub_event_type"].isin(view.sub_types)
        if view.event_types:
            chosen |= ~selected["event_type"].isin(_types_of(view.sub_types, incidents))
        mask &= chosen
    if view.actors:
        actors = expand_actors(view.actors, lineage)
        mask &= selected["actor1"].isin(actors) | selected["actor2"].isin(actors)
    if view.families:
        families = set(view.families)
        mask &= selected["actor1_family"].isin(families) | selected["actor2_family"].isin(families)
    if view.min_fatalities > 0:
        mask &= selected["fatalities"].fillna(0) >= view.min_fatalities
    if view.precise_only:
        mask &= selected["geo_precision"] < IMPRECISE
    return selected if bool(mask.all()) else selected.loc[mask]


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
    fatalities = selected["fatalities"]
    # Counted over integer region codes: a pandas groupby cost more than every other figure
    # together, on each rerun of every session. Codes follow the names' order, and the sort
    # below is stable, so ties still rank alphabetically.
    codes, names = pd.factorize(selected["admin1_name"], sort=True)
    in_mali = codes >= 0  # a missing region is coded -1
    counts = np.bincount(codes[in_mali], minlength=len(names))
    dead = np.bincount(
        codes[in_mali],
        weights=fatalities.fillna(0).to_numpy(float)[in_mali],
        minlength=len(names),
    )
    ranked = np.lexsort((-dead, -counts))[:top]
    placed = on_map(selected)
    return Headline(
        incidents=len(selected),
        fatalities=int(fatalities.sum(skipna=True)),
        incidents_without_fatality_figure=int(fatalities.isna().sum()),
        active_deployments=len(active),
        top_regions=tuple((str(names[code]), int(counts[code])) for code in ranked),
        outside_mali=int((placed & (selected["country"] != MALI)).sum()),
        not_on_map=int((~placed).sum()),
    )
