import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from mlearn import LMNN
from mlearn.lmnn._targets import target_neighbors

from ._helpers import knn_accuracy, noisy_problem, small_problem


def test_fit_on_sampled_impostors_says_so_and_beats_euclidean():
    X_train, X_test, y_train, y_test = noisy_problem()
    euclidean = knn_accuracy(X_train, X_test, y_train, y_test)
    model = LMNN(n_neighbors=3, max_impostors=300, random_state=0).fit(X_train, y_train)
    assert model.impostors_sampled_
    learned = knn_accuracy(model.transform(X_train), model.transform(X_test), y_train, y_test)
    assert learned > euclidean + 0.15
    exact = LMNN(n_neighbors=3, random_state=0).fit(X_train, y_train)
    assert not exact.impostors_sampled_


def test_learned_metric_beats_euclidean_knn_with_noise_features():
    X_train, X_test, y_train, y_test = noisy_problem()
    euclidean = knn_accuracy(X_train, X_test, y_train, y_test)
    model = LMNN(n_neighbors=3).fit(X_train, y_train)
    learned = knn_accuracy(model.transform(X_train), model.transform(X_test), y_train, y_test)
    assert learned > euclidean + 0.15
    assert learned > 0.85


@pytest.mark.parametrize("init", ["pca", "lda", "random", "auto"])
def test_n_components_embeds_in_fewer_dimensions(init):
    X_train, X_test, y_train, y_test = noisy_problem()
    model = LMNN(n_components=2, init=init, random_state=0).fit(X_train, y_train)
    assert model.components_.shape == (2, X_train.shape[1])
    assert model.transform(X_test).shape == (X_test.shape[0], 2)
    euclidean = knn_accuracy(X_train, X_test, y_train, y_test)
    learned = knn_accuracy(model.transform(X_train), model.transform(X_test), y_train, y_test)
    assert learned > euclidean + 0.1


def test_lda_start_with_all_components_beats_euclidean():
    # n_components=None asks for more rows than the n_classes − 1 = 2 discriminant
    # axes: the start is padded (tests/test_init.py) instead of refused.
    X_train, X_test, y_train, y_test = noisy_problem()
    model = LMNN(init="lda", random_state=0).fit(X_train, y_train)
    assert model.components_.shape == (X_train.shape[1], X_train.shape[1])
    euclidean = knn_accuracy(X_train, X_test, y_train, y_test)
    learned = knn_accuracy(model.transform(X_train), model.transform(X_test), y_train, y_test)
    assert learned > euclidean + 0.15


def test_same_random_state_gives_the_same_metric():
    X, y = small_problem(seed=8, n=60)
    first = LMNN(init="random", random_state=3, max_iter=50).fit(X, y).components_
    second = LMNN(init="random", random_state=3, max_iter=50).fit(X, y).components_
    other = LMNN(init="random", random_state=4, max_iter=50).fit(X, y).components_
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)


def test_float32_input_gives_float32_metric_close_to_float64():
    X, y = load_iris(return_X_y=True)
    m64 = LMNN(n_neighbors=3).fit(X, y)
    m32 = LMNN(n_neighbors=3).fit(X.astype(np.float32), y)
    assert m32.components_.dtype == np.float32
    assert m32.transform(X.astype(np.float32)).dtype == np.float32
    acc64 = knn_accuracy(m64.transform(X), m64.transform(X), y, y)
    acc32 = knn_accuracy(m32.transform(X), m32.transform(X), y, y)
    assert abs(acc64 - acc32) <= 0.02


def test_small_classes_reduce_n_neighbors_with_a_warning():
    X, y = small_problem(seed=9, n=31)
    y = y.copy()
    y[-1] = 7  # a single-point class: no target neighbours, impostor only
    targets, valid = target_neighbors(X, y, 3)
    assert not valid[-1].any()
    assert valid[:-1].all()
    with pytest.warns(UserWarning, match="fewer than n_neighbors"):
        LMNN(n_neighbors=3, max_iter=200).fit(X, y)


def test_only_single_point_classes_is_a_clear_error():
    X = np.random.default_rng(0).normal(size=(4, 2))
    with pytest.raises(ValueError, match="at least 2 samples"):
        LMNN().fit(X, [0, 1, 2, 3])


def test_bad_init_and_n_components_are_clear_errors():
    X, y = small_problem()
    with pytest.raises(ValueError, match="must not exceed"):
        LMNN(n_components=5).fit(X, y)
    with pytest.raises(ValueError, match="init must have shape"):
        LMNN(init=np.eye(3)).fit(X, y)
    with pytest.raises(ValueError, match="n_components=2"):
        LMNN(init=np.eye(3, 4), n_components=2).fit(X, y)
    model = LMNN(init=np.eye(3, 4), max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert model.fit(X, y).components_.shape == (3, 4)


def test_many_features_at_full_rank_warn_and_say_what_to_do():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 300)), np.arange(20) % 2
    with pytest.warns(UserWarning, match="n_components=64, init='pca'"):
        LMNN(init="identity", max_iter=2).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        LMNN(n_components=5, init="pca", max_iter=2).fit(X, y)


def test_auto_on_many_features_learns_within_the_principal_subspace():
    from mlearn.lmnn._subspace import principal_basis

    rng = np.random.default_rng(0)
    # 5 features that spread, 295 that barely do (the border pixels of an image), in the
    # same units (spreads 67 times apart, below the 100 at which 'auto' standardises).
    X = np.hstack([rng.normal(size=(200, 5)), 0.015 * rng.normal(size=(200, 295))])
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    P = principal_basis(X)
    assert P.shape == (5, 300)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        auto = LMNN(max_iter=3).fit(X, y)
        within = LMNN(init="identity", max_iter=3).fit(X @ P.T, y)
    # L = W P, W the fit on the projected points from the identity (the PCA start).
    # n_features rows, those past the subspace's 5 zero.
    assert auto.components_.shape == (300, 300)
    np.testing.assert_allclose(auto.components_[:5], within.components_ @ P, rtol=1e-10, atol=1e-12)
    assert not auto.components_[5:].any()
    assert auto.transform(X).shape == (200, 300)
    # Another init, or an explicit n_components, keeps the map of all features.
    with pytest.warns(UserWarning, match="n_components=64"):
        full = LMNN(init="identity", max_iter=1).fit(X, y)
    assert full.components_.shape == (300, 300)


def test_a_flat_spectrum_keeps_every_axis_and_at_most_256_features_are_left_alone():
    from mlearn.lmnn._subspace import principal_basis

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(1000, 300)), np.arange(400) % 2
    assert principal_basis(X) is None
    tail = np.hstack([rng.normal(size=(400, 5)), 1e-3 * rng.normal(size=(400, 251))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert LMNN(max_iter=1).fit(tail, y).components_.shape == (256, 256)


def test_the_principal_basis_of_features_in_different_units_is_that_of_the_standardised():
    from mlearn.lmnn._subspace import principal_basis

    rng = np.random.default_rng(1)
    X = np.hstack([rng.normal(size=(300, 4)), 0.03 * rng.normal(size=(300, 296))])
    X[:, :2] *= 1e4
    std = X.std(axis=0)
    P = principal_basis(X)
    # The axes of the standardised points (whose spreads are all 1), acting on the raw ones.
    np.testing.assert_allclose(np.abs(P * std), np.abs(principal_basis(X / std)), atol=1e-8)


def _many_points_per_entry():
    # 1,400 training points for the 16 x 16 entries of L, 12 of the 16 features noise.
    X, y = make_classification(
        n_samples=2000, n_features=16, n_informative=4, n_classes=4, random_state=0
    )
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


def test_auto_passes_reselect_targets_with_many_points_per_entry_and_gain():
    X_train, X_test, y_train, y_test = _many_points_per_entry()
    model = LMNN(random_state=0).fit(X_train, y_train)
    one = LMNN(n_passes=1, random_state=0).fit(X_train, y_train)
    assert model.n_passes_ >= 3 and one.n_passes_ == 1
    accuracy = knn_accuracy(model.transform(X_train), model.transform(X_test), y_train, y_test)
    single = knn_accuracy(one.transform(X_train), one.transform(X_test), y_train, y_test)
    assert accuracy > single + 0.02


def test_auto_passes_keep_the_pass_before_targets_that_settle_back():
    # On iris the second re-selection moves fewer targets than the first: the
    # passes are settling, and 'auto' keeps the first pass's metric.
    X, y = load_iris(return_X_y=True)
    auto = LMNN(random_state=0).fit(X, y)
    one = LMNN(n_passes=1, random_state=0).fit(X, y)
    two = LMNN(n_passes=2, random_state=0).fit(X, y)
    assert auto.n_passes_ == 1 and two.n_passes_ == 2
    np.testing.assert_array_equal(auto.components_, one.components_)
    assert auto.n_iter_ == two.n_iter_ > one.n_iter_


def test_auto_passes_are_one_with_few_points_per_entry():
    X, y = small_problem(seed=7, n=60, d=5)
    auto = LMNN().fit(X, y)
    assert auto.n_passes_ == 1
    assert auto.n_iter_ == LMNN(n_passes=1).fit(X, y).n_iter_


def test_default_push_weight_beats_the_papers_half_on_wine():
    X, y = load_wine(return_X_y=True)
    X = MinMaxScaler().fit_transform(X)

    def accuracy(model):
        pipeline = make_pipeline(model, KNeighborsClassifier(3))
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        return cross_val_score(pipeline, X, y, cv=folds).mean()

    assert LMNN().push_weight == 0.1
    assert accuracy(LMNN(random_state=0)) > accuracy(LMNN(push_weight=0.5, random_state=0)) + 0.005
