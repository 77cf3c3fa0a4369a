"""Map JavaScript and CSS, served by the app itself.

Briefing rooms are often air-gapped, so no browser ever fetches Leaflet from a CDN. The files
come from registry packages installed with the app (``xstatic-leaflet``,
``xstatic-leaflet-markercluster``, folium's own wheel) and from the atlas itself (the scripts of
our layers, ``atlas/js/``); :func:`install_assets` copies them under ``static/vendor/``, which
Streamlit serves at ``/app/static/vendor/``. :func:`localize` points a folium element at those
copies and refuses any asset we do not ship.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import folium
from branca.element import Element

from atlas.paths import STATIC_DIR

ASSET_URL_PREFIX = "/app/static/vendor"


@dataclass(frozen=True)
class Asset:
    """One file (or folder) the map needs, and where an installed package keeps it."""

    name: str  # the name folium gives the link, e.g. "leaflet" or "markerclustercss"
    package: str  # importable module that holds the file
    source: str  # path inside that module's folder
    target: str  # path under static/vendor/
    kind: str  # "js", "css" or "dir"
    # The URL carries a digest of the file: a browser that kept an older copy of a script
    # that changes with the app (ours) fetches the new one instead of running the old.
    versioned: bool = False


ASSETS: tuple[Asset, ...] = (
    Asset("leaflet", "xstatic.pkg.leaflet", "data/leaflet.js", "leaflet/leaflet.js", "js"),
    Asset("leaflet_css", "xstatic.pkg.leaflet", "data/leaflet.css", "leaflet/leaflet.css", "css"),
    Asset("leaflet_images", "xstatic.pkg.leaflet", "data/images", "leaflet/images", "dir"),
    Asset(
        "markerclusterjs",
        "xstatic.pkg.leaflet_markercluster",
        "data/leaflet.markercluster.js",
        "markercluster/leaflet.markercluster.js",
        "js",
    ),
    Asset(
        "markerclustercss",
        "xstatic.pkg.leaflet_markercluster",
        "data/MarkerCluster.css",
        "markercluster/MarkerCluster.css",
        "css",
    ),
    Asset(
        "markerclusterdefaultcss",
        "xstatic.pkg.leaflet_markercluster",
        "data/MarkerCluster.Default.css",
        "markercluster/MarkerCluster.Default.css",
        "css",
    ),
    Asset(
        "leaflet-heat.js",
        "folium",
        "templates/leaflet_heat.min.js",
        "heat/leaflet_heat.min.js",
        "js",
    ),
    Asset("atlas-layers", "atlas", "js/layers.js", "atlas/layers.js", "js", versioned=True),
)
_BY_NAME = {asset.name: asset for asset in ASSETS}


class AssetError(RuntimeError):
    """A map asset is missing from the installed packages or not shipped by the app."""


def asset_source(asset: Asset) -> Path:
    """Return the file or folder of ``asset`` inside its installed package."""
    spec = importlib.util.find_spec(asset.package)
    if spec is None or not spec.submodule_search_locations:
        raise AssetError(f"package {asset.package!r} for map asset {asset.name!r} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / asset.source
    if not path.exists():
        raise AssetError(f"map asset {asset.name!r} not found at {path}")
    return path


def asset_url(name: str) -> str:
    """Return the URL under which the app serves the asset called ``name``."""
    try:
        asset = _BY_NAME[name]
    except KeyError:
        raise AssetError(
            f"no local copy of map asset {name!r}; the app serves only its own"
        ) from None
    url = f"{ASSET_URL_PREFIX}/{asset.target}"
    return f"{url}?v={_version(asset)}" if asset.versioned else url


@cache
def _version(asset: Asset) -> str:
    # Read once per process: the file served is the one copied when the process started.
    return _digest(asset_source(asset))[:12]


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.is_file())
    else:
        yield path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_atomically(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def install_assets(static_dir: Path = STATIC_DIR) -> list[Path]:
    """Copy every map asset under ``static_dir/vendor``; return the files that changed.

    Idempotent and cheap when nothing changed (files are compared by content), and each file
    is replaced atomically so a browser never reads half a script.
    """
    changed: list[Path] = []
    vendor = static_dir / "vendor"
    for asset in ASSETS:
        source = asset_source(asset)
        for file in _files(source):
            relative = file.relative_to(source) if source.is_dir() else Path()
            target = vendor / asset.target / relative
            if target.exists() and _digest(target) == _digest(file):
                continue
            _copy_atomically(file, target)
            changed.append(target)
    return changed


def localize(element: Element) -> Element:
    """Point ``element`` (a folium Map or plugin) at the app's own copies of its assets.

    A folium Map asks for jQuery, Bootstrap, Font Awesome and awesome-markers besides Leaflet;
    the atlas draws with plain Leaflet, so a Map keeps only Leaflet. Any other element must use
    assets we ship, or :class:`AssetError` is raised.
    """
    if isinstance(element, folium.Map):
        element.default_js = [("leaflet", asset_url("leaflet"))]
        element.default_css = [("leaflet_css", asset_url("leaflet_css"))]
        return element
    js = getattr(element, "default_js", [])
    css = getattr(element, "default_css", [])
    element.default_js = [(name, asset_url(name)) for name, _ in js]  # type: ignore[attr-defined]
    element.default_css = [(name, asset_url(name)) for name, _ in css]  # type: ignore[attr-defined]
    return element


def inline_asset_text(name: str) -> str:
    """Return the text of a JS or CSS asset, for a self-contained HTML file."""
    asset = _BY_NAME[name]
    if asset.kind == "dir":
        raise AssetError(f"map asset {name!r} is a folder, not a script or stylesheet")
    return asset_source(asset).read_text(encoding="utf-8")
