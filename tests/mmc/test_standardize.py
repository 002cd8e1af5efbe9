"""The features' scale and the degenerate input it reveals (mlearn/mmc/_standardize.py)."""

import warnings

import numpy as np
import pytest

from mlearn import MMC
from mlearn.constraints import similar_dissimilar_pairs

from ._helpers import random_pairs


@pytest.mark.parametrize("diagonal", [False, True])
def test_constant_feature_gets_weight_zero_and_leaves_the_rest_unchanged(diagonal):
    X, pairs, y = random_pairs(12)
    with_constant = np.hstack([X, np.full((X.shape[0], 1), 7.0)])
    params = {"diagonal": diagonal, "tol": 1e-7, "max_iter": 5000}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        padded = MMC(preprocessor=with_constant, **params).fit(pairs, y)
    plain = MMC(preprocessor=X, **params).fit(pairs, y)
    M = padded.get_mahalanobis_matrix()
    np.testing.assert_allclose(M[-1], 0, atol=1e-12)
    np.testing.assert_allclose(M[:-1, :-1], plain.get_mahalanobis_matrix(), rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("diagonal", [False, True])
def test_direction_where_similar_pairs_agree_is_reported_unbounded_and_dropped(diagonal):
    rng = np.random.default_rng(13)
    labels = np.repeat(np.arange(3), 6)
    pairs, y = similar_dissimilar_pairs(labels, 40, random_state=0)
    # The class label itself as a feature: equal within every similar pair.
    X = np.column_stack([rng.normal(size=(18, 3)), labels.astype(float)])
    with pytest.warns(UserWarning, match="unbounded"):
        mmc = MMC(diagonal=diagonal, preprocessor=X).fit(pairs, y)
    np.testing.assert_allclose(mmc.get_mahalanobis_matrix()[-1], 0, atol=1e-10)


def test_duplicated_points_only_as_similar_pairs_are_rejected():
    X, pairs, y = random_pairs(14)
    X_dup = np.vstack([X, X])
    n = X.shape[0]
    similar = np.column_stack([np.arange(5), np.arange(5) + n])
    dissimilar = pairs[y == -1]
    both = np.vstack([similar, dissimilar])
    labels = np.r_[np.ones(5), -np.ones(len(dissimilar))]
    with pytest.raises(ValueError, match="identical points"):
        MMC(preprocessor=X_dup).fit(both, labels)


@pytest.mark.parametrize("diagonal", [False, True])
def test_learned_distances_do_not_depend_on_feature_scales(diagonal):
    # MMC is equivariant under rescaling features: M' = C⁻¹ M C⁻¹ for X' = X C.
    X, pairs, y = random_pairs(17, d=5)
    scales = np.array([1e-5, 1e-2, 1.0, 1e3, 1e6])
    # Newton's decrement bounds F − F*, so its tol is squared relative to the full one's.
    params = {"diagonal": diagonal, "tol": 1e-14 if diagonal else 1e-7, "max_iter": 5000}
    plain = MMC(preprocessor=X, **params).fit(pairs, y)
    scaled = MMC(preprocessor=X * scales, **params).fit(pairs, y)
    np.testing.assert_allclose(
        scaled.pair_distance(pairs), plain.pair_distance(pairs), rtol=1e-4, atol=1e-8
    )
