"""NCA: scikit-learn's objective at the fit, accuracy against Euclidean, the parameters."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis

from mlearn import NCA
from mlearn.nca._nca import FLOAT32_STAGE_MIN_TOL, softmax_stage_dtype


def _sklearn_objective(L, X, y):
    """−Σ_i p_i at L, as scikit-learn's NeighborhoodComponentsAnalysis computes it."""
    reference = NeighborhoodComponentsAnalysis()
    reference.n_iter_, reference.verbose = 1, 0  # read by its loss during a fit
    mask = y[:, None] == y[None, :]
    return reference._loss_grad_lbfgs(L.ravel(), X, mask, -1.0)


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)


def test_objective_at_the_fit_is_sklearns_and_knn_beats_euclidean(wine):
    X_train, X_test, y_train, y_test = wine
    model = NCA(n_components=2, random_state=0).fit(X_train, y_train)
    loss, _ = _sklearn_objective(model.components_, X_train, y_train)
    # At the default tol the softmax of float64 data is evaluated in float32.
    np.testing.assert_allclose(model.objective_, loss, rtol=1e-6)
    knn = KNeighborsClassifier(3)
    euclidean = knn.fit(X_train, y_train).score(X_test, y_test)
    learned = knn.fit(model.transform(X_train), y_train).score(model.transform(X_test), y_test)
    assert learned >= euclidean + 0.2, (learned, euclidean)


@pytest.mark.parametrize("tol", [1e-5, 1e-7])
def test_float32_stage_only_where_tol_allows_and_float64_kept_below(wine, tol):
    X_train, _, y_train, _ = wine
    model = NCA(n_components=2, tol=tol, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    loss, _ = _sklearn_objective(model.components_, X_train, y_train)
    stage = softmax_stage_dtype(X_train, tol)
    assert stage == (np.float32 if tol >= FLOAT32_STAGE_MIN_TOL else np.float64)
    assert model.components_.dtype == np.float64
    error = abs(model.objective_ - loss) / abs(loss)
    # float32: rounded to about 1e-7 (here 2e-9); float64: to rounding.
    assert error <= (1e-6 if stage == np.float32 else 1e-12), error


def test_reaches_sklearns_optimum_from_the_same_start(wine):
    """Same objective, same L-BFGS: the same local optimum to a small fraction."""
    X_train, _, y_train, _ = wine
    X_train = X_train / X_train.std(axis=0)
    ours = NCA(n_components=2, init="lda", max_iter=200).fit(X_train, y_train)
    theirs = NeighborhoodComponentsAnalysis(n_components=2, init="lda", max_iter=200)
    theirs.fit(X_train, y_train)
    reference, _ = _sklearn_objective(theirs.components_, X_train, y_train)
    assert abs(ours.objective_ - reference) <= 1e-3 * abs(reference)


def test_stops_at_max_iter_with_a_convergence_warning(wine):
    X_train, _, y_train, _ = wine
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        model = NCA(max_iter=2).fit(X_train, y_train)
    assert model.n_iter_ == 2


def test_float32_stays_float32(wine):
    X_train, _, y_train, _ = wine
    X32 = (X_train / X_train.std(axis=0)).astype(np.float32)
    model = NCA(n_components=2, init="pca").fit(X32, y_train)
    model64 = NCA(n_components=2, init="pca").fit(X32.astype(np.float64), y_train)
    assert model.components_.dtype == model.transform(X32).dtype == np.float32
    assert abs(model.objective_ - model64.objective_) <= 1e-3 * abs(model64.objective_)


@pytest.mark.parametrize("init", ["auto", "pca", "lda", "identity", "random"])
def test_every_init_improves_on_its_start(wine, init):
    X_train, _, y_train, _ = wine
    X_train = X_train / X_train.std(axis=0)
    n_components = 2 if init in ("lda", "pca") else None
    one_step = NCA(n_components=n_components, init=init, max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        start = one_step.fit(X_train, y_train).objective_
    model = NCA(n_components=n_components, init=init, random_state=0).fit(X_train, y_train)
    assert model.objective_ < start
    assert model.components_.shape == (n_components or X_train.shape[1], X_train.shape[1])


def test_array_init_is_the_start_as_in_sklearn(wine):
    """One L-BFGS step from the same array: the same point as scikit-learn's."""
    X_train, _, y_train, _ = wine
    X_train = X_train / X_train.std(axis=0)
    L0 = 0.1 * np.random.default_rng(0).normal(size=(2, X_train.shape[1]))
    theirs = NeighborhoodComponentsAnalysis(init=L0, max_iter=1).fit(X_train, y_train)
    # tol below FLOAT32_STAGE_MIN_TOL: float64 throughout, scikit-learn's step to rounding;
    # at the default tol, the float32 stage's step to its rounding.
    for tol, rtol in [(1e-7, 1e-8), (1e-5, 1e-5)]:
        with pytest.warns(ConvergenceWarning):
            ours = NCA(init=L0, max_iter=1, tol=tol).fit(X_train, y_train)
        np.testing.assert_allclose(ours.components_, theirs.components_, rtol=rtol, atol=1e-10)
    with pytest.raises(ValueError, match="n_components=3"):
        NCA(n_components=3, init=L0).fit(X_train, y_train)


def test_verbose_prints_an_iteration_table(wine, capsys):
    X_train, _, y_train, _ = wine
    with pytest.warns(ConvergenceWarning):
        NCA(n_components=2, max_iter=3, verbose=1).fit(X_train, y_train)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[NCA] stops when max |gradient| <= tol=")
    assert lines[1].split()[:3] == ["[NCA]", "iter", "objective"]
    assert len(lines) == 6  # the rule, the header, three rows and how it ended
    assert lines[-1].startswith("[NCA] stopped at max_iter after 3 iterations")
