"""Writing export files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

# The process's umask, read once: a temporary file is created private (0600), and the export
# should end up with the permissions any new file of this process would get.
_UMASK = os.umask(0o022)
os.umask(_UMASK)

_KINDS = (  # what is at a path that is not a regular file, in words
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


class NotAFileError(OSError):
    """The destination of a write exists and is not a regular file."""


def checked_destination(path: Path) -> Path:
    """The regular file that writing to ``path`` will replace (``path`` with links followed).

    A write replaces the file at the destination, so a device, a named pipe, a folder or a
    socket there (or a link to one) is refused rather than replaced: an export pointed at
    ``/dev/full`` by mistake must not remove the device. A link to a regular file is followed,
    so the file it points to is written and the link stays.

    Parameters
    ----------
    path
        Where the file is to be written; it need not exist yet.

    Raises
    ------
    NotAFileError
        When something other than a regular file exists there, naming the path and its kind.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    if stat.S_ISREG(mode):
        return target
    kind = next((name for is_kind, name in _KINDS if is_kind(mode)), "not a regular file")
    where = str(path) if target == Path(os.path.abspath(path)) else f"{path} (links to {target})"
    raise NotAFileError(f"{where} is {kind}; only a regular file is replaced")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    The temporary file is flushed to disk, then renamed over ``path`` (atomic on one file
    system), and the folder itself is synced so the rename survives a crash. A scheduled
    export that is killed half-way leaves the previous file intact. The file keeps the
    permissions of the one it replaces, or gets those of any new file of the process.

    Parameters
    ----------
    path
        The file to write; its folder must exist. When it is a link to a regular file, that
        file is written (see :func:`checked_destination`).
    data
        The complete content.

    Raises
    ------
    NotAFileError
        When something other than a regular file is at ``path``.
    FileNotFoundError
        When the folder of ``path`` does not exist.
    """
    target = checked_destination(path)
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"folder {folder} does not exist")
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_UMASK
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
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
