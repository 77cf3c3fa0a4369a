"""CSV that is safe to open in a spreadsheet: the one writer of every CSV the atlas hands out.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
with ``'``, so a spreadsheet shows it as text instead of running it as a formula
(``=HYPERLINK(…)``, ``+cmd|…``). Numbers (Mali's longitudes are negative) are written as
numbers and never changed. The text is UTF-8 with a byte-order mark, so spreadsheets detect
the encoding, and rows end in CRLF as the CSV standard says.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime
from typing import Any

import pandas as pd

from atlas.escape import is_missing

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise_cell(value: str) -> str:
    """``value`` made safe for a spreadsheet cell: a leading formula character gets a ``'``."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def plain_value(value: Any) -> Any:
    """A cell as a JSON-ready value: text, number, ISO date or None."""
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar -> Python number
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def safe_cell(value: Any) -> str | int | float:
    """One CSV cell: numbers as they are, text neutralised, missing values empty."""
    plain = plain_value(value)
    if plain is None:
        return ""
    if isinstance(plain, bool):
        return int(plain)
    if isinstance(plain, int | float):
        return plain
    return neutralise_cell(str(plain))


def safe_csv(table: pd.DataFrame) -> bytes:
    """``table`` (its columns and rows, not its index) as formula-safe UTF-8 CSV with a BOM.

    Header names pass through :func:`neutralise_cell` as well, since a column name is text
    from the file too.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise_cell(str(name)) for name in table.columns])
    for record in table.itertuples(index=False, name=None):
        writer.writerow([safe_cell(value) for value in record])
    return (BOM + out.getvalue()).encode("utf-8")
