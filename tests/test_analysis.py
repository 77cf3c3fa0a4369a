"""Proximity in metres, timelines and the regional surge rules on hand-made series."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from atlas.proximity import incidents_within_km, nearest_town, utm_crs_for
from atlas.regions import (
    Baselines,
    RegionCounts,
    compare_regions,
    deadliest,
    fatalities_at_one_year_high,
    fatalities_per_day,
    is_rise,
    previous_period,
    top_counts,
)
from atlas.timeline import counts_by_period, quick_range, step_month
from loaders.vocabulary import COUNTRY_ONLY
from tests.factories import reference_frames

GAO = Point(-0.0400, 16.2666)


def _incidents(rows: Sequence[tuple[str, float, float, int | None]], **columns) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "id": [f"I{i}" for i in range(len(rows))],
            "event_date": pd.to_datetime([r[0] for r in rows]),
            "fatalities": pd.array([r[3] for r in rows], dtype="Int64"),
            "geo_precision": 1,
            **columns,
        },
        geometry=[Point(r[1], r[2]) for r in rows],
        crs="EPSG:4326",
    )
    return frame


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [(-3.0, 16.77, 32630), (-0.04, 16.27, 32630), (1.41, 18.44, 32631), (-11.4, 14.4, 32629)],
)
def test_utm_zone_of_malian_places(lon, lat, epsg):
    assert utm_crs_for(lon, lat).to_epsg() == epsg


def test_incidents_within_km_measures_on_the_ground():
    # 0.45 degrees of longitude at 16.27 N is about 48 km; of latitude, about 50 km.
    incidents = _incidents(
        [
            ("2015-01-01", -0.04 + 0.45, 16.2666, 1),
            ("2015-01-02", -0.04, 16.2666 + 0.45, 2),
            ("2015-01-03", -0.04, 16.2666 + 0.47, 3),
        ]
    )
    near = incidents_within_km(incidents, GAO, 50)
    assert list(near["id"]) == ["I0", "I1"]
    assert near["distance_km"].tolist() == pytest.approx([48.0, 49.8], abs=0.3)


def test_incidents_located_only_to_the_country_are_near_nothing():
    at_gao = [("2015-01-01", -0.04, 16.2666, 1), ("2015-01-02", -0.04, 16.2666, 1)]
    incidents = _incidents(at_gao, geo_precision=[1, COUNTRY_ONLY])
    assert list(incidents_within_km(incidents, GAO, 50)["id"]) == ["I0"]


def test_radius_must_be_positive_and_crs_geographic():
    incidents = _incidents([("2015-01-01", 0, 16, 1)])
    with pytest.raises(ValueError, match="radius must be positive"):
        incidents_within_km(incidents, GAO, 0)
    with pytest.raises(ValueError, match="EPSG:4326"):
        incidents_within_km(incidents.to_crs(32630), GAO, 10)


def test_nearest_town_within_a_distance():
    towns = reference_frames()["towns"]
    points = _incidents([("2015-01-01", -0.05, 16.3, 1), ("2015-01-01", 2.0, 19.0, 1)])
    assert nearest_town(points, towns, 30).tolist()[0] == "Gao"
    assert pd.isna(nearest_town(points, towns, 30).tolist()[1])


def test_counts_by_month_fill_empty_months():
    incidents = _incidents(
        [("2015-01-05", 0, 16, 1), ("2015-03-02", 0, 16, None)], event_type=["Battles", "Riots"]
    )
    table = counts_by_period(incidents, "month")
    assert table.to_dict("list") == {"Battles": [1, 0, 0], "Riots": [0, 0, 1]}
    totals = counts_by_period(incidents, "month", by=None)
    assert totals["fatalities"].tolist() == [1, 0, 0]
    with pytest.raises(ValueError, match="period must be one of"):
        counts_by_period(incidents, "day")


def test_previous_period_has_the_same_length():
    assert previous_period(date(2015, 3, 1), date(2015, 3, 31)) == (
        date(2015, 1, 29),
        date(2015, 2, 28),
    )


@pytest.mark.parametrize(
    ("current", "previous", "rise"),
    [(6, 3, True), (5, 3, False), (3, 0, True), (2, 0, False), (40, 20, True), (0, 0, False)],
)
def test_rise_rule(current, previous, rise):
    assert is_rise(current, previous) is rise


def test_fatalities_at_one_year_high():
    quiet_year = [(f"2015-{m:02d}-10", 0, 16, 4) for m in range(1, 13)]
    peak = [("2016-01-20", 0, 16, 9)]
    assert fatalities_at_one_year_high(
        fatalities_per_day(_incidents(quiet_year + peak)), date(2016, 1, 31)
    )
    earlier_peak = [("2015-06-01", 0, 16, 50)]
    assert not fatalities_at_one_year_high(
        fatalities_per_day(_incidents(quiet_year + peak + earlier_peak)), date(2016, 1, 31)
    )
    assert not fatalities_at_one_year_high(
        fatalities_per_day(_incidents(quiet_year)), date(2016, 3, 31)
    )


def test_compare_regions_flags_a_doubling():
    regions = reference_frames()["regions"]
    now = _incidents([("2015-06-01", -8, 12.6, 1)] * 4, admin1=["ML-BKO"] * 4)
    before = _incidents([("2015-04-01", -8, 12.6, 1)] * 2, admin1=["ML-BKO"] * 2)
    counts = RegionCounts.of(now, before, pd.concat([before, now]))
    table = compare_regions(counts, regions, date(2015, 6, 30))
    bamako = table.set_index("iso_code").loc["ML-BKO"]
    assert (bamako["incidents"], bamako["previous_incidents"], bamako["change_pct"]) == (
        4,
        2,
        100.0,
    )
    assert bool(bamako["rise"])
    gao = table.set_index("iso_code").loc["ML-7"]
    assert gao["incidents"] == 0
    assert pd.isna(gao["change_pct"])
    assert bamako["per_10k_km2"] > gao["per_10k_km2"]


def test_top_counts_and_deadliest():
    incidents = _incidents(
        [("2015-01-01", 0, 16, 5), ("2015-01-02", 0, 16, None), ("2015-01-03", 0, 16, 9)],
        actor1=["AQIM", "AQIM", "MNLA"],
        actor2=["", "MNLA", "AQIM"],
    )
    assert top_counts(incidents, ["actor1", "actor2"]).to_dict() == {"AQIM": 3, "MNLA": 2}
    assert deadliest(incidents, 2)["id"].tolist() == ["I2", "I0"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Last 30 days", (date(2017, 12, 2), date(2017, 12, 31))),
        ("Last 365 days", (date(2017, 1, 1), date(2017, 12, 31))),
        ("2015", (date(2015, 1, 1), date(2015, 12, 31))),
        ("2012", (date(2012, 1, 17), date(2012, 12, 31))),  # clipped to the data
    ],
)
def test_quick_ranges(name, expected):
    assert quick_range(name, date(2012, 1, 17), date(2017, 12, 31)) == expected


def test_quick_range_errors():
    with pytest.raises(ValueError, match="no data in 2019"):
        quick_range("2019", date(2012, 1, 1), date(2017, 12, 31))
    with pytest.raises(ValueError, match="unknown quick range"):
        quick_range("Last week", date(2012, 1, 1), date(2017, 12, 31))


def test_step_month_moves_by_calendar_months_and_stops_at_the_ends():
    span = (date(2012, 1, 17), date(2017, 12, 20))
    assert step_month(date(2015, 1, 10), 1, *span) == (date(2015, 2, 1), date(2015, 2, 28))
    assert step_month(date(2016, 1, 31), 1, *span) == (date(2016, 2, 1), date(2016, 2, 29))
    assert step_month(date(2015, 1, 10), -1, *span) == (date(2014, 12, 1), date(2014, 12, 31))
    assert step_month(date(2017, 12, 1), 1, *span) == (date(2017, 12, 1), date(2017, 12, 20))
    assert step_month(date(2012, 1, 20), -3, *span) == (date(2012, 1, 17), date(2012, 1, 31))


def test_no_rise_or_high_is_claimed_before_the_data_begin():
    regions = reference_frames()["regions"]
    now = _incidents([("2015-06-01", -8, 12.6, 1)] * 4, admin1=["ML-BKO"] * 4)
    blind = Baselines(previous_period=False, year_before=False)
    counts = RegionCounts.of(now, now.iloc[0:0], now)
    table = compare_regions(counts, regions, date(2015, 6, 30), blind)
    bamako = table.set_index("iso_code").loc["ML-BKO"]
    assert bamako["incidents"] == 4
    assert pd.isna(bamako["previous_incidents"])
    assert pd.isna(bamako["change_pct"])
    assert not bamako["rise"]
    assert not bamako["fatality_high"]


def test_baselines_follow_the_first_day_of_the_data():
    first = date(2012, 1, 1)
    # The whole of the data: no previous period, but a year before its last 30 days.
    whole = Baselines.of(first, date(2023, 12, 31), first)
    assert whole == Baselines(previous_period=False, year_before=True)
    assert whole.note(first) == (
        "The data begin on 01 January 2012, before the previous period (no change or rise is "
        "given)."
    )
    late = Baselines.of(date(2020, 1, 1), date(2020, 12, 31), first)
    assert late == Baselines(previous_period=True, year_before=True)
    assert late.note(first) is None
    # Six weeks into the data: the previous six weeks exist, a year of history does not.
    early = Baselines.of(date(2012, 2, 12), date(2012, 3, 24), first)
    assert early == Baselines(previous_period=True, year_before=False)
    assert "no one-year high" in (early.note(first) or "")


@pytest.mark.parametrize("radius", [5, 50, 300])
@pytest.mark.parametrize("town", ["Gao", "Kidal", "Bamako", "Nouakchott"])
def test_the_box_around_a_place_holds_every_incident_within_the_radius(town, radius):
    from atlas.filters import inside_bbox
    from atlas.paths import GEODATA_DIR
    from atlas.proximity import box_around
    from bench.synthetic import synthetic_incidents

    towns = gpd.read_file(GEODATA_DIR / "towns.geojson")
    rivers = gpd.read_file(GEODATA_DIR / "rivers.geojson")
    incidents = synthetic_incidents(20_000, towns, rivers, seed=11)
    origin = towns.loc[towns["name"] == town].geometry.iloc[0]
    everywhere = incidents_within_km(incidents, origin, radius)
    boxed = incidents.loc[inside_bbox(incidents, box_around(origin, radius))]
    assert len(boxed) < len(incidents)
    assert incidents_within_km(boxed, origin, radius)["id"].tolist() == everywhere["id"].tolist()
    assert len(everywhere) > 0 or radius == 5
