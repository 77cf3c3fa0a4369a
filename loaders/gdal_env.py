"""GDAL and PROJ set up so that reading a file never reaches the network.

GDAL follows addresses named inside some files (a GeoJSON ``crs`` of type ``link`` is fetched
with GDAL's own HTTP client while the file is read), and it has no setting that turns that
client off: a dead proxy is bypassed by ``NO_PROXY``. So a fetch hook is installed in every
GDAL library the process has loaded; it fails each request before a socket is opened. PROJ's
own network access (transformation grids from a CDN) is turned off in GDAL's copy of PROJ and
in pyproj's. The VRT drivers, which read other files named inside a file, are skipped.

:mod:`loaders` imports this module before any of its modules loads GDAL, so the app, the
command line and the tests read every file under these settings. :func:`gdal_offline` tells
whether the hook is in place; spatial readers refuse to run without it.
"""

from __future__ import annotations

import ctypes
import os
from collections import deque
from pathlib import Path

# Read by GDAL when it registers its drivers and by PROJ when it makes a context: both happen
# on first use, after this.
os.environ["PROJ_NETWORK"] = "OFF"
_SKIPPED_DRIVERS = ("VRT", "OGR_VRT")
# A feature GDAL would build from more than this many MB of JSON objects is refused; the
# default (200) fails on a polygon of two million vertices, 400 still bounds one feature to
# about 1.4 GB while it is read.
os.environ["OGR_GEOJSON_MAX_OBJ_SIZE"] = "400"
os.environ["GDAL_SKIP"] = " ".join(
    dict.fromkeys([*os.environ.get("GDAL_SKIP", "").split(), *_SKIPPED_DRIVERS])
)

import pyogrio  # noqa: E402  (loads GDAL, so only after the variables above)
import pyproj.network  # noqa: E402

NETWORK_OFF_MESSAGE = b"network access is turned off: files are read offline"


class _HTTPResult(ctypes.Structure):
    """GDAL's ``CPLHTTPResult``: what a fetch hook hands back (freed by GDAL)."""

    _fields_ = [
        ("status", ctypes.c_int),
        ("content_type", ctypes.c_void_p),
        ("error", ctypes.c_void_p),
        ("data_length", ctypes.c_int),
        ("data_allocated", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("headers", ctypes.c_void_p),
        ("mime_part_count", ctypes.c_int),
        ("mime_parts", ctypes.c_void_p),
    ]


_FetchHook = ctypes.CFUNCTYPE(
    ctypes.c_void_p,  # CPLHTTPResult *
    ctypes.c_char_p,  # the URL
    ctypes.c_void_p,  # options
    ctypes.c_void_p,  # progress function
    ctypes.c_void_p,  # its argument
    ctypes.c_void_p,  # write function
    ctypes.c_void_p,  # its argument
    ctypes.c_void_p,  # the hook's user data
)


def _gdal_libraries() -> list[Path]:
    """The GDAL shared libraries loaded in this process (pyogrio's, and any other)."""
    maps = Path("/proc/self/maps")
    if maps.exists():
        mapped = {
            Path(line.split(maxsplit=5)[5].strip())
            for line in maps.read_text().splitlines()
            if len(line.split(maxsplit=5)) == 6 and "/libgdal" in line
        }
        return sorted(mapped)
    # Without /proc, pyogrio's own bundled copy is the one it loaded.
    package = Path(pyogrio.__file__).parent
    return sorted(
        [
            *package.parent.joinpath("pyogrio.libs").glob("libgdal*"),
            *package.glob(".dylibs/libgdal*"),
        ]
    )


class _Hook:
    """A fetch hook for one GDAL library: every request fails with a fixed message."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self._calloc = library.VSICalloc
        self._calloc.restype = ctypes.c_void_p
        self._calloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
        self._strdup = library.VSIStrdup
        self._strdup.restype = ctypes.c_void_p
        self._strdup.argtypes = [ctypes.c_char_p]
        self.callback = _FetchHook(self._refuse)
        self.urls: deque[str] = deque(maxlen=100)  # the latest, for tests and diagnosis

    def _refuse(self, url: bytes | None, *_: object) -> int | None:
        # GDAL frees the result with its own allocator, so it is allocated with it too. Only
        # a failed allocation returns NULL, which would hand the request on to GDAL's client.
        self.urls.append((url or b"").decode("utf-8", "replace"))
        address = self._calloc(1, ctypes.sizeof(_HTTPResult))
        if address:
            result = _HTTPResult.from_address(address)
            result.status = 1
            result.error = self._strdup(NETWORK_OFF_MESSAGE)
        return address


_HOOKS: list[_Hook] = []  # kept alive for as long as GDAL may call them


def _install() -> None:
    for path in _gdal_libraries():
        library = ctypes.CDLL(str(path))
        hook = _Hook(library)
        library.CPLHTTPSetFetchCallback.argtypes = [_FetchHook, ctypes.c_void_p]
        library.CPLHTTPSetFetchCallback.restype = None
        library.CPLHTTPSetFetchCallback(hook.callback, None)
        _HOOKS.append(hook)
        library.OSRSetPROJEnableNetwork.argtypes = [ctypes.c_int]
        library.OSRSetPROJEnableNetwork(0)
        # Registering again drops the drivers in GDAL_SKIP, also when GDAL was loaded first.
        library.GDALAllRegister()
    pyproj.network.set_network_enabled(False)


def gdal_offline() -> bool:
    """True when GDAL's HTTP client is hooked off and PROJ's network access is off."""
    return bool(_HOOKS) and not pyproj.network.is_network_enabled()


def refused_urls() -> tuple[str, ...]:
    """The latest addresses GDAL tried to fetch in this process (each one refused)."""
    return tuple(url for hook in _HOOKS for url in hook.urls)


_install()
