"""Small layers built in code, so each test states exactly the data it depends on."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
from shapely.geometry import LineString, Point, Polygon, box

from loaders import AtlasLayers
from loaders.curated import load_deployments, load_incidents, load_lineage
from loaders.reference import assign_regions
from loaders.schemas import DEPLOYMENTS_CSV, INCIDENTS_CSV, LINEAGE_CSV

# Headers as the declared schemas define them: one list of columns, not a copy of it.
INCIDENT_HEADER = list(INCIDENTS_CSV.columns)
DEPLOYMENT_HEADER = list(DEPLOYMENTS_CSV.columns)


def incident_row(**changes: str) -> dict[str, str]:
    """A valid incident row (the Radisson Blu attack), with ``changes`` applied."""
    row = {
        "id": "T-1",
        "event_date": "2015-11-20",
        "date_precision": "1",
        "location": "Bamako",
        "country": "MLI",
        "latitude": "12.6392",
        "longitude": "-8.0029",
        "geo_precision": "1",
        "event_type": "Violence against civilians",
        "sub_event_type": "Attack",
        "actor1": "Al Mourabitoun",
        "actor1_family": "al-Qaeda network",
        "actor2": "Civilians (International)",
        "actor2_family": "Civilians",
        "fatalities": "22",
        "description": "Gunmen took hostages at a hotel.",
        "source_publisher": "UN News",
        "source_title": "Security Council condemns hotel attack in Bamako",
        "source_date": "2015-11-20",
        "source_url": "",
    }
    row.update(changes)
    return row


def deployment_row(**changes: str) -> dict[str, str]:
    """A valid deployment row, with ``changes`` applied."""
    row = {
        "id": "D-1",
        "mission": "MINUSMA",
        "contributor": "Multinational",
        "site": "Sector East headquarters",
        "location": "Gao",
        "latitude": "16.2666",
        "longitude": "-0.0400",
        "geo_precision": "2",
        "start_date": "2013-07-01",
        "start_precision": "3",
        "end_date": "2023-12-31",
        "end_precision": "1",
        "strength": "",
        "strength_note": "",
        "description": "",
        "source_publisher": "United Nations",
        "source_title": "MINUSMA fact sheet",
        "source_date": "2023",
        "source_url": "",
    }
    row.update(changes)
    return row


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    """Write rows as a UTF-8 CSV with the given header."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _frame(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")


def reference_frames() -> dict[str, gpd.GeoDataFrame]:
    """A tiny reference set: two regions, two countries, two towns, one river."""
    regions = _frame(
        [
            {
                "iso_code": "ML-BKO",
                "name": "Bamako",
                "name_fr": "Bamako",
                "geometry": box(-8.2, 12.4, -7.8, 12.8),
            },
            {
                "iso_code": "ML-7",
                "name": "Gao",
                "name_fr": "Gao",
                "geometry": box(-1.5, 15.0, 4.5, 19.0),
            },
        ]
    )
    # Burkina Faso reaches north to Oudalan (14.4° N) east of 1° W, as the real border does.
    burkina = Polygon(
        [(-5.5, 9.4), (2.4, 9.4), (2.4, 15.0), (-1.0, 15.0), (-1.0, 13.8), (-5.5, 13.8)]
    )
    countries = _frame(
        [
            {
                "iso_a3": "MLI",
                "name": "Mali",
                "name_fr": "Mali",
                "geometry": box(-12, 10, 4.5, 25).difference(burkina),
            },
            {
                "iso_a3": "BFA",
                "name": "Burkina Faso",
                "name_fr": "Burkina Faso",
                "geometry": burkina,
            },
        ]
    )
    towns = _frame(
        [
            {
                "name": "Bamako",
                "name_fr": "Bamako",
                "country": "MLI",
                "rank": 1,
                "population": 1_809_106,
                "source": "test",
                "geometry": Point(-8.0, 12.65),
            },
            {
                "name": "Gao",
                "name_fr": "Gao",
                "country": "MLI",
                "rank": 2,
                "population": None,
                "source": "test",
                "geometry": Point(-0.04, 16.27),
            },
        ]
    )
    rivers = _frame([{"name": "Niger", "geometry": LineString([(-8, 12.6), (-0.04, 16.2)])}])
    return {"countries": countries, "regions": regions, "towns": towns, "rivers": rivers}


def write_curated(folder: Path, incidents: list[dict[str, str]] | None = None) -> None:
    """Write incidents.csv (three known incidents unless given) and deployments.csv."""
    rows = (
        incidents
        if incidents is not None
        else [
            incident_row(),
            incident_row(
                id="T-2",
                event_date="2017-01-18",
                location="Gao",
                latitude="16.2666",
                longitude="-0.0400",
                event_type="Explosions/Remote violence",
                sub_event_type="Suicide bomb",
                fatalities="",
                actor2="",
                actor2_family="",
            ),
            incident_row(
                id="T-3",
                event_date="2016-01-15",
                location="Ouagadougou",
                country="BFA",
                latitude="12.3657",
                longitude="-1.5339",
                fatalities="30",
            ),
        ]
    )
    write_csv(folder / "incidents.csv", INCIDENT_HEADER, rows)
    write_csv(folder / "actor_lineage.csv", LINEAGE_HEADER, lineage_rows())
    write_csv(
        folder / "deployments.csv",
        DEPLOYMENT_HEADER,
        [
            deployment_row(),
            deployment_row(
                id="D-2",
                mission="EUTM Mali",
                site="Koulikoro camp",
                location="Koulikoro",
                latitude="12.8627",
                longitude="-7.5599",
                start_date="2013-04-02",
                start_precision="1",
                end_date="",
                end_precision="",
            ),
        ],
    )


LINEAGE_HEADER = list(LINEAGE_CSV.columns)
JNIM = "JNIM: Group for Support of Islam and Muslims"


def lineage_rows() -> list[dict[str, str]]:
    """MUJAO into al-Mourabitoun into JNIM; ISGS split from al-Mourabitoun."""
    base = {"to_date": "", "source_publisher": "test", "source_title": "test", "source_date": ""}
    return [
        base
        | {
            "group": "MUJAO",
            "related_group": "Al Mourabitoun",
            "relation": "merged_into",
            "from_date": "2013-08-22",
        },
        base
        | {
            "group": "Al Mourabitoun",
            "related_group": JNIM,
            "relation": "merged_into",
            "from_date": "2017-03-02",
        },
        base
        | {
            "group": "Ansar Dine",
            "related_group": JNIM,
            "relation": "merged_into",
            "from_date": "2017-03-02",
        },
        base
        | {
            "group": "ISGS",
            "related_group": "Al Mourabitoun",
            "relation": "split_from",
            "from_date": "2015-05-13",
        },
    ]


def small_layers(folder: Path, incidents: list[dict[str, str]] | None = None) -> AtlasLayers:
    """A tiny but complete atlas, its curated files written to ``folder`` and loaded back."""
    reference = reference_frames()
    write_curated(folder, incidents)
    regions = reference["regions"]
    return AtlasLayers(
        **reference,
        deployments=assign_regions(load_deployments(folder / "deployments.csv"), regions),
        incidents=assign_regions(load_incidents(folder / "incidents.csv"), regions),
        lineage=load_lineage(folder / "actor_lineage.csv"),
    )


def small_geodata_dir(folder: Path, incidents: list[dict[str, str]] | None = None) -> Path:
    """Write the tiny atlas as a geodata folder the app can be pointed at (not loaded here)."""
    for name, frame in reference_frames().items():
        frame.to_file(folder / f"{name}.geojson", driver="GeoJSON")
    write_curated(folder, incidents)
    return folder


SIGN_IN_SECRETS = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "test-only-secret",
        "client_id": "atlas",
        "client_secret": "not-a-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}
"""``secrets.toml`` turning sign-in on, for AppTest (``at.secrets``); the provider is never
reached: AppTest plays the person signed in (``at.user``)."""


def sign_in(at: Any, email: str) -> None:
    """Make an AppTest run as ``email``, signed in."""
    at.secrets = dict(SIGN_IN_SECRETS)
    at.user = {"is_logged_in": True, "email": email, "name": email.split("@")[0]}


ROLES = """
[[users]]
email = "viewer@example.org"
role = "viewer"

[[users]]
email = "gao@example.org"
role = "analyst"
regions = ["ML-7"]

[[users]]
email = "admin@example.org"
role = "admin"
"""
"""A roles file of three people: a viewer, an analyst restricted to Gao (ML-7), an admin."""


Element = TypeVar("Element")


def overlay_elements(drawn: Any, kind: type[Element]) -> list[Element]:
    """The elements of ``kind`` among the overlays of a map (``atlas.mapping.LayeredMap``)."""
    return [
        child
        for group in drawn.overlays
        for child in group._children.values()
        if isinstance(child, kind)
    ]


def legend_html_of(drawn: Any) -> str:
    """The HTML of a map's legend, as its script receives it ("" without a legend)."""
    from atlas.leaflet import Legend

    legends = overlay_elements(drawn, Legend)
    return str(json.loads(legends[0].options_json)["html"]) if legends else ""
