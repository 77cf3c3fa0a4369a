"""Small helpers the format readers share: column access and the reader's working context."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from loaders.errors import LayerError
from loaders.imports.rows import RowIssues


def normal_name(column: str) -> str:
    """A column name reduced for matching: lower case, runs of non-letters as one ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", column.strip().lower()).strip("_")


def lowered(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its column names reduced by :func:`normal_name` (first of clashes kept)."""
    names = [normal_name(str(c)) for c in table.columns]
    keep = ~pd.Index(names).duplicated()
    result = table.loc[:, keep].copy()
    result.columns = [n for n, k in zip(names, keep, strict=True) if k]
    return result


def has_columns(columns: Iterable[str], required: Iterable[str]) -> bool:
    """True when every name in ``required`` is among ``columns`` (compared reduced)."""
    present = {normal_name(c) for c in columns}
    return all(r in present for r in required)


def require(table: pd.DataFrame, required: Iterable[str], file: str, what: str) -> None:
    """Raise a clear error naming every required column the table lacks."""
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise LayerError.single(
            file, f"{what} lacks the required column(s) {', '.join(repr(c) for c in missing)}"
        )


def text(table: pd.DataFrame, column: str, default: str = "") -> pd.Series:
    """A column as stripped text, or ``default`` on every row when the table lacks it."""
    if column not in table.columns:
        return pd.Series(default, index=table.index, dtype=object)
    return table[column].astype(str).str.strip()


def first_non_empty(*columns: pd.Series) -> pd.Series:
    """Row by row, the first of ``columns`` that is not empty."""
    result = columns[0]
    for column in columns[1:]:
        result = result.where(result != "", column)
    return result


def choices(
    values: pd.Series, allowed: dict[str, int], column: str, reason: str, issues: RowIssues
) -> pd.Series:
    """Map coded text (``"1"``, ``"2"`` …) through ``allowed``; reject rows with other codes."""
    codes = values.str.replace(r"\.0$", "", regex=True)
    mapped = codes.map(allowed)
    issues.add(mapped.isna(), reason, column, values)
    return mapped.fillna(1).astype(int)


@dataclass
class ReaderContext:
    """What a format reader needs besides the table: names for messages and where to report."""

    file: str
    keep_outside: bool
    issues: RowIssues
    flags: RowIssues
    merged: int = 0
    """Rows folded into another row of the same event (ACLED's monadic pairs)."""
