import pytest

from mlearn.lmnn import _search, _targets


@pytest.fixture
def small_tiles(monkeypatch):
    """Tiles of a few columns, so that every search crosses many tile boundaries."""
    monkeypatch.setattr(_search, "_TILE_COLUMNS", 7)
    monkeypatch.setattr(_targets, "_NEAREST_TILE", 5)
