"""Shared pytest set-up: plots render off screen (Agg) and are closed after each test.

This sits at the repository root so that it covers the doctests of ``mlearn/`` as well.
"""

import os
import sys

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
