"""Reading dates written by people and programs, without ever guessing day/month order.

Accepted: ``2024-03-01`` (with an optional time, as UCDP writes it), ``2024/03/01``,
``01 March 2024``, ``1-Mar-2024``, ``March 1, 2024`` (English or French month names), and
numeric ``dd/mm/yyyy``-like dates only when the order cannot be in doubt: one of the two
numbers is above 12, or both are equal. ``05/03/2024`` is rejected as ambiguous.

Each distinct text is parsed once and the result mapped back, so a column of 300,000 dates
written on a few thousand days costs a few thousand parses.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
MISSING = "missing date"
INVALID = "invalid date"
AMBIGUOUS = "ambiguous date (day and month could be swapped)"
OUT_OF_RANGE = f"date out of range ({EARLIEST.year}-{LATEST.year})"

MONTH_NUMBERS: dict[str, int] = {}  # English and French month names and abbreviations
for _number, _names in enumerate(
    [
        ("january", "jan", "janvier", "janv"),
        ("february", "feb", "février", "fevrier", "févr", "fevr"),
        ("march", "mar", "mars"),
        ("april", "apr", "avril", "avr"),
        ("may", "mai"),
        ("june", "jun", "juin"),
        ("july", "jul", "juillet", "juil"),
        ("august", "aug", "août", "aout"),
        ("september", "sep", "sept", "septembre"),
        ("october", "oct", "octobre"),
        ("november", "nov", "novembre"),
        ("december", "dec", "décembre", "decembre", "déc"),
    ],
    start=1,
):
    for _name in _names:
        MONTH_NUMBERS[_name] = _number

_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})[ \-.]+([^\W\d_]+)\.?,?[ \-.]+(\d{4})")
_MONTH_NAME_DAY = re.compile(r"([^\W\d_]+)\.? +(\d{1,2}),? +(\d{4})")
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _checked(parsed: date | None) -> tuple[date | None, str]:
    """A parsed date, or None and the reason: not a calendar day, or outside the range.

    The range keeps every accepted date far inside what a timestamp column can hold, so one
    row dated 9999 is rejected alone instead of failing the whole column.
    """
    if parsed is None:
        return None, INVALID
    if not EARLIEST <= parsed <= LATEST:
        return None, OUT_OF_RANGE
    return parsed, ""


def parse_date(text: str) -> tuple[date | None, str]:
    """Read one date; return it, or None and the reason it was not accepted.

    Examples
    --------
    >>> parse_date("01 March 2024")
    (datetime.date(2024, 3, 1), '')
    >>> parse_date("05/03/2024")[1]
    'ambiguous date (day and month could be swapped)'
    """
    value = text.strip()
    if not value:
        return None, MISSING
    if match := _ISO.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
        return _checked(_make(year, month, day))
    if match := _DAY_MONTH_NAME.fullmatch(value):
        day_text, name, year_text = match.groups()
        number = MONTH_NUMBERS.get(name.lower())
        return _checked(_make(int(year_text), number, int(day_text)) if number else None)
    if match := _MONTH_NAME_DAY.fullmatch(value):
        name, day_text, year_text = match.groups()
        number = MONTH_NUMBERS.get(name.lower())
        return _checked(_make(int(year_text), number, int(day_text)) if number else None)
    if match := _NUMERIC.fullmatch(value):
        first, second, year = (int(g) for g in match.groups())
        if first <= 12 and second <= 12 and first != second:
            return None, AMBIGUOUS
        if first > 12 and second > 12:
            return None, INVALID
        day, month = (first, second) if first > 12 or first == second else (second, first)
        return _checked(_make(year, month, day))
    return None, INVALID


def parse_dates(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read a column of dates; return them (datetime64, NaT when rejected) and the reasons.

    The reason is an empty string for every accepted date.
    """
    codes, uniques = pd.factorize(texts.astype(str), use_na_sentinel=False)
    parsed = [parse_date(str(u)) for u in uniques]
    days = pd.to_datetime(pd.Series([p[0] for p in parsed], dtype=object), errors="coerce")
    reasons = pd.Series([p[1] for p in parsed], dtype=object)
    day_values = days.to_numpy()[codes]
    reason_values = reasons.to_numpy()[codes]
    return (
        pd.Series(day_values, index=texts.index, dtype="datetime64[ns]"),
        pd.Series(reason_values, index=texts.index, dtype=object),
    )
