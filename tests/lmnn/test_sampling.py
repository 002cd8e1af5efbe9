import numpy as np

from mlearn.lmnn import _sampling, _search
from mlearn.lmnn._search import find_impostors

from ._helpers import small_problem


def test_sampled_search_at_rate_one_finds_every_pair_with_unit_weight(small_tiles):
    X, y = small_problem(seed=4, n=60, d=3, n_classes=4)
    radii = np.random.default_rng(5).uniform(0.5, 4.0, size=X.shape[0])
    Z, sq = _search.search_embedding(X)
    a, b, w = _sampling.sample_impostor_pairs(Z, sq, y, radii, 1.0, np.random.RandomState(0))
    exact_a, exact_b, _ = find_impostors(X, y, radii)
    assert set(zip(a.tolist(), b.tolist(), strict=True)) == set(
        zip(exact_a.tolist(), exact_b.tolist(), strict=True)
    )
    assert a.shape == exact_a.shape
    np.testing.assert_array_equal(w, 1.0)


def test_pair_count_estimate_is_within_its_sampling_error():
    X, y = small_problem(seed=12, n=300, d=3, n_classes=3)
    radii = np.random.default_rng(13).uniform(0.5, 6.0, size=X.shape[0])
    exact = find_impostors(X, y, radii)[2]
    Z, _ = _search.search_embedding(X)
    draws = 20_000
    estimate = _sampling.estimate_pair_count(Z, y, radii, draws, np.random.RandomState(0))
    total = _sampling.other_class_pairs(y)
    assert total == 2 * 3 * 100 * 100
    p = exact / total
    assert abs(estimate - exact) < 4 * total * np.sqrt(p * (1 - p) / draws)
