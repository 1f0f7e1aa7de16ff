"""Shared fixtures. Environment (set by the ctest entry python.pytest, python/CMakeLists.txt):
PYTHONPATH (the package in the build tree), RGFLOW_CLI (the rgflow binary), RGFLOW_SHARED_DATA_DIR
(../shared/data), RGFLOW_SOURCE_DIR (the checkout, for docs/python.md)."""
import os
import pathlib
import subprocess

import matplotlib
import pytest

matplotlib.use("Agg")

SOURCE_DIR = pathlib.Path(os.environ.get("RGFLOW_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def data_dir():
    path = pathlib.Path(os.environ.get("RGFLOW_SHARED_DATA_DIR", SOURCE_DIR / ".." / "shared" / "data"))
    if not (path / "digits" / "digits.csv.gz").is_file():
        pytest.skip(f"shared data not found at {path} (needs ../shared/data/digits)")
    return path


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("RGFLOW_CLI")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("RGFLOW_CLI does not name the rgflow binary (run through ctest)")

    def run(*args):
        result = subprocess.run([path, *map(str, args)], capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise AssertionError(f"rgflow {' '.join(map(str, args))} failed "
                                 f"({result.returncode}): {result.stderr}")
        return result.stdout

    return run


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE_DIR
