"""The state that defines a view, and its round trip through a URL query string.

A view is one frozen value; pages draw it and write it back to the URL, so a link reopens
exactly the view that was shown, on every page. Parsing never raises: a bad parameter is
reported and replaced by its default.

Parameters (all optional; repeatable ones also take comma-separated values):

========== ============================================================ =====================
name       meaning                                                      example
========== ============================================================ =====================
from, to   first and last day (ISO dates)                               from=2015-01-01
region     ISO 3166-2 code of a Malian region (repeatable)              region=ML-BKO
type       ACLED event type (repeatable)                                type=Battles
subtype    sub-event type, within the types chosen (repeatable)         subtype=Armed clash
actor      actor name, with the groups that merged into it (repeatable) actor=JNIM: …
family     actor family (repeatable)                                    family=al-Qaeda network
minfat     fewest fatalities an incident must have                      minfat=5
layers     overlays shown (``notes`` too), or ``none``                  layers=regions,notes
agg        how incidents are drawn: auto, points, clusters, hexes, heat agg=hexes
rings      draw location uncertainty rings (1 or 0)                     rings=1
precise    leave out incidents located only to a region (1 or 0)        precise=1
lat, lon   map centre (degrees)                                         lat=16.3&lon=-0.05
zoom       map zoom (4 to 13, in steps of 0.25)                         zoom=5.75
near       a town or base name, for proximity                           near=Gao
radius     proximity radius in km (1 to 500)                            radius=50
========== ============================================================ =====================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlencode

from loaders.checks import parse_iso_date
from loaders.vocabulary import ACTOR_FAMILIES, EVENT_TYPES, REGION_CODES

LAYER_NAMES: tuple[str, ...] = ("regions", "rivers", "towns", "deployments", "incidents", "notes")
"""Overlay layers a view can show, in drawing order (the analysts' notes on top). The basemap
is always there."""

AGGREGATIONS: tuple[str, ...] = ("auto", "points", "clusters", "hexes", "heat")
MIN_ZOOM, MAX_ZOOM = 4, 13
ZOOM_STEP = 0.25
"""The smallest change of zoom a map makes: the interactive map fits a place at any quarter
zoom, and a link keeps the zoom it was copied at."""
DEFAULT_RADIUS_KM = 50.0


@dataclass(frozen=True)
class ParamError:
    """A query parameter that could not be used, and why."""

    name: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"URL parameter {self.name}={self.value!r}: {self.reason}; using the default"


@dataclass(frozen=True, kw_only=True)
class ViewState:
    """What a view shows. Empty selections mean "all"; None dates mean the data's own span."""

    date_from: date | None = None
    date_to: date | None = None
    regions: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    sub_types: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    min_fatalities: int = 0
    layers: tuple[str, ...] = LAYER_NAMES
    agg: str = "auto"
    rings: bool = False
    precise_only: bool = False
    lat: float | None = None
    lon: float | None = None
    zoom: float | None = None
    near: str | None = None
    radius_km: float = DEFAULT_RADIUS_KM

    def date_range(self, data_start: date, data_end: date) -> tuple[date, date]:
        """The range to show, with open ends filled from the data's own span."""
        start = self.date_from or data_start
        end = self.date_to or data_end
        return (start, end) if start <= end else (end, start)

    @property
    def zoom_level(self) -> int | None:
        """The whole zoom level at or below :attr:`zoom` (None without a zoom): what is chosen
        level by level, such as the size of hexagons, goes by it."""
        return None if self.zoom is None else math.floor(self.zoom)

    def shows(self, layer: str) -> bool:
        """True when ``layer`` is visible in this view."""
        return layer in self.layers

    def with_dates(self, start: date | None, end: date | None) -> ViewState:
        """A copy with another date range."""
        return replace(self, date_from=start, date_to=end)

    def to_query(self) -> dict[str, str]:
        """Query parameters for this view; defaults are left out to keep links short."""
        query: dict[str, str] = {}
        for spec in _PARAMS:
            value = getattr(self, spec.attr)
            if value != _DEFAULT_VIEW_VALUES[spec.attr]:
                query[spec.name] = spec.write(value)
        return query

    def to_query_string(self) -> str:
        """The query string (without ``?``) for this view."""
        return urlencode(self.to_query())


@dataclass(frozen=True)
class ParsedView:
    """A view read from a URL, with the parameters that had to be dropped."""

    view: ViewState
    errors: tuple[ParamError, ...] = field(default_factory=tuple)


class _InvalidParamError(ValueError):
    """A parameter value that cannot be used; the message says why."""


def _values(params: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    raw = params.get(name)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def _single(values: list[str]) -> str:
    if len(values) > 1:
        raise _InvalidParamError("give one value")
    return values[0]


def _read_date(values: list[str]) -> date:
    parsed = parse_iso_date(_single(values))
    if parsed is None:
        raise _InvalidParamError("not a date written YYYY-MM-DD")
    return parsed


def _read_number(low: float, high: float, *, integer: bool = False) -> Callable[[list[str]], Any]:
    def read(values: list[str]) -> float | int:
        text = _single(values)
        try:
            number: float | int = int(text) if integer else float(text)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            raise _InvalidParamError(f"not {kind}") from None
        if not low <= number <= high:
            raise _InvalidParamError(f"outside {low:g}..{high:g}")
        return number

    return read


def _read_zoom(values: list[str]) -> float:
    """A zoom in :data:`MIN_ZOOM`..:data:`MAX_ZOOM`, whole or not, to the nearest
    :data:`ZOOM_STEP` (where the map would settle anyway)."""
    zoom = float(_read_number(MIN_ZOOM, MAX_ZOOM)(values))
    snapped = round(zoom / ZOOM_STEP) * ZOOM_STEP
    return int(snapped) if snapped.is_integer() else snapped  # a whole zoom stays whole


def _read_flag(values: list[str]) -> bool:
    text = _single(values).lower()
    if text not in ("1", "0", "true", "false", "yes", "no"):
        raise _InvalidParamError("not 1 or 0")
    return text in ("1", "true", "yes")


def _read_choice(allowed: Sequence[str]) -> Callable[[list[str]], str]:
    def read(values: list[str]) -> str:
        text = _single(values)
        if text not in allowed:
            raise _InvalidParamError(f"not one of {', '.join(allowed)}")
        return text

    return read


def _read_members(allowed: Sequence[str] | None, *, ordered: bool = False) -> Callable[..., Any]:
    """Read a repeatable parameter; unknown members are reported, known ones kept."""

    def read(values: list[str], errors: list[str]) -> tuple[str, ...]:
        if allowed is None:
            return tuple(dict.fromkeys(values))
        unknown = [v for v in values if v not in allowed]
        if unknown:
            errors.extend(unknown)
        chosen = set(values) - set(unknown)
        if ordered:
            return tuple(v for v in allowed if v in chosen)
        return tuple(v for v in dict.fromkeys(values) if v in chosen)

    return read


def _read_layers(values: list[str], errors: list[str]) -> tuple[str, ...]:
    if values == ["none"]:
        return ()
    layers: tuple[str, ...] = _read_members(LAYER_NAMES, ordered=True)(values, errors)
    if not layers:
        raise _InvalidParamError(f"no known layer; known: {', '.join(LAYER_NAMES)}")
    return layers


def _write_text(value: object) -> str:
    return str(value)


def _write_members(value: tuple[str, ...]) -> str:
    return ",".join(value)


def _write_layers(value: tuple[str, ...]) -> str:
    return ",".join(value) if value else "none"


def _write_flag(value: bool) -> str:
    return "1" if value else "0"


def _write_number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class _Param:
    name: str
    attr: str
    read: Callable[..., Any]
    write: Callable[[Any], str] = _write_text
    repeatable: bool = False  # read(values, errors) collects unknown members


_PARAMS: tuple[_Param, ...] = (
    _Param("from", "date_from", _read_date, lambda d: d.isoformat()),
    _Param("to", "date_to", _read_date, lambda d: d.isoformat()),
    _Param("region", "regions", _read_members(REGION_CODES), _write_members, repeatable=True),
    _Param("type", "event_types", _read_members(EVENT_TYPES), _write_members, repeatable=True),
    # Imported datasets bring sub-types of their own, so any name is taken, as for actors.
    _Param("subtype", "sub_types", _read_members(None), _write_members, repeatable=True),
    _Param("actor", "actors", _read_members(None), _write_members, repeatable=True),
    _Param("family", "families", _read_members(ACTOR_FAMILIES), _write_members, repeatable=True),
    _Param("minfat", "min_fatalities", _read_number(0, 100_000, integer=True)),
    _Param("layers", "layers", _read_layers, _write_layers, repeatable=True),
    _Param("agg", "agg", _read_choice(AGGREGATIONS)),
    _Param("rings", "rings", _read_flag, _write_flag),
    _Param("precise", "precise_only", _read_flag, _write_flag),
    _Param("lat", "lat", _read_number(-90, 90), _write_number),
    _Param("lon", "lon", _read_number(-180, 180), _write_number),
    _Param("zoom", "zoom", _read_zoom, _write_number),
    _Param("near", "near", _single),
    _Param("radius", "radius_km", _read_number(1, 500), _write_number),
)
_DEFAULT_VIEW_VALUES = {f.name: f.default for f in fields(ViewState)}


def parse_view(params: Mapping[str, str | Sequence[str]]) -> ParsedView:
    """Read a view from query parameters (as ``st.query_params`` or ``parse_qs`` give them).

    Unknown parameters are ignored (links may carry others); known ones that are invalid are
    reported in ``errors`` and fall back to their defaults. In a repeatable parameter only
    the unknown members are dropped.
    """
    errors: list[ParamError] = []
    chosen: dict[str, Any] = {}
    for spec in _PARAMS:
        values = _values(params, spec.name)
        if not values:
            continue
        try:
            if spec.repeatable:
                unknown: list[str] = []
                chosen[spec.attr] = spec.read(values, unknown)
                for member in unknown:
                    errors.append(ParamError(spec.name, member, "unknown value"))
            else:
                chosen[spec.attr] = spec.read(values)
        except _InvalidParamError as exc:
            errors.append(ParamError(spec.name, ",".join(values), str(exc)))
    start, end = chosen.get("date_from"), chosen.get("date_to")
    if start and end and start > end:
        errors.append(ParamError("to", end.isoformat(), f"is before from={start.isoformat()}"))
        del chosen["date_to"]
    if ("lat" in chosen) != ("lon" in chosen):
        errors.append(ParamError("lat/lon", "", "give both lat and lon"))
        chosen.pop("lat", None)
        chosen.pop("lon", None)
    return ParsedView(ViewState(**chosen), tuple(errors))


def parse_query_string(query: str) -> ParsedView:
    """Read a view from a query string such as ``from=2015-01-01&to=2015-12-31``."""
    return parse_view(parse_qs(query.lstrip("?"), keep_blank_values=True))
