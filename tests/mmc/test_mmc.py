"""MMC and MMCSupervised (mlearn/mmc/_mmc.py): what the estimators learn and accept."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn import MMC, MMCSupervised
from mlearn.constraints import similar_dissimilar_pairs
from mlearn.psd import components_from_metric, is_psd

from ._helpers import f_and_g, random_pairs


def _noisy_badly_scaled(seed=0, n=300):
    """Three classes told apart by two features, hidden among large-scale noise features."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.9]])
    informative = centres[y] + 0.12 * rng.normal(size=(n, 2))
    noise = rng.normal(size=(n, 6)) * np.array([1, 3, 10, 30, 100, 300])
    return np.hstack([informative, noise]), y


@pytest.mark.parametrize("diagonal", [False, True])
def test_knn_after_transform_beats_euclidean_on_noisy_badly_scaled_data(diagonal):
    X, y = _noisy_badly_scaled()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)
    euclidean = KNeighborsClassifier(5).fit(X_train, y_train).score(X_test, y_test)
    mmc = MMCSupervised(diagonal=diagonal, random_state=0).fit(X_train, y_train)
    knn = KNeighborsClassifier(5).fit(mmc.transform(X_train), y_train)
    learned = knn.score(mmc.transform(X_test), y_test)
    assert euclidean < 0.6
    assert learned > 0.9
    assert learned > euclidean + 0.3


@pytest.mark.parametrize("diagonal", [False, True])
def test_supervised_runs_the_pairs_solver_on_pairs_drawn_from_labels(diagonal):
    X, y = _noisy_badly_scaled(n=120)
    supervised = MMCSupervised(diagonal=diagonal, n_constraints=50, random_state=7).fit(X, y)
    pairs, labels = similar_dissimilar_pairs(y, 100, random_state=7)
    weak = MMC(diagonal=diagonal, preprocessor=X).fit(pairs, labels)
    np.testing.assert_allclose(supervised.components_, weak.components_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("diagonal", [False, True])
def test_n_components_keeps_the_leading_eigenpairs(diagonal):
    X, pairs, y = random_pairs(7, d=5)
    params = {"diagonal": diagonal, "preprocessor": X, "tol": 1e-7, "max_iter": 2000}
    full = MMC(**params).fit(pairs, y)
    truncated = MMC(n_components=2, **params).fit(pairs, y)
    assert truncated.components_.shape == (2, 5)
    expected = components_from_metric(full.get_mahalanobis_matrix(), n_components=2)
    np.testing.assert_allclose(
        truncated.get_mahalanobis_matrix(), expected.T @ expected, rtol=1e-6, atol=1e-10
    )


def test_n_components_above_n_features_is_rejected():
    X, pairs, y = random_pairs(18)
    with pytest.raises(ValueError, match="n_components must be in"):
        MMC(n_components=5, preprocessor=X).fit(pairs, y)


@pytest.mark.parametrize("diagonal", [False, True])
def test_max_iter_warns_convergence_and_sets_n_iter(diagonal):
    X, pairs, y = random_pairs(8)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        mmc = MMC(diagonal=diagonal, preprocessor=X, max_iter=1, tol=0.0).fit(pairs, y)
    assert mmc.n_iter_ == 1
    assert is_psd(mmc.get_mahalanobis_matrix())
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        converged = MMC(diagonal=diagonal, preprocessor=X, max_iter=5000).fit(pairs, y)
    assert 1 < converged.n_iter_ < 5000


@pytest.mark.parametrize("init", ["covariance", "random", "matrix", "auto", "pca", "map"])
def test_every_init_reaches_the_same_optimum(init):
    X, pairs, y = random_pairs(9)
    if init == "matrix":
        init = np.diag([1.0, 2.0, 3.0, 4.0])
    if isinstance(init, str) and init == "map":  # fewer rows than features: LᵀL, rank 2
        init = np.arange(8.0).reshape(2, 4)
    reference = MMC(preprocessor=X, tol=1e-7, max_iter=5000).fit(pairs, y)
    other = MMC(preprocessor=X, init=init, random_state=0, tol=1e-7, max_iter=5000)
    other.fit(pairs, y)
    g_ref = f_and_g(X, pairs, y, reference.get_mahalanobis_matrix())[1]
    g_other = f_and_g(X, pairs, y, other.get_mahalanobis_matrix())[1]
    # Both gaps are certified below 1e-7 of the optimum.
    assert g_other == pytest.approx(g_ref, rel=2e-7)


@pytest.mark.parametrize("diagonal", [False, True])
def test_supervised_lda_and_auto_starts_reach_the_identity_start_optimum(diagonal):
    # n_components=2 = n_classes - 1: 'auto' is the 'lda' start, of rank 2; the
    # truncation to 2 rows comes after the solve, from the same convex optimum.
    X, y = _noisy_badly_scaled(n=120)
    metrics = [
        MMCSupervised(diagonal=diagonal, init=init, n_components=2, random_state=0, tol=1e-7)
        .set_params(max_iter=5000)
        .fit(X, y)
        .get_mahalanobis_matrix()
        for init in ("identity", "lda", "auto")
    ]
    scale = np.abs(metrics[0]).max()
    np.testing.assert_allclose(metrics[1], metrics[0], atol=1e-4 * scale)
    np.testing.assert_array_equal(metrics[2], metrics[1])


def test_pairs_learner_refuses_the_lda_start_it_has_no_labels_for():
    X, pairs, y = random_pairs(3)
    with pytest.raises(ValueError, match="init"):
        MMC(preprocessor=X, init="lda").fit(pairs, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("init", ["identity", "pca"])
def test_fit_on_identifiers_equals_fit_on_the_points_to_the_last_bit(init):
    # The same pairs given through a preprocessor (indices, points used once) or as
    # points (each point repeated in every pair it is in) make the same sums.
    X, pairs, y = random_pairs(4)
    by_index = MMC(preprocessor=X, init=init, max_iter=3).fit(pairs, y)
    by_points = MMC(init=init, max_iter=3).fit(X[pairs], y)
    np.testing.assert_array_equal(by_index.components_, by_points.components_)
    assert by_index.threshold_ == by_points.threshold_


def test_init_of_wrong_shape_or_not_psd_is_rejected():
    X, pairs, y = random_pairs(10)
    with pytest.raises(ValueError, match=r"\(4, 4\)"):
        MMC(preprocessor=X, init=np.eye(3)).fit(pairs, y)
    with pytest.raises(ValueError, match="not positive semidefinite"):
        MMC(preprocessor=X, init=-np.eye(4)).fit(pairs, y)


@pytest.mark.parametrize("diagonal", [False, True])
def test_pairs_of_one_kind_are_rejected(diagonal):
    X, pairs, _ = random_pairs(11)
    for label, missing in ((1, "dissimilar"), (-1, "similar")):
        with pytest.raises(ValueError, match=f"0 {missing}"):
            MMC(diagonal=diagonal, preprocessor=X).fit(pairs, np.full(len(pairs), label))


def test_float32_in_float32_out():
    X, pairs, y = random_pairs(15)
    for diagonal in (False, True):
        mmc = MMC(diagonal=diagonal, preprocessor=X.astype(np.float32)).fit(pairs, y)
        assert mmc.components_.dtype == np.float32
        assert mmc.transform(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("diagonal", [False, True])
def test_verbose_prints_a_decreasing_objective_up_to_n_iter(capsys, diagonal):
    X, pairs, y = random_pairs(16)
    mmc = MMC(diagonal=diagonal, preprocessor=X, verbose=1).fit(pairs, y)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("[MMC] stops when")
    assert out[-1].startswith(f"[MMC] converged after {mmc.n_iter_} iterations")
    rows = np.array([line.split()[1:3] for line in out[2:-1]], dtype=float)
    assert len(rows) >= 2
    assert rows[-1, 0] == mmc.n_iter_
    assert np.all(np.diff(rows[:, 1]) <= 1e-12)
    MMC(preprocessor=X).fit(pairs, y)
    assert capsys.readouterr().out == ""


def test_default_number_of_constraints_is_capped_at_the_pairs_that_exist():
    X, y = _noisy_badly_scaled(n=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MMCSupervised(random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match="fewer than the"):
        MMCSupervised(n_constraints=500, random_state=0).fit(X, y)
