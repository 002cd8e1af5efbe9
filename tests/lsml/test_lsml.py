import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from mlearn import LSML, LSMLSupervised
from mlearn.constraints import quadruplets_from_labels
from mlearn.lsml._evaluator import QuadrupletResiduals
from mlearn.lsml._solver import lsml_objective


def _noisy_classes(seed=0, n=150):
    """Two informative features, four noise features on a larger scale."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 6))
    X[:, :2] += 2.5 * np.column_stack([y == 1, y == 2])
    X[:, 2:] *= 4.0
    return X, y


def test_knn_accuracy_beats_euclidean_on_noisy_features():
    X, y = _noisy_classes()
    knn = KNeighborsClassifier(n_neighbors=3)
    euclidean = cross_val_score(knn, X, y, cv=3).mean()
    learned = cross_val_score(
        make_pipeline(LSMLSupervised(n_constraints=400, random_state=0), knn), X, y, cv=3
    ).mean()
    assert learned > euclidean + 0.05


def test_objective_attribute_is_the_objective_at_the_learned_metric():
    X, y = _noisy_classes(seed=1)
    quadruplets = quadruplets_from_labels(y, 200, random_state=0)
    lsml = LSML(preprocessor=X, tol=1e-8).fit(quadruplets)
    evaluator = QuadrupletResiduals(X, quadruplets)
    weights = np.full(200, 1 / 200)
    value = lsml_objective(lsml.get_mahalanobis_matrix(), evaluator, weights, np.eye(6))
    assert_allclose(lsml.objective_, value, rtol=1e-10)
    at_prior = lsml_objective(np.eye(6), evaluator, weights, np.eye(6))
    assert lsml.objective_ < at_prior


def test_supervised_twin_runs_the_same_solver_on_the_drawn_quadruplets():
    X, y = _noisy_classes(seed=2)
    supervised = LSMLSupervised(n_constraints=100, random_state=5).fit(X, y)
    quadruplets = quadruplets_from_labels(y, 100, random_state=np.random.RandomState(5))
    direct = LSML(preprocessor=X).fit(quadruplets)
    assert_allclose(supervised.components_, direct.components_)


def test_weights_reweigh_the_quadruplets_and_scale_does_not_matter():
    X, y = _noisy_classes(seed=3)
    quadruplets = quadruplets_from_labels(y, 120, random_state=0)
    weights = np.random.default_rng(0).uniform(0.1, 1.0, 120)
    once = LSML(preprocessor=X, tol=1e-8).fit(quadruplets, weights=weights)
    scaled = LSML(preprocessor=X, tol=1e-8).fit(quadruplets, weights=7 * weights)
    uniform = LSML(preprocessor=X, tol=1e-8).fit(quadruplets)
    assert_allclose(once.components_, scaled.components_, rtol=1e-8, atol=1e-10)
    assert not np.allclose(once.components_, uniform.components_, atol=1e-6)
    with pytest.raises(ValueError, match="weights"):
        LSML(preprocessor=X).fit(quadruplets, weights=-weights)
    with pytest.raises(ValueError, match="weights"):
        LSML(preprocessor=X).fit(quadruplets, weights=weights[:5])


def test_supervised_weights_go_to_the_drawn_quadruplets_in_order():
    X, y = _noisy_classes(seed=4)
    quadruplets = quadruplets_from_labels(y, 100, random_state=np.random.RandomState(2))
    weights = np.random.default_rng(1).uniform(0.1, 1.0, 100)
    weights[::3] = 0.0  # a zero weight drops its quadruplet
    supervised = LSMLSupervised(n_constraints=100, weights=weights, random_state=2, tol=1e-8)
    supervised.fit(X, y)
    kept = LSML(preprocessor=X, tol=1e-8).fit(
        quadruplets[weights > 0], weights=weights[weights > 0]
    )
    assert_allclose(supervised.components_, kept.components_, rtol=1e-6, atol=1e-8)
    unweighted = LSMLSupervised(n_constraints=100, random_state=2, tol=1e-8).fit(X, y)
    assert not np.allclose(supervised.components_, unweighted.components_, atol=1e-6)
    with pytest.raises(ValueError, match="100 quadruplets were drawn"):
        LSMLSupervised(n_constraints=100, weights=weights[:50], random_state=2).fit(X, y)


@pytest.mark.parametrize("prior", ["identity", "covariance", "random", "matrix"])
def test_every_prior_gives_a_positive_definite_metric_below_its_start(prior):
    X, y = _noisy_classes(seed=4)
    quadruplets = quadruplets_from_labels(y, 150, random_state=0)
    if prior == "matrix":
        prior = np.diag(np.arange(1.0, 7.0))
    lsml = LSML(prior=prior, preprocessor=X, random_state=0).fit(quadruplets)
    assert np.linalg.eigvalsh(lsml.get_mahalanobis_matrix())[0] > 0
    assert lsml.n_iter_ >= 1


def test_singular_priors_are_refused():
    X, y = _noisy_classes(seed=5)
    quadruplets = quadruplets_from_labels(y, 50, random_state=0)
    with pytest.raises(ValueError, match="strictly positive definite"):
        LSML(prior=np.diag([1.0, 1, 1, 1, 1, 0]), preprocessor=X).fit(quadruplets)
    X_constant = X.copy()
    X_constant[:, 3] = 2.0
    with pytest.raises(ValueError, match="singular"):
        LSML(prior="covariance", preprocessor=X_constant).fit(quadruplets)


def test_n_components_keeps_the_leading_eigenpairs():
    X, y = _noisy_classes(seed=6)
    full = LSMLSupervised(random_state=0).fit(X, y)
    reduced = LSMLSupervised(n_components=2, random_state=0).fit(X, y)
    assert reduced.components_.shape == (2, 6)
    w, V = np.linalg.eigh(full.get_mahalanobis_matrix())
    best = (V[:, -2:] * w[-2:]) @ V[:, -2:].T
    assert_allclose(reduced.get_mahalanobis_matrix(), best, rtol=1e-8, atol=1e-10)


def test_max_iter_reached_warns_and_float32_stays_float32():
    X, y = _noisy_classes(seed=7)
    with pytest.warns(ConvergenceWarning):
        LSMLSupervised(max_iter=1, tol=1e-12, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        lsml = LSMLSupervised(random_state=0).fit(X.astype(np.float32), y)
    assert lsml.components_.dtype == np.float32
    assert lsml.transform(X.astype(np.float32)).dtype == np.float32


def test_predict_orders_quadruplets_by_the_learned_distances():
    X, y = _noisy_classes(seed=8)
    quadruplets = quadruplets_from_labels(y, 200, random_state=1)
    lsml = LSML(preprocessor=X).fit(quadruplets)
    Z = lsml.transform(X)
    d_ab = np.linalg.norm(Z[quadruplets[:, 0]] - Z[quadruplets[:, 1]], axis=1)
    d_cd = np.linalg.norm(Z[quadruplets[:, 2]] - Z[quadruplets[:, 3]], axis=1)
    np.testing.assert_array_equal(lsml.predict(quadruplets), np.where(d_cd > d_ab, 1, -1))
    assert lsml.score(quadruplets) == np.mean(d_cd > d_ab)


def test_auto_prior_is_the_identity_or_the_standardising_diagonal():
    X, y = _noisy_classes(seed=5)
    quadruplets = quadruplets_from_labels(y, 150, random_state=0)

    def fit(prior, X):
        return LSML(prior=prior, preprocessor=X, random_state=0).fit(quadruplets)

    # Features in one unit (spread ratio 4): 'auto' is the identity.
    assert_allclose(fit("auto", X).components_, fit("identity", X).components_, rtol=1e-12)
    # One feature in units 1000 times larger: 'auto' is diag(1/σ²) of the points used.
    X_units = X * np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1e3])
    std = X_units[np.unique(quadruplets)].std(axis=0)
    assert_allclose(
        fit("auto", X_units).get_mahalanobis_matrix(),
        fit(np.diag(1 / std**2), X_units).get_mahalanobis_matrix(),
        rtol=1e-12,
    )
