"""Import readers: every format we accept becomes the one normalised incident shape."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from loaders.curated import load_deployments, load_incidents
from loaders.imports import (
    DEPLOYMENT_COLUMNS,
    INCIDENT_COLUMNS,
    ImportOptions,
    Reference,
    parse_mapping,
    preview_file,
    read_import,
)
from loaders.vocabulary import COUNTRY_ONLY
from tests.factories import reference_frames, write_curated

FIXTURES = Path(__file__).parent / "fixtures" / "import"


@pytest.fixture
def reference() -> Reference:
    frames = reference_frames()
    return Reference(regions=frames["regions"], countries=frames["countries"])


def _by_source_id(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.set_index("source_id")


def test_current_acled_export_gives_one_incident_per_row(reference):
    result = read_import(FIXTURES / "acled_current_dyadic.csv", reference)
    frame = _by_source_id(result.frame)
    assert list(result.frame.columns) == list(INCIDENT_COLUMNS)
    assert result.report.format == "acled"
    assert result.report.encoding == "utf-8"
    assert (result.report.rows_read, result.report.accepted) == (4, 4)
    assert frame.loc["MLI1001", "id"] == "acled:MLI1001"
    assert frame.loc["MLI1001", "event_date"] == pd.Timestamp("2021-01-12")
    assert frame.loc["MLI1002", "event_date"] == pd.Timestamp("2021-01-13")  # ISO date
    assert frame.loc["MLI1002", "location"] == "Ménaka"
    assert frame.loc["MLI1001", "actor1_family"] == "al-Qaeda network"
    assert frame.loc["MLI1001", "actor2_family"] == "Malian state forces"
    assert frame.loc["BFA2001", "actor1_family"] == "Unidentified"
    assert frame.loc["BFA2001", "country"] == "BFA"
    assert pd.isna(frame.loc["BFA2001", "admin1"])
    assert [(p.row, p.reason, p.value) for p in result.report.flagged] == [
        (4, "outside Mali", "BFA")
    ]
    assert frame.loc["MLI1003", "date_precision"] == 2
    assert frame.loc["MLI1003", "fatalities"] == 7
    assert frame.loc["MLI1002", "source"] == "ACLED event MLI1002, reported by AFP; Studio Tamani"
    assert frame.loc["MLI1002", "source_version"] == "1612345679"
    assert frame.loc["MLI1002", "admin1"] == "ML-7"  # joined with the regions layer
    assert frame.loc["MLI1002"].geometry.equals(Point(2.4022, 15.9182))
    assert result.frame.crs == "EPSG:4326"


def test_old_monadic_export_merges_rows_per_event_keeping_every_actor(reference):
    result = read_import(FIXTURES / "acled_old_monadic.csv", reference)
    frame = _by_source_id(result.frame)
    assert (result.report.rows_read, result.report.accepted) == (6, 3)
    assert result.report.rejected == []
    hotel = frame.loc["MLI500"]
    assert (hotel["actor1"], hotel["actor2"]) == ("Al Mourabitoun", "Civilians (International)")
    assert hotel["assoc_actors"] == "Civilians (Mali)"
    assert hotel["fatalities"] == 22  # told once per actor, counted once
    kidal = frame.loc["MLI501"]
    assert kidal["actor1"].startswith("MNLA")
    assert kidal["actor2"].startswith("GATIA")
    assert kidal["actor2_family"] == "Pro-government militias"
    assert kidal["assoc_actors"] == "Military Forces of Mali (2012-2020)"
    assert frame.loc["MLI502", "actor2"] == ""
    assert frame.loc["MLI502", "actor2_family"] == ""


def _acled_rows(tmp_path: Path, rows: list[dict[str, str]], name: str = "export.csv") -> Path:
    """The current ACLED fixture's first row, once per change set in ``rows``."""
    template = pd.read_csv(
        FIXTURES / "acled_current_dyadic.csv", dtype=str, keep_default_na=False
    ).iloc[0]
    frame = pd.DataFrame([{**template.to_dict(), **row} for row in rows])
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_repeated_row_of_a_monadic_event_is_a_duplicate(tmp_path, reference):
    path = _acled_rows(tmp_path, [{}, {"actor2": ""}, {}])
    result = read_import(path, reference)
    assert result.report.accepted == 1
    assert [(p.row, p.reason) for p in result.report.rejected] == [(3, "duplicate id")]


def test_monadic_pair_with_the_same_actor_merges_keeping_both_associated_actors(
    tmp_path, reference
):
    # Both sides of the clash are unidentified groups; the rows differ only in who is
    # associated with each: one event, not a duplicate.
    side = "Unidentified Armed Group (Mali)"
    path = _acled_rows(
        tmp_path,
        [
            {"actor1": side, "actor2": "", "assoc_actor_1": "Fulani Ethnic Militia (Mali)"},
            {"actor1": side, "actor2": "", "assoc_actor_1": "Dogon Ethnic Militia (Mali)"},
        ],
    )
    result = read_import(path, reference)
    assert result.report.rejected == []
    assert (result.report.accepted, result.report.merged) == (1, 1)
    (event,) = result.frame.itertuples()
    assert event.actor1 == side
    assert event.assoc_actors == "Fulani Ethnic Militia (Mali); Dogon Ethnic Militia (Mali)"


def test_repeated_id_with_another_date_is_a_duplicate_not_an_actor(tmp_path, reference):
    path = _acled_rows(tmp_path, [{}, {"event_date": "13 January 2021", "actor1": "MNLA"}])
    result = read_import(path, reference)
    assert [(p.row, p.reason) for p in result.report.rejected] == [(2, "duplicate id")]


def test_acled_xlsx_export_reads_like_the_csv(tmp_path, reference):
    table = pd.read_csv(FIXTURES / "acled_current_dyadic.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "export.xlsx"
    table.to_excel(path, index=False)
    result = read_import(path, reference)
    assert result.report.format == "acled"
    assert result.report.encoding is None
    assert sorted(result.frame["source_id"]) == sorted(table["event_id_cnty"])
    assert _by_source_id(result.frame).loc["MLI1002", "location"] == "Ménaka"


def test_ucdp_ged_codes_become_our_fields(reference):
    result = read_import(FIXTURES / "ucdp_ged.csv", reference)
    frame = _by_source_id(result.frame)
    assert result.report.format == "ucdp"
    assert result.report.dataset == "ucdp-ged"
    battle, massacre = frame.loc["301"], frame.loc["302"]
    assert (battle["event_type"], battle["sub_event_type"]) == ("Battles", "Armed clash")
    assert (massacre["event_type"], massacre["sub_event_type"]) == (
        "Violence against civilians",
        "Attack",
    )
    assert (battle["actor1_family"], battle["actor2_family"]) == (
        "Malian state forces",
        "al-Qaeda network",
    )
    assert massacre["actor1_family"] == "Islamic State network"
    assert (massacre["fatalities"], massacre["fatalities_low"], massacre["fatalities_high"]) == (
        9,
        9,
        12,
    )
    assert massacre["end_date"] == pd.Timestamp("2021-02-03")
    assert battle["event_date"] == pd.Timestamp("2021-01-12")  # "2021-01-12 00:00:00.000"
    assert (battle["geo_precision"], massacre["geo_precision"]) == (1, 2)
    assert battle["country"] == "MLI"
    rejected = result.report.rejected
    assert [(p.row, p.column, p.value) for p in rejected] == [(4, "where_prec", "9")]


@pytest.mark.parametrize(
    ("country", "point", "stored", "flag"),
    [
        # The file says Mali, the point lies in Burkina Faso: the point decides.
        (
            "Mali",
            ("14.4439", "-0.2361"),
            "BFA",
            "point lies in another country than its country column says",
        ),
        # The file says Burkina Faso, the point lies in Mali.
        (
            "Burkina Faso",
            ("15.0167", "-1.9667"),
            "MLI",
            "point lies in another country than its country column says",
        ),
        # Agreeing, outside Mali: kept and flagged as such.
        ("Burkina Faso", ("14.4439", "-0.2361"), "BFA", "outside Mali"),
        # Agreeing, in Mali: nothing to say.
        ("Mali", ("15.0167", "-1.9667"), "MLI", None),
    ],
)
def test_the_point_decides_the_country_and_odd_rows_are_flagged(
    tmp_path, reference, country, point, stored, flag
):
    lat, lon = point
    path = _acled_rows(
        tmp_path, [{"country": country, "iso": "", "latitude": lat, "longitude": lon}]
    )
    result = read_import(path, reference)
    assert result.report.accepted == 1
    assert result.frame["country"].tolist() == [stored]
    assert [p.reason for p in result.report.flagged] == ([flag] if flag else [])
    assert result.report.flagged_by_reason == ({flag: 1} if flag else {})


def test_acled_event_located_only_to_the_country_is_kept_off_the_map(tmp_path, reference):
    path = _acled_rows(tmp_path, [{"location": "Mali", "geo_precision": "3"}])
    result = read_import(path, reference)
    assert result.frame["geo_precision"].tolist() == [COUNTRY_ONLY]
    assert result.frame["admin1"].isna().all()


def test_ucdp_event_known_only_to_the_country_is_kept_without_a_region(reference):
    result = read_import(FIXTURES / "ucdp_ged.csv", reference)
    country_only = result.frame.set_index("source_id").loc["303"]
    assert country_only["geo_precision"] == COUNTRY_ONLY
    assert country_only["country"] == "MLI"
    assert pd.isna(country_only["admin1"])  # its point is the country's centre, not a place
    assert country_only["fatalities"] == 2
    assert result.report.rejected_by_reason == {"invalid where_prec": 1}


def test_ucdp_subset_with_the_required_columns_is_enough(tmp_path, reference):
    full = pd.read_csv(FIXTURES / "ucdp_ged.csv", dtype=str, keep_default_na=False)
    keep = [
        "id",
        "date_start",
        "date_end",
        "latitude",
        "longitude",
        "side_a",
        "side_b",
        "best",
        "where_prec",
        "date_prec",
        "type_of_violence",
    ]
    path = tmp_path / "GEDEvent_v25_0_1.csv"
    full[keep].to_csv(path, index=False)
    result = read_import(path, reference)
    assert result.report.format == "ucdp"
    assert result.report.accepted == 3
    assert set(result.frame["country"]) == {"MLI"}  # from the countries layer


def test_geopko_months_at_one_place_become_one_deployment(tmp_path, reference):
    result = read_import(FIXTURES / "geopko.csv", reference)
    assert result.report.kind == "deployments"
    frame = result.frame.set_index("source_id")
    gao = frame.loc["minusma:gao:2014-01"]
    assert (gao["start_date"], gao["end_date"]) == (
        pd.Timestamp("2014-01-01"),
        pd.Timestamp("2014-03-31"),
    )
    assert (gao["start_precision"], gao["end_precision"]) == (3, 3)
    assert gao["strength"] == 900
    assert gao["contributor"] == "Niger, Senegal"
    assert gao["mission"] == "MINUSMA"
    assert "minusma:gao:2014-06" in frame.index  # a gap starts a new deployment
    write_curated(tmp_path)
    curated = load_deployments(tmp_path / "deployments.csv")
    assert set(curated.columns) <= set(DEPLOYMENT_COLUMNS)


def test_imported_incidents_have_every_column_of_curated_incidents(tmp_path, reference):
    write_curated(tmp_path)
    curated = load_incidents(tmp_path / "incidents.csv")
    imported = read_import(FIXTURES / "acled_current_dyadic.csv", reference).frame
    used_by_maps = set(curated.columns) - {"source_publisher", "source_title", "source_date"}
    assert used_by_maps | {"admin1", "admin1_name"} <= set(imported.columns)
    for column in ("event_date", "date_precision", "geo_precision", "fatalities"):
        assert imported[column].dtype == curated[column].dtype, column


def _points(**columns: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"when": ["2021-01-12", "13 January 2021"], "killed": [3, None], **columns},
        geometry=[Point(-0.04, 16.27), Point(-8.0, 12.65)],
        crs="EPSG:4326",
    )


def test_geojson_points_with_the_date_column_given_by_the_user(tmp_path, reference):
    path = tmp_path / "points.geojson"
    _points(place=["Gao", "Bamako"]).to_file(path, driver="GeoJSON")
    preview = preview_file(path)
    assert (preview.format, preview.needs_mapping) == ("geojson", True)
    # Nothing is called like a date, so the user must say which column holds it.
    assert preview.suggested_mapping == {"location": "place", "fatalities": "killed"}
    options = ImportOptions(mapping={"date": "when", "fatalities": "killed", "location": "place"})
    result = read_import(path, reference, options)
    frame = result.frame.sort_values("event_date", ignore_index=True)
    assert list(frame["location"]) == ["Gao", "Bamako"]
    assert frame.loc[0, "fatalities"] == 3
    assert pd.isna(frame.loc[1, "fatalities"])
    assert list(frame["admin1"]) == ["ML-7", "ML-BKO"]
    assert frame.loc[0, "event_type"] == "Unclassified"
    assert frame.loc[0, "actor1_family"] == "Other"
    assert result.report.dataset == "points"


def test_geopackage_with_several_layers_reads_the_chosen_one(tmp_path, reference):
    path = tmp_path / "analyst.gpkg"
    _points(place=["Gao", "Bamako"]).to_file(path, layer="events", driver="GPKG")
    gpd.GeoDataFrame({"name": ["area"]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4326").to_file(
        path, layer="areas", driver="GPKG"
    )
    preview = preview_file(path, ImportOptions(layer="events"))
    assert preview.layers == ("events", "areas")
    options = ImportOptions(layer="events", mapping={"date": "when"})
    result = read_import(path, reference, options)
    assert result.report.layer == "events"
    assert result.report.accepted == 2


def test_zipped_shapefile_in_utm_is_reprojected_to_wgs84(tmp_path, reference):
    folder = tmp_path / "shape"
    folder.mkdir()
    _points().to_crs("EPSG:32630").to_file(folder / "events.shp")
    path = tmp_path / "events.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, f"export/{part.name}")
    result = read_import(path, reference, ImportOptions(mapping={"date": "when"}))
    assert result.report.format == "shp"
    gao = result.frame.sort_values("event_date").iloc[0].geometry
    assert gao.x == pytest.approx(-0.04, abs=1e-6)
    assert gao.y == pytest.approx(16.27, abs=1e-6)


def test_plain_csv_with_the_columns_mapped_by_the_user(tmp_path, reference):
    path = tmp_path / "notes.csv"
    path.write_text(
        "ref,jour,y_deg,x_deg,lieu,morts\n"
        "A1,2021-01-12,16.27,-0.04,Gao,2\n"
        "A2,01 March 2024,12.65,-8.0,Bamako,\n",
        encoding="utf-8",
    )
    mapping = parse_mapping("id=ref,date=jour,lat=y_deg,lon=x_deg,location=lieu,fatalities=morts")
    result = read_import(path, reference, ImportOptions(format="csv", mapping=mapping))
    frame = _by_source_id(result.frame)
    assert frame.loc["A2", "event_date"] == pd.Timestamp("2024-03-01")
    assert frame.loc["A1", "id"] == "notes:A1"
    assert result.report.mapping["lat"] == "y_deg"


def test_plain_csv_columns_named_plainly_need_no_mapping(tmp_path, reference):
    path = tmp_path / "points.csv"
    path.write_text("date,latitude,longitude\n2021-01-12,16.27,-0.04\n", encoding="utf-8")
    assert preview_file(path).suggested_mapping == {
        "date": "date",
        "lat": "latitude",
        "lon": "longitude",
    }
    assert read_import(path, reference).report.accepted == 1


def test_the_extension_is_never_trusted(tmp_path, reference):
    path = tmp_path / "looks_spatial.geojson"
    path.write_bytes((FIXTURES / "acled_current_dyadic.csv").read_bytes())
    assert read_import(path, reference).report.format == "acled"


def test_semicolon_separated_csv_is_read(tmp_path, reference):
    path = tmp_path / "points.csv"
    path.write_text("date;latitude;longitude\n2021-01-12;16.27;-0.04\n", encoding="utf-8")
    assert read_import(path, reference).report.accepted == 1


def test_ucdp_candidate_with_line_breaks_in_quoted_fields_keeps_every_event(tmp_path, reference):
    table = pd.read_csv(FIXTURES / "ucdp_ged.csv", dtype=str, keep_default_na=False)
    assert len(table.columns) == 49  # the full column set of a GED release
    table.loc[0, "source_office"] = 'Reuters, "Mali army attacked",\n12 January 2021;\nAFP'
    table.loc[1, "source_headline"] = "Line one\r\nLine two"
    path = tmp_path / "GEDEvent_v26_0_10.csv"
    table.to_csv(path, index=False)
    result = read_import(path, reference)
    assert (result.report.rows_read, result.report.accepted) == (4, 3)
    by_id = result.frame.set_index("source_id")
    assert by_id.loc["301", "source"].endswith(
        'Reuters, "Mali army attacked", 12 January 2021; AFP'
    )
    assert by_id.loc["302", "description"] == "Line one Line two"
    assert by_id.loc["303", "geo_precision"] == COUNTRY_ONLY
