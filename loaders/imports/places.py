"""Countries of the atlas area by name and code, and checks of coordinates against the area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from loaders.checks import STUDY_AREA

# The countries that reach into the atlas area: ISO alpha-3, ISO numeric (as ACLED's ``iso``),
# Gleditsch-Ward number (as UCDP's ``country_id``) and the names the datasets use.
COUNTRIES: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("MLI", 466, 432, ("Mali",)),
    ("BFA", 854, 439, ("Burkina Faso",)),
    ("NER", 562, 436, ("Niger",)),
    ("MRT", 478, 435, ("Mauritania", "Mauritanie")),
    ("DZA", 12, 615, ("Algeria", "Algérie")),
    ("SEN", 686, 433, ("Senegal", "Sénégal")),
    ("GIN", 324, 438, ("Guinea", "Guinée")),
    ("CIV", 384, 437, ("Ivory Coast", "Côte d'Ivoire", "Cote d'Ivoire")),
    ("GHA", 288, 452, ("Ghana",)),
    ("TGO", 768, 461, ("Togo",)),
    ("BEN", 204, 434, ("Benin", "Bénin")),
    ("NGA", 566, 475, ("Nigeria",)),
    ("GMB", 270, 420, ("Gambia", "The Gambia")),
    ("GNB", 624, 404, ("Guinea-Bissau",)),
    ("SLE", 694, 451, ("Sierra Leone",)),
    ("LBR", 430, 450, ("Liberia",)),
    ("MAR", 504, 600, ("Morocco", "Maroc")),
    ("ESH", 732, 607, ("Western Sahara",)),
    ("TUN", 788, 616, ("Tunisia", "Tunisie")),
    ("LBY", 434, 620, ("Libya", "Libye")),
    ("TCD", 148, 483, ("Chad", "Tchad")),
    ("CMR", 120, 471, ("Cameroon", "Cameroun")),
    ("CPV", 132, 402, ("Cape Verde", "Cabo Verde")),
)
_BY_NAME = {name.casefold(): a3 for a3, _, _, names in COUNTRIES for name in names}
_BY_NAME.update({a3.casefold(): a3 for a3, _, _, _ in COUNTRIES})
_BY_ISO_NUMERIC = {str(number): a3 for a3, number, _, _ in COUNTRIES}
_BY_GW = {str(number): a3 for a3, _, number, _ in COUNTRIES}

# Mali's own extent, for telling swapped coordinates from distant ones.
MALI_BOX: tuple[float, float, float, float] = (-12.3, 10.1, 4.3, 25.1)


def _lookup(values: pd.Series, table: dict[str, str], key: str) -> pd.Series:
    codes, uniques = pd.factorize(values.astype(str), use_na_sentinel=False)
    cleaned = [str(u).strip() for u in uniques]
    if key == "name":
        found = [table.get(u.casefold(), "") for u in cleaned]
    else:
        found = [table.get(u.split(".")[0].lstrip("0") or "0", "") for u in cleaned]
    return pd.Series(np.asarray(found, dtype=object)[codes], index=values.index, dtype=object)


def country_codes(
    names: pd.Series | None = None,
    iso_numeric: pd.Series | None = None,
    gw_numbers: pd.Series | None = None,
) -> pd.Series:
    """ISO alpha-3 codes from whichever columns a file has; empty where none is known."""
    present = [s for s in (names, iso_numeric, gw_numbers) if s is not None]
    if not present:
        raise ValueError("give at least one column of country names or codes")
    result = pd.Series("", index=present[0].index, dtype=object)
    for values, table, key in (
        (names, _BY_NAME, "name"),
        (iso_numeric, _BY_ISO_NUMERIC, "number"),
        (gw_numbers, _BY_GW, "number"),
    ):
        if values is not None:
            found = _lookup(values, table, key)
            result = result.where(result != "", found)
    return result


def countries_at(points: gpd.GeoSeries, countries: gpd.GeoDataFrame) -> pd.Series:
    """ISO alpha-3 code of the country polygon each point falls in; empty outside them all."""
    if points.crs != countries.crs:
        raise ValueError(f"CRS mismatch: points in {points.crs}, countries in {countries.crs}")
    frame = gpd.GeoDataFrame(geometry=points)
    joined = gpd.sjoin(frame, countries[["iso_a3", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["iso_a3"].astype(object).fillna("").reindex(points.index)


def in_box(lon: pd.Series, lat: pd.Series, box: tuple[float, float, float, float]) -> pd.Series:
    """True where (lon, lat) lies inside ``box`` = (min lon, min lat, max lon, max lat)."""
    min_lon, min_lat, max_lon, max_lat = box
    return lon.between(min_lon, max_lon) & lat.between(min_lat, max_lat)


def in_study_area(lon: pd.Series, lat: pd.Series) -> pd.Series:
    """True where a point lies in the atlas area (Mali and its neighbours)."""
    return in_box(lon, lat, STUDY_AREA)
