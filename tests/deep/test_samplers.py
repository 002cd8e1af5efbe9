"""mlearn.deep.samplers: class-balanced batches."""

import numpy as np
import pytest

pytest.importorskip("torch")

from mlearn.deep.samplers import class_balanced_batches  # noqa: E402


def test_sampler_batches_hold_m_per_class_and_cover_the_epoch():
    labels = np.repeat(np.arange(5), [8, 9, 4, 3, 11])
    batches = class_balanced_batches(labels, 12, 4, np.random.default_rng(0))
    seen = np.concatenate(batches)
    assert set(seen) == set(range(labels.shape[0]))
    for batch in batches:
        assert batch.shape[0] <= 12
        counts = np.unique(labels[batch], return_counts=True)[1]
        # Groups have m = 4 members; only class 3 (3 samples) has a smaller one.
        assert np.all((counts % 4 == 0) | (counts == 3))
