"""The parts of mlearn.base's API that metric-learn's users rely on.

``components_`` of a fixed shape, the callable metric, thresholds set by hand or
calibrated in ``fit``, ``preprocessor`` on every learner (identifiers of any kind),
and the message a weakly supervised learner gives when it is handed (X, y).
Learners are discovered from ``mlearn.__all__``, so those added later are held to
the same contract.
"""

import inspect
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.spatial.distance import cdist
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import KNeighborsClassifier

import mlearn
from mlearn import ITML, MMC, Covariance, ITMLSupervised, MMCSupervised
from mlearn.base import MahalanobisDistance, MahalanobisMixin, SupervisedMixin, _TuplesMixin
from mlearn.constraints import similar_dissimilar_pairs

from ._estimators import (
    fit_args,
    fit_quietly,
    fitted,
    labelled_points,
    make,
    public_estimator_classes,
)

MAHALANOBIS = [c for c in public_estimator_classes() if issubclass(c, MahalanobisMixin)]
SUPERVISED = [c for c in MAHALANOBIS if issubclass(c, SupervisedMixin) or c is Covariance]
WEAK_WITH_TWIN = [
    c
    for c in MAHALANOBIS
    if issubclass(c, _TuplesMixin) and f"{c.__name__}Supervised" in mlearn.__all__
]


def _ids(classes):
    return [c.__name__ for c in classes]


# ------------------------------------------------------------------ components_ shape


@pytest.mark.parametrize("cls", MAHALANOBIS, ids=_ids(MAHALANOBIS))
def test_components_have_n_features_rows_by_default(cls):
    estimator = fitted(cls)
    d = estimator.n_features_in_
    expected = estimator.get_params().get("n_components") or d
    assert estimator.components_.shape == (expected, d)


def test_low_rank_mmc_optimum_is_padded_with_zero_rows():
    # Xing's full problem has a rank-one optimum on these data (one informative feature).
    X, y = labelled_points(n=60, d=5)
    X[:, 4] = 2 * X[:, 1] - X[:, 2]
    mmc = fit_quietly(MMCSupervised(random_state=0, max_iter=200), X, y)
    L = mmc.components_
    rank = np.linalg.matrix_rank(L, tol=1e-8 * np.abs(L).max())
    assert L.shape == (5, 5) and rank < 5
    assert_allclose(L[rank:], 0.0)
    assert mmc.transform(X).shape == (60, 5)
    # The padding changes nothing in the metric.
    assert_allclose(L.T @ L, mmc.get_mahalanobis_matrix())


def test_covariance_of_rank_deficient_data_keeps_n_features_rows():
    X = np.random.default_rng(0).normal(size=(30, 3))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])
    L = Covariance().fit(X).components_
    assert L.shape == (4, 4)
    assert_allclose(L[3], 0.0)


# ----------------------------------------------------------------------- get_metric

L_FIXED = np.array([[2.0, 0.5, 0.0], [0.0, 1.0, -1.0]])


def test_metric_takes_vectors_and_single_rows_alike():
    metric = MahalanobisDistance(L_FIXED)
    u, v = np.array([1.0, -2.0, 0.5]), np.array([0.0, 1.0, 3.0])
    expected = np.linalg.norm(L_FIXED @ (u - v))
    assert metric(u, v) == pytest.approx(expected, rel=1e-12)
    assert metric(u[None, :], v[None, :]) == pytest.approx(expected, rel=1e-12)
    assert metric(u[None, :], v) == pytest.approx(expected, rel=1e-12)
    assert metric(u, v, squared=True) == pytest.approx(expected**2, rel=1e-12)


@pytest.mark.parametrize(
    "shape", [(2, 3), (1, 1, 3), (4,), ()], ids=["two-rows", "3-D", "wrong-d", "scalar"]
)
def test_metric_refuses_anything_but_one_point(shape):
    metric = MahalanobisDistance(L_FIXED)
    with pytest.raises(ValueError, match=r"one point per argument.*u has shape"):
        metric(np.ones(shape), np.zeros(3))


def test_metric_matches_scipy_cdist_and_euclidean_knn_on_the_transform():
    X, y = labelled_points()
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order], y[order]
    learner = fitted(ITMLSupervised)
    L = learner.components_
    metric = learner.get_metric()
    assert_allclose(cdist(X[:5], X[5:9], metric), cdist(X[:5] @ L.T, X[5:9] @ L.T), rtol=1e-10)
    by_callable = KNeighborsClassifier(3, metric=metric).fit(X[:24], y[:24]).predict(X[24:])
    by_transform = KNeighborsClassifier(3).fit(X[:24] @ L.T, y[:24]).predict(X[24:] @ L.T)
    assert_array_equal(by_callable, by_transform)


def test_metric_warns_once_when_called_as_often_as_in_a_neighbour_search(monkeypatch):
    monkeypatch.setattr("mlearn.base._distance.SLOW_USE_CALLS", 5)
    metric = MahalanobisDistance(L_FIXED)
    u = np.ones(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(20):
            metric(u, u)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and "transform" in messages[0] and "500" in messages[0]
    # A pickled metric keeps working (and counting).
    restored = pickle.loads(pickle.dumps(metric))
    assert restored(u, np.zeros(3)) == pytest.approx(metric(u, np.zeros(3)))


# --------------------------------------------------------------------- thresholds


def _pairs_and_labels():
    X, y = labelled_points(n=45, d=4)
    pairs, labels = similar_dissimilar_pairs(y, 80, random_state=0)
    return X, pairs, labels


def test_set_threshold_decides_predict():
    X, pairs, labels = _pairs_and_labels()
    itml = ITML(preprocessor=X).fit(pairs, labels)
    distances = itml.pair_distance(pairs)
    assert itml.set_threshold(distances.max() + 1).threshold_ == distances.max() + 1
    assert np.all(itml.predict(pairs) == 1)
    itml.set_threshold(np.float32(distances.min() / 2))
    assert np.all(itml.predict(pairs) == -1)
    middle = np.median(distances)
    assert_array_equal(
        itml.set_threshold(middle).predict(pairs), np.where(distances <= middle, 1, -1)
    )


@pytest.mark.parametrize("bad", ["1.0", None, np.nan, np.inf, [1.0], True])
def test_set_threshold_refuses_what_is_not_a_finite_number(bad):
    X, pairs, labels = _pairs_and_labels()
    itml = ITML(preprocessor=X).fit(pairs, labels)
    with pytest.raises(ValueError, match="threshold must be"):
        itml.set_threshold(bad)


def test_set_threshold_needs_a_fitted_learner():
    with pytest.raises(NotFittedError):
        MMC().set_threshold(1.0)


@pytest.mark.parametrize("cls", [ITML, MMC])
@pytest.mark.parametrize(
    "params",
    [{"strategy": "max_tpr", "min_rate": 0.9}, {"strategy": "f_beta", "beta": 2.0}, None],
)
def test_calibration_params_in_fit_equal_calibrating_afterwards(cls, params):
    X, pairs, labels = _pairs_and_labels()
    learner = cls(preprocessor=X).fit(pairs, labels, calibration_params=params)
    reference = cls(preprocessor=X).fit(pairs, labels)
    reference.calibrate_threshold(pairs, labels, **(params or {}))
    assert learner.threshold_ == pytest.approx(reference.threshold_, rel=1e-12)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"strategy": "best"}, "strategy must be"),
        ({"strategy": "max_tnr"}, "needs min_rate"),
        ({"threshold": 1.0}, "unknown keys"),
        ("accuracy", "must be a dict"),
    ],
)
def test_bad_calibration_params_are_refused_before_fitting(params, message):
    X, pairs, labels = _pairs_and_labels()
    mmc = MMC(preprocessor=X)
    with pytest.raises(ValueError, match=message):
        mmc.fit(pairs, labels, calibration_params=params)
    assert not hasattr(mmc, "components_")


# ------------------------------------------------------- preprocessor for (X, y) fits


def _public_params(cls):
    return inspect.signature(cls).parameters


@pytest.mark.parametrize("cls", MAHALANOBIS, ids=_ids(MAHALANOBIS))
def test_every_learner_takes_a_preprocessor(cls):
    assert "preprocessor" in _public_params(cls)


def _file_names(n):
    return np.array([f"images/{i:04d}.png" for i in range(n)])


def _reader(X, calls):
    def read(names):
        calls.append(len(names))
        return X[[int(name[7:11]) for name in names]]

    return read


@pytest.mark.parametrize("cls", SUPERVISED, ids=_ids(SUPERVISED))
def test_supervised_fit_on_identifiers_equals_fit_on_points(cls):
    X, y = labelled_points()
    direct = fit_quietly(make(cls), *fit_args(make(cls), X, y))
    by_index = fit_quietly(
        make(cls, preprocessor=X), np.arange(len(X)), *fit_args(direct, X, y)[1:]
    )
    calls = []
    names = _file_names(len(X))
    by_name = fit_quietly(
        make(cls, preprocessor=_reader(X, calls)), names, *fit_args(direct, X, y)[1:]
    )
    assert_allclose(by_index.components_, direct.components_, rtol=1e-10, atol=1e-12)
    assert_allclose(by_name.components_, direct.components_, rtol=1e-10, atol=1e-12)
    assert by_name.n_features_in_ == X.shape[1]
    # transform takes the identifiers too.
    assert_allclose(by_name.transform(names[:5]), direct.transform(X[:5]), rtol=1e-10, atol=1e-12)
    assert_allclose(
        by_index.transform(np.arange(5)), direct.transform(X[:5]), rtol=1e-10, atol=1e-12
    )


WEAK = [c for c in MAHALANOBIS if issubclass(c, _TuplesMixin)]


@pytest.mark.parametrize("cls", WEAK, ids=_ids(WEAK))
def test_tuple_fit_through_a_preprocessor_equals_the_fit_on_the_formed_tuples(cls):
    # metric-learn's users switch between the two forms; the metric must not change.
    X, y = labelled_points()
    estimator = make(cls)
    formed = fit_quietly(clone(estimator), *fit_args(estimator, X, y))
    by_index = fit_quietly(
        clone(estimator).set_params(preprocessor=X), *fit_args(estimator, X, y, indices=True)
    )
    M, M_formed = by_index.get_mahalanobis_matrix(), formed.get_mahalanobis_matrix()
    assert_allclose(M, M_formed, rtol=1e-9, atol=1e-12 * np.abs(M_formed).max())


WITH_PRIOR = [c for c in WEAK if "prior" in c().get_params()]


@pytest.mark.parametrize("cls", WITH_PRIOR, ids=_ids(WITH_PRIOR))
def test_covariance_prior_counts_each_point_once_in_either_form(cls):
    # Formed tuples repeat a point once per tuple it is in; the prior's covariance must not
    # weight it by that count, or the two forms learn different metrics.
    X, y = labelled_points()
    estimator = make(cls).set_params(prior="covariance")
    formed = fit_quietly(clone(estimator), *fit_args(estimator, X, y))
    by_index = fit_quietly(
        clone(estimator).set_params(preprocessor=X), *fit_args(estimator, X, y, indices=True)
    )
    M, M_formed = by_index.get_mahalanobis_matrix(), formed.get_mahalanobis_matrix()
    assert_allclose(M, M_formed, rtol=1e-9, atol=1e-12 * np.abs(M_formed).max())


def test_callable_preprocessor_takes_tuples_of_file_names_reading_each_once():
    X, pairs, labels = _pairs_and_labels()
    calls = []
    names = _file_names(len(X))
    by_name = ITML(preprocessor=_reader(X, calls)).fit(names[pairs], labels)
    by_index = ITML(preprocessor=X).fit(pairs, labels)
    assert_allclose(by_name.components_, by_index.components_, rtol=1e-10)
    assert calls == [len(np.unique(pairs))]
    assert_allclose(by_name.pair_distance(names[pairs[:7]]), by_index.pair_distance(pairs[:7]))


def test_array_preprocessor_refuses_identifiers_that_are_not_row_indices():
    X, y = labelled_points()
    with pytest.raises(ValueError, match="integer row indices"):
        mlearn.LMNN(preprocessor=X).fit(_file_names(len(X)), y)
    with pytest.raises(ValueError, match="out of range"):
        Covariance(preprocessor=X).fit(np.arange(len(X)) + 1)


# ---------------------------------------------- (X, y) handed to a tuple learner


@pytest.mark.parametrize("cls", WEAK_WITH_TWIN, ids=_ids(WEAK_WITH_TWIN))
def test_fitting_a_tuple_learner_on_points_and_labels_names_its_twin(cls):
    X, y = labelled_points()
    twin = f"{cls.__name__}Supervised"
    with pytest.raises(ValueError, match=rf"use {twin}\(\.\.\.\)\.fit\(X, y\)"):
        cls().fit(X, y)
    with pytest.raises(ValueError, match=twin):
        cls().fit(X)  # no bare TypeError for a forgotten y
    with pytest.raises(ValueError, match=twin):
        cls(preprocessor=X).fit(X, y)
