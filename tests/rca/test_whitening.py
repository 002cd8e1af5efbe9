"""RCA's map: Ĉ⁻¹ against its closed form, whitening within chunks, the reduced cases."""

import numpy as np
import pytest
from scipy import linalg

from mlearn.rca._whitening import rca_components

from ._helpers import brute_force_within_covariance, chunked_points


def _statistics(X, chunks):
    inside = X[chunks >= 0]
    return brute_force_within_covariance(X, chunks), np.cov(inside, rowvar=False)


def test_full_rank_metric_is_the_inverse_within_chunk_covariance():
    X, _, chunks = chunked_points()
    C, T = _statistics(X, chunks)
    L = rca_components(C, T, 4)
    M_ref = np.linalg.inv(C)
    assert np.linalg.norm(L.T @ L - M_ref) <= 1e-10 * np.linalg.norm(M_ref)
    np.testing.assert_allclose(L @ C @ L.T, np.eye(4), atol=1e-10)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_fewer_components_whiten_the_fisher_directions(k):
    # The k directions of smallest μ in C a = μ T a, whitened: M = A (AᵀCA)⁻¹ Aᵀ.
    X, _, chunks = chunked_points(seed=1)
    C, T = _statistics(X, chunks)
    L = rca_components(C, T, k)
    A = linalg.eigh(C, T)[1][:, :k]
    M_ref = A @ np.linalg.inv(A.T @ C @ A) @ A.T
    assert L.shape == (k, 4)
    assert np.linalg.norm(L.T @ L - M_ref) <= 1e-10 * np.linalg.norm(M_ref)
    np.testing.assert_allclose(L @ C @ L.T, np.eye(k), atol=1e-10)


def test_singular_within_covariance_reduces_by_pca_with_a_warning():
    X, _, _ = chunked_points(d=6, seed=2)
    chunks = np.full(len(X), -1)
    chunks[:8] = np.arange(8) // 2  # 4 chunks of 2: rank 4 < 6 features
    C, T = _statistics(X, chunks)
    with pytest.warns(UserWarning, match="rank 4 < 6"):
        L = rca_components(C, T, 6)
    assert np.all(np.isfinite(L))
    np.testing.assert_array_equal(L[4:], 0)
    np.testing.assert_allclose(L[:4] @ C @ L[:4].T, np.eye(4), atol=1e-8)
    U = np.linalg.eigh(T)[1][:, ::-1][:, :4]  # the 4 leading principal directions
    np.testing.assert_allclose(L[:4] @ U @ U.T, L[:4], atol=1e-8)
