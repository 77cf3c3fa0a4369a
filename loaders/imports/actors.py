"""Actor names in imported data mapped to the atlas's actor families.

One declared table of patterns, read top to bottom; the first that matches a name gives its
family. Names follow ACLED's and UCDP's spellings (``Military Forces of Mali (2021-)``,
``Government of Mali``, ``JNIM``, ``IS``). A name no pattern knows is ``Other``; an empty name
has no family.
"""

from __future__ import annotations

import re

import pandas as pd

from loaders.vocabulary import ACTOR_FAMILIES

OTHER = "Other"

ACTOR_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"unidentified armed group", "Unidentified"),
    # al-Qaeda's network in the Sahel and the groups that merged into JNIM in 2017.
    (r"\bjnim\b|\bgsim\b|nus?rat al[- ]islam|support of islam and muslims", "al-Qaeda network"),
    (r"\baqim\b|\baqmi\b|qa'?[ei]da", "al-Qaeda network"),
    (r"mourabitoun|murabitoun|murabitun", "al-Qaeda network"),
    (r"\bmujao\b|\bmujwa\b|oneness and jihad|unity and jihad", "al-Qaeda network"),
    (r"ansa[r]? ?(dine|eddine|al[- ]din)", "al-Qaeda network"),
    (
        r"katiba (macina|massina|serma)|macina liberation|\bflm\b|lib[ée]ration du macina",
        "al-Qaeda network",
    ),
    # The Islamic State's Sahel province, formerly ISGS.
    (r"\bisgs\b|\beigs\b|islamic state|\bis[- ]sahel\b|\bis\b|\biswap\b", "Islamic State network"),
    # Azawad movements.
    (r"\bmnla\b|liberation of azawad|lib[ée]ration de l'azawad", "Azawad separatist movements"),
    (r"\bhcua\b|unity of azawad|unit[ée] de l'azawad", "Azawad separatist movements"),
    (
        r"\bcma\b|coordination of azawad|coordination des mouvements de l'azawad",
        "Azawad separatist movements",
    ),
    (r"\bcsp(-psd|-dpa)?\b|strategic framework for the defen[cs]e", "Azawad separatist movements"),
    (
        r"\bfla\b|azawad liberation front|front de lib[ée]ration de l'azawad",
        "Azawad separatist movements",
    ),
    (r"\bgatia\b|imghad|\bplatform\b|plateforme", "Pro-government militias"),
    # Community self-defence groups.
    (r"dan na a?mbassagou|\bdozos?\b|ethnic militia|communal militia", "Communal militias"),
    # State forces: Mali's, France's, the UN's, then everyone else's.
    (
        r"(military|police|gendarmerie) forces of mali|government of mali|\bfama\b|malian",
        "Malian state forces",
    ),
    (r"forces of france|government of france|\bbarkhane\b|\bserval\b|french", "French forces"),
    (r"\bminusma\b|united nations|\bun\b|peacekeep", "UN peacekeepers"),
    # Russia's forces in Mali: the Wagner Group, then Africa Corps.
    (r"\bwagner\b|africa corps|forces of russia", "Other state forces"),
    (
        r"(military|police|gendarmerie) forces of|government of|\bg5 sahel\b|\btakuba\b|\beutm\b",
        "Other state forces",
    ),
    (r"^civilians\b", "Civilians"),
)
_COMPILED = tuple(
    (re.compile(pattern, re.IGNORECASE), family) for pattern, family in ACTOR_PATTERNS
)


def actor_family(name: str) -> str:
    """The family of one actor name: the first pattern that matches, else ``Other``.

    Examples
    --------
    >>> actor_family("JNIM: Jama'at Nusrat al-Islam wal Muslimin")
    'al-Qaeda network'
    >>> actor_family("")
    ''
    """
    text = name.strip()
    if not text:
        return ""
    for pattern, family in _COMPILED:
        if pattern.search(text):
            return family
    return OTHER


def actor_families(names: pd.Series) -> pd.Series:
    """The family of every name in a column (each distinct name looked up once)."""
    codes, uniques = pd.factorize(names.astype(str), use_na_sentinel=False)
    families = pd.Series([actor_family(str(u)) for u in uniques], dtype=object).to_numpy()
    return pd.Series(families[codes], index=names.index, dtype=object)


def _check_table() -> None:
    unknown = {family for _, family in ACTOR_PATTERNS} - set(ACTOR_FAMILIES)
    if OTHER not in ACTOR_FAMILIES:
        unknown.add(OTHER)
    if unknown:
        raise RuntimeError(f"actor families not in the vocabulary: {sorted(unknown)}")


_check_table()
