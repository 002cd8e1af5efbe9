import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.metrics import f1_score, fbeta_score, roc_auc_score
from sklearn.neighbors import KNeighborsClassifier

from mlearn.base import MahalanobisDistance, _best_threshold

from ._learners import (
    FixedPairsLearner,
    InverseVarianceQuadruplets,
    InverseVarianceTriplets,
)

RNG = np.random.default_rng(0)
L_FIXED = np.array([[2.0, 0.5, 0.0], [0.0, 1.0, -1.0]])


def _random_pairs(n=40, d=3, seed=0):
    rng = np.random.default_rng(seed)
    pairs = rng.normal(size=(n, 2, d))
    y = np.where(rng.random(n) < 0.5, 1, -1)
    return pairs, y


def _fitted_fixed(dtype=np.float64):
    pairs, y = _random_pairs()
    return FixedPairsLearner(L_FIXED).fit(pairs.astype(dtype), y), pairs, y


def test_transform_is_X_times_components_transposed():
    learner, _, _ = _fitted_fixed()
    X = RNG.normal(size=(7, 3))
    assert_allclose(learner.transform(X), X @ L_FIXED.T)


def test_mahalanobis_matrix_is_LtL():
    learner, _, _ = _fitted_fixed()
    assert_allclose(learner.get_mahalanobis_matrix(), L_FIXED.T @ L_FIXED)


def test_pair_distance_matches_mahalanobis_formula():
    learner, pairs, _ = _fitted_fixed()
    M = L_FIXED.T @ L_FIXED
    diff = pairs[:, 0] - pairs[:, 1]
    expected = np.sqrt(np.einsum("ij,jk,ik->i", diff, M, diff))
    assert_allclose(learner.pair_distance(pairs), expected)
    assert_allclose(learner.pair_score(pairs), -expected)


def test_pair_distance_is_blockwise_exact_under_tiny_working_memory():
    learner, pairs, _ = _fitted_fixed()
    reference = learner.pair_distance(pairs)
    # 1e-4 MiB is about 100 bytes: every block holds a single pair.
    with config_context(working_memory=1e-4):
        assert_allclose(learner.pair_distance(pairs), reference, rtol=1e-14)


def test_get_metric_is_picklable_and_matches_transformed_knn():
    learner, _, _ = _fitted_fixed()
    metric = learner.get_metric()
    u, v = RNG.normal(size=3), RNG.normal(size=3)
    assert_allclose(metric(u, v), np.linalg.norm(L_FIXED @ (u - v)))
    assert_allclose(pickle.loads(pickle.dumps(metric))(u, v), metric(u, v))
    assert isinstance(metric, MahalanobisDistance)
    X = RNG.normal(size=(60, 3))
    y = (X[:, 0] + X[:, 2] > 0).astype(int)
    X_test = RNG.normal(size=(20, 3))
    knn_metric = KNeighborsClassifier(3, metric=metric).fit(X, y)
    knn_embedded = KNeighborsClassifier(3).fit(learner.transform(X), y)
    assert_array_equal(knn_metric.predict(X_test), knn_embedded.predict(learner.transform(X_test)))


@pytest.mark.parametrize("kind", ["array", "callable"])
def test_preprocessor_indices_give_same_distances_as_points(kind):
    X = RNG.normal(size=(30, 3))
    idx = RNG.integers(0, 30, size=(25, 2))
    y = np.where(RNG.random(25) < 0.5, 1, -1)
    preprocessor = X if kind == "array" else (lambda i: X[i])
    by_index = FixedPairsLearner(L_FIXED, preprocessor=preprocessor).fit(idx, y)
    by_points = FixedPairsLearner(L_FIXED).fit(X[idx], y)
    assert_allclose(by_index.pair_distance(idx), by_points.pair_distance(X[idx]))
    assert by_index.threshold_ == pytest.approx(by_points.threshold_)


def test_float32_stays_float32():
    learner, pairs, _ = _fitted_fixed(np.float32)
    assert learner.components_.dtype == np.float32
    X = RNG.normal(size=(5, 3)).astype(np.float32)
    assert learner.transform(X).dtype == np.float32
    assert learner.pair_distance(pairs.astype(np.float32)).dtype == np.float32


def test_feature_count_mismatch_is_rejected():
    learner, _, _ = _fitted_fixed()
    with pytest.raises(ValueError, match="expecting 3 features"):
        learner.pair_distance(RNG.normal(size=(4, 2, 5)))
    with pytest.raises(ValueError, match="features"):
        learner.transform(RNG.normal(size=(4, 5)))


def test_feature_names_out_and_pandas_output():
    pd = pytest.importorskip("pandas")
    learner, _, _ = _fitted_fixed()
    assert_array_equal(
        learner.get_feature_names_out(), ["fixedpairslearner0", "fixedpairslearner1"]
    )
    X = RNG.normal(size=(4, 3))
    learner.set_output(transform="pandas")
    out = learner.transform(pd.DataFrame(X))
    assert list(out.columns) == ["fixedpairslearner0", "fixedpairslearner1"]
    assert_allclose(out.to_numpy(), X @ L_FIXED.T)


def test_predict_agrees_with_threshold_and_decision_function():
    learner, pairs, _ = _fitted_fixed()
    distances = learner.pair_distance(pairs)
    assert_array_equal(learner.predict(pairs), np.where(distances <= learner.threshold_, 1, -1))
    assert_allclose(learner.decision_function(pairs), learner.threshold_ - distances)


def test_pairs_score_is_roc_auc_of_negated_distance():
    learner, pairs, y = _fitted_fixed()
    assert learner.score(pairs, y) == pytest.approx(roc_auc_score(y, -learner.pair_distance(pairs)))


def _brute_force_threshold_quality(distances, y, strategy, beta=1.0, min_rate=None):
    """Best achievable value of the strategy over every threshold, by brute force."""
    candidates = np.concatenate([[-1.0], np.sort(distances)])
    best = -np.inf
    for t in candidates:
        pred = np.where(distances <= t, 1, -1)
        tpr = np.mean(pred[y == 1] == 1)
        tnr = np.mean(pred[y == -1] == -1)
        if strategy == "accuracy":
            value = np.mean(pred == y)
        elif strategy == "f_beta":
            value = fbeta_score(y, pred, beta=beta, zero_division=0)
        elif strategy == "max_tpr":
            value = tpr if tnr >= min_rate else -np.inf
        else:
            value = tnr if tpr >= min_rate else -np.inf
        best = max(best, value)
    return best


@pytest.mark.parametrize(
    "strategy, kwargs",
    [
        ("accuracy", {}),
        ("f_beta", {"beta": 1.0}),
        ("f_beta", {"beta": 2.0}),
        ("f_beta", {"beta": 0.0}),
        ("max_tpr", {"min_rate": 0.8}),
        ("max_tnr", {"min_rate": 0.6}),
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_calibrated_threshold_is_optimal_for_its_strategy(strategy, kwargs, seed):
    rng = np.random.default_rng(seed)
    n = 60
    y = np.where(rng.random(n) < 0.4, 1, -1)
    # Similar pairs are closer on average, with overlap; some ties on purpose.
    distances = np.round(rng.gamma(2.0, 1.0, n) + (y == -1) * 1.0, 1)
    t = _best_threshold(
        distances, y, strategy, beta=kwargs.get("beta", 1.0), min_rate=kwargs.get("min_rate")
    )
    pred = np.where(distances <= t, 1, -1)
    tpr, tnr = np.mean(pred[y == 1] == 1), np.mean(pred[y == -1] == -1)
    achieved = {
        "accuracy": np.mean(pred == y),
        "f_beta": fbeta_score(y, pred, beta=kwargs.get("beta", 1.0), zero_division=0),
        "max_tpr": tpr,
        "max_tnr": tnr,
    }[strategy]
    assert achieved == pytest.approx(
        _brute_force_threshold_quality(distances, y, strategy, **kwargs)
    )
    if strategy == "max_tpr":
        assert tnr >= kwargs["min_rate"]
    if strategy == "max_tnr":
        assert tpr >= kwargs["min_rate"]


def test_calibrate_threshold_sets_threshold_used_by_predict():
    learner, pairs, y = _fitted_fixed()
    learner.calibrate_threshold(pairs, y, strategy="f_beta", beta=1.0)
    assert f1_score(y, learner.predict(pairs)) == pytest.approx(
        _brute_force_threshold_quality(learner.pair_distance(pairs), y, "f_beta")
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"strategy": "precision"}, "strategy must be"),
        ({"strategy": "max_tpr"}, "min_rate"),
        ({"strategy": "max_tnr", "min_rate": 1.5}, "min_rate"),
        ({"strategy": "f_beta", "beta": -0.5}, "beta"),
    ],
)
def test_calibrate_threshold_rejects_bad_arguments(kwargs, message):
    learner, pairs, y = _fitted_fixed()
    with pytest.raises(ValueError, match=message):
        learner.calibrate_threshold(pairs, y, **kwargs)


def test_default_threshold_maximises_training_accuracy():
    learner, pairs, y = _fitted_fixed()
    accuracy = np.mean(learner.predict(pairs) == y)
    assert accuracy == pytest.approx(
        _brute_force_threshold_quality(learner.pair_distance(pairs), y, "accuracy")
    )


def test_triplets_predict_and_score_follow_distances():
    X = RNG.normal(size=(40, 3))
    triplets = X[RNG.integers(0, 40, size=(50, 3))]
    learner = InverseVarianceTriplets().fit(triplets)
    L = learner.components_
    d_ap = np.linalg.norm((triplets[:, 0] - triplets[:, 1]) @ L.T, axis=1)
    d_an = np.linalg.norm((triplets[:, 0] - triplets[:, 2]) @ L.T, axis=1)
    assert_allclose(learner.decision_function(triplets), d_an - d_ap)
    assert_array_equal(learner.predict(triplets), np.where(d_an > d_ap, 1, -1))
    assert learner.score(triplets) == pytest.approx(np.mean(d_an > d_ap))
    flipped = triplets[:, [0, 2, 1]]
    assert learner.score(flipped) == pytest.approx(np.mean(d_ap > d_an))


def test_quadruplets_predict_compares_first_and_second_pair():
    X = RNG.normal(size=(40, 3))
    quads = X[RNG.integers(0, 40, size=(50, 4))]
    learner = InverseVarianceQuadruplets().fit(quads)
    L = learner.components_
    d_ab = np.linalg.norm((quads[:, 0] - quads[:, 1]) @ L.T, axis=1)
    d_cd = np.linalg.norm((quads[:, 2] - quads[:, 3]) @ L.T, axis=1)
    assert_array_equal(learner.predict(quads), np.where(d_cd > d_ab, 1, -1))
    assert learner.score(quads, np.where(d_cd > d_ab, 1, -1)) == 1.0


def test_tuples_of_wrong_size_are_rejected():
    learner = InverseVarianceTriplets()
    with pytest.raises(ValueError, match="3 elements"):
        learner.fit(RNG.normal(size=(10, 2, 3)))


def test_caller_arrays_are_not_modified():
    pairs, y = _random_pairs()
    pairs_copy, y_copy = pairs.copy(), y.copy()
    learner = FixedPairsLearner(L_FIXED).fit(pairs, y)
    learner.calibrate_threshold(pairs, y)
    learner.predict(pairs)
    assert_array_equal(pairs, pairs_copy)
    assert_array_equal(y, y_copy)


def test_supervised_face_encodes_labels_and_rejects_a_single_class():
    from ._learners import InverseWithinClassVariance

    X = RNG.normal(size=(12, 3))
    y = np.array(["b", "a"] * 6)
    learner = InverseWithinClassVariance().fit(X, y)
    assert_array_equal(learner.classes_, ["a", "b"])
    assert learner.__sklearn_tags__().target_tags.required
    with pytest.raises(ValueError, match="1 class"):
        InverseWithinClassVariance().fit(X, np.zeros(12))


def test_metric_of_one_feature_takes_scalars_and_a_one_dimensional_map():
    for components in (np.array([[3.0]]), np.array([3.0])):
        distance = MahalanobisDistance(components)
        for u, v in [(5, 6.5), ([5], [6.5]), ([[5]], [[6.5]])]:
            assert distance(u, v) == pytest.approx(4.5)
            assert distance(u, v, squared=True) == pytest.approx(20.25)
    with pytest.raises(ValueError, match="one point per argument"):
        MahalanobisDistance(np.eye(2))(5, 6)
