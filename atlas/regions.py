"""Regions of Mali compared: counts, density, change against the previous period, surges.

Surge rules (documented in the README):

* **Rise**: incidents in the range are at least double those of the previous period of the
  same length (a rise of 100 % or more), and at least :data:`MIN_SURGE_INCIDENTS`, so that
  one incident after none is not called a surge.
* **Fatalities at a one-year high**: the fatalities of the last 30 days of the range are
  above zero and at least as high as in any 30-day window of the 365 days before them.

Neither rule is applied when the data do not reach back far enough: a previous period that
starts before the first incident of the data is not a period of zero incidents.

Every figure is counted where the incidents are kept: those held in the process here, and a
store that keeps them outside (the shared database) counts its own and sends the sums
(:class:`RegionCounts`, :class:`atlas.filters.ValueCount`), never the rows of a view; the
two add up to exactly what the rows would give.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from atlas.filters import (
    IncidentFilter,
    ValueCount,
    apply_filter,
    data_span,
    in_order,
    view_filter,
)
from atlas.proximity import PointSums, nearest_town, nearest_town_in, towns_in_zone
from atlas.timeline import period_counts
from atlas.view import ViewState
from loaders import AtlasLayers

MIN_SURGE_INCIDENTS = 3
EQUAL_AREA = "EPSG:6933"  # World Cylindrical Equal Area, for km²


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length that ends the day before ``start``."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


@dataclass(frozen=True)
class Baselines:
    """Whether the data cover what a range is compared with."""

    previous_period: bool  # the previous period of the same length
    year_before: bool  # the year before the range's last 30 days

    @classmethod
    def of(cls, start: date, end: date, data_start: date) -> Baselines:
        """The baselines of the range ``start``–``end`` in data that begin on ``data_start``."""
        return cls(
            previous_period=previous_period(start, end)[0] >= data_start,
            year_before=end - timedelta(days=365 + 29) >= data_start,
        )

    def note(self, data_start: date) -> str | None:
        """What a page says of the comparisons it cannot make; None if it can make both."""
        missing = []
        if not self.previous_period:
            missing.append("the previous period (no change or rise is given)")
        if not self.year_before:
            missing.append("the year before the last 30 days (no one-year high is given)")
        if not missing:
            return None
        return f"The data begin on {data_start:%d %B %Y}, before " + " or ".join(missing) + "."


def is_rise(current: int, previous: int) -> bool:
    """True when ``current`` is at least double ``previous`` and big enough to matter."""
    return current >= MIN_SURGE_INCIDENTS and current >= 2 * previous


def one_year_window(end: date) -> tuple[date, date]:
    """The days the one-year-high rule reads for a range ending ``end``: the last 30 days
    and the 365 days before them."""
    return end - timedelta(days=365 + 29), end


def fatalities_at_one_year_high(daily: pd.Series, end: date) -> bool:
    """True when the 30 days ending ``end`` had the most fatalities of any 30 days in a year.

    ``daily`` are the fatalities per event day (:func:`fatalities_per_day`; days without
    incidents may be left out). Windows are compared day by day over the 365 days before
    the last window.
    """
    first, last = one_year_window(end)
    first_day, last_day = pd.Timestamp(first), pd.Timestamp(last)
    recent = daily[(daily.index >= first_day) & (daily.index <= last_day)]
    if recent.empty:
        return False
    summed = (
        recent.groupby(level=0)
        .sum()
        .astype(float)
        .reindex(pd.date_range(first_day, last_day, freq="D"), fill_value=0)
    )
    rolling = summed.rolling(30).sum().dropna()
    latest = float(rolling.iloc[-1])
    return latest > 0 and latest >= float(rolling.iloc[:-1].max())


def fatalities_per_day(incidents: pd.DataFrame) -> pd.Series:
    """Fatalities (unknown as 0) per event day of ``incidents``, days with incidents only."""
    fatalities = incidents["fatalities"].fillna(0).astype("int64")
    return fatalities.groupby(incidents["event_date"].dt.normalize(), sort=True).sum()


def region_counts(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents and fatalities (unknown as 0) per region code of ``incidents``: the frame
    of :func:`region_counts_frame` (an incident without a region is in none)."""
    frame = pd.DataFrame(
        {"admin1": incidents["admin1"], "fatalities": incidents["fatalities"].fillna(0)}
    )
    counts = frame.groupby("admin1", sort=True)["fatalities"].agg(["size", "sum"])
    return region_counts_frame(zip(counts.index, counts["size"], counts["sum"], strict=True))


def region_counts_frame(rows: Iterable[tuple[str, int, int]]) -> pd.DataFrame:
    """(region code, incidents, fatalities) as a frame indexed by the code (``admin1``),
    with the integer columns ``incidents`` and ``fatalities``: what stores' counts are
    added in."""
    found = list(rows)
    return pd.DataFrame(
        {
            "incidents": np.array([row[1] for row in found], dtype=np.int64),
            "fatalities": np.array([row[2] for row in found], dtype=np.int64),
        },
        index=pd.Index([str(row[0]) for row in found], dtype=object, name="admin1"),
    )


def region_days(incidents: pd.DataFrame) -> pd.Series:
    """Fatalities (unknown as 0) per region code and event day of ``incidents``, days with
    incidents only: the series of :func:`region_days_series`."""
    frame = pd.DataFrame(
        {
            "admin1": incidents["admin1"],
            "day": incidents["event_date"].dt.normalize(),
            "fatalities": incidents["fatalities"].fillna(0),
        }
    )
    summed = frame.groupby(["admin1", "day"], sort=True)["fatalities"].sum()
    return region_days_series((code, day, dead) for (code, day), dead in summed.items())


def region_days_series(rows: Iterable[tuple[str, date, int]]) -> pd.Series:
    """(region code, day, fatalities) as an integer series indexed by code and day."""
    found = list(rows)
    index = pd.MultiIndex.from_arrays(
        [
            pd.Index([str(row[0]) for row in found], dtype=object),
            pd.DatetimeIndex([pd.Timestamp(row[1]) for row in found]),
        ],
        names=["admin1", "day"],
    )
    dead = np.array([row[2] for row in found], dtype=np.int64)
    return pd.Series(dead, index=index, name="fatalities")


@dataclass(frozen=True, eq=False)
class RegionCounts:
    """What the regional comparison is made of, counted per region code without rows.

    ``in_range`` and ``in_previous`` are the incidents and fatalities of the view's range
    and of the previous period (:func:`region_counts`); ``days`` the fatalities per region
    and day (:func:`region_days`) over at least the :func:`one_year_window` of the range's
    end. A store that keeps its incidents outside the process counts its own
    (:func:`view_region_counts`, :func:`view_region_days`), so that the comparison is
    the same whichever keeps them.
    """

    in_range: pd.DataFrame
    in_previous: pd.DataFrame
    days: pd.Series

    @classmethod
    def of(
        cls, in_range: pd.DataFrame, in_previous: pd.DataFrame, history: pd.DataFrame
    ) -> RegionCounts:
        """The counts of the rows of the range, the previous period and the history."""
        return cls(region_counts(in_range), region_counts(in_previous), region_days(history))

    def figures(self, code: str) -> tuple[int, int, int]:
        """Incidents and fatalities in the range, and incidents in the previous period, of
        the region ``code`` (zeros for a region without incidents)."""
        current = self.in_range.loc[code] if code in self.in_range.index else None
        before = self.in_previous.loc[code] if code in self.in_previous.index else None
        return (
            int(current["incidents"]) if current is not None else 0,
            int(current["fatalities"]) if current is not None else 0,
            int(before["incidents"]) if before is not None else 0,
        )

    def fatalities_per_day(self, code: str) -> pd.Series:
        """The fatalities per day of the region ``code`` (empty without incidents)."""
        if code not in self.days.index.get_level_values("admin1"):
            return pd.Series([], dtype=np.int64, index=pd.DatetimeIndex([], name="day"))
        return self.days.xs(code, level="admin1")


@dataclass(frozen=True)
class RegionFigures:
    """One row of the regional comparison."""

    iso_code: str
    name: str
    incidents: int
    fatalities: int
    per_10k_km2: float
    previous_incidents: int | None
    change_pct: float | None
    rise: bool
    fatality_high: bool


def compare_regions(
    counts: RegionCounts,
    regions: gpd.GeoDataFrame,
    end: date,
    baselines: Baselines = Baselines(previous_period=True, year_before=True),
) -> pd.DataFrame:
    """Per region: incidents, fatalities, density, change and surge flags.

    Parameters
    ----------
    counts
        The view's incidents counted per region (already filtered): in its date range, over
        :func:`previous_period` with the same filters, and fatalities per day over the
        :func:`one_year_window` of ``end`` (for the one-year-high rule).
    regions
        The regions layer (``iso_code``, ``name``, polygons in EPSG:4326).
    end
        The last day of the range.
    baselines
        Which comparisons the data allow; one they do not is left empty (None, or False
        for its flag).
    """
    areas = regions.geometry.to_crs(EQUAL_AREA).area / 1e6
    rows = []
    for code, name, area in zip(regions["iso_code"], regions["name"], areas, strict=True):
        n, dead, before = counts.figures(code)
        compared = baselines.previous_period
        rows.append(
            RegionFigures(
                iso_code=code,
                name=name,
                incidents=n,
                fatalities=dead,
                per_10k_km2=round(n / area * 10_000, 2) if area else 0.0,
                previous_incidents=before if compared else None,
                change_pct=round((n - before) / before * 100, 1) if compared and before else None,
                rise=compared and is_rise(n, before),
                fatality_high=baselines.year_before
                and fatalities_at_one_year_high(counts.fatalities_per_day(code), end),
            ).__dict__
        )
    return pd.DataFrame(rows).sort_values(
        ["incidents", "fatalities"], ascending=False, ignore_index=True
    )


def top_counts(incidents: pd.DataFrame, columns: list[str], top: int = 8) -> pd.Series:
    """The most frequent values over several columns (e.g. both actors), most first."""
    values = pd.concat([incidents[c] for c in columns], ignore_index=True)
    values = values[values.notna() & (values.astype(str) != "")]
    return values.value_counts().head(top)


def deadliest(incidents: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The incidents with the most fatalities (unknown figures last)."""
    return incidents.sort_values(
        ["fatalities", "event_date"], ascending=[False, False], na_position="last"
    ).head(top)


def region_figures(layers: AtlasLayers, view: ViewState) -> tuple[date, date, pd.DataFrame]:
    """The regional comparison of a view: its range and one row per region.

    The previous period and the one-year history use the view's filters too, so a change
    compares like with like. Each is counted where the incidents are kept
    (:func:`view_region_counts`, :func:`view_region_days`): no row travels; one the data
    do not reach back to (:class:`Baselines`) is not counted at all.
    """
    data_start, data_end = data_span(layers)
    start, end = view.date_range(data_start, data_end)
    baselines = Baselines.of(start, end, data_start)

    def chosen(first: date, last: date) -> IncidentFilter:
        return view_filter(layers, view, first, last)

    nothing = layers.incidents.iloc[0:0]
    counts = RegionCounts(
        view_region_counts(layers, chosen(start, end)),
        view_region_counts(layers, chosen(*previous_period(start, end)))
        if baselines.previous_period
        else region_counts(nothing),
        view_region_days(layers, chosen(*one_year_window(end)))
        if baselines.year_before
        else region_days(nothing),
    )
    return start, end, compare_regions(counts, layers.regions, end, baselines)


def view_region_counts(layers: AtlasLayers, chosen: IncidentFilter) -> pd.DataFrame:
    """:func:`region_counts` of the incidents ``chosen`` selects, wherever they are kept."""
    counts = region_counts(apply_filter(layers.incidents, chosen))
    if layers.imported is None:
        return counts
    return _summed(counts, layers.imported.region_counts(chosen))


def view_region_days(layers: AtlasLayers, chosen: IncidentFilter) -> pd.Series:
    """:func:`region_days` of the incidents ``chosen`` selects, wherever they are kept."""
    days = region_days(apply_filter(layers.incidents, chosen))
    if layers.imported is None:
        return days
    return _summed(days, layers.imported.region_days(chosen))


_Counts = TypeVar("_Counts", pd.DataFrame, pd.Series)


def _summed(held: _Counts, counted: _Counts) -> _Counts:
    """Counts of the held incidents and of the store's, added up key by key (in order)."""
    if counted.empty:
        return held
    if held.empty:
        return counted
    both = pd.concat([held, counted])
    return both.groupby(level=list(range(both.index.nlevels)), sort=True).sum()


def towns_most_affected(
    incidents: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, max_km: float = 30, top: int = 8
) -> pd.Series:
    """Incidents per nearest town (within ``max_km``), most first."""
    names = nearest_town(incidents, towns, max_km)
    return names.dropna().value_counts().head(top)


# -- a region's incidents, wherever they are kept ------------------------------------------------


def _held(
    layers: AtlasLayers, chosen: IncidentFilter, held: pd.DataFrame | None
) -> gpd.GeoDataFrame:
    return apply_filter(layers.incidents, chosen) if held is None else held


def _value_counts_of(incidents: pd.DataFrame, columns: list[str]) -> list[ValueCount]:
    """The :class:`atlas.filters.ValueCount` of every value (neither missing nor empty) of
    each of ``columns`` in ``incidents`` (rows held in the process, by day then id)."""
    found: list[ValueCount] = []
    rows = np.arange(len(incidents)) - len(incidents)  # held ones come first among alike
    for position, column in enumerate(columns):
        values = incidents[column]
        keep = (values.notna() & (values.astype(str) != "")).to_numpy()
        kept = pd.DataFrame(
            {
                "value": values.to_numpy()[keep],
                "day": incidents["event_date"].to_numpy()[keep],
                "id": incidents["id"].to_numpy()[keep],
                "row": rows[keep],
            }
        ).sort_values(["day", "id", "row"], kind="stable")
        counted = kept.groupby("value", sort=False).agg(
            times=("row", "size"), day=("day", "first"), id=("id", "first"), row=("row", "first")
        )
        found += [
            ValueCount(
                position, str(value), int(count), pd.Timestamp(day).date(), str(id_), int(row)
            )
            for value, count, day, id_, row in counted.itertuples()
        ]
    return found


def _ranked(counted: list[ValueCount], top: int, index: pd.Index) -> pd.Series:
    """The ``top`` most frequent values of ``counted`` (counts of several stores added up),
    most first, values as frequent in the order they are first met: what
    :meth:`pandas.Series.value_counts` gives over all the incidents' values, in an index
    like ``index`` (its dtype and name)."""
    table = pd.DataFrame(counted, columns=list(ValueCount._fields))
    table = table.sort_values(["column", "day", "id", "row"], kind="stable")
    totals = table.groupby("value", sort=False)["times"].sum()
    best = totals.sort_values(ascending=False, kind="stable").head(top)
    values = pd.Index(list(best.index), dtype=index.dtype, name=index.name)
    return pd.Series(best.to_numpy(dtype=np.int64), index=values, name="count")


def view_top_counts(
    layers: AtlasLayers,
    chosen: IncidentFilter,
    columns: list[str],
    top: int = 8,
    held: pd.DataFrame | None = None,
) -> pd.Series:
    """:func:`top_counts` of the incidents ``chosen`` selects, wherever they are kept: a
    store that keeps them outside the process counts its own values.

    ``held`` are the rows of the incidents held in the process that ``chosen`` selects,
    when the caller has them already (as for the other ``view_`` functions below).
    """
    rows = _held(layers, chosen, held)
    if layers.imported is None:
        return top_counts(rows, columns, top)
    counted = _value_counts_of(rows, columns) + layers.imported.value_counts(chosen, tuple(columns))
    name = columns[0] if len(columns) == 1 else None  # as a concatenation names its values
    return _ranked(counted, top, pd.Index([], dtype=layers.incidents[columns[0]].dtype, name=name))


def view_deadliest(
    layers: AtlasLayers, chosen: IncidentFilter, top: int = 5, held: pd.DataFrame | None = None
) -> gpd.GeoDataFrame:
    """:func:`deadliest` of the incidents ``chosen`` selects, wherever they are kept: a
    store that keeps them outside the process sends its ``top`` deadliest only.

    Incidents alike in fatalities and day come in the order of :func:`view_incidents`: by
    id, held ones first.
    """
    rows = _held(layers, chosen, held)
    if layers.imported is None:
        return deadliest(rows, top)
    fetched = layers.imported.deadliest(chosen, top)
    both = in_order(deadliest(rows, top), fetched)
    return deadliest(both.sort_values(["event_date", "id"], kind="stable"), top)


def view_towns_most_affected(
    layers: AtlasLayers,
    chosen: IncidentFilter,
    max_km: float = 30,
    top: int = 8,
    held: pd.DataFrame | None = None,
) -> pd.Series:
    """:func:`towns_most_affected` of the incidents ``chosen`` selects, wherever they are
    kept: a store that keeps them outside the process sends the sums of its points
    (:class:`atlas.proximity.PointSums`, less those held here), then its counts per
    nearest town measured in the UTM zone of the centre of all the points, as the rows
    would be measured."""
    rows = _held(layers, chosen, held)
    if layers.imported is None:
        return towns_most_affected(rows, layers.towns, max_km, top)
    placed = rows.geometry[rows.geometry.notna()]
    excluded = frozenset(zip(placed.x.tolist(), placed.y.tolist(), strict=True))
    points = PointSums.of(rows.geometry).add(layers.imported.point_sums(chosen, excluded))
    epsg = points.utm_epsg()
    names = pd.Index([], dtype=object, name="name")
    if epsg is None:
        return pd.Series([], dtype=np.int64, index=names, name="count")
    nearest = nearest_town_in(rows, layers.towns, max_km, CRS.from_epsg(epsg))
    counted = _value_counts_of(rows.assign(nearest_town=nearest), ["nearest_town"])
    towns = towns_in_zone(layers.towns, epsg, max_km)
    counted += layers.imported.nearest_towns(chosen, towns, epsg, max_km)
    return _ranked(counted, top, names)


@dataclass(frozen=True, eq=False)
class RegionDrilldown:
    """What the Regions page shows of one region's incidents in a view.

    ``per_month`` is :func:`atlas.timeline.counts_by_period` of them by month and event
    type; ``actors`` and ``event_types`` their :func:`top_counts` (both actors counted
    together); ``towns`` :func:`towns_most_affected`; ``deadliest`` :func:`deadliest`.
    """

    incidents: int
    per_month: pd.DataFrame
    actors: pd.Series
    event_types: pd.Series
    towns: pd.Series
    deadliest: gpd.GeoDataFrame


def region_drilldown(
    layers: AtlasLayers, view: ViewState, code: str, start: date, end: date
) -> RegionDrilldown | None:
    """The :class:`RegionDrilldown` of the region ``code`` in ``view`` over ``[start, end]``,
    or None when the view has no incident there (a region its filter leaves out has none).

    Counted where the incidents are kept: a store that keeps them outside the process sends
    its counts and its deadliest incidents, never the region's rows.
    """
    if view.regions and code not in view.regions:
        return None
    chosen = view_filter(layers, replace(view, regions=(code,)), start, end)
    held = apply_filter(layers.incidents, chosen)
    monthly = period_counts(held, "month")
    if layers.imported is not None:
        monthly = monthly.add(layers.imported.timelines(chosen)["month"])
    incidents = int(monthly.counts["incidents"].sum())
    if not incidents:
        return None
    return RegionDrilldown(
        incidents=incidents,
        per_month=monthly.per_key(),
        actors=view_top_counts(layers, chosen, ["actor1", "actor2"], held=held),
        event_types=view_top_counts(layers, chosen, ["event_type"], held=held),
        towns=view_towns_most_affected(layers, chosen, held=held),
        deadliest=view_deadliest(layers, chosen, held=held),
    )
