"""Views of the imported incidents answered by the shared database, not by every process.

With the shared store, a replica holds the curated incidents only; the imported ones (up to
millions) stay in PostgreSQL, and a view asks for its own rows: the filter of
:class:`atlas.filters.IncidentFilter` becomes a WHERE clause over indexed columns, and only
the matching current rows travel. Answers are cached per process by the store's change
counter and the filter, so reruns of the same view do not ask again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import date
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import (
    TIMESTAMP,
    Date,
    Integer,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, distinct_on

from atlas.aggregate import CellCounts, cell_column
from atlas.db import engine, schema
from atlas.db.datasets import fetch_rows
from atlas.db.migrate import DATABASE_ERRORS, unreachable
from atlas.filters import (
    IMPRECISE,
    MALI,
    DatasetLicence,
    IncidentFilter,
    RegionFigures,
    ValueCount,
    ViewTotals,
    in_order,
    newest_first,
)
from atlas.proximity import PointSums, TownInZone
from atlas.regions import region_counts_frame, region_days_series
from atlas.timeline import PERIODS, PeriodCounts
from loaders.imports import INCIDENTS
from loaders.imports.schema import DAY
from loaders.vocabulary import COUNTRY_ONLY

TABLE = schema.incidents

_TEXT_COLUMNS = frozenset({"actor1", "actor2", "sub_event_type", "event_type", "licence"})


def _among(column: Any, values: Any) -> Any:
    """``column = ANY(array)``: one parameter however many values (never one per value)."""
    return column == any_(bindparam(None, sorted(values), type_=ARRAY(Text)))


def where(chosen: IncidentFilter, restriction: frozenset[str] | None) -> Any:
    """The WHERE clause of :func:`atlas.filters.apply_filter` over current rows."""
    clauses = [
        TABLE.c.valid_to.is_(None),
        TABLE.c.event_date >= chosen.start,
        TABLE.c.event_date <= chosen.end,
    ]
    if restriction is not None:
        clauses.append(_among(TABLE.c.admin1, restriction))
    if chosen.regions:
        clauses.append(_among(TABLE.c.admin1, chosen.regions))
    if chosen.event_types:
        clauses.append(_among(TABLE.c.event_type, chosen.event_types))
    if chosen.sub_types:
        picked = _among(TABLE.c.sub_event_type, chosen.sub_types)
        if chosen.event_types:
            others = ~_among(TABLE.c.event_type, chosen.sub_type_parents or {""})
            picked = or_(picked, others)
        clauses.append(picked)
    if chosen.actors:
        clauses.append(
            or_(_among(TABLE.c.actor1, chosen.actors), _among(TABLE.c.actor2, chosen.actors))
        )
    if chosen.families:
        clauses.append(
            or_(
                _among(TABLE.c.actor1_family, chosen.families),
                _among(TABLE.c.actor2_family, chosen.families),
            )
        )
    if chosen.min_fatalities > 0:
        clauses.append(func.coalesce(TABLE.c.fatalities, 0) >= chosen.min_fatalities)
    if chosen.precise_only:
        clauses.append(TABLE.c.geo_precision < IMPRECISE)
    if chosen.bbox is not None:
        clauses.append(_inside(chosen.bbox))
    return and_(*clauses)


def _inside(bbox: tuple[float, float, float, float]) -> Any:
    """:func:`atlas.filters.inside_bbox` in SQL.

    ``&&`` finds the candidates with the spatial index, but compares boxes of single
    precision rounded outwards, so a point a hair outside an edge can pass it; the exact
    comparison of the coordinates after it keeps the edges where Python puts them.
    """
    west, south, east, north = (float(edge) for edge in bbox)
    geometry = TABLE.c.geometry
    return and_(
        geometry.op("&&")(func.ST_MakeEnvelope(west, south, east, north, 4326)),
        func.ST_X(geometry).between(west, east),
        func.ST_Y(geometry).between(south, north),
        TABLE.c.geo_precision != COUNTRY_ONLY,
    )


def _rows(url: str, condition: Any) -> gpd.GeoDataFrame:
    """Current incidents matching ``condition``, as the embedded store's frame with cells."""
    try:
        with engine(url).connect() as connection:
            return fetch_rows(connection, INCIDENTS, condition, cells=True)
    except DATABASE_ERRORS as exc:  # said, never a traceback
        raise unreachable(url, exc) from None


class _ViewCache:
    """Recent views' rows, shared by every session of the process, within a row budget.

    The least recently asked view goes first when the budget would be exceeded; a view
    larger than the whole budget is answered but not kept.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._rows: OrderedDict[Hashable, gpd.GeoDataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> gpd.GeoDataFrame | None:
        with self._lock:
            found = self._rows.get(key)
            if found is not None:
                self._rows.move_to_end(key)
            return found

    def put(self, key: Hashable, rows: gpd.GeoDataFrame) -> None:
        if len(rows) > self.budget:
            return
        with self._lock:
            self._rows[key] = rows
            self._rows.move_to_end(key)
            while sum(len(kept) for kept in self._rows.values()) > self.budget:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


VIEW_ROWS_KEPT = 1_500_000
"""Rows of recent views a process keeps (about 1.5 GB at most)."""
views = _ViewCache(VIEW_ROWS_KEPT)


@lru_cache(maxsize=64)
def _distinct(
    url: str,
    version: str,
    restriction: frozenset[str] | None,
    column: str,
    among: str | None = None,
    values: tuple[str, ...] = (),
) -> frozenset[str]:
    """The distinct values of ``column`` in current rows (where ``among`` is one of
    ``values``, when given); cached per store version like the views."""
    del version  # part of the cache key only
    condition = _current(restriction)
    if among is not None:
        condition = and_(condition, _among(TABLE.c[among], values))
    query = select(TABLE.c[column]).where(condition).distinct()
    return frozenset(row[0] for row in _fetch(url, query) if row[0])


@lru_cache(maxsize=16)
def _span(url: str, version: str, restriction: frozenset[str] | None) -> tuple[Any, Any]:
    del version  # part of the cache key only
    query = select(func.min(TABLE.c.event_date), func.max(TABLE.c.event_date)).where(
        _current(restriction)
    )
    ((first, last),) = _fetch(url, query)
    return first, last


@lru_cache(maxsize=32)
def _totals(
    url: str,
    version: str,
    restriction: frozenset[str] | None,
    chosen: IncidentFilter,
    resolution: int,
) -> ViewTotals:
    """:func:`atlas.filters.totals_of` of the current rows ``chosen`` selects, summed by the
    database in one pass over them; cached per store version like the views."""
    del version  # part of the cache key only
    found = _fetch(url, _totals_query(where(chosen, restriction), resolution))
    by_region = [row for row in found if row.sets == _BY_REGION]
    cells = [row for row in found if row.sets == _BY_CELL and row.cell is not None]
    regions = tuple(
        sorted(
            RegionFigures(row.region, row.incidents, row.dead)
            for row in by_region
            if row.region is not None
        )
    )
    return ViewTotals(
        incidents=sum(row.incidents for row in by_region),
        fatalities=sum(row.dead for row in by_region),
        without_fatality_figure=sum(row.unknown for row in by_region),
        outside_mali=sum(row.outside for row in by_region),
        not_on_map=sum(row.unplaced for row in by_region),
        regions=regions,
        cells=CellCounts.summed(
            resolution,
            np.array([row.cell for row in cells], dtype=np.int64).astype(np.uint64),
            np.array([row.incidents for row in cells], dtype=np.int64),
            np.array([row.dead for row in cells], dtype=np.int64),
        ),
    )


_BY_REGION, _BY_CELL = 1, 2
"""``GROUPING(region, cell)`` of each grouping set: the bit of the column left out is set."""


def _totals_query(condition: Any, resolution: int) -> Any:
    """Incidents, fatalities and the headline's counts per region name, and incidents and
    fatalities per H3 cell of the incidents on the map, in one query (two grouping sets).

    The country-only test is written as a literal: the grouping expression must read the
    same in the select list and in GROUP BY, which two bound parameters would not.
    """
    placed = TABLE.c.geo_precision != literal_column(str(COUNTRY_ONLY))
    cell = case((placed, TABLE.c[cell_column(resolution)]))
    region = TABLE.c.admin1_name
    dead = func.coalesce(func.sum(TABLE.c.fatalities), 0)
    return (
        select(
            func.grouping(region, cell).label("sets"),
            region.label("region"),
            cell.label("cell"),
            func.count().label("incidents"),
            dead.label("dead"),
            func.count().filter(TABLE.c.fatalities.is_(None)).label("unknown"),
            func.count().filter(and_(placed, TABLE.c.country != MALI)).label("outside"),
            func.count().filter(~placed).label("unplaced"),
        )
        .where(condition)
        .group_by(func.grouping_sets(tuple_(region), tuple_(cell)))
    )


def _newest(condition: Any, limit: int) -> Any:
    """The current rows of the ``limit`` newest incidents matching ``condition``, as
    :func:`atlas.filters.newest_first` orders them: newest day first, then id compared as
    Python compares text (code point by code point, which the "C" collation's byte order of
    UTF-8 is), then the order written (the order the rows travel in, kept by ties)."""
    newest = (
        select(TABLE.c.row_id)
        .where(condition)
        .order_by(TABLE.c.event_date.desc(), TABLE.c.id.collate("C"), TABLE.c.row_id)
        .limit(limit)
    )
    return TABLE.c.row_id.in_(newest)


@lru_cache(maxsize=32)
def _timelines(
    url: str, version: str, restriction: frozenset[str] | None, chosen: IncidentFilter
) -> tuple[tuple[str, date, str, int, int], ...]:
    """(period, period start, event type, incidents, fatalities) of the current rows
    ``chosen`` selects, for every period of :data:`atlas.timeline.PERIODS`, counted by the
    database in one pass over them; cached per store version like the views."""
    del version  # part of the cache key only
    found = _fetch(url, _timelines_query(where(chosen, restriction)))
    return tuple(
        (period, row._mapping[period], row.key, int(row.incidents), int(row.fatalities))
        for row in found
        for period in PERIODS
        if row._mapping[period] is not None  # the period of the row's grouping set
    )


def _period_start(period: str) -> Any:
    """The first day of an incident's week (a Monday, as pandas starts a week ending on
    Sunday) or month.

    The day is made a timestamp without time zone first: ``date_trunc`` of a bare date
    would take it as a time in the session's zone. The unit is a literal, so that the
    expression reads the same in the select list and in GROUP BY.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {sorted(PERIODS)}, not {period!r}")
    day = cast(TABLE.c.event_date, TIMESTAMP(timezone=False))
    return cast(func.date_trunc(literal_column(f"'{period}'"), day), Date)


def _timelines_query(condition: Any) -> Any:
    """Incidents and fatalities (unknown as 0) per period start and event type, one
    grouping set per period: a row's start is given under its own period's name only
    (an event day is never missing, so the other periods' starts are NULL)."""
    starts = {period: _period_start(period) for period in PERIODS}
    kind = TABLE.c.event_type
    return (
        select(
            *(start.label(period) for period, start in starts.items()),
            kind.label("key"),
            func.count().label("incidents"),
            func.coalesce(func.sum(TABLE.c.fatalities), 0).label("fatalities"),
        )
        .where(condition)
        .group_by(func.grouping_sets(*(tuple_(start, kind) for start in starts.values())))
    )


def _period_counts(period: str, found: tuple[tuple[str, date, str, int, int], ...]) -> PeriodCounts:
    """The counts of one period from :func:`_timelines`, as a frame of held rows gives them
    (:func:`atlas.timeline.period_counts`: starts at the resolution of event days)."""
    rows = [row for row in found if row[0] == period]
    starts = pd.Series([row[1] for row in rows], dtype=object)
    counts = pd.DataFrame(
        {
            "start": pd.to_datetime(starts).astype(DAY),
            "key": np.array([row[2] for row in rows], dtype=object),
            "incidents": np.array([row[3] for row in rows], dtype=np.int64),
            "fatalities": np.array([row[4] for row in rows], dtype=np.int64),
        }
    )
    return PeriodCounts(period, counts.sort_values(["start", "key"], ignore_index=True))


@lru_cache(maxsize=32)
def _region_counts(
    url: str, version: str, restriction: frozenset[str] | None, chosen: IncidentFilter
) -> tuple[tuple[str, int, int], ...]:
    """(region code, incidents, fatalities) of the current rows ``chosen`` selects that
    have a region, counted by the database; cached per store version like the views."""
    del version  # part of the cache key only
    region = TABLE.c.admin1
    query = (
        select(region, func.count(), func.coalesce(func.sum(TABLE.c.fatalities), 0))
        .where(and_(where(chosen, restriction), region.is_not(None)))
        .group_by(region)
    )
    return tuple((str(code), int(count), int(dead)) for code, count, dead in _fetch(url, query))


@lru_cache(maxsize=32)
def _region_days(
    url: str, version: str, restriction: frozenset[str] | None, chosen: IncidentFilter
) -> tuple[tuple[str, date, int], ...]:
    """(region code, event day, fatalities) of the current rows ``chosen`` selects that
    have a region, summed by the database: a row per region and day with incidents."""
    del version  # part of the cache key only
    region, day = TABLE.c.admin1, TABLE.c.event_date
    query = (
        select(region, day, func.coalesce(func.sum(TABLE.c.fatalities), 0))
        .where(and_(where(chosen, restriction), region.is_not(None)))
        .group_by(region, day)
    )
    return tuple((str(code), found, int(dead)) for code, found, dead in _fetch(url, query))


_FIRST_KEY_DAY = 8  # characters of the day in a first-incident key: YYYYMMDD
_FIRST_KEY_ROW = 20  # digits of the row_id in it, zero-padded so that text order is numeric


def _first_key(day: Any, id_: Any, row: Any) -> Any:
    """The first incident of a group in the order of :func:`atlas.filters.in_order` (by
    day, then id as Python compares text, then the order written), in one aggregate.

    The three are written into one text whose byte order is theirs: a fixed-width day, the
    id, a separator below any character of an id (so that a shorter id sorts first, as in
    Python), and the zero-padded row id; the "C" collation compares bytes, and the bytes
    of UTF-8 compare as code points do.
    """
    key = func.concat(
        func.to_char(day, "YYYYMMDD"),
        id_,
        "\x01",
        func.lpad(cast(row, Text), _FIRST_KEY_ROW, "0"),
    )
    return func.min(key.collate("C"))


def _value_count(column: int, value: Any, count: Any, key: str) -> ValueCount:
    """A :class:`ValueCount` of a grouped row with a key of :func:`_first_key`."""
    ident, row = key[_FIRST_KEY_DAY:].rsplit("\x01", 1)
    day = date(int(key[:4]), int(key[4:6]), int(key[6:_FIRST_KEY_DAY]))
    return ValueCount(int(column), str(value), int(count), day, ident, int(row))


@lru_cache(maxsize=64)
def _value_counts(
    url: str,
    version: str,
    restriction: frozenset[str] | None,
    chosen: IncidentFilter,
    columns: tuple[str, ...],
) -> tuple[ValueCount, ...]:
    """The :class:`ValueCount` of every value (not NULL, not empty) of each of ``columns``
    in the current rows ``chosen`` selects, counted by the database in one pass per
    column; cached per store version like the views."""
    del version  # part of the cache key only
    condition = where(chosen, restriction)
    sides = [
        select(
            literal_column(str(position)).label("side"),
            TABLE.c[column].label("value"),
            TABLE.c.event_date,
            TABLE.c.id,
            TABLE.c.row_id,
        ).where(and_(condition, TABLE.c[column].is_not(None), TABLE.c[column] != ""))
        for position, column in enumerate(columns)
    ]
    values = union_all(*sides).subquery()
    query = select(
        values.c.side,
        values.c.value,
        func.count(),
        _first_key(values.c.event_date, values.c.id, values.c.row_id),
    ).group_by(values.c.side, values.c.value)
    return tuple(_value_count(*row) for row in _fetch(url, query))


def _first_of(key: str) -> tuple[date, str, int]:
    """The day, id and row id written in a key of :func:`_first_key`."""
    ident, row = key[_FIRST_KEY_DAY:].rsplit("\x01", 1)
    day = date(int(key[:4]), int(key[4:6]), int(key[6:_FIRST_KEY_DAY]))
    return day, ident, int(row)


@lru_cache(maxsize=32)
def _dataset_licences(
    url: str, version: str, restriction: frozenset[str] | None, chosen: IncidentFilter
) -> tuple[DatasetLicence, ...]:
    """The :class:`DatasetLicence` of every dataset and licence of the current rows
    ``chosen`` selects, with the first of them (:func:`_first_key`) and the least row id,
    grouped by the database; cached per store version like the views. The table records
    no access date: the licence text carries it."""
    del version  # part of the cache key only
    query = (
        select(
            TABLE.c.dataset,
            TABLE.c.licence,
            func.min(TABLE.c.row_id),
            _first_key(TABLE.c.event_date, TABLE.c.id, TABLE.c.row_id),
        )
        .where(where(chosen, restriction))
        .group_by(TABLE.c.dataset, TABLE.c.licence)
    )
    return tuple(
        DatasetLicence(str(dataset), str(licence), *_first_of(key), int(earliest))
        for dataset, licence, earliest, key in _fetch(url, query)
    )


def _deadliest(condition: Any, limit: int) -> Any:
    """The current rows of the ``limit`` incidents matching ``condition`` with the most
    fatalities (unknown last), then the newest, as :func:`atlas.regions.deadliest` ranks
    the rows of :func:`atlas.filters.in_order` (by id as Python compares text, then the
    order written)."""
    deadliest = (
        select(TABLE.c.row_id)
        .where(condition)
        .order_by(
            TABLE.c.fatalities.desc().nulls_last(),
            TABLE.c.event_date.desc(),
            TABLE.c.id.collate("C"),
            TABLE.c.row_id,
        )
        .limit(limit)
    )
    return TABLE.c.row_id.in_(deadliest)


def _floats(values: list[float]) -> Any:
    return bindparam(None, values, type_=ARRAY(DOUBLE_PRECISION))


@lru_cache(maxsize=32)
def _point_sums(
    url: str,
    version: str,
    restriction: frozenset[str] | None,
    chosen: IncidentFilter,
    excluded: frozenset[tuple[float, float]],
) -> PointSums:
    """The :class:`PointSums` of the distinct points of the current rows ``chosen``
    selects, but those at one of ``excluded``; cached per store version like the views."""
    del version  # part of the cache key only
    geometry = TABLE.c.geometry
    points = (
        select(func.ST_X(geometry).label("x"), func.ST_Y(geometry).label("y"))
        .where(and_(where(chosen, restriction), geometry.is_not(None)))
        .distinct()
        .subquery()
    )
    query = select(
        func.count(), func.coalesce(func.sum(points.c.x), 0), func.coalesce(func.sum(points.c.y), 0)
    )
    if excluded:
        xs, ys = zip(*sorted(excluded), strict=True)
        known = (
            func.unnest(_floats(list(xs)), _floats(list(ys)))
            .table_valued("x", "y")
            .render_derived(name="known")
        )
        query = query.where(tuple_(points.c.x, points.c.y).not_in(select(known.c.x, known.c.y)))
    else:
        query = query.select_from(points)
    ((count, x, y),) = _fetch(url, query)
    return PointSums(int(count), float(x), float(y))


@lru_cache(maxsize=32)
def _nearest_towns(
    url: str,
    version: str,
    restriction: frozenset[str] | None,
    chosen: IncidentFilter,
    towns: tuple[TownInZone, ...],
    epsg: int,
    max_km: float,
) -> tuple[ValueCount, ...]:
    """How many of the current rows ``chosen`` selects have each town as their nearest
    within ``max_km``, measured in the UTM zone ``epsg`` (as
    :func:`atlas.proximity.nearest_town_in` measures: metres in the zone, the nearest town
    within the distance, inclusive), with each town's first incident; cached per store
    version like the views.

    Each incident is projected once and measured only to the towns whose box holds it (a
    comparison of its coordinates), and takes the nearest of those, the first listed of
    those as near. Both sets are materialised first: otherwise the towns are unnested
    again and the incidents projected again for every pair (four times slower at 30,000
    incidents).
    """
    del version  # part of the cache key only
    if not towns:
        return ()
    listed = (
        func.unnest(
            bindparam(None, [town.name for town in towns], type_=ARRAY(Text)),
            _floats([town.x for town in towns]),
            _floats([town.y for town in towns]),
            *(_floats([town.box[edge] for town in towns]) for edge in range(4)),
            bindparam(None, list(range(len(towns))), type_=ARRAY(Integer)),
        )
        .table_valued("name", "x", "y", "west", "south", "east", "north", "position")
        .render_derived(name="listed")
    )
    places = (
        select(
            listed.c.name,
            listed.c.position,
            listed.c.west,
            listed.c.south,
            listed.c.east,
            listed.c.north,
            func.ST_SetSRID(func.ST_MakePoint(listed.c.x, listed.c.y), epsg).label("point"),
        )
        .cte("places")
        .prefix_with("MATERIALIZED")
    )
    geometry = TABLE.c.geometry
    points = (
        select(
            TABLE.c.row_id,
            TABLE.c.event_date,
            TABLE.c.id,
            func.ST_Transform(geometry, epsg).label("projected"),
            func.ST_X(geometry).label("lon"),
            func.ST_Y(geometry).label("lat"),
        )
        .where(and_(where(chosen, restriction), geometry.is_not(None)))
        .cte("points")
        .prefix_with("MATERIALIZED")
    )
    inside = and_(
        points.c.lon.between(places.c.west, places.c.east),
        points.c.lat.between(places.c.south, places.c.north),
    )
    distance = func.ST_Distance(points.c.projected, places.c.point)
    nearest = (
        select(points.c.row_id, points.c.event_date, points.c.id, places.c.name)
        .select_from(points.join(places, inside))
        .where(distance <= max_km * 1000)
        .ext(distinct_on(points.c.row_id))
        .order_by(points.c.row_id, distance, places.c.position)
        .subquery()
    )
    query = select(
        literal_column("0"),
        nearest.c.name,
        func.count(),
        _first_key(nearest.c.event_date, nearest.c.id, nearest.c.row_id),
    ).group_by(nearest.c.name)
    return tuple(_value_count(*row) for row in _fetch(url, query))


def _current(restriction: frozenset[str] | None) -> Any:
    clauses = [TABLE.c.valid_to.is_(None)]
    if restriction is not None:
        clauses.append(_among(TABLE.c.admin1, restriction))
    return and_(*clauses)


def _fetch(url: str, query: Any) -> list[Any]:
    try:
        with engine(url).connect() as connection:
            return list(connection.execute(query).all())
    except DATABASE_ERRORS as exc:  # said, never a traceback
        raise unreachable(url, exc) from None


class DatabaseIncidents:
    """The imported incidents of the shared database at ``url``, as
    :class:`atlas.filters.ImportedIncidents` (``version`` is the fingerprint of the store
    the layers were loaded from; ``restriction`` the regions of a restricted user). Every
    answer but :meth:`by_ids` is kept per process until the store changes."""

    def __init__(self, url: str, version: str, restriction: frozenset[str] | None = None) -> None:
        self.url, self.version, self.restriction = url, version, restriction

    def select(self, chosen: IncidentFilter, held: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The current incidents ``chosen`` selects, with ``held`` (the same filter's rows
        of the incidents the process holds) in one frame, by day then id.

        Kept for the next asking of the same view until the store changes (``version``).
        """
        key = (self.url, self.version, self.restriction, chosen)
        found = views.get(key)
        if found is None:
            fetched = _rows(self.url, where(chosen, self.restriction))
            found = in_order(held, fetched)
            views.put(key, found)
        return found.copy(deep=False)

    def span(self) -> tuple[date, date] | None:
        """First and last event day, or None without incidents."""
        first, last = _span(self.url, self.version, self.restriction)
        return (first, last) if first is not None else None

    def count(self) -> int:
        """How many current incidents it holds (within the restriction)."""
        ((found,),) = _fetch(self.url, select(func.count()).where(_current(self.restriction)))
        return int(found)

    def names(self, column: str) -> set[str]:
        """The distinct values of a text column (actors, sub-types, types)."""
        if column not in _TEXT_COLUMNS:
            raise ValueError(f"not a listed column: {column!r}")
        return set(_distinct(self.url, self.version, self.restriction, column))

    def sub_types_of(self, event_types: tuple[str, ...]) -> set[str]:
        """The sub-types the incidents of ``event_types`` (all when empty) have."""
        among = "event_type" if event_types else None
        found = _distinct(
            self.url, self.version, self.restriction, "sub_event_type", among, event_types
        )
        return set(found)

    def parents_of(self, sub_types: tuple[str, ...]) -> set[str]:
        """The event types of the incidents with one of ``sub_types``."""
        found = _distinct(
            self.url, self.version, self.restriction, "event_type", "sub_event_type", sub_types
        )
        return set(found)

    def by_ids(self, ids: list[str]) -> gpd.GeoDataFrame:
        """The current incidents with one of ``ids``."""
        return _rows(self.url, and_(_current(self.restriction), _among(TABLE.c.id, ids)))

    def totals(self, chosen: IncidentFilter, resolution: int) -> ViewTotals:
        """The figures of the current incidents ``chosen`` selects, with their cells at
        ``resolution``, summed by the database: no row travels (:class:`ViewTotals`)."""
        return _totals(self.url, self.version, self.restriction, chosen, resolution)

    def latest(self, chosen: IncidentFilter, limit: int) -> gpd.GeoDataFrame:
        """The ``limit`` newest current incidents ``chosen`` selects, newest first
        (:func:`atlas.filters.newest_first`): the database sorts, only they travel.

        Kept with the views' rows until the store changes (``version``).
        """
        key = ("latest", self.url, self.version, self.restriction, chosen, limit)
        found = views.get(key)
        if found is None:
            condition = _newest(where(chosen, self.restriction), limit)
            found = newest_first(_rows(self.url, condition))
            views.put(key, found)
        return found.copy(deep=False)

    def timelines(self, chosen: IncidentFilter) -> dict[str, PeriodCounts]:
        """The current incidents ``chosen`` selects counted per period and event type by
        the database (``date_trunc``): no row travels."""
        found = _timelines(self.url, self.version, self.restriction, chosen)
        return {period: _period_counts(period, found) for period in PERIODS}

    def region_counts(self, chosen: IncidentFilter) -> pd.DataFrame:
        """Incidents and fatalities of the current incidents ``chosen`` selects per region
        code, counted by the database (:func:`atlas.regions.region_counts`)."""
        found = _region_counts(self.url, self.version, self.restriction, chosen)
        return region_counts_frame(sorted(found))

    def region_days(self, chosen: IncidentFilter) -> pd.Series:
        """Fatalities of the current incidents ``chosen`` selects per region code and day,
        summed by the database (:func:`atlas.regions.region_days`)."""
        found = _region_days(self.url, self.version, self.restriction, chosen)
        return region_days_series(sorted(found))

    def value_counts(self, chosen: IncidentFilter, columns: tuple[str, ...]) -> list[ValueCount]:
        """How often each value of each of ``columns`` occurs among the current incidents
        ``chosen`` selects, with its first incident, counted by the database."""
        unknown = set(columns) - _TEXT_COLUMNS
        if unknown:
            raise ValueError(f"not a listed column: {sorted(unknown)}")
        return list(_value_counts(self.url, self.version, self.restriction, chosen, columns))

    def deadliest(self, chosen: IncidentFilter, limit: int) -> gpd.GeoDataFrame:
        """The ``limit`` current incidents ``chosen`` selects with the most fatalities
        (unknown last), then the newest, then by id: the database ranks, only they travel.

        Kept with the views' rows until the store changes (``version``).
        """
        key = ("deadliest", self.url, self.version, self.restriction, chosen, limit)
        found = views.get(key)
        if found is None:
            found = _rows(self.url, _deadliest(where(chosen, self.restriction), limit))
            views.put(key, found)
        return found.copy(deep=False)

    def point_sums(
        self, chosen: IncidentFilter, excluded: frozenset[tuple[float, float]]
    ) -> PointSums:
        """The :class:`atlas.proximity.PointSums` of the points of the current incidents
        ``chosen`` selects but those at one of ``excluded``, summed by the database."""
        return _point_sums(self.url, self.version, self.restriction, chosen, excluded)

    def nearest_towns(
        self, chosen: IncidentFilter, towns: tuple[TownInZone, ...], epsg: int, max_km: float
    ) -> list[ValueCount]:
        """How many of the current incidents ``chosen`` selects have each of ``towns`` as
        their nearest within ``max_km`` in the UTM zone ``epsg``, measured by the database."""
        found = _nearest_towns(
            self.url, self.version, self.restriction, chosen, towns, epsg, max_km
        )
        return list(found)

    def dataset_licences(self, chosen: IncidentFilter) -> list[DatasetLicence]:
        """Each dataset and licence among the current incidents ``chosen`` selects, with
        its first incident, grouped by the database: no row travels."""
        return list(_dataset_licences(self.url, self.version, self.restriction, chosen))

    def restricted(self, regions: frozenset[str]) -> DatabaseIncidents:
        """The same, with only the incidents inside ``regions``."""
        inside = regions if self.restriction is None else regions & self.restriction
        return DatabaseIncidents(self.url, self.version, frozenset(inside))
