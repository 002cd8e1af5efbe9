import numpy as np
import pytest

from mlearn.lmnn._subspace import MIN_VARIANCE_RATIO, principal_basis


def _with_a_quiet_tail(rng, n=300):
    return np.hstack([rng.normal(size=(n, 6)), 0.015 * rng.normal(size=(n, 294))])


def test_the_basis_is_the_principal_axes_above_the_variance_ratio():
    X = _with_a_quiet_tail(np.random.default_rng(0))
    variances, axes = np.linalg.eigh(np.cov(X, rowvar=False, bias=True))
    kept = variances >= MIN_VARIANCE_RATIO * variances.max()
    P = principal_basis(X)
    assert P.shape == (kept.sum(), 300) == (6, 300)
    # The same span as the leading eigenvectors: orthonormal rows, projector equal.
    np.testing.assert_allclose(P @ P.T, np.eye(6), atol=1e-10)
    leading = axes[:, kept]
    np.testing.assert_allclose(P.T @ P, leading @ leading.T, atol=1e-8)


def test_a_dask_x_gives_the_basis_of_the_points_in_memory():
    da = pytest.importorskip("dask.array")
    X = _with_a_quiet_tail(np.random.default_rng(2))
    in_memory = principal_basis(X)
    on_blocks = principal_basis(da.from_array(X, chunks=(70, 300)))
    np.testing.assert_allclose(np.abs(on_blocks), np.abs(in_memory), atol=1e-8)
