"""Regions of Mali compared: counts, density, change against the previous period, surges.

Surge rules (documented in the README):

* **Rise**: incidents in the range are at least double those of the previous period of the
  same length (a rise of 100 % or more), and at least :data:`MIN_SURGE_INCIDENTS`, so that
  one incident after none is not called a surge.
* **Fatalities at a one-year high**: the fatalities of the last 30 days of the range are
  above zero and at least as high as in any 30-day window of the 365 days before them.

Neither rule is applied when the data do not reach back far enough: a previous period that
starts before the first incident of the data is not a period of zero incidents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import pandas as pd

from atlas.filters import data_span, view_incidents
from atlas.proximity import nearest_town
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


def fatalities_at_one_year_high(incidents: pd.DataFrame, end: date) -> bool:
    """True when the 30 days ending ``end`` had the most fatalities of any 30 days in a year.

    Windows are compared day by day over the 365 days before the last window.
    """
    last_day = pd.Timestamp(end)
    first_day = last_day - pd.Timedelta(days=365 + 29)
    recent = incidents[
        (incidents["event_date"] >= first_day) & (incidents["event_date"] <= last_day)
    ]
    if recent.empty:
        return False
    daily = (
        recent.groupby(recent["event_date"].dt.normalize())["fatalities"]
        .sum(min_count=1)
        .fillna(0)
        .reindex(pd.date_range(first_day, last_day, freq="D"), fill_value=0)
    )
    rolling = daily.rolling(30).sum().dropna()
    latest = float(rolling.iloc[-1])
    return latest > 0 and latest >= float(rolling.iloc[:-1].max())


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
    in_range: pd.DataFrame,
    in_previous: pd.DataFrame,
    history: pd.DataFrame,
    regions: gpd.GeoDataFrame,
    end: date,
    baselines: Baselines = Baselines(previous_period=True, year_before=True),
) -> pd.DataFrame:
    """Per region: incidents, fatalities, density, change and surge flags.

    Parameters
    ----------
    in_range
        Incidents of the view (already filtered) in its date range.
    in_previous
        The same filters over :func:`previous_period`.
    history
        The same filters over all dates (for the one-year-high rule).
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
        current = in_range[in_range["admin1"] == code]
        previous = in_previous[in_previous["admin1"] == code]
        n, before = len(current), len(previous)
        compared = baselines.previous_period
        rows.append(
            RegionFigures(
                iso_code=code,
                name=name,
                incidents=n,
                fatalities=int(current["fatalities"].fillna(0).sum()),
                per_10k_km2=round(n / area * 10_000, 2) if area else 0.0,
                previous_incidents=before if compared else None,
                change_pct=round((n - before) / before * 100, 1) if compared and before else None,
                rise=compared and is_rise(n, before),
                fatality_high=baselines.year_before
                and fatalities_at_one_year_high(history[history["admin1"] == code], end),
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
    compares like with like.
    """
    data_start, data_end = data_span(layers)
    start, end = view.date_range(data_start, data_end)
    before_start, before_end = previous_period(start, end)

    def chosen(first: date, last: date) -> pd.DataFrame:
        return view_incidents(layers, view, first, last)

    table = compare_regions(
        chosen(start, end),
        chosen(before_start, before_end),
        chosen(min(data_start, end - timedelta(days=400)), end),
        layers.regions,
        end,
        Baselines.of(start, end, data_start),
    )
    return start, end, table


def towns_most_affected(
    incidents: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, max_km: float = 30, top: int = 8
) -> pd.Series:
    """Incidents per nearest town (within ``max_km``), most first."""
    names = nearest_town(incidents, towns, max_km)
    return names.dropna().value_counts().head(top)
