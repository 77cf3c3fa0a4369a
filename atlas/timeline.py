"""Counts over time, for timelines and surge rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

PERIODS = {"week": "W-MON", "month": "MS"}
"""Each period's frequency of starts: weeks start on Monday, months on their first day."""

_SPANS = {"week": "W-SUN", "month": "M"}
"""The pandas period of each, whose start is the period's first day (a week ending Sunday
starts on Monday, as the database's ``date_trunc('week', …)`` does)."""

COUNT_COLUMNS = ("start", "key", "incidents", "fatalities")
"""The columns of :attr:`PeriodCounts.counts`."""


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {sorted(PERIODS)}, not {period!r}")


@dataclass(frozen=True, eq=False)
class PeriodCounts:
    """Incidents and fatalities (unknown as 0) per period and key, one row each that has
    an incident: what a timeline is made of, before the empty periods are filled in.

    Counts of different incidents (held in the process, counted by a database) add up with
    :meth:`add`, so a store that keeps its incidents outside the process sends these sums
    instead of the rows; :meth:`per_key` and :meth:`per_period` then give exactly what
    :func:`counts_by_period` gives over all the rows. ``counts`` has the columns
    :data:`COUNT_COLUMNS`; ``start`` is the period's first day, at the resolution of the
    incidents' dates. It is not to be changed.
    """

    period: str
    counts: pd.DataFrame

    def __post_init__(self) -> None:
        _check_period(self.period)
        if tuple(self.counts.columns) != COUNT_COLUMNS:
            raise ValueError(
                f"counts must have the columns {COUNT_COLUMNS}, not {tuple(self.counts.columns)}"
            )

    @property
    def empty(self) -> bool:
        """True when no incident was counted."""
        return self.counts.empty

    def add(self, other: PeriodCounts) -> PeriodCounts:
        """The counts of both sets of incidents (which must not share an incident)."""
        if other.period != self.period:
            raise ValueError(f"cannot add counts per {other.period} to counts per {self.period}")
        if other.empty:
            return self
        if self.empty:
            return other
        both = pd.concat([self.counts, other.counts], ignore_index=True)
        summed = both.groupby(["start", "key"], sort=True).sum().reset_index()
        return PeriodCounts(self.period, summed[list(COUNT_COLUMNS)])

    def per_key(self) -> pd.DataFrame:
        """Incidents per period (rows: period start), one column per key (sorted)."""
        if self.empty:
            return pd.DataFrame()
        table = self.counts.pivot_table(
            index="start", columns="key", values="incidents", aggfunc="sum"
        )
        return self._filled(table)

    def per_period(self) -> pd.DataFrame:
        """Incidents and fatalities per period (rows: period start), whatever their key."""
        if self.empty:
            return pd.DataFrame()
        return self._filled(self.counts.groupby("start")[["incidents", "fatalities"]].sum())

    def _filled(self, table: pd.DataFrame) -> pd.DataFrame:
        """Every period from the first to the last, without incidents as zeros."""
        full = pd.date_range(table.index.min(), table.index.max(), freq=PERIODS[self.period])
        table = table.reindex(full, fill_value=0).fillna(0).astype("int64")
        table.index.name = self.period
        table.columns.name = None
        return table


def period_counts(
    incidents: pd.DataFrame, period: str, by: str | None = "event_type"
) -> PeriodCounts:
    """The :class:`PeriodCounts` of ``incidents`` per week or month and value of ``by``
    (with ``by=None``, one key for all: the empty text)."""
    _check_period(period)
    return _of_days(_counts_by_day(incidents, by), period)


def timelines_of(incidents: pd.DataFrame) -> dict[str, PeriodCounts]:
    """The :class:`PeriodCounts` by event type of ``incidents`` for every period of
    :data:`PERIODS`, the rows counted once (per day) for all of them."""
    days = _counts_by_day(incidents, "event_type")
    return {period: _of_days(days, period) for period in PERIODS}


def _counts_by_day(incidents: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Incidents and fatalities per event day and key, in :data:`COUNT_COLUMNS` (the day
    as ``start``): a few thousand rows however many incidents, to sum per period after."""
    frame = pd.DataFrame(
        {
            "start": incidents["event_date"],
            "key": incidents[by].to_numpy() if by is not None else "",
            "fatalities": incidents["fatalities"].fillna(0).astype("int64"),
        }
    )
    counts = frame.groupby(["start", "key"], sort=True).agg(
        incidents=("fatalities", "size"), fatalities=("fatalities", "sum")
    )
    return counts.reset_index()[list(COUNT_COLUMNS)]


def _of_days(days: pd.DataFrame, period: str) -> PeriodCounts:
    """Counts per day summed per period, each day under its period's first day."""
    starts = days.assign(start=days["start"].dt.to_period(_SPANS[period]).dt.start_time)
    counts = starts.groupby(["start", "key"], sort=True)[["incidents", "fatalities"]].sum()
    return PeriodCounts(period, counts.reset_index()[list(COUNT_COLUMNS)])


def counts_by_period(
    incidents: pd.DataFrame, period: str, by: str | None = "event_type"
) -> pd.DataFrame:
    """Incidents per week or month (rows: period start), one column per ``by`` value.

    With ``by=None`` there are two columns, ``incidents`` and ``fatalities``.
    Periods without incidents between the first and last appear with zeros.
    """
    _check_period(period)
    if incidents.empty:
        return pd.DataFrame()
    counts = period_counts(incidents, period, by)
    return counts.per_key() if by is not None else counts.per_period()


QUICK_RANGES = ("Last 30 days", "Last 90 days", "Last 365 days")


def quick_range(name: str, data_start: date, data_end: date) -> tuple[date, date]:
    """A named range ending on the data's last day, or a calendar year (``"2015"``).

    Ranges are clipped to the data's own span.
    """
    if name in QUICK_RANGES:
        days = int(name.split()[1])
        return max(data_start, data_end - timedelta(days=days - 1)), data_end
    if name.isdigit() and len(name) == 4:
        year = int(name)
        if not data_start.year <= year <= data_end.year:
            raise ValueError(f"no data in {year}")
        return max(data_start, date(year, 1, 1)), min(data_end, date(year, 12, 31))
    raise ValueError(f"unknown quick range {name!r}")


def month_of(day: date) -> tuple[date, date]:
    """First and last day of the month that contains ``day``."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


PLAYER_SECONDS = 3.0
"""How long the Incidents page's player shows each month."""


def step_month(start: date, steps: int, data_start: date, data_end: date) -> tuple[date, date]:
    """The calendar month ``steps`` months after the one holding ``start``, within the data.

    Stepping past either end of the data stays on the first or last month.
    """
    first, _ = month_of(start)
    index = first.year * 12 + first.month - 1 + steps
    lowest = data_start.year * 12 + data_start.month - 1
    highest = data_end.year * 12 + data_end.month - 1
    index = min(max(index, lowest), highest)
    month_start, month_end = month_of(date(index // 12, index % 12 + 1, 1))
    return max(month_start, data_start), min(month_end, data_end)
