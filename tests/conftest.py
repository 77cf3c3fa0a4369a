"""Shared fixtures: the real app served on a free loopback port, and a headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from streamlit.runtime.pages_manager import PagesManager

from tests.serving import REPO, ServedApp, headless_chromium, serve_app

if TYPE_CHECKING:
    from atlas.db.local import LocalServer

ARTIFACTS = REPO / "artifacts"
TEMPLATE_DATABASE = "atlas_template"


# Settings of the developer's own environment that would point a test at their data or change
# what the app allows; every test starts without them.
USER_SETTINGS = (
    "ATLAS_DATA_DIR",
    "ATLAS_DATABASE_URL",
    "ATLAS_ROLES_FILE",
    "ATLAS_ALLOW_RAW_EXPORT",
    "ATLAS_SECRETS_FILE",
    "ATLAS_ACLED_API",
    "ATLAS_UCDP_API",
    "ACLED_EMAIL",
    "ACLED_PASSWORD",
    "UCDP_TOKEN",
)


@pytest.fixture(scope="session", autouse=True)
def isolated_from_user_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Before any session or module fixture runs: an empty data directory and no user settings.

    Session- and module-scoped fixtures (a served app, loaded layers) are set up before the
    function-scoped :func:`no_imported_data`, so without this they would read the
    developer's own store.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name in USER_SETTINGS:
            patch.delenv(name, raising=False)
        patch.setenv("ATLAS_DATA_DIR", str(tmp_path_factory.mktemp("session-data")))
        yield


@pytest.fixture(autouse=True)
def no_imported_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test starts with an empty data directory, whatever a developer imported."""
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def postgis_server() -> Iterator[PostgisForTests]:
    """One private PostgreSQL + PostGIS server for the whole run, on a free loopback port.

    ``make test`` installs PostgreSQL and PostGIS; without them the tests that need the
    shared store fail, saying what is missing.
    """
    from atlas.db.local import LocalServer
    from atlas.db.migrate import upgrade

    server = LocalServer().start()
    try:
        template = server.create_database(TEMPLATE_DATABASE)
        upgrade(template)
        _forget_engine(template)
        yield PostgisForTests(server)
    finally:
        server.stop()


class PostgisForTests:
    """Hands out fresh databases with the atlas schema, copied from a migrated template."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.made = 0

    def fresh(self) -> str:
        """The address of a new database at the current schema."""
        import psycopg

        self.made += 1
        name = f"atlas_test_{self.made}"
        with psycopg.connect(self.server.admin_url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DATABASE}"')
        return self.server.admin_url(name)


def _forget_engine(url: str) -> None:
    """Close the pooled connections of one address (a database per test adds up)."""
    from atlas.db import engine

    engine(url).dispose()
    engine.cache_clear()


@pytest.fixture
def database(postgis_server: PostgisForTests, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh shared store for one test, named by ``ATLAS_DATABASE_URL`` as the app reads it."""
    url = postgis_server.fresh()
    monkeypatch.setenv("ATLAS_DATABASE_URL", url)
    yield url
    _forget_engine(url)


@pytest.fixture(params=["embedded", "postgis"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run a test once on the data directory and once on a fresh PostGIS database."""
    if request.param == "postgis":
        request.getfixturevalue("database")
    return str(request.param)


@pytest.fixture(scope="session")
def served_app() -> Iterator[ServedApp]:
    """The real app with the shipped data."""
    with serve_app() as app:
        yield app


@pytest.fixture
def browser(tmp_path: Path):
    """A fresh headless Chromium (new profile) that records every network request."""
    driver = headless_chromium(tmp_path / "profile", record_requests=True)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where browser tests leave their screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def navigation_owns_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run AppTest reruns through app.py, as the served app does.

    AppTest forgets before every run that ``st.navigation`` has taken over the ``pages/``
    folder, and would then rerun a page file on its own, without app.py's sidebar. The server
    remembers it for the life of the process; this fixture makes AppTest do the same.
    """
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        PagesManager.uses_pages_directory = False
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store of its own over small layers, named by the environment as the CLI reads it."""
    from tests.factories import small_geodata_dir

    geodata = tmp_path / "geodata"
    geodata.mkdir()
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(small_geodata_dir(geodata)))
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def shared_page_store(tmp_path, monkeypatch, database, navigation_owns_pages):
    """The tiny atlas with its 3 curated incidents and 4 imported ones kept in PostGIS."""
    from atlas.datasets import open_datasets
    from tests.factories import small_geodata_dir

    geodata = small_geodata_dir(tmp_path)
    monkeypatch.setenv("ATLAS_GEODATA_DIR", str(geodata))
    open_datasets(geodata=geodata).import_file(
        Path(__file__).parent / "fixtures" / "import" / "acled_current_dyadic.csv"
    )
    return database


@pytest.fixture
def rows_fetched(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many incident rows each fetch from the shared database brought, with no view's
    rows kept from before (every view is asked again)."""
    from atlas.db import query

    sizes: list[int] = []
    original = query._rows

    def counting(*args: object) -> object:
        rows = original(*args)  # type: ignore[arg-type]
        sizes.append(len(rows))
        return rows

    monkeypatch.setattr(query, "_rows", counting)
    monkeypatch.setattr(query.views, "get", lambda key: None)
    return sizes
