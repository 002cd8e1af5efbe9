"""pytest configuration shared by the test suite and the doctests of the package."""

import importlib.util


def _torch_installed():
    try:
        return importlib.util.find_spec("torch") is not None
    except ImportError:
        return False


# mlearn.deep needs the optional torch extra; without it its doctests are not collected
# (tests/test_deep.py skips itself through pytest.importorskip).
collect_ignore_glob = [] if _torch_installed() else ["mlearn/deep/*"]
