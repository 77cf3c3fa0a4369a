"""Counts over time, for timelines and surge rules."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

PERIODS = {"week": "W-MON", "month": "MS"}


def counts_by_period(
    incidents: pd.DataFrame, period: str, by: str | None = "event_type"
) -> pd.DataFrame:
    """Incidents per week or month (rows: period start), one column per ``by`` value.

    With ``by=None`` there are two columns, ``incidents`` and ``fatalities``.
    Periods without incidents between the first and last appear with zeros.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {sorted(PERIODS)}, not {period!r}")
    if incidents.empty:
        return pd.DataFrame()
    frame = pd.DataFrame(
        {
            "when": incidents["event_date"]
            .dt.to_period("W-SUN" if period == "week" else "M")
            .dt.start_time,
            "fatalities": incidents["fatalities"].fillna(0).astype("int64"),
        }
    )
    if by is None:
        table = frame.groupby("when").agg(
            incidents=("fatalities", "size"), fatalities=("fatalities", "sum")
        )
    else:
        frame["key"] = incidents[by].to_numpy()
        table = frame.pivot_table(index="when", columns="key", values="fatalities", aggfunc="size")
    full = pd.date_range(table.index.min(), table.index.max(), freq=PERIODS[period])
    table = table.reindex(full, fill_value=0).fillna(0).astype("int64")
    table.index.name = period
    table.columns.name = None
    return table


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
