"""Small, named value checks shared by the layer schemas.

Dates are parsed with explicit formats only: pandas' guessing reads ``05/03/2024`` as either
day or month first depending on the rest of the column, so we never let it guess.
"""

from __future__ import annotations

from datetime import date, datetime

# The area the atlas covers: Mali and its neighbours (Senegal to Niger, Côte d'Ivoire to the
# Algerian coast), in degrees, as (min lon, min lat, max lon, max lat).
STUDY_AREA: tuple[float, float, float, float] = (-18.0, 4.0, 16.5, 37.5)

ISO_DATE = "%Y-%m-%d"


def parse_iso_date(text: str) -> date | None:
    """Return the date written as ``YYYY-MM-DD``, or None when ``text`` is not one."""
    try:
        return datetime.strptime(text.strip(), ISO_DATE).date() if len(text.strip()) == 10 else None
    except ValueError:
        return None


def is_iso_date(text: str) -> bool:
    """True when ``text`` is a real calendar date written as ``YYYY-MM-DD``."""
    return parse_iso_date(text) is not None


def is_iso_date_or_empty(text: str) -> bool:
    """True for an empty cell or a ``YYYY-MM-DD`` date."""
    return text.strip() == "" or is_iso_date(text)


def is_float_between(text: str, low: float, high: float) -> bool:
    """True when ``text`` is a finite number in ``[low, high]``."""
    try:
        number = float(text)
    except ValueError:
        return False
    return low <= number <= high


def is_count_or_empty(text: str) -> bool:
    """True for an empty cell or a whole number >= 0 (a count of people)."""
    stripped = text.strip()
    return stripped == "" or (stripped.isdigit() and stripped.isascii())
