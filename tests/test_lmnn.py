import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn import LMNN, _impostors
from mlearn import lmnn as lmnn_module
from mlearn.lmnn import (
    ActivePairs,
    find_impostors,
    lmnn_loss_and_grad,
    search_active_pairs,
    target_neighbors,
)


def _small_problem(seed=0, n=30, d=4, n_classes=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.arange(n) % n_classes
    return X, y


def _all_impostor_pairs(y):
    anchors, impostors = np.nonzero(y[:, None] != y[None, :])
    return anchors, impostors


def _naive_loss_and_grad(L, X, y, targets, valid, mu, hinge):
    """Loop over every (i, j, l) triplet and sum outer products."""
    loss, G = 0.0, np.zeros((X.shape[1], X.shape[1]))
    dist = lambda a, b: float(np.sum((L @ (X[a] - X[b])) ** 2))  # noqa: E731
    outer = lambda a, b: np.outer(X[a] - X[b], X[a] - X[b])  # noqa: E731
    for i in range(X.shape[0]):
        for m in range(targets.shape[1]):
            if not valid[i, m]:
                continue
            j = targets[i, m]
            loss += (1 - mu) * dist(i, j)
            G += (1 - mu) * outer(i, j)
            for l_ in np.flatnonzero(y != y[i]):
                t = 1 + dist(i, j) - dist(i, l_)
                if t > 0:
                    loss += mu * (t if hinge == "hinge" else t * t)
                    slope = 1.0 if hinge == "hinge" else 2 * t
                    G += mu * slope * (outer(i, j) - outer(i, l_))
    return loss, 2 * L @ G


@pytest.mark.parametrize("hinge", ["hinge", "squared_hinge"])
def test_loss_and_gradient_match_naive_triplet_loop(hinge):
    X, y = _small_problem()
    L = np.random.default_rng(1).normal(size=(3, 4)) * 0.7
    targets, valid = target_neighbors(X, y, 2)
    pairs = ActivePairs(targets, valid, *_all_impostor_pairs(y))
    loss, grad = lmnn_loss_and_grad(L, X, pairs, 0.3, hinge)
    ref_loss, ref_grad = _naive_loss_and_grad(L, X, y, targets, valid, 0.3, hinge)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("hinge", ["hinge", "squared_hinge"])
def test_gradient_matches_finite_differences(hinge):
    X, y = _small_problem(seed=2)
    rng = np.random.default_rng(3)
    L = rng.normal(size=(4, 4)) * 0.5
    targets, valid = target_neighbors(X, y, 3)
    pairs = ActivePairs(targets, valid, *_all_impostor_pairs(y))
    _, grad = lmnn_loss_and_grad(L, X, pairs, 0.5, hinge)
    eps = 1e-6
    for _ in range(5):
        V = rng.normal(size=L.shape)
        plus, _ = lmnn_loss_and_grad(L + eps * V, X, pairs, 0.5, hinge)
        minus, _ = lmnn_loss_and_grad(L - eps * V, X, pairs, 0.5, hinge)
        numeric = (plus - minus) / (2 * eps)
        assert abs(numeric - np.vdot(grad, V)) < 1e-6 * abs(numeric)


@pytest.fixture
def small_tiles(monkeypatch):
    """Tiles of a few columns, so that every search crosses many tile boundaries."""
    monkeypatch.setattr(_impostors, "_TILE_COLUMNS", 7)
    monkeypatch.setattr(_impostors, "_NEAREST_TILE", 5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_blockwise_search_finds_exactly_the_pairs_inside_the_radii(small_tiles, dtype):
    X, y = _small_problem(seed=4, n=60, d=3, n_classes=4)
    X = X.astype(dtype)
    radii = np.random.default_rng(5).uniform(0.5, 4.0, size=X.shape[0])
    D = np.sum((X[:, None] - X[None]) ** 2, axis=2)
    inside = np.nonzero((D < radii[:, None]) & (y[:, None] != y))
    expected = set(zip(inside[0].tolist(), inside[1].tolist(), strict=True))
    # A tiny working memory forces blocks of a few rows.
    with config_context(working_memory=0.001):
        anchors, impostors, n_found = find_impostors(X, y, radii)
    found = list(zip(anchors.tolist(), impostors.tolist(), strict=True))
    assert len(found) == len(set(found))
    assert set(found) == expected


def test_target_neighbors_are_the_nearest_same_class_points(small_tiles):
    X, y = _small_problem(seed=11, n=83, d=4, n_classes=3)
    targets, valid = target_neighbors(X, y, 4)
    D = np.sum((X[:, None] - X[None]) ** 2, axis=2)
    D[(y[:, None] != y) | np.eye(X.shape[0], dtype=bool)] = np.inf
    np.testing.assert_array_equal(targets, np.argsort(D, axis=1)[:, :4])
    assert valid.all()


def test_a_duplicate_is_a_target_neighbour_and_a_point_is_not_its_own(small_tiles):
    X, y = _small_problem(seed=17, n=40, d=3, n_classes=2)
    X = np.vstack([X, X[:6]])
    y = np.concatenate([y, y[:6]])
    targets, _ = target_neighbors(X, y, 2)
    np.testing.assert_array_equal(targets[:6, 0], np.arange(40, 46))
    np.testing.assert_array_equal(targets[40:, 0], np.arange(6))
    assert not np.any(targets == np.arange(X.shape[0])[:, None])


def test_sampled_search_at_rate_one_finds_every_pair_with_unit_weight(small_tiles):
    X, y = _small_problem(seed=4, n=60, d=3, n_classes=4)
    radii = np.random.default_rng(5).uniform(0.5, 4.0, size=X.shape[0])
    Z, sq = _impostors.search_embedding(X)
    a, b, w = _impostors.sample_impostor_pairs(Z, sq, y, radii, 1.0, np.random.RandomState(0))
    exact_a, exact_b, _ = find_impostors(X, y, radii)
    assert set(zip(a.tolist(), b.tolist(), strict=True)) == set(
        zip(exact_a.tolist(), exact_b.tolist(), strict=True)
    )
    assert a.shape == exact_a.shape
    np.testing.assert_array_equal(w, 1.0)


def test_pair_count_estimate_is_within_its_sampling_error():
    X, y = _small_problem(seed=12, n=300, d=3, n_classes=3)
    radii = np.random.default_rng(13).uniform(0.5, 6.0, size=X.shape[0])
    exact = find_impostors(X, y, radii)[2]
    Z, _ = _impostors.search_embedding(X)
    draws = 20_000
    estimate = _impostors.estimate_pair_count(Z, y, radii, draws, np.random.RandomState(0))
    total = _impostors.other_class_pairs(y)
    assert total == 2 * 3 * 100 * 100
    p = exact / total
    assert abs(estimate - exact) < 4 * total * np.sqrt(p * (1 - p) / draws)


@pytest.mark.parametrize("pilot", [True, False], ids=["pilot-and-sample", "exact-then-subsample"])
def test_sampled_push_term_and_gradient_are_unbiased(pilot, monkeypatch):
    # With the pilot, the search estimates the number of pairs inside the radii
    # and samples candidates at the rate max_pairs / estimate; without it, it
    # enumerates all pairs and keeps a uniform sample of max_pairs. Both must
    # average to the objective and gradient over every pair inside the radii.
    if pilot:
        monkeypatch.setattr(lmnn_module, "_EXACT_SEARCH_FACTOR", 1)
    max_pairs = 600
    X, y = _small_problem(seed=14, n=90, d=3, n_classes=3)
    L = np.random.default_rng(15).normal(size=(3, 3)) * 0.5
    targets, valid = target_neighbors(X, y, 2)
    Z = X @ L.T
    radii = np.full(X.shape[0], 2.5)
    exact = ActivePairs(targets, valid, *find_impostors(Z, y, radii)[:2])
    assert exact.anchors.shape[0] > 600
    loss, grad = lmnn_loss_and_grad(L, X, exact, 0.5)
    rng = np.random.RandomState(0)
    V = np.random.default_rng(16).normal(size=L.shape)
    draws = []
    for _ in range(300):
        pairs = search_active_pairs(Z, y, radii, targets, valid, max_pairs, rng)
        assert pairs.sampled
        sample_loss, sample_grad = lmnn_loss_and_grad(L, X, pairs, 0.5)
        draws.append((sample_loss, np.vdot(sample_grad, V)))
    draws = np.array(draws)
    mean, error = draws.mean(axis=0), draws.std(axis=0) / np.sqrt(draws.shape[0])
    assert np.all(error > 0)
    assert abs(mean[0] - loss) < 4 * error[0]
    assert abs(mean[1] - np.vdot(grad, V)) < 4 * error[1]


def test_capped_search_returns_a_seeded_sample_of_the_pairs_found():
    X, y = _small_problem(seed=4, n=60, d=3, n_classes=4)
    radii = np.full(X.shape[0], 3.0)
    all_a, all_b, n_all = find_impostors(X, y, radii)
    with config_context(working_memory=0.001):
        a, b, n_found = find_impostors(X, y, radii, max_pairs=50, random_state=0)
        again = find_impostors(X, y, radii, max_pairs=50, random_state=0)
    assert n_found == n_all == all_a.shape[0] > 200
    assert a.shape[0] == 50
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    assert len(pairs) == 50
    assert pairs <= set(zip(all_a.tolist(), all_b.tolist(), strict=True))
    np.testing.assert_array_equal(again[0], a)


def test_fit_on_sampled_impostors_says_so_and_beats_euclidean():
    X_train, X_test, y_train, y_test = _noisy_problem()
    euclidean = _knn_accuracy(X_train, X_test, y_train, y_test)
    model = LMNN(n_neighbors=3, max_impostors=300, random_state=0).fit(X_train, y_train)
    assert model.impostors_sampled_
    learned = _knn_accuracy(model.transform(X_train), model.transform(X_test), y_train, y_test)
    assert learned > euclidean + 0.15
    exact = LMNN(n_neighbors=3, random_state=0).fit(X_train, y_train)
    assert not exact.impostors_sampled_


def test_sampled_start_falls_back_to_an_exact_verified_search(monkeypatch):
    # At the identity start 26,436 pairs lie inside the radii, above twice
    # the budget of 7,000: the first search samples. The learned metric has about
    # 6,000, which fit: the fit must end on an exact search.
    monkeypatch.setattr(lmnn_module, "_EXACT_SEARCH_FACTOR", 1)
    sampled = []
    sample = _impostors.sample_impostor_pairs

    def counted(*args):
        sampled.append(True)
        return sample(*args)

    monkeypatch.setattr(_impostors, "sample_impostor_pairs", counted)
    X_train, X_test, y_train, y_test = _noisy_problem()
    model = LMNN(init="identity", max_impostors=7000, random_state=0).fit(X_train, y_train)
    assert sampled
    assert not model.impostors_sampled_
    L = model.components_
    targets, valid = target_neighbors(X_train, y_train, 3)
    Z = X_train @ L.T
    radii = lmnn_module._margin_radii(Z, targets, valid, lmnn_module._SEARCH_SLACK)
    assert model.n_impostor_pairs_ == find_impostors(Z, y_train, radii)[2] <= 7000
    euclidean = _knn_accuracy(X_train, X_test, y_train, y_test)
    learned = _knn_accuracy(model.transform(X_train), model.transform(X_test), y_train, y_test)
    assert learned > euclidean + 0.15


def test_search_loss_equals_loss_over_all_pairs():
    X, y = _small_problem(seed=6, n=45)
    model = LMNN(n_neighbors=2, max_iter=30).fit(X, y)
    L = model.components_
    targets, valid = target_neighbors(X, y, 2)
    full = ActivePairs(targets, valid, *_all_impostor_pairs(y))
    loss_full, grad_full = lmnn_loss_and_grad(L, X, full, 0.5)
    Z = X @ L.T
    d_target = np.where(valid, np.sum((Z[:, None] - Z[targets]) ** 2, axis=2), -np.inf)
    searched = ActivePairs(targets, valid, *find_impostors(Z, y, d_target.max(1) + 1)[:2])
    loss_searched, grad_searched = lmnn_loss_and_grad(L, X, searched, 0.5)
    assert loss_searched == pytest.approx(loss_full, rel=1e-12)
    np.testing.assert_allclose(grad_searched, grad_full, atol=1e-9)


def test_fit_ends_at_a_local_minimum_of_the_full_objective():
    X, y = _small_problem(seed=7, n=60, d=5)
    model = LMNN(
        n_neighbors=3, init="identity", hinge="squared_hinge", tol=1e-10, max_iter=500
    ).fit(X, y)
    targets, valid = target_neighbors(X, y, 3)
    pairs = ActivePairs(targets, valid, *_all_impostor_pairs(y))
    start, _ = lmnn_loss_and_grad(np.eye(5), X, pairs, 0.5, "squared_hinge")
    L = model.components_
    end, _ = lmnn_loss_and_grad(L, X, pairs, 0.5, "squared_hinge")
    assert end < 0.9 * start
    rng = np.random.default_rng(0)
    for _ in range(10):
        step = 1e-3 * np.linalg.norm(L) * rng.normal(size=L.shape)
        nearby, _ = lmnn_loss_and_grad(L + step, X, pairs, 0.5, "squared_hinge")
        assert nearby >= end * (1 - 1e-9)


def _noisy_problem():
    X, y = make_classification(
        n_samples=400,
        n_features=4,
        n_informative=4,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        class_sep=1.5,
        random_state=0,
    )
    noise = np.random.default_rng(0).normal(scale=5.0, size=(X.shape[0], 10))
    return train_test_split(np.hstack([X, noise]), y, test_size=0.3, random_state=0, stratify=y)


def _knn_accuracy(X_train, X_test, y_train, y_test):
    return KNeighborsClassifier(3).fit(X_train, y_train).score(X_test, y_test)


def test_learned_metric_beats_euclidean_knn_with_noise_features():
    X_train, X_test, y_train, y_test = _noisy_problem()
    euclidean = _knn_accuracy(X_train, X_test, y_train, y_test)
    model = LMNN(n_neighbors=3).fit(X_train, y_train)
    learned = _knn_accuracy(model.transform(X_train), model.transform(X_test), y_train, y_test)
    assert learned > euclidean + 0.15
    assert learned > 0.85


@pytest.mark.parametrize("init", ["pca", "lda", "random", "auto"])
def test_n_components_embeds_in_fewer_dimensions(init):
    X_train, X_test, y_train, y_test = _noisy_problem()
    model = LMNN(n_components=2, init=init, random_state=0).fit(X_train, y_train)
    assert model.components_.shape == (2, X_train.shape[1])
    assert model.transform(X_test).shape == (X_test.shape[0], 2)
    euclidean = _knn_accuracy(X_train, X_test, y_train, y_test)
    learned = _knn_accuracy(model.transform(X_train), model.transform(X_test), y_train, y_test)
    assert learned > euclidean + 0.1


def test_same_random_state_gives_the_same_metric():
    X, y = _small_problem(seed=8, n=60)
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
    acc64 = _knn_accuracy(m64.transform(X), m64.transform(X), y, y)
    acc32 = _knn_accuracy(m32.transform(X), m32.transform(X), y, y)
    assert abs(acc64 - acc32) <= 0.02


def test_small_classes_reduce_n_neighbors_with_a_warning():
    X, y = _small_problem(seed=9, n=31)
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


def test_max_iter_warns_and_counts_iterations():
    X_train, _, y_train, _ = _noisy_problem()
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        model = LMNN(max_iter=3).fit(X_train, y_train)
    assert model.n_iter_ == 3
    assert model.n_loss_evals_ >= 4


def test_converged_fit_reports_no_warning():
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = LMNN(n_neighbors=3, max_iter=500).fit(X, y)
    assert 0 < model.n_iter_ < 500


def test_bad_init_and_n_components_are_clear_errors():
    X, y = _small_problem()
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
