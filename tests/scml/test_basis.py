import numpy as np
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from mlearn.scml._basis import _local_lda_directions, lda_basis


def test_local_lda_directions_are_scikit_learns_normalised_scalings():
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    rows = np.array(
        [
            np.hstack([rng.choice(np.flatnonzero(y == c), 15, replace=False) for c in range(10)])
            for _ in range(2)
        ]
    )
    directions = _local_lda_directions(X[rows], y[rows[0]])
    for r, D in enumerate(directions):
        scalings = LinearDiscriminantAnalysis().fit(X[rows[r]], y[rows[r]]).scalings_.T
        reference = scalings / np.linalg.norm(scalings, axis=1, keepdims=True)
        assert D.shape == reference.shape == (9, 64)
        assert_allclose(np.abs(np.sum(D * reference, axis=1)), 1.0, atol=1e-8)


def test_lda_basis_has_n_basis_unit_rows_from_both_scales():
    X, y = load_digits(return_X_y=True)
    basis = lda_basis(X[:600], y[:600], 100, random_state=0)
    assert basis.shape == (100, 64)
    assert_allclose(np.linalg.norm(basis, axis=1), 1.0)
