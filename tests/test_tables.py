"""Tables of incidents as pages list them."""

from atlas.tables import incident_table, table_note
from tests.factories import incident_row, small_layers


def test_table_lists_newest_first_and_cuts_to_the_latest(tmp_path):
    rows = [
        incident_row(id="A", event_date="2013-01-11"),
        incident_row(id="C", event_date="2015-11-20"),
        incident_row(id="B", event_date="2015-11-20"),
    ]
    incidents = small_layers(tmp_path, rows).incidents
    assert list(incident_table(incidents)["ID"]) == ["B", "C", "A"]
    latest = incident_table(incidents, 2)
    assert list(latest["ID"]) == ["B", "C"]
    assert str(latest["Date"].iloc[0]) == "2015-11-20"


def test_a_cut_table_says_how_many_it_leaves_out():
    assert table_note(5_000, 5_000) is None
    assert table_note(5_000, 100_000) == (
        "The table lists the latest 5,000 of 100,000 incidents; export the view for all."
    )
