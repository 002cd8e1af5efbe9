"""MLKR: the leave-one-out objective at the fit, R² against Euclidean, the parameters."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsRegressor

from mlearn import MLKR


def _leave_one_out_error(L, X, y):
    """Σ_i (ŷ_i − y_i)², ŷ the Gaussian-kernel regression on the other points (n × n)."""
    Z = X @ L.T
    D = np.sum((Z[:, None, :] - Z[None, :, :]) ** 2, axis=2)
    np.fill_diagonal(D, np.inf)
    K = np.exp(-(D - D.min(axis=1, keepdims=True)))
    y_hat = K @ y / K.sum(axis=1)
    return float(np.sum((y_hat - y) ** 2))


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = X / X.std(axis=0)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def test_objective_at_the_fit_is_the_leave_one_out_error(diabetes):
    X_train, _, y_train, _ = diabetes
    with pytest.warns(ConvergenceWarning):
        model = MLKR(n_components=3, early_stopping=False, max_iter=30).fit(X_train, y_train)
    np.testing.assert_allclose(
        model.objective_, _leave_one_out_error(model.components_, X_train, y_train), rtol=1e-10
    )


def _held_out_error(L, X_fit, y_fit, X_held, y_held):
    Z_fit, Z_held = X_fit @ L.T, X_held @ L.T
    D = np.sum((Z_held[:, None, :] - Z_fit[None, :, :]) ** 2, axis=2)
    K = np.exp(-(D - D.min(axis=1, keepdims=True)))
    return float(np.sum((K @ y_fit / K.sum(axis=1) - y_held) ** 2))


def test_early_stopping_keeps_the_iterate_with_the_lowest_held_out_error(diabetes):
    X_train, _, y_train, _ = diabetes
    model = MLKR(random_state=0).fit(X_train, y_train)
    fitted, held = model._split_for_early_stopping(X_train.shape[0])
    assert len(held) == np.ceil(0.2 * X_train.shape[0]) and not set(fitted) & set(held)
    errors = model.validation_error_
    # One entry for the start and one per iteration; it stopped 10 after the lowest.
    assert len(errors) == model.n_iter_ + 1
    assert model.best_iteration_ == np.argmin(errors) == model.n_iter_ - 10
    parts = X_train[fitted], y_train[fitted], X_train[held], y_train[held]
    np.testing.assert_allclose(_held_out_error(model.components_, *parts), errors.min(), rtol=1e-10)
    np.testing.assert_allclose(
        model.objective_, _leave_one_out_error(model.components_, *parts[:2]), rtol=1e-10
    )


def test_early_stopping_beats_euclidean_knn_on_diabetes_where_the_full_fit_does_not():
    """The full leave-one-out fit overfits load_diabetes (R² below the Euclidean kNN's);
    the iterate with the lowest held-out error does not (benchmarks/nca_mlkr_regression.py
    over several sets and splits)."""
    from sklearn.preprocessing import MinMaxScaler

    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    scaler = MinMaxScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    knn = KNeighborsRegressor(10)
    euclidean = knn.fit(X_train, y_train).score(X_test, y_test)
    scores = {}
    for early_stopping in (False, True):
        model = MLKR(early_stopping=early_stopping, random_state=0).fit(X_train, y_train)
        Z_train, Z_test = model.transform(X_train), model.transform(X_test)
        scores[early_stopping] = knn.fit(Z_train, y_train).score(Z_test, y_test)
    assert scores[False] < euclidean <= scores[True], (scores, euclidean)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_knn_regression_beats_euclidean_where_features_are_irrelevant():
    """Friedman #1: 5 of the 10 features are noise; the learned metric drops them."""
    X, y = make_friedman1(400, n_features=10, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    model = MLKR(random_state=0, max_iter=100).fit(X_train, y_train)
    knn = KNeighborsRegressor(10)
    euclidean = knn.fit(X_train, y_train).score(X_test, y_test)
    learned = knn.fit(model.transform(X_train), y_train).score(model.transform(X_test), y_test)
    assert learned >= euclidean + 0.1, (learned, euclidean)


def _kernel_regression(Z_train, y_train, Z_query):
    """Nadaraya–Watson estimates at the query rows with the kernel exp(−‖z − z'‖²)."""
    D = np.sum((Z_query[:, None, :] - Z_train[None, :, :]) ** 2, axis=2)
    K = np.exp(-(D - D.min(axis=1, keepdims=True)))
    return K @ y_train / K.sum(axis=1)


def _r2(y, estimate):
    return 1 - np.sum((y - estimate) ** 2) / np.sum((y - y.mean()) ** 2)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_its_kernel_regression_beats_the_best_euclidean_bandwidth():
    """MLKR's claim is about the regressor it trains: kernel regression in the learned
    metric against the same regressor in the Euclidean metric, with the isotropic
    bandwidth σ that has the smallest held-out error (a generous baseline)."""
    X, y = make_friedman1(300, n_features=10, random_state=1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    model = MLKR(max_iter=100, random_state=0).fit(X_train, y_train)
    learned = _r2(
        y_test, _kernel_regression(model.transform(X_train), y_train, model.transform(X_test))
    )
    euclidean = max(
        _r2(y_test, _kernel_regression(X_train / s, y_train, X_test / s))
        for s in np.geomspace(0.05, 5, 20)
    )
    assert learned >= euclidean + 0.1, (learned, euclidean)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fit_lowers_the_objective_from_its_start(diabetes):
    X_train, _, y_train, _ = diabetes
    L0 = np.eye(X_train.shape[1])[:4] * 0.5
    model = MLKR(init=L0, max_iter=200).fit(X_train, y_train)
    assert model.objective_ < 0.8 * _leave_one_out_error(L0, X_train, y_train)


def test_stops_at_max_iter_with_a_convergence_warning(diabetes):
    X_train, _, y_train, _ = diabetes
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        model = MLKR(max_iter=3).fit(X_train, y_train)
    assert model.n_iter_ == 3


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_float32_stays_float32(diabetes):
    X_train, _, y_train, _ = diabetes
    X32 = X_train.astype(np.float32)
    model = MLKR(n_components=2, max_iter=50, early_stopping=False).fit(X32, y_train)
    assert model.components_.dtype == model.transform(X32).dtype == np.float32
    assert np.isclose(
        model.objective_, _leave_one_out_error(model.components_, X_train, y_train), rtol=1e-3
    )


@pytest.mark.parametrize("init", ["auto", "pca", "identity", "random"])
def test_every_init_gives_its_shape(diabetes, init):
    X_train, _, y_train, _ = diabetes
    n_components = 2 if init == "pca" else None
    model = MLKR(n_components=n_components, init=init, max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # early stopping may end first
        model.fit(X_train, y_train)
    assert model.components_.shape == (n_components or X_train.shape[1], X_train.shape[1])


def test_lda_is_not_an_init_of_a_regression_learner(diabetes):
    X_train, _, y_train, _ = diabetes
    with pytest.raises(ValueError, match="init"):
        MLKR(init="lda").fit(X_train, y_train)


def test_verbose_prints_an_iteration_table(diabetes, capsys):
    X_train, _, y_train, _ = diabetes
    with pytest.warns(ConvergenceWarning):
        MLKR(max_iter=2, verbose=1).fit(X_train, y_train)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:3] == ["[MLKR]", "iter", "objective"]
    assert len(lines) == 5  # the rule, the header, two rows and how it ended


def test_fit_on_identifiers_through_the_preprocessor_equals_fit_on_points():
    # MLKR is not a SupervisedMixin learner (its target is real), so its fit resolves the
    # identifiers itself; the shared preprocessor test covers classification learners only.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X[:, 0] + 0.1 * rng.normal(size=40)
    on_points = MLKR(max_iter=20, random_state=0).fit(X, y)
    on_ids = MLKR(max_iter=20, random_state=0, preprocessor=X).fit(np.arange(40), y)
    np.testing.assert_allclose(on_ids.components_, on_points.components_)
    np.testing.assert_allclose(on_ids.transform(np.arange(5)), on_points.transform(X[:5]))


def test_held_out_error_in_blocks_equals_the_whole():
    """The held-out error is summed over row blocks that working_memory bounds."""
    from sklearn import config_context

    from mlearn.mlkr._objective import held_out_squared_error

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(60, 4)), rng.normal(size=60)
    L = rng.normal(size=(2, 4))
    whole = held_out_squared_error(L, X[:40], y[:40], X[40:], y[40:])
    with config_context(working_memory=0.001):  # MiB: a few rows of 40 per block
        blocked = held_out_squared_error(L, X[:40], y[:40], X[40:], y[40:])
    np.testing.assert_allclose(blocked, whole, rtol=1e-12)
    np.testing.assert_allclose(
        whole, _held_out_error(L, X[:40], y[:40], X[40:], y[40:]), rtol=1e-10
    )
