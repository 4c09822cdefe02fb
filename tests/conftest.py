"""Shared fixtures: the seed appendices as real workbooks, written once per session."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

import seeds

# xlwings registers its remote engine (xw.Book(json=…)) only when this is set at its
# first import, which may happen in any test module: set it before all of them.
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if shutil.which("soffice"):
        return
    skip = pytest.mark.skip(reason="LibreOffice (soffice) is not installed")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("seeds")


@pytest.fixture(scope="session")
def binh_thuan_xlsx(seed_dir: Path) -> Path:
    return seeds.binh_thuan(seed_dir / "binh_thuan.xlsx")


@pytest.fixture(scope="session")
def soc_trang_xlsx(seed_dir: Path) -> Path:
    return seeds.soc_trang(seed_dir / "soc_trang.xlsx")


@contextlib.contextmanager
def module_on_path(folder: Path, name: str, source: str):
    """Write ``source`` as module ``name`` in ``folder`` and put it on sys.path for the block."""
    (folder / f"{name}.py").write_text(source, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(folder))
        yield name


# The result cache (xl_tthc.rules.cache) of every test, and of every command a test runs
# in a subprocess, is a temporary folder: the tests never read or write the user's cache.
_CACHE_DIR = tempfile.mkdtemp(prefix="xl_tthc_test_cache_")
os.environ["XL_TTHC_CACHE_DIR"] = _CACHE_DIR


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)
