"""The compiled PA passes against the closed form of one passive-aggressive step."""

import numpy as np
import pytest
import scipy.sparse as sp

from mlearn.oasis._kernels import dense_pass, sparse_pass


def _closed_form_step(W, a, p, n, C):
    """Chechik et al. (2010): l = max(0, 1 − aᵀW(p − n)), V = a(p − n)ᵀ,
    τ = min(C, l/‖V‖²_F), W + τV; returns (W', l, τ, ‖V‖²_F)."""
    V = np.outer(a, p - n)
    hinge = max(0.0, 1.0 - a @ W @ (p - n))
    norm = float(np.sum(V * V))
    tau = min(C, hinge / norm) if hinge > 0 and norm > 0 else 0.0
    return W + tau * V, hinge, tau, norm


def _step(kernel, X, triplet, W, C):
    hinges = np.empty(1)
    triplets = np.array([triplet], dtype=np.intp)
    order = np.zeros(1, dtype=np.intp)
    if kernel == "dense":
        n_updates = dense_pass(X, triplets, order, W, C, 1e-8, hinges)
    else:
        S = sp.csr_matrix(X)
        n_updates = sparse_pass(
            S.indptr, S.indices, S.data, X.shape[1], triplets, order, W, C, 1e-8, hinges
        )
    return n_updates, hinges[0]


HAND_POINTS = np.array(
    [[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0], [0.5, 0.0, -1.0], [0.0, 0.0, 0.0]]
)


@pytest.mark.parametrize("kernel", ["dense", "sparse"])
@pytest.mark.parametrize("C", [1e-3, 0.05, 10.0])
@pytest.mark.parametrize("triplet", [(0, 1, 2), (1, 3, 0), (2, 0, 3), (3, 2, 1)])
def test_one_step_is_the_closed_form_and_leaves_hinge_l_minus_tau_norm(kernel, C, triplet):
    rng = np.random.default_rng(0)
    W = np.eye(3) + 0.3 * rng.normal(size=(3, 3))  # not symmetric, not PSD
    a, p, n = (HAND_POINTS[i] for i in triplet)
    expected, hinge, tau, norm = _closed_form_step(W, a, p, n, C)
    n_updates, seen = _step(kernel, HAND_POINTS, triplet, W, C)
    np.testing.assert_allclose(W, expected, rtol=1e-13, atol=1e-14)
    assert seen == pytest.approx(hinge, rel=1e-13)
    assert n_updates == int(hinge > 0)
    after = max(0.0, 1.0 - a @ W @ (p - n))
    assert after == pytest.approx(max(0.0, hinge - tau * norm), abs=1e-12)


@pytest.mark.parametrize("kernel", ["dense", "sparse"])
def test_step_without_a_cap_puts_the_triplet_on_the_margin(kernel):
    W = np.eye(3)
    _step(kernel, HAND_POINTS, (1, 3, 0), W, 1e6)
    a, p, n = HAND_POINTS[1], HAND_POINTS[3], HAND_POINTS[0]
    assert a @ W @ p - a @ W @ n == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("kernel", ["dense", "sparse"])
def test_zero_anchor_or_equal_positive_and_negative_leave_w_alone(kernel):
    for triplet in [(4, 0, 1), (0, 2, 2)]:
        W = np.eye(3)
        n_updates, hinge = _step(kernel, HAND_POINTS, triplet, W, 1.0)
        assert hinge == 1.0 and n_updates == 0
        np.testing.assert_array_equal(W, np.eye(3))


def test_sparse_pass_equals_dense_pass_over_many_steps():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 12)) * (rng.random((40, 12)) < 0.3)
    triplets = rng.integers(0, 40, size=(300, 3)).astype(np.intp)
    order = rng.permutation(300).astype(np.intp)
    W_dense, W_sparse = np.eye(12), np.eye(12)
    h_dense, h_sparse = np.empty(300), np.empty(300)
    u_dense = dense_pass(X, triplets, order, W_dense, 0.1, 1e-8, h_dense)
    S = sp.csr_matrix(X)
    u_sparse = sparse_pass(
        S.indptr, S.indices, S.data, 12, triplets, order, W_sparse, 0.1, 1e-8, h_sparse
    )
    assert u_dense == u_sparse > 0
    np.testing.assert_allclose(W_sparse, W_dense, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(h_sparse, h_dense, rtol=1e-12, atol=1e-13)
