"""Tests never read the developer's own store, even from fixtures set up before each test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atlas.datasets import data_dir
from atlas.paths import REPO_ROOT
from tests.conftest import USER_SETTINGS


@pytest.fixture(scope="module")
def store_seen_by_module_fixtures() -> tuple[Path, dict[str, str | None]]:
    """What a module-scoped fixture (set up before function fixtures) would read."""
    return data_dir(), {name: os.environ.get(name) for name in USER_SETTINGS}


def test_module_fixtures_see_an_empty_temporary_store(
    store_seen_by_module_fixtures: tuple[Path, dict[str, str | None]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder, settings = store_seen_by_module_fixtures
    assert folder != REPO_ROOT / "data"
    assert folder.is_relative_to(tmp_path_factory.getbasetemp())
    assert not (folder / "manifest.json").exists()
    assert {name: value for name, value in settings.items() if name != "ATLAS_DATA_DIR"} == {
        name: None for name in USER_SETTINGS if name != "ATLAS_DATA_DIR"
    }


def test_each_test_gets_its_own_empty_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = data_dir()
    assert folder.is_relative_to(tmp_path_factory.getbasetemp())
    assert not (folder / "manifest.json").exists()
