"""The state that defines a view, and its round trip through a URL query string.

A view is one frozen value; pages draw it and write it back to the URL, so a link reopens
exactly the view that was shown. Parsing never raises: a bad parameter is reported and
replaced by its default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import parse_qs

from loaders.checks import parse_iso_date

LAYER_NAMES: tuple[str, ...] = ("regions", "rivers", "towns", "deployments", "incidents")
"""Overlay layers a view can show, in drawing order. The basemap is always there."""


@dataclass(frozen=True)
class ParamError:
    """A query parameter that could not be used, and why."""

    name: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"URL parameter {self.name}={self.value!r}: {self.reason}; using the default"


@dataclass(frozen=True)
class ViewState:
    """What a map view shows.

    ``date_from``/``date_to`` of None mean the start/end of the data.
    """

    date_from: date | None = None
    date_to: date | None = None
    layers: tuple[str, ...] = LAYER_NAMES

    def date_range(self, data_start: date, data_end: date) -> tuple[date, date]:
        """The range to show, with open ends filled from the data's own span."""
        start = self.date_from or data_start
        end = self.date_to or data_end
        return (start, end) if start <= end else (end, start)

    def shows(self, layer: str) -> bool:
        """True when ``layer`` is visible in this view."""
        return layer in self.layers

    def with_dates(self, start: date | None, end: date | None) -> ViewState:
        """A copy with another date range."""
        return replace(self, date_from=start, date_to=end)

    def to_query(self) -> dict[str, str]:
        """Query parameters for this view; defaults are left out to keep links short."""
        query: dict[str, str] = {}
        if self.date_from:
            query["from"] = self.date_from.isoformat()
        if self.date_to:
            query["to"] = self.date_to.isoformat()
        if self.layers != LAYER_NAMES:
            query["layers"] = ",".join(self.layers) if self.layers else "none"
        return query

    def to_query_string(self) -> str:
        """The query string (without ``?``) for this view."""
        from urllib.parse import urlencode

        return urlencode(self.to_query())


@dataclass(frozen=True)
class ParsedView:
    """A view read from a URL, with the parameters that had to be dropped."""

    view: ViewState
    errors: tuple[ParamError, ...] = field(default_factory=tuple)


def _values(params: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    raw = params.get(name)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def _one_date(
    params: Mapping[str, str | Sequence[str]], name: str, errors: list[ParamError]
) -> date | None:
    values = _values(params, name)
    if not values:
        return None
    if len(values) > 1:
        errors.append(ParamError(name, ",".join(values), "give one date"))
        return None
    parsed = parse_iso_date(values[0])
    if parsed is None:
        errors.append(ParamError(name, values[0], "not a date written YYYY-MM-DD"))
    return parsed


def parse_view(params: Mapping[str, str | Sequence[str]]) -> ParsedView:
    """Read a view from query parameters (as ``st.query_params`` or ``parse_qs`` give them).

    Unknown parameters are ignored (links may carry others); known ones that are invalid are
    reported in ``errors`` and fall back to their defaults.
    """
    errors: list[ParamError] = []
    start = _one_date(params, "from", errors)
    end = _one_date(params, "to", errors)
    if start and end and start > end:
        errors.append(ParamError("to", end.isoformat(), f"is before from={start.isoformat()}"))
        end = None
    layers = LAYER_NAMES
    requested = _values(params, "layers")
    if requested == ["none"]:
        layers = ()
    elif requested:
        unknown = [name for name in requested if name not in LAYER_NAMES]
        if unknown:
            errors.append(
                ParamError("layers", ",".join(unknown), f"unknown; known: {', '.join(LAYER_NAMES)}")
            )
        known = set(requested) - set(unknown)
        if known or not unknown:
            layers = tuple(name for name in LAYER_NAMES if name in known)
    return ParsedView(ViewState(start, end, layers), tuple(errors))


def parse_query_string(query: str) -> ParsedView:
    """Read a view from a query string such as ``from=2015-01-01&to=2015-12-31``."""
    return parse_view(parse_qs(query.lstrip("?"), keep_blank_values=True))
