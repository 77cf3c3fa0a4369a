"""Counts over time, for timelines and surge rules."""

from __future__ import annotations

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
