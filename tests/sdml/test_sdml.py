import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from mlearn import SDML, SDMLSupervised
from mlearn.constraints import similar_dissimilar_pairs
from mlearn.sdml._solver import AUTO_BALANCE_FRACTION, largest_definite_balance


def _noisy_classes(seed=0, n=150):
    """Two informative features, four noise features on a larger scale."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 6))
    X[:, :2] += 2.5 * np.column_stack([y == 1, y == 2])
    X[:, 2:] *= 4.0
    return X, y


def _signed_scatter(X, pairs, signs):
    diff = X[pairs[:, 0]] - X[pairs[:, 1]]
    return (diff * signs[:, None]).T @ diff


def test_knn_accuracy_beats_euclidean_on_noisy_features():
    # SDML's M is (M₀⁻¹ + ηS)⁻¹: it cannot shrink a feature that similar and dissimilar
    # pairs spread alike, so large noise features need a whitening prior.
    X, y = _noisy_classes()
    knn = KNeighborsClassifier(n_neighbors=3)
    euclidean = cross_val_score(knn, X, y, cv=3).mean()
    sdml = SDMLSupervised(prior="covariance", random_state=0)
    learned = cross_val_score(make_pipeline(sdml, knn), X, y, cv=3)
    assert learned.mean() > euclidean + 0.1


def test_zero_sparsity_gives_the_inverse_of_p():
    X, y = _noisy_classes(seed=1)
    pairs, signs = similar_dissimilar_pairs(y, 200, random_state=0)
    sdml = SDML(balance_param=1e-4, sparsity_param=0.0, preprocessor=X).fit(pairs, signs)
    P = np.eye(6) + 1e-4 * _signed_scatter(X, pairs, signs)
    assert_allclose(sdml.get_mahalanobis_matrix(), np.linalg.inv(P), rtol=1e-8)
    assert sdml.balance_ == 1e-4


def test_auto_balance_is_the_documented_fraction_of_the_largest_definite_one():
    X, y = _noisy_classes(seed=2)
    pairs, signs = similar_dissimilar_pairs(y, 200, random_state=0)
    prior = np.diag(np.linspace(0.5, 2.0, 6))
    sdml = SDML(prior=prior, preprocessor=X).fit(pairs, signs)
    S = _signed_scatter(X, pairs, signs)
    assert_allclose(
        sdml.balance_, AUTO_BALANCE_FRACTION * largest_definite_balance(S, prior), rtol=1e-10
    )


def test_sparsity_zeroes_off_diagonal_entries():
    X, y = _noisy_classes(seed=3)
    pairs, signs = similar_dissimilar_pairs(y, 300, random_state=0)
    dense = SDML(sparsity_param=0.0, preprocessor=X).fit(pairs, signs)
    sparse = SDML(sparsity_param=0.2, preprocessor=X).fit(pairs, signs)

    def zeros(model):
        M = model.get_mahalanobis_matrix()
        off_diagonal = M[~np.eye(6, dtype=bool)]
        return int(np.sum(np.abs(off_diagonal) < 1e-8 * np.abs(M).max()))

    assert zeros(dense) == 0 and zeros(sparse) >= 10


def test_supervised_twin_runs_the_same_solve_on_the_drawn_pairs():
    X, y = _noisy_classes(seed=4)
    supervised = SDMLSupervised(n_constraints=80, random_state=3).fit(X, y)
    pairs, signs = similar_dissimilar_pairs(y, 160, random_state=np.random.RandomState(3))
    direct = SDML(preprocessor=X).fit(pairs, signs)
    assert_allclose(supervised.components_, direct.components_)


def test_metric_learns_default_balance_warns_that_p_is_shifted():
    # η = 0.5 (metric-learn's default) is far above the largest definite balance here.
    X, y = _noisy_classes(seed=5)
    pairs, signs = similar_dissimilar_pairs(y, 200, random_state=0)
    with pytest.warns(ConvergenceWarning, match="not positive definite"):
        try:
            sdml = SDML(balance_param=0.5, preprocessor=X).fit(pairs, signs)
        except ValueError as error:  # the graphical lasso broke down on the shifted P
            assert "balance_param" in str(error)
        else:
            assert np.linalg.eigvalsh(sdml.get_mahalanobis_matrix())[0] > 0


def test_n_components_float32_and_threshold():
    X, y = _noisy_classes(seed=6)
    pairs, signs = similar_dissimilar_pairs(y, 200, random_state=0)
    full = SDML(preprocessor=X).fit(pairs, signs)
    reduced = SDML(n_components=2, preprocessor=X).fit(pairs, signs)
    w, V = np.linalg.eigh(full.get_mahalanobis_matrix())
    assert_allclose(
        reduced.get_mahalanobis_matrix(), (V[:, -2:] * w[-2:]) @ V[:, -2:].T, atol=1e-10
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        single = SDML(preprocessor=X.astype(np.float32)).fit(pairs, signs)
    assert single.components_.dtype == np.float32
    euclidean = np.linalg.norm(X[pairs[:, 0]] - X[pairs[:, 1]], axis=1)
    assert full.score(pairs, signs) > roc_auc_score(signs, -euclidean) + 0.02
    assert np.isfinite(full.threshold_)


def test_a_singular_covariance_prior_is_refused():
    X, y = _noisy_classes(seed=7)
    X[:, 4] = 1.0
    with pytest.raises(ValueError, match="strictly positive definite"):
        SDMLSupervised(prior="covariance", random_state=0).fit(X, y)


def test_auto_prior_is_the_identity_or_the_standardising_diagonal():
    X, y = _noisy_classes(seed=5)
    pairs, signs = similar_dissimilar_pairs(y, 200, random_state=0)

    def fit(prior, X):
        return SDML(prior=prior, preprocessor=X).fit(pairs, signs)

    # Features in one unit (spread ratio 4): 'auto' is the identity.
    assert_allclose(fit("auto", X).components_, fit("identity", X).components_, rtol=1e-12)
    # One feature in units 1000 times larger: 'auto' is SDML on the features divided by
    # their spreads over the paired points, with the identity prior, mapped back.
    X_units = X * np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1e3])
    std = X_units[np.unique(pairs)].std(axis=0)
    standardised = fit("identity", X_units / std).get_mahalanobis_matrix()
    M = fit("auto", X_units).get_mahalanobis_matrix()
    assert_allclose(M, standardised / np.outer(std, std), rtol=1e-9)
    # Without sparsity that is the prior diag(1/σ²) on the raw features, to rounding.
    dense = SDML(prior="auto", sparsity_param=0.0, preprocessor=X_units).fit(pairs, signs)
    diagonal_prior = SDML(prior=np.diag(1 / std**2), sparsity_param=0.0, preprocessor=X_units)
    diagonal_prior.fit(pairs, signs)
    assert_allclose(
        dense.get_mahalanobis_matrix(), diagonal_prior.get_mahalanobis_matrix(), rtol=1e-8
    )
