"""The layer contract of pyproject.toml ([tool.importlinter]) holds for the package."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_imports_keep_the_layer_contract():
    pytest.importorskip("importlinter")
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    n_contracts = (ROOT / "pyproject.toml").read_text().count("[[tool.importlinter.contracts]]")
    assert f"{n_contracts} kept, 0 broken" in result.stdout


def test_importing_mlearn_imports_neither_numba_nor_dask_nor_torch():
    # The compiled kernels (numba) are imported by the solvers that use them, the Dask
    # layer imports dask only for a dask array, and mlearn.deep is imported on request.
    code = (
        "import sys, mlearn; "
        "print(sorted(m for m in ('numba', 'dask', 'torch') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
