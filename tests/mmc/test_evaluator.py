"""The sums over the pairs (mlearn/mmc/_evaluator.py)."""

import numpy as np
import pytest

from mlearn._evaluator import declared_combination, declared_methods
from mlearn.mmc._evaluator import (
    PairSums,
    difference_scatter,
    dissimilar_sum_and_gradient,
)

from ._helpers import random_pairs


def test_dissimilar_gradient_matches_finite_differences():
    X, pairs, y = random_pairs(4, d=5)
    D = pairs[y == -1]
    rng = np.random.default_rng(0)
    R = rng.normal(size=(5, 5))
    M = R @ R.T + np.eye(5)
    _, G = dissimilar_sum_and_gradient(X, D[:, 0], D[:, 1], M)
    E = rng.normal(size=(5, 5))
    E = (E + E.T) / 2
    eps = 1e-6
    plus = dissimilar_sum_and_gradient(X, D[:, 0], D[:, 1], M + eps * E)[0]
    minus = dissimilar_sum_and_gradient(X, D[:, 0], D[:, 1], M - eps * E)[0]
    assert np.vdot(G, E) == pytest.approx((plus - minus) / (2 * eps), rel=1e-6)


def test_difference_scatter_equals_sum_of_weighted_outer_products():
    X, pairs, _ = random_pairs(6)
    weights = np.random.default_rng(2).uniform(size=len(pairs))
    diffs = X[pairs[:, 0]] - X[pairs[:, 1]]
    expected = (diffs * weights[:, None]).T @ diffs
    got = difference_scatter(X, pairs[:, 0], pairs[:, 1], weights)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_every_method_declares_how_it_combines_across_shards():
    # The sums add over shards; rescale and project change every shard where it lives.
    expected = {
        "dissimilar_distance_sum": "sum",
        "dissimilar_sum_and_gradient": "sum",
        "dissimilar_terms": "sum",
        "project": "update",
        "rescale": "update",
        "scatter": "sum",
        "squared_difference_sum": "sum",
        "squared_distance_sum": "sum",
    }
    assert declared_methods(PairSums) == sorted(expected)
    for name, combine in expected.items():
        assert declared_combination(PairSums, name) == (combine, ())


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def test_sums_over_two_halves_of_the_pairs_add_up_to_the_sums_over_all():
    # What a sharded fit relies on: each shard's evaluator sums over its own pairs only.
    X, pairs, y = random_pairs(19, d=5)
    similar, dissimilar = pairs[y == 1], pairs[y == -1]
    whole = PairSums(X, similar, dissimilar)
    halves = [PairSums(X, similar[part], dissimilar[part]) for part in (slice(7), slice(7, None))]
    w = np.random.default_rng(3).uniform(0.5, 1.5, size=5)
    calls = [
        ("squared_difference_sum", ("similar",)),
        ("squared_distance_sum", ("dissimilar", np.eye(5)[:2])),
        ("scatter", ("dissimilar",)),
        ("dissimilar_terms", (w,)),
        ("dissimilar_distance_sum", (w,)),
    ]
    for name, args in calls:
        total = _as_tuple(getattr(whole, name)(*args))
        first, second = (_as_tuple(getattr(half, name)(*args)) for half in halves)
        for want, a, b in zip(total, first, second, strict=True):
            np.testing.assert_allclose(np.add(a, b), want, rtol=1e-12)
