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


def test_sampler_batches_cover_every_class_they_can():
    # 10 balanced classes, 16 groups of 4 a batch, groups dealt in rounds: a batch spans
    # parts of two or three rounds, so it holds 8 classes at the least and 9.9 on average
    # (groups of all classes shuffled together averaged 8.2 classes, 6 at the least).
    labels = np.repeat(np.arange(10), 40)
    covered = []
    for seed in range(5):
        batches = class_balanced_batches(labels, 64, 4, np.random.default_rng(seed))
        assert sum(b.shape[0] for b in batches) == labels.shape[0]
        for batch in batches[:-1]:
            covered.append(np.unique(labels[batch]).shape[0])
            assert np.bincount(labels[batch], minlength=10).max() <= 12
    assert min(covered) >= 8
    assert np.mean(covered) >= 9.5


def test_sampler_spreads_a_large_class_over_the_epoch():
    # Class 0 has 9 times the groups of class 1: class 1's groups are spread over the
    # epoch, so no stretch of the epoch is class 0 alone for long.
    labels = np.repeat([0, 1], [360, 40])
    batches = class_balanced_batches(labels, 16, 4, np.random.default_rng(0))
    holds_one = [bool((labels[b] == 1).any()) for b in batches]
    longest_without, run = 0, 0
    for present in holds_one:
        run = 0 if present else run + 1
        longest_without = max(longest_without, run)
    assert sum(holds_one) >= 8
    assert longest_without <= 6
