"""A throwaway PostgreSQL + PostGIS server on loopback, for tests and benchmarks.

``LocalServer`` makes a cluster in a temporary folder (``initdb``), starts it on a free
loopback port with its socket in that folder, creates a database with PostGIS and stops and
deletes everything on ``stop``. PostgreSQL refuses to run as root: when the process is
root, the server runs as the ``postgres`` system account, which the Debian packages create.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SERVER_ACCOUNT = "postgres"


class NoServerError(RuntimeError):
    """PostgreSQL or PostGIS is not installed (``make test`` installs both)."""


def binaries() -> Path:
    """The folder of PostgreSQL's server programs (the newest version installed)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise NoServerError("PostgreSQL's server is not installed (initdb not found)")


def _version(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except (ValueError, IndexError):
        return 0


def has_postgis(bindir: Path) -> bool:
    """Whether PostGIS is installed for the server in ``bindir``."""
    version = bindir.parent.name
    return Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists()


def free_port() -> int:
    """A TCP port nothing listens on now, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalServer:
    """One private PostgreSQL server with a PostGIS database named ``atlas``."""

    def __init__(self, database: str = "atlas") -> None:
        self.bindir = binaries()
        if not has_postgis(self.bindir):
            raise NoServerError(f"PostGIS is not installed for the server in {self.bindir}")
        self.database = database
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="atlas-pg-"))
        self.as_root = os.geteuid() == 0
        self.user = SERVER_ACCOUNT if self.as_root else "atlas"

    @property
    def url(self) -> str:
        """The address of the database (password-less, loopback, trust authentication)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def admin_url(self, database: str | None = None) -> str:
        """The address of another database of the same server."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database or self.database}"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", SERVER_ACCOUNT, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> LocalServer:
        """Create the cluster, start it and create the database with PostGIS."""
        data = self.folder / "data"
        if self.as_root:
            shutil.chown(self.folder, SERVER_ACCOUNT)
        try:
            self._run("initdb", "-D", str(data), "-A", "trust", "-U", self.user, "-E", "UTF8")
            options = (
                f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            self._run(
                "pg_ctl", "-D", str(data), "-l", str(self.folder / "log"), "-o", options,
                "-w", "-t", "60", "start",
            )  # fmt: skip
            self.create_database(self.database)
        except subprocess.CalledProcessError as exc:
            log = self.folder / "log"
            detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            self.stop()
            raise NoServerError(
                f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')}{detail}"
            ) from None
        return self

    def create_database(self, name: str) -> str:
        """Create an empty database with PostGIS on this server; return its address."""
        import psycopg

        with psycopg.connect(self.admin_url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(self.admin_url(name), autocommit=True) as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return self.admin_url(name)

    def stop(self) -> None:
        """Stop the server at once and delete its folder."""
        data = self.folder / "data"
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self._run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        for _ in range(20):
            if not (data / "postmaster.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
