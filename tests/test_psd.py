"""Tests for mlearn.psd: PSD projection, M <-> L factorisations and PSD checks.

Optima are checked against a cvxpy reference (Clarabel at tight tolerances),
factorisations against scipy (eigh, pinvh) and brute-force candidates.
"""

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import linalg

from mlearn.psd import (
    check_psd,
    components_from_metric,
    is_psd,
    metric_from_components,
    project_psd,
    project_spectrahedron,
    symmetrize,
    whitening_components,
)

SIZES = (2, 5, 12)
# The documented contract (docs/reliability.rst): a metric is PSD if its smallest eigenvalue
# is >= -1e-10 times its largest.
PSD_RTOL = 1e-10


# ----------------------------------------------------------------------------- helpers


def _random_square(d, seed, *, symmetric=True):
    A = np.random.default_rng(seed).standard_normal((d, d))
    return (A + A.T) / 2 if symmetric else A


def _random_psd(d, rank, seed, scale=1.0):
    L = np.random.default_rng(seed).standard_normal((rank, d)) * scale
    return L.T @ L


def _cvxpy_prox_psd(A, *, min_eigenvalue=0.0, shrink=0.0):
    """argmin_X ½‖X − A‖²_F + shrink·tr(X)  s.t.  X ⪰ min_eigenvalue·I, solved by cvxpy."""
    A = np.asarray(A, dtype=np.float64)
    d = A.shape[0]
    X = cp.Variable((d, d), symmetric=True)
    objective = 0.5 * cp.sum_squares(X - A) + shrink * cp.trace(X)
    problem = cp.Problem(cp.Minimize(objective), [X - min_eigenvalue * np.eye(d) >> 0])
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    assert problem.status == cp.OPTIMAL
    return X.value


def _eigen_clip(A):
    """Independent nearest-PSD computation: numpy's eigh of the symmetric part, clipped."""
    w, V = np.linalg.eigh((A + A.T) / 2)
    return (V * np.maximum(w, 0)) @ V.T


def _smallest_over_largest_eigenvalue(M):
    w = np.linalg.eigvalsh(np.asarray(M, dtype=np.float64))
    return w[0], w[-1]


# ------------------------------------------------------------------------- project_psd


@pytest.mark.parametrize("d", SIZES)
@pytest.mark.parametrize("symmetric", [True, False], ids=["symmetric", "nonsymmetric"])
def test_projection_matches_cvxpy_nearest_psd_float64(d, symmetric):
    A = _random_square(d, seed=10 * d + symmetric, symmetric=symmetric)
    P = project_psd(A)
    # For symmetric X, ‖X − A‖² = ‖X − sym(A)‖² + ‖skew(A)‖²: same argmin as for sym(A).
    reference = _cvxpy_prox_psd(A)
    assert P.dtype == np.float64
    np.testing.assert_allclose(P, reference, atol=1e-8 * linalg.norm(A))


@pytest.mark.parametrize("d", SIZES)
@pytest.mark.parametrize("symmetric", [True, False], ids=["symmetric", "nonsymmetric"])
def test_projection_matches_cvxpy_nearest_psd_float32(d, symmetric):
    A = _random_square(d, seed=100 + 10 * d + symmetric, symmetric=symmetric).astype(np.float32)
    P = project_psd(A)
    reference = _cvxpy_prox_psd(A.astype(np.float64))
    assert P.dtype == np.float32
    np.testing.assert_allclose(P, reference, atol=1e-5 * linalg.norm(A))


@pytest.mark.parametrize("d", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_projection_is_symmetric_and_psd(d, dtype):
    A = _random_square(d, seed=200 + d, symmetric=False).astype(dtype)
    P = project_psd(A)
    np.testing.assert_array_equal(P, P.T)
    smallest, largest = _smallest_over_largest_eigenvalue(P)
    assert largest > 0  # a standard normal matrix of size >= 2 has a positive eigenvalue
    # float32 rounding of V·diag(w)·Vᵀ perturbs the eigenvalues by ~ eps32·‖P‖.
    rtol = PSD_RTOL if dtype == np.float64 else 10 * d * np.finfo(np.float32).eps
    assert smallest >= -rtol * largest


def test_projection_depends_only_on_symmetric_part():
    A = _random_square(6, seed=3, symmetric=False)
    skew = _random_square(6, seed=4, symmetric=False)
    skew = skew - skew.T
    np.testing.assert_allclose(project_psd(A), project_psd(symmetrize(A)), atol=1e-13)
    np.testing.assert_allclose(project_psd(A + skew), project_psd(A), atol=1e-12)


@pytest.mark.parametrize("rank", [1, 3, 5])
def test_projection_is_identity_on_psd_matrices_and_idempotent(rank):
    M = _random_psd(5, rank, seed=rank)
    P = project_psd(M)
    np.testing.assert_allclose(P, M, atol=1e-12 * linalg.norm(M))
    A = _random_square(5, seed=50 + rank)
    once = project_psd(A)
    np.testing.assert_allclose(project_psd(once), once, atol=1e-12 * linalg.norm(A))


def test_projection_of_negative_definite_matrix_is_zero():
    A = -_random_psd(4, 4, seed=7) - np.eye(4)
    np.testing.assert_array_equal(project_psd(A), np.zeros((4, 4)))


def test_projection_docstring_example_clips_negative_eigenvalue():
    P = project_psd(np.array([[1.0, 0.0], [0.0, -2.0]]))
    np.testing.assert_array_equal(P, np.diag([1.0, 0.0]))


@pytest.mark.parametrize("d", SIZES)
@pytest.mark.parametrize("epsilon", [1e-3, 0.5])
def test_min_eigenvalue_floor_matches_cvxpy_shifted_cone(d, epsilon):
    A = _random_square(d, seed=300 + d)
    P = project_psd(A, min_eigenvalue=epsilon)
    w = np.linalg.eigvalsh(P)
    assert w[0] >= epsilon - 1e-12 * max(1.0, w[-1])
    # Eigenvalues of A already above epsilon are kept: P − A is PSD.
    assert np.linalg.eigvalsh(P - A)[0] >= -1e-12 * linalg.norm(A)
    np.testing.assert_allclose(P, _cvxpy_prox_psd(A, min_eigenvalue=epsilon), atol=1e-8)


@pytest.mark.parametrize("d", SIZES)
@pytest.mark.parametrize("shrink", [0.1, 1.0])
def test_shrink_matches_cvxpy_trace_regularised_projection(d, shrink):
    A = _random_square(d, seed=400 + d) + 0.5 * np.eye(d)
    P = project_psd(A, shrink=shrink)
    np.testing.assert_allclose(P, _cvxpy_prox_psd(A, shrink=shrink), atol=1e-8)
    # The eigenvalues are soft-thresholded: max(λ − t, 0).
    expected = np.maximum(np.linalg.eigvalsh(A) - shrink, 0.0)
    np.testing.assert_allclose(np.linalg.eigvalsh(P), expected, atol=1e-12 * d)


def test_shrink_with_min_eigenvalue_matches_cvxpy():
    A = _random_square(5, seed=450)
    P = project_psd(A, shrink=0.4, min_eigenvalue=0.05)
    reference = _cvxpy_prox_psd(A, shrink=0.4, min_eigenvalue=0.05)
    np.testing.assert_allclose(P, reference, atol=1e-8)


@pytest.mark.parametrize("kwargs", [{"min_eigenvalue": -1e-3}, {"shrink": -0.1}])
def test_projection_rejects_negative_floor_or_shrink(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        project_psd(np.eye(3), **kwargs)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_projection_rejects_non_finite_input(bad):
    A = np.eye(3)
    A[0, 1] = bad
    with pytest.raises(ValueError, match="NaN or infinity"):
        project_psd(A)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (0, 0), (2, 2, 2)])
def test_projection_rejects_non_square_or_empty_input(shape):
    with pytest.raises(ValueError, match="square|empty"):
        project_psd(np.ones(shape))


def test_projection_does_not_mutate_input_and_casts_integers_to_float64():
    A = np.array([[2, 3], [1, -4]])
    before = A.copy()
    P = project_psd(A)
    np.testing.assert_array_equal(A, before)
    assert P.dtype == np.float64
    np.testing.assert_allclose(P, _eigen_clip(A.astype(np.float64)), atol=1e-14)


# --------------------------------------------------------------- components_from_metric


@pytest.mark.parametrize("d", SIZES)
def test_components_reconstruct_full_rank_metric(d):
    M = _random_psd(d, d + 2, seed=500 + d) + 0.1 * np.eye(d)
    L = components_from_metric(M)
    assert L.shape == (d, d)
    assert L.dtype == np.float64
    np.testing.assert_allclose(L.T @ L, M, atol=1e-12 * linalg.norm(M))


@pytest.mark.parametrize(("d", "rank"), [(5, 1), (5, 3), (12, 7)])
def test_components_of_rank_deficient_metric_have_rank_rows(d, rank):
    M = _random_psd(d, rank, seed=600 + rank)
    L = components_from_metric(M)
    assert L.shape == (rank, d)
    np.testing.assert_allclose(L.T @ L, M, atol=1e-12 * linalg.norm(M))


def test_components_rows_are_ordered_by_decreasing_eigenvalue():
    M = _random_psd(8, 8, seed=700)
    L = components_from_metric(M)
    squared_row_norms = np.sum(L**2, axis=1)
    eigenvalues = np.linalg.eigvalsh(M)[::-1]
    assert np.all(np.diff(squared_row_norms) <= 0)
    np.testing.assert_allclose(squared_row_norms, eigenvalues, rtol=1e-10)
    # Rows are mutually orthogonal: L Lᵀ = diag(λ).
    np.testing.assert_allclose(L @ L.T, np.diag(eigenvalues), atol=1e-10 * eigenvalues[0])


def test_components_docstring_example_drops_zero_eigenvalue():
    L = components_from_metric(np.diag([4.0, 1.0, 0.0]))
    np.testing.assert_allclose(np.abs(L), [[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]], atol=1e-15)


def test_components_of_zero_metric_is_one_zero_row():
    L = components_from_metric(np.zeros((4, 4)))
    np.testing.assert_array_equal(L, np.zeros((1, 4)))


def test_components_rank_threshold_follows_rtol():
    M = np.diag([1.0, 1e-6, 1e-12, 0.0])
    assert components_from_metric(M).shape == (2, 4)  # 1e-12 < 1e-10·1 counts as zero
    assert components_from_metric(M, rtol=1e-13).shape == (3, 4)
    assert components_from_metric(M, rtol=1e-3).shape == (1, 4)


@pytest.mark.parametrize("k", [1, 2, 4])
def test_components_truncation_is_best_rank_k_approximation(k):
    d = 6
    M = _random_psd(d, d, seed=800 + k)
    L = components_from_metric(M, n_components=k)
    assert L.shape == (k, d)
    eigenvalues = np.linalg.eigvalsh(M)  # ascending
    error = linalg.norm(M - L.T @ L)
    # Eckart–Young: the error is the norm of the discarded eigenvalues.
    np.testing.assert_allclose(error, np.sqrt(np.sum(eigenvalues[: d - k] ** 2)), rtol=1e-10)
    # Same matrix as the truncated eigendecomposition.
    w, V = np.linalg.eigh(M)
    truncated = (V[:, d - k :] * w[d - k :]) @ V[:, d - k :].T
    np.testing.assert_allclose(L.T @ L, truncated, atol=1e-12 * linalg.norm(M))
    # And no random rank-k PSD candidate does better, even ones near the optimum.
    rng = np.random.default_rng(900 + k)
    for _ in range(50):
        B = rng.standard_normal((k, d))
        assert linalg.norm(M - B.T @ B) >= error
        near = L + 1e-3 * rng.standard_normal((k, d))
        assert linalg.norm(M - near.T @ near) >= error - 1e-12


def test_components_pad_with_zero_rows_beyond_rank():
    M = _random_psd(6, 2, seed=1000)
    L = components_from_metric(M, n_components=5)
    assert L.shape == (5, 6)
    np.testing.assert_array_equal(L[2:], np.zeros((3, 6)))
    np.testing.assert_allclose(L.T @ L, M, atol=1e-12 * linalg.norm(M))
    np.testing.assert_allclose(L[:2], components_from_metric(M), atol=1e-14)


def test_components_reject_non_psd_metric():
    M = np.diag([2.0, 1.0, -0.5])
    with pytest.raises(ValueError, match="positive semidefinite"):
        components_from_metric(M)


def test_components_without_check_clip_negative_eigenvalues():
    A = _random_square(5, seed=1100)
    L = components_from_metric(A, check=False)
    np.testing.assert_allclose(L.T @ L, project_psd(A), atol=1e-12 * linalg.norm(A))
    assert L.shape[0] == int(np.sum(np.linalg.eigvalsh(A) > 0))


@pytest.mark.parametrize("n_components", [0, -1, 5])
def test_components_reject_out_of_range_n_components(n_components):
    with pytest.raises(ValueError, match="n_components"):
        components_from_metric(np.eye(4), n_components=n_components)


@pytest.mark.parametrize("n_components", [2.5, 2.0, True])
def test_components_reject_non_integer_n_components(n_components):
    with pytest.raises((ValueError, TypeError)):
        components_from_metric(np.eye(4), n_components=n_components)


@pytest.mark.parametrize("n_components", [2.5, True])
def test_components_reject_non_integer_n_components_with_value_error(n_components):
    with pytest.raises(ValueError, match="n_components"):
        components_from_metric(np.eye(4), n_components=n_components)


def test_components_accept_numpy_integer_n_components():
    assert components_from_metric(np.eye(4), n_components=np.int64(2)).shape == (2, 4)


def test_components_preserve_float32_on_full_rank_metric():
    M = (_random_psd(5, 5, seed=1200) + np.eye(5)).astype(np.float32)
    L = components_from_metric(M)
    assert L.dtype == np.float32
    assert L.shape == (5, 5)
    np.testing.assert_allclose(L.T @ L, M, atol=1e-5 * linalg.norm(M))
    assert components_from_metric(M, n_components=2).dtype == np.float32


def test_components_accept_float32_low_rank_metric():
    A = _random_square(6, seed=1300).astype(np.float32)
    M = project_psd(A)
    L = components_from_metric(M)
    assert L.dtype == np.float32
    np.testing.assert_allclose(L.T @ L, M, atol=1e-5 * linalg.norm(M))


# ----------------------------------------------------------------- whitening_components


def _covariance(n, d, rank, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, rank)) @ rng.standard_normal((rank, d))
    return np.cov(X, rowvar=False)


@pytest.mark.parametrize(("d", "rank"), [(5, 5), (6, 3)], ids=["full-rank", "singular"])
def test_whitening_components_factor_pseudo_inverse(d, rank):
    C = _covariance(40, d, rank, seed=1400 + rank)
    L = whitening_components(C)
    assert L.shape == (rank, d)
    pinv = linalg.pinvh(C)
    np.testing.assert_allclose(L.T @ L, pinv, atol=1e-9 * linalg.norm(pinv))
    # Whitening on the spanned subspace: L C Lᵀ = I_rank.
    np.testing.assert_allclose(L @ C @ L.T, np.eye(rank), atol=1e-10)


def test_whitening_components_whiten_data():
    rng = np.random.default_rng(1500)
    X = rng.standard_normal((200, 4)) @ rng.standard_normal((4, 4))
    L = whitening_components(np.cov(X, rowvar=False))
    np.testing.assert_allclose(np.cov(X @ L.T, rowvar=False), np.eye(4), atol=1e-10)


def test_whitening_rows_are_ordered_by_decreasing_metric_eigenvalue():
    C = np.diag([4.0, 1.0, 0.25, 0.0])
    L = whitening_components(C)
    np.testing.assert_allclose(np.sum(L**2, axis=1), [4.0, 1.0, 0.25], rtol=1e-12)
    np.testing.assert_allclose(np.abs(L), [[0, 0, 2, 0], [0, 1, 0, 0], [0.5, 0, 0, 0]])


def test_whitening_of_zero_covariance_is_one_zero_row():
    np.testing.assert_array_equal(whitening_components(np.zeros((3, 3))), np.zeros((1, 3)))


def test_whitening_rejects_indefinite_matrix():
    with pytest.raises(ValueError, match="positive semidefinite"):
        whitening_components(np.diag([1.0, -1.0]))


def test_whitening_preserves_float32_on_full_rank_covariance():
    C = _covariance(50, 4, 4, seed=1600).astype(np.float32)
    L = whitening_components(C)
    assert L.dtype == np.float32
    np.testing.assert_allclose(L @ C @ L.T, np.eye(4), atol=1e-4)


def test_whitening_accepts_float32_singular_covariance():
    C = _covariance(50, 6, 3, seed=1700).astype(np.float32)
    L = whitening_components(C)
    assert L.shape == (3, 6)
    np.testing.assert_allclose(L @ C @ L.T, np.eye(3), atol=1e-3)


# --------------------------------------------------------------- metric_from_components


def test_metric_from_components_is_gram_matrix_of_rows():
    L = np.random.default_rng(1800).standard_normal((3, 5))
    M = metric_from_components(L)
    assert M.shape == (5, 5)
    np.testing.assert_allclose(M, sum(np.outer(row, row) for row in L), atol=1e-13)
    assert np.linalg.matrix_rank(M) == 3
    assert is_psd(M)


def test_metric_components_round_trip():
    M = _random_psd(6, 4, seed=1900)
    np.testing.assert_allclose(
        metric_from_components(components_from_metric(M)), M, atol=1e-12 * linalg.norm(M)
    )


def test_metric_from_components_preserves_float32_and_rejects_1d():
    L = np.ones((2, 3), dtype=np.float32)
    M = metric_from_components(L)
    assert M.dtype == np.float32
    np.testing.assert_array_equal(M, np.full((3, 3), 2.0, dtype=np.float32))
    with pytest.raises(ValueError, match="2-D"):
        metric_from_components(np.ones(3))


# ---------------------------------------------------------------------- check_psd, is_psd


def test_check_psd_returns_exact_symmetric_part():
    M = _random_psd(4, 4, seed=2000)
    noise = 1e-9 * np.random.default_rng(2001).standard_normal((4, 4))
    M_noisy = M + noise  # asymmetry ~1e-9 relative, within sym_rtol=1e-6
    S = check_psd(M_noisy)
    np.testing.assert_array_equal(S, S.T)
    np.testing.assert_allclose(S, (M_noisy + M_noisy.T) / 2, atol=0)


def test_check_psd_rejects_asymmetric_matrix_naming_symmetry():
    M = np.array([[1.0, 0.5], [0.0, 1.0]])
    with pytest.raises(ValueError, match="not symmetric"):
        check_psd(M)
    with pytest.raises(ValueError, match="^C is not symmetric"):
        check_psd(M, name="C")


def test_check_psd_rejects_indefinite_matrix_naming_psd():
    with pytest.raises(ValueError, match="positive semidefinite"):
        check_psd(np.array([[1.0, 2.0], [2.0, 1.0]]))  # eigenvalues 3 and -1


def test_check_psd_tolerates_round_off_negative_eigenvalues_only():
    V = linalg.qr(np.random.default_rng(2100).standard_normal((4, 4)))[0]

    def with_eigenvalues(*w):
        return (V * np.array(w)) @ V.T

    check_psd(with_eigenvalues(1.0, 0.5, 0.0, -1e-12))  # -1e-12 >= -1e-10·1
    with pytest.raises(ValueError, match="positive semidefinite"):
        check_psd(with_eigenvalues(1.0, 0.5, 0.0, -1e-8))
    check_psd(with_eigenvalues(1.0, 0.5, 0.0, -1e-8), rtol=1e-6)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_check_psd_rejects_non_finite_matrix(bad):
    M = np.eye(3)
    M[1, 1] = bad
    with pytest.raises(ValueError, match="NaN or infinity"):
        check_psd(M)


def test_check_psd_casts_integers_and_keeps_float32():
    assert check_psd(np.eye(3, dtype=int)).dtype == np.float64
    assert check_psd(np.eye(3, dtype=np.float32)).dtype == np.float32


def test_is_psd_classifies_matrices():
    assert is_psd(_random_psd(5, 2, seed=2200))
    assert is_psd(np.zeros((3, 3)))
    assert not is_psd(np.diag([1.0, -1e-3]))
    assert not is_psd(np.array([[1.0, 1.0], [0.0, 1.0]]))  # asymmetric
    assert not is_psd(np.array([[np.nan, 0.0], [0.0, 1.0]]))
    assert not is_psd(np.ones((2, 3)))


# ---------------------------------------------------------------------- property-based


@st.composite
def symmetric_matrices(draw):
    d = draw(st.integers(1, 6))
    elements = st.floats(-100, 100, allow_nan=False, allow_subnormal=False, width=64)
    A = draw(arrays(np.float64, (d, d), elements=elements))
    return (A + A.T) / 2


@settings(max_examples=40, deadline=None, derandomize=True)
@given(A=symmetric_matrices())
def test_projection_property_psd_and_equal_to_eigen_clip(A):
    P = project_psd(A)
    scale = 1.0 + linalg.norm(A)
    w = np.linalg.eigvalsh(P)
    assert w[0] >= -PSD_RTOL * max(w[-1], 0.0) - 1e-13 * scale
    nearest = _eigen_clip(A)
    np.testing.assert_allclose(P, nearest, atol=1e-10 * scale)
    assert linalg.norm(P - A) <= linalg.norm(nearest - A) + 1e-10 * scale


@settings(max_examples=25, deadline=None, derandomize=True)
@given(A=symmetric_matrices(), seed=st.integers(0, 2**32 - 1))
def test_projection_property_closest_among_random_psd_candidates(A, seed):
    P = project_psd(A)
    d = A.shape[0]
    scale = 1.0 + linalg.norm(A)
    distance = linalg.norm(P - A)
    rng = np.random.default_rng(seed)
    for _ in range(20):
        B = rng.standard_normal((d, d)) * rng.uniform(0, 10)
        W = B @ B.T
        t = rng.uniform(0, 1)
        v = rng.standard_normal(d)
        candidates = (
            W,  # an arbitrary PSD matrix
            (1 - t) * P + t * W,  # convex combinations stay in the cone, near P
            P + 1e-3 * t * np.outer(v, v),  # a small PSD step away from P
        )
        for Q in candidates:
            assert distance <= linalg.norm(Q - A) + 1e-10 * scale


def test_project_spectrahedron_matches_cvxpy():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(4, 4))
    A = A + A.T
    N = cp.Variable((4, 4), PSD=True)
    problem = cp.Problem(cp.Minimize(cp.sum_squares(N - A)), [cp.trace(N) == 1])
    problem.solve(solver=cp.CLARABEL)
    projected = project_spectrahedron(A)
    assert np.trace(projected) == pytest.approx(1.0)
    assert is_psd(projected)
    np.testing.assert_allclose(projected, N.value, atol=1e-6)
    # A point already on the spectrahedron is its own projection.
    np.testing.assert_allclose(project_spectrahedron(projected), projected, atol=1e-12)
