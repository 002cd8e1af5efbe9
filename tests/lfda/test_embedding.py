"""LFDA's eigenproblem: the generalised eigen-equation, the closed form, the embedding types."""

import numpy as np
import pytest
from scipy import linalg

from mlearn.lfda._embedding import generalized_eigenvectors, lfda_components
from mlearn.lfda._scatters import local_scatters

from ._helpers import brute_force_scatters, multimodal_classes


def _problem(n=30, seed=0):
    X, y = multimodal_classes(n=n, seed=seed)
    return local_scatters(X, y, k=5), brute_force_scatters(X, y, k=5)


def test_eigenpairs_solve_the_generalized_eigen_equation():
    (between, within, total), _ = _problem()
    lam, phi = generalized_eigenvectors(between, within, total)
    residual = between @ phi - within @ phi * lam
    assert np.abs(residual).max() < 1e-10 * np.abs(between).max()
    np.testing.assert_allclose(phi.T @ within @ phi, np.eye(3), atol=1e-10)
    assert np.all(np.diff(lam) <= 0)


@pytest.mark.parametrize("embedding_type", ["weighted", "plain", "orthonormalized"])
@pytest.mark.parametrize("n_components", [1, 2, 3])
def test_metric_matches_scipy_eigh_on_brute_force_scatters(embedding_type, n_components):
    (between, within, total), (ref_between, ref_within) = _problem(seed=1)
    L, _ = lfda_components(between, within, total, n_components, embedding_type)
    lam, phi = linalg.eigh(ref_between, ref_within)
    lam, phi = lam[::-1][:n_components], phi[:, ::-1][:, :n_components]
    if embedding_type == "weighted":
        phi = phi * np.sqrt(np.maximum(lam, 0))
    elif embedding_type == "orthonormalized":
        phi = np.linalg.qr(phi)[0]
    M_ref = phi @ phi.T
    M = L.T @ L
    assert np.linalg.norm(M - M_ref) <= 1e-4 * np.linalg.norm(M_ref)


def test_lfda_maximises_the_local_fisher_ratio():
    # T* = argmax tr((TᵀS_lw T)⁻¹ TᵀS_lb T) (eq. 15): no random 1-D direction does better.
    (between, within, total), _ = _problem(seed=2)
    L, lam = lfda_components(between, within, total, 1, "plain")
    t = L[0]
    best = (t @ between @ t) / (t @ within @ t)
    np.testing.assert_allclose(best, lam[0], rtol=1e-10)
    for v in np.random.default_rng(0).normal(size=(200, 3)):
        assert (v @ between @ v) / (v @ within @ v) <= best + 1e-12


def test_directions_outside_the_data_span_get_zero_weight():
    X, y = multimodal_classes(n=30)
    X = np.column_stack([X, np.zeros(30), X[:, 0] + X[:, 1]])  # constant and collinear
    L, lam = lfda_components(*local_scatters(X, y, k=5), 5, "weighted")
    assert np.all(np.isfinite(L))
    np.testing.assert_array_equal(L[3:], 0)
    np.testing.assert_array_equal(L[:, 3], 0)
    np.testing.assert_array_equal(lam[3:], 0)


def test_singular_within_scatter_gives_a_finite_metric():
    # One point per class: no within-class pair, S_lw = 0 on the span of the data.
    X = np.array([[0.0, 1.0], [2.0, 0.5], [1.0, 3.0]])
    L, lam = lfda_components(*local_scatters(X, np.arange(3), k=7), 2, "weighted")
    assert np.all(np.isfinite(L)) and np.all(np.isfinite(lam)) and np.any(L)
