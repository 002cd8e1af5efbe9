"""pytest configuration shared by the test suite and the doctests of the package."""

import importlib.util
import os
import sys

import pytest


def _torch_installed():
    try:
        return importlib.util.find_spec("torch") is not None
    except ImportError:
        return False


# mlearn.deep needs the optional torch extra; without it its doctests are not collected
# (the tests in tests/deep/ skip themselves through pytest.importorskip).
collect_ignore_glob = [] if _torch_installed() else ["mlearn/deep/*"]


# Plots render off screen (Agg), in the tests and in the doctests of mlearn/, and every figure
# is closed after each test.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
