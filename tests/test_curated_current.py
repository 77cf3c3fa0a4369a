"""The shipped curated set brought up to date: 2024 onwards, the Russian presence, the new groups.

These tests read the files in ``geodata/`` as the app does. They check what a reader of the
map relies on: every row says where it comes from, bases sit inside their mission's years and
inside the country, the closed missions are closed, and the credits say how recent the set is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from atlas.attribution import SOURCE_OF_LAYER, day_text, footer_markdown
from atlas.cli import view_summary
from atlas.export.licence import dataset_credits
from atlas.filters import deployments_active_between
from atlas.lineage import expand_actors
from atlas.paths import GEODATA_DIR, REPO_ROOT
from loaders import AtlasLayers, load_layers
from loaders.curated import CURATED_AS_OF
from loaders.tables import read_csv_text
from loaders.vocabulary import MISSIONS

FIRST_NEW_INCIDENT = 93  # MSA-I-0093, the first incident of 2024
FIRST_NEW_DEPLOYMENT = 35  # MSA-D-0035, the first Wagner base
CHANGED_DEPLOYMENTS = {"MSA-D-0016", "MSA-D-0023", "MSA-D-0029"}  # end dates added in 2026
COUNTRY_TOLERANCE_DEG = 0.05  # simplified borders: a border town may sit just outside

JNIM = "JNIM: Jama'at Nusrat al-Islam wal Muslimin"
FLA = "FLA: Azawad Liberation Front"
ISSP = "Islamic State (Sahel)"
ENDED_BEFORE_2024 = ("MINUSMA", "Operation Barkhane", "Task Force Takuba", "Operation Serval")

# First and last day of each mission in Mali; None: still present.
MISSION_SPANS: dict[str, tuple[date, date | None]] = {
    "Operation Serval": (date(2013, 1, 11), date(2014, 7, 31)),
    "Operation Barkhane": (date(2014, 8, 1), date(2022, 8, 15)),
    "Task Force Takuba": (date(2020, 1, 1), date(2022, 6, 30)),
    "MINUSMA": (date(2013, 1, 1), date(2023, 12, 31)),  # Nigerien troops at Ménaka from 2013
    "EUTM Mali": (date(2013, 2, 18), date(2024, 5, 18)),
    "Wagner Group": (date(2021, 12, 1), date(2025, 6, 6)),
    "Africa Corps": (date(2025, 6, 6), None),
    "Malian Armed Forces": (date(1960, 1, 1), None),
}


@pytest.fixture(scope="module")
def shipped() -> AtlasLayers:
    return load_layers(GEODATA_DIR)


@pytest.fixture(scope="module")
def incident_text() -> pd.DataFrame:
    """The incidents file as written, every cell text."""
    return read_csv_text(GEODATA_DIR / "incidents.csv")


@pytest.fixture(scope="module")
def deployment_text() -> pd.DataFrame:
    return read_csv_text(GEODATA_DIR / "deployments.csv")


def _number(row_id: str) -> int:
    return int(row_id.rsplit("-", 1)[1])


def _new_incidents(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["id"].map(_number) >= FIRST_NEW_INCIDENT]


def _new_deployments(frame: pd.DataFrame) -> pd.DataFrame:
    new = frame["id"].map(_number) >= FIRST_NEW_DEPLOYMENT
    return frame[new | frame["id"].isin(CHANGED_DEPLOYMENTS)]


def _truncated(day: date, precision: int) -> tuple[int, ...]:
    """A date as far as its precision knows it: the year, the month, or the day."""
    return {4: (day.year,), 3: (day.year, day.month)}.get(precision, (day.year, day.month, day.day))


# Sources


@pytest.mark.parametrize("frame", ["incident_text", "deployment_text"])
def test_no_row_is_without_a_publisher_and_a_title(frame, request):
    rows = request.getfixturevalue(frame)
    unsourced = rows[(rows["source_publisher"].str.strip() == "") | (rows["source_title"] == "")]
    assert unsourced.empty, f"rows without a source: {list(unsourced['id'])}"


@pytest.mark.parametrize("frame", ["incident_text", "deployment_text"])
def test_every_new_row_gives_a_dated_source_and_its_address(frame, request):
    rows = request.getfixturevalue(frame)
    new = _new_incidents(rows) if frame == "incident_text" else _new_deployments(rows)
    assert not new.empty
    undated = new[new["source_date"] == ""]
    assert undated.empty, f"no source date: {list(undated['id'])}"
    no_address = new[~new["source_url"].str.match(r"^https?://\S+$")]
    assert no_address.empty, f"no source address: {list(no_address['id'])}"


def test_every_lineage_relation_names_its_source(shipped):
    lineage = shipped.lineage
    assert (lineage["source_publisher"].str.strip() != "").all()
    assert (lineage["source_title"].str.strip() != "").all()


# Incidents from 2024 on


def test_at_least_forty_incidents_from_2024_each_precisely_dated(incident_text):
    new = _new_incidents(incident_text)
    assert len(new) >= 40
    assert (new["event_date"] >= "2024-01-01").all()
    # a month-only date is the 1st of the month
    month_only = new[new["date_precision"] == "3"]
    assert month_only["event_date"].str.endswith("-01").all()


def test_new_incidents_are_numbered_in_date_order_without_gaps(incident_text):
    numbers = incident_text["id"].map(_number).tolist()
    assert numbers == list(range(1, len(incident_text) + 1))
    dates = incident_text["event_date"].tolist()
    assert dates == sorted(dates)


def test_new_incidents_use_the_current_actor_names(incident_text):
    new = _new_incidents(incident_text)
    actors = set(new["actor1"]) | set(new["actor2"])
    assert {JNIM, FLA, ISSP, "Military Forces of Mali (2021-)", "Wagner Group"} <= actors
    assert "JNIM: Group for Support of Islam and Muslims" not in set(incident_text["actor1"])


def test_each_incident_point_lies_in_the_country_it_names(shipped):
    countries = shipped.countries.set_index("iso_a3").geometry
    incidents = shipped.incidents
    outside = [
        row.id
        for row in incidents.itertuples(index=False)
        if countries[row.country].distance(row.geometry) > COUNTRY_TOLERANCE_DEG
    ]
    assert outside == []


# Deployments


def test_every_mission_has_its_years(shipped):
    assert set(MISSION_SPANS) == set(MISSIONS)
    assert set(shipped.deployments["mission"]) <= set(MISSIONS)


def test_every_base_lies_within_its_missions_years(deployment_text):
    wrong = []
    for row in deployment_text.itertuples(index=False):
        first, last = MISSION_SPANS[row.mission]
        start_known = int(row.start_precision)
        if _truncated(date.fromisoformat(row.start_date), start_known) < _truncated(
            first, start_known
        ):
            wrong.append((row.id, "starts before its mission"))
        if not row.end_date:
            if last is not None:
                wrong.append((row.id, "has no end though its mission ended"))
            continue
        end_known = int(row.end_precision)
        if last is not None and _truncated(date.fromisoformat(row.end_date), end_known) > (
            _truncated(last, end_known)
        ):
            wrong.append((row.id, "ends after its mission"))
    assert wrong == []


def test_every_base_lies_in_mali(shipped):
    mali = shipped.countries.set_index("iso_a3").geometry["MLI"]
    outside = [
        row.id
        for row in shipped.deployments.itertuples(index=False)
        if mali.distance(row.geometry) > COUNTRY_TOLERANCE_DEG
    ]
    assert outside == []


def test_mid_2024_has_no_french_or_un_base_but_wagner_ones(shipped):
    active = deployments_active_between(shipped.deployments, date(2024, 6, 15), date(2024, 6, 15))
    assert not set(active["mission"]) & set(ENDED_BEFORE_2024)
    assert (active["mission"] == "Wagner Group").any()


def test_africa_corps_takes_over_from_wagner_in_june_2025(shipped):
    later = deployments_active_between(shipped.deployments, date(2025, 7, 1), date(2025, 7, 1))
    assert "Wagner Group" not in set(later["mission"])
    assert (later["mission"] == "Africa Corps").sum() >= 3


# Lineage


def test_choosing_jnim_includes_its_founders_and_katibas(shipped):
    chosen = expand_actors([JNIM], shipped.lineage)
    assert {"Ansar Dine", "Al Mourabitoun", "Katiba Macina", "Katiba Serma"} <= chosen
    assert "MUJAO: Movement for Unity and Jihad in West Africa" in chosen


def test_choosing_the_fla_includes_the_csp_the_cma_and_the_dissolved_movements(shipped):
    chosen = expand_actors([FLA], shipped.lineage)
    assert {
        "CSP-DPA: Strategic Framework for the Defense of the People of Azawad",
        "CMA: Coordination of Azawad Movements",
        "MNLA: National Movement for the Liberation of Azawad",
        "HCUA: High Council for the Unity of Azawad",
    } <= chosen


def test_choosing_the_islamic_state_sahel_includes_isgs_but_not_its_origin(shipped):
    chosen = expand_actors([ISSP], shipped.lineage)
    assert "ISGS: Islamic State in the Greater Sahara" in chosen
    assert "Al Mourabitoun" not in chosen


# How recent the set is


def test_as_of_date_is_the_latest_date_in_the_files(shipped):
    bases = shipped.deployments
    latest = max(
        shipped.incidents["event_date"].max(),
        bases["start_date"].max(),
        bases["end_date"].max(),
    )
    assert latest.date() == CURATED_AS_OF
    assert date(2025, 1, 1) <= CURATED_AS_OF


def test_footer_and_export_credits_say_as_of_when(shipped):
    as_of = f"as of {day_text(CURATED_AS_OF)}"
    assert as_of in footer_markdown()
    assert as_of in SOURCE_OF_LAYER["curated"]
    (credit,) = dataset_credits(shipped.incidents, ("No filters",), "none")
    assert as_of in credit


def test_day_text_reads_the_same_everywhere():
    assert day_text(date(2026, 2, 21)) == "21 February 2026"


# The view, from Python and from the command line


def test_view_of_one_day_lists_the_bases_of_that_day(shipped):
    summary = view_summary(shipped, "from=2024-06-15&to=2024-06-15")
    missions = {base["mission"] for base in summary["deployments"]}
    assert not missions & set(ENDED_BEFORE_2024)
    assert "Wagner Group" in missions
    first = summary["deployments"][0]
    assert set(first) == {"id", "name", "mission", "start", "end"}


def _cli_view(query: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "atlas", "view", query, "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_command_line_view_from_2024_counts_the_new_incidents():
    summary = _cli_view("from=2024-01-01")
    assert summary["count"] >= 40
    assert max(row["date"] for row in summary["incidents"]) >= "2025-01-01"


def test_command_line_view_of_mid_2024_lists_wagner_and_no_closed_mission():
    summary = _cli_view("from=2024-06-15&to=2024-06-15")
    missions = [base["mission"] for base in summary["deployments"]]
    assert not set(missions) & {"MINUSMA", "Operation Barkhane", "Task Force Takuba"}
    assert missions.count("Wagner Group") >= 1
