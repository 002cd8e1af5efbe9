"""The compiled LogDet projection sweep: the update formulas, and definiteness kept."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mlearn.itml._solver import _itml_solve
from mlearn.psd import check_psd

from ._helpers import small_problem


def _reference_sweep(M, X, pairs, signs, slack, dual, gamma):
    """The update formulas of the package docstring, one numpy step per constraint."""
    for c, ((a, b), delta) in enumerate(zip(pairs, signs, strict=True)):
        v = X[a] - X[b]
        w = M @ v
        p = v @ w
        alpha = min(dual[c], delta * gamma / (gamma + 1) * (1 / p - 1 / slack[c]))
        dual[c] -= alpha
        M += delta * alpha / (1 - delta * alpha * p) * np.outer(w, w)
        slack[c] = 1 / (1 / slack[c] + delta * alpha / gamma)


def test_compiled_sweeps_match_the_update_formulas():
    X, pairs, signs = small_problem(3, d=4, n_pairs=30)
    bounds, gamma = (1.0, 6.0), 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        M, slack, dual, n_iter = _itml_solve(
            X, pairs, signs, np.eye(4), bounds, gamma, max_iter=5, tol=0.0, shrink=False
        )
    M_ref, slack_ref = np.eye(4), np.where(signs > 0, 1.0, 6.0)
    dual_ref = np.zeros(len(signs))
    for _ in range(5):
        _reference_sweep(M_ref, X, pairs, signs.astype(float), slack_ref, dual_ref, gamma)
    assert n_iter == 5
    assert np.count_nonzero(dual) > 5
    np.testing.assert_allclose(M, M_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(slack, slack_ref, rtol=1e-9)
    np.testing.assert_allclose(dual, dual_ref, rtol=1e-9, atol=1e-12)


def test_metric_stays_positive_definite_after_a_million_updates():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 6)) * np.array([1e-3, 1e-1, 1.0, 1.0, 10.0, 1e3])
    pairs = rng.choice(200, size=(1000, 2), replace=True)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]][:1000]
    signs = rng.choice([-1, 1], size=pairs.shape[0])  # random labels: conflicting constraints
    n_sweeps = -(-1_000_000 // pairs.shape[0])
    with pytest.warns(ConvergenceWarning):
        M, slack, dual, n_iter = _itml_solve(
            X, pairs, signs, np.eye(6), (0.1, 10.0), 1e4, max_iter=n_sweeps, tol=0.0, shrink=False
        )
    assert n_iter * pairs.shape[0] >= 1_000_000
    check_psd(M)
    eigenvalues = np.linalg.eigvalsh(M)
    assert eigenvalues[0] > 0 and np.all(np.isfinite(eigenvalues))
    assert np.all(slack > 0) and np.all(dual >= 0)
