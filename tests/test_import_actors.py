"""Actor names from ACLED and UCDP mapped to the atlas's families by one declared table."""

from __future__ import annotations

import pandas as pd
import pytest

from loaders.imports.actors import ACTOR_PATTERNS, actor_families, actor_family
from loaders.vocabulary import ACTOR_FAMILIES


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("AQIM: Al Qaeda in the Islamic Maghreb", "al-Qaeda network"),
        ("Al Mourabitoun", "al-Qaeda network"),
        ("MUJAO: Movement for Oneness and Jihad in West Africa", "al-Qaeda network"),
        ("Ansar Dine", "al-Qaeda network"),
        ("Katiba Macina", "al-Qaeda network"),
        ("FLM: Macina Liberation Front", "al-Qaeda network"),
        ("JNIM: Jama'at Nusrat al-Islam wal Muslimin", "al-Qaeda network"),
        ("Islamic State (Greater Sahara)", "Islamic State network"),
        ("Islamic State (Sahel)", "Islamic State network"),
        ("IS", "Islamic State network"),
        ("MNLA: National Movement for the Liberation of Azawad", "Azawad separatist movements"),
        ("HCUA: High Council for the Unity of Azawad", "Azawad separatist movements"),
        ("CMA: Coordination of Azawad Movements", "Azawad separatist movements"),
        ("GATIA: Imghad Tuareg and Allies Self-Defense Group", "Pro-government militias"),
        ("Dan Na Ambassagou", "Communal militias"),
        ("Dozo Communal Militia (Mali)", "Communal militias"),
        ("Military Forces of Mali (2021-)", "Malian state forces"),
        ("Police Forces of Mali (2021-)", "Malian state forces"),
        ("Government of Mali", "Malian state forces"),
        ("Military Forces of France", "French forces"),
        (
            "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali",
            "UN peacekeepers",
        ),
        ("Military Forces of Burkina Faso (2022-)", "Other state forces"),
        ("Civilians (Mali)", "Civilians"),
        ("Civilians", "Civilians"),
        ("Unidentified Armed Group (Mali)", "Unidentified"),
        ("Protesters (Mali)", "Other"),
        ("Wagner Group", "Other state forces"),
        ("Africa Corps", "Other state forces"),
        ("FLA: Azawad Liberation Front", "Azawad separatist movements"),
        (
            "CSP-DPA: Permanent Strategic Framework for Peace, Security and Development",
            "Azawad separatist movements",
        ),
        ("Katiba Serma", "al-Qaeda network"),
    ],
)
def test_known_actor_names_map_to_their_family(name, family):
    assert actor_family(name) == family


def test_empty_actor_has_no_family():
    assert actor_family("  ") == ""


def test_every_family_in_the_table_is_in_the_vocabulary():
    assert {family for _, family in ACTOR_PATTERNS} | {"Other"} <= set(ACTOR_FAMILIES)


def test_a_column_of_names_is_mapped_keeping_its_index():
    names = pd.Series(["JNIM", "", "JNIM", "Somebody"], index=[5, 6, 7, 8])
    families = actor_families(names)
    assert list(families.index) == [5, 6, 7, 8]
    assert list(families) == ["al-Qaeda network", "", "al-Qaeda network", "Other"]
