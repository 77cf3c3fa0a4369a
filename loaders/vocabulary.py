"""The controlled vocabularies of the curated layers (ACLED's event types, our families)."""

from __future__ import annotations

# ACLED's event types and the sub-event types that belong to each.
SUB_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": (
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ),
    "Explosions/Remote violence": (
        "Suicide bomb",
        "Remote explosive/landmine/IED",
        "Shelling/artillery/missile attack",
        "Air/drone strike",
        "Grenade",
        "Chemical weapon",
    ),
    "Violence against civilians": (
        "Attack",
        "Abduction/forced disappearance",
        "Sexual violence",
    ),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Protests": (
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ),
}
EVENT_TYPES: tuple[str, ...] = tuple(SUB_EVENT_TYPES)

ACTOR_FAMILIES: tuple[str, ...] = (
    "al-Qaeda network",
    "Islamic State network",
    "Azawad separatist movements",
    "Pro-government militias",
    "Communal militias",
    "Malian state forces",
    "French forces",
    "UN peacekeepers",
    "Other state forces",
    "Civilians",
    "Unidentified",
    "Other",  # imported actors no pattern of loaders.imports.actors recognises
)

MISSIONS: tuple[str, ...] = (
    "Operation Serval",
    "Operation Barkhane",
    "MINUSMA",
    "EUTM Mali",
    "Task Force Takuba",
    "Malian Armed Forces",
    "Wagner Group",
    "Africa Corps",
)

# How exactly a date is known, as ACLED's time_precision (4 added for "the year only").
DATE_PRECISION: dict[int, str] = {1: "day", 2: "week", 3: "month", 4: "year"}
# How exactly a place is known, as ACLED's geo_precision (4 added for "the country only", or
# waters or airspace: such an event is kept and counted, but not drawn on a map).
GEO_PRECISION: dict[int, str] = {
    1: "the town itself",
    2: "near the town",
    3: "the region only",
    4: "the country only",
}
COUNTRY_ONLY = 4

# ISO 3166-2 codes of the regions in the shipped regions layer.
REGION_CODES: tuple[str, ...] = (
    "ML-1",
    "ML-2",
    "ML-3",
    "ML-4",
    "ML-5",
    "ML-6",
    "ML-7",
    "ML-8",
    "ML-BKO",
)
