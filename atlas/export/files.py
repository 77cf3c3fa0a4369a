"""Writing export files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

# The process's umask, read once: a temporary file is created private (0600), and the export
# should end up with the permissions any new file of this process would get.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    The temporary file is flushed to disk, then renamed over ``path`` (atomic on one file
    system), and the folder itself is synced so the rename survives a crash. A scheduled
    export that is killed half-way leaves the previous file intact. The file keeps the
    permissions of the one it replaces, or gets those of any new file of the process.

    Parameters
    ----------
    path
        The file to write; its folder must exist.
    data
        The complete content.

    Raises
    ------
    FileNotFoundError
        When the folder of ``path`` does not exist.
    """
    folder = path.resolve().parent
    if not folder.is_dir():
        raise FileNotFoundError(f"folder {folder} does not exist")
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_UMASK
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    # Some platforms cannot open a folder for syncing; the rename is then as durable as the OS
    # makes it.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
