"""Armed-group lineage: which groups a selection of actors stands for.

Selecting a group also selects the groups that merged into it, directly or through others
(JNIM stands for Ansar Dine, al-Mourabitoun and the Macina Liberation Front, and through
al-Mourabitoun for MUJAO), and the names it was known by before a renaming. Splits and
affiliations are shown as context but do not widen a selection: ISGS split from
al-Mourabitoun, and its attacks are not al-Mourabitoun's.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

WIDENING = {"merged_into", "renamed_to"}


def expand_actors(selected: Iterable[str], lineage: pd.DataFrame) -> frozenset[str]:
    """The selected actors plus every group that merged into or was renamed to one of them.

    Parameters
    ----------
    selected
        Actor names as they appear in the incidents.
    lineage
        The lineage table (``group``, ``related_group``, ``relation`` columns).
    """
    absorbed: dict[str, set[str]] = {}
    for row in lineage.itertuples(index=False):
        if row.relation in WIDENING:
            absorbed.setdefault(row.related_group, set()).add(row.group)
    found = set(selected)
    frontier = list(found)
    while frontier:
        for predecessor in absorbed.get(frontier.pop(), ()):
            if predecessor not in found:
                found.add(predecessor)
                frontier.append(predecessor)
    return frozenset(found)


def lineage_of(actor: str, lineage: pd.DataFrame) -> pd.DataFrame:
    """Every lineage row that names ``actor`` on either side, oldest first."""
    rows = lineage[(lineage["group"] == actor) | (lineage["related_group"] == actor)]
    return rows.sort_values("from_date", na_position="first", ignore_index=True)
