"""Every estimator the reliability tests run, and how to fit each one.

Estimators are discovered from ``mlearn.__all__`` (and ``mlearn.deep.__all__``
when torch is installed), plus the small learners of ``tests/_learners.py``
so that every kind of supervision is exercised before a public learner of
that kind exists. How an estimator is fitted follows from its supervision
kind; a wrapper (an estimator whose parameter is an estimator, like
``KernelMetricLearner``) is fitted like the learner it wraps.
"""

import importlib.util
import inspect
import os
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

import mlearn
from mlearn.base import (
    ChunksMixin,
    MahalanobisMixin,
    PairsMixin,
    QuadrupletsMixin,
    SupervisedMixin,
    TripletsMixin,
    chunks_of_indices,
)
from mlearn.constraints import (
    chunks_from_labels,
    quadruplets_from_labels,
    random_triplets,
    similar_dissimilar_pairs,
)
from mlearn.psd import is_psd

from ._learners import (
    InverseVariancePairs,
    InverseVarianceQuadruplets,
    InverseVarianceTriplets,
    InverseWithinClassVariance,
)


def public_estimator_classes():
    """mlearn's public estimator classes (those of ``mlearn.__all__``)."""
    classes = []
    for name in mlearn.__all__:
        obj = getattr(mlearn, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            classes.append(obj)
    return classes


def tuples_for(cls, X, y):
    """Tuples of the kind ``cls`` learns from, as index arrays, with their labels."""
    if issubclass(cls, PairsMixin):
        return similar_dissimilar_pairs(y, 120, random_state=0)
    if issubclass(cls, TripletsMixin):
        return random_triplets(y, 120, random_state=0), None
    if issubclass(cls, QuadrupletsMixin):
        return quadruplets_from_labels(y, 120, random_state=0), None
    raise AssertionError(f"{cls.__name__} learns from no known kind of tuple")


def chunks_for(y, chunk_size=3):
    """Chunk labels (one per point, −1: none) for chunks of ``chunk_size`` drawn from y.

    As many chunks as the classes hold, so that most points are in one and the
    within-chunk covariance of the suites' small data sets is full rank.
    """
    chunk_size = max(
        2, min(chunk_size, int(np.bincount(np.unique(y, return_inverse=True)[1]).max()))
    )
    n_chunks = sum(int(np.sum(y == c)) // chunk_size for c in np.unique(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        drawn = chunks_from_labels(y, max(n_chunks, 1), chunk_size, random_state=0)
    return chunks_of_indices(drawn, len(y))


# Settings under which a learner can learn the suites' data at all. SDML's metric is
# (M₀⁻¹ + ηS)⁻¹, which cannot shrink a feature that similar and dissimilar pairs spread
# alike: with the identity prior the suites' feature 3 (noise ten times the signal's scale)
# keeps the pairs' ROC AUC near the Euclidean 0.66; a whitening prior brings it above 0.8.
SUITE_PARAMS = {"SDML": {"prior": "covariance"}}


def make_fast(cls, **params):
    estimator = cls()
    # Keep the check fast for iterative public learners.
    fast = {
        k: v for k, v in {"max_iter": 50, "random_state": 0}.items() if k in estimator.get_params()
    }
    return estimator.set_params(**fast, **SUITE_PARAMS.get(cls.__name__, {}), **params)


TOY_LEARNERS = [
    InverseWithinClassVariance,
    InverseVariancePairs,
    InverseVarianceTriplets,
    InverseVarianceQuadruplets,
]
TUPLE_SIZES = {"pairs": 2, "triplets": 3, "quadruplets": 4}
_KIND_MIXINS = {
    "chunks": ChunksMixin,
    "supervised": SupervisedMixin,
    "pairs": PairsMixin,
    "triplets": TripletsMixin,
    "quadruplets": QuadrupletsMixin,
}


def public_classes():
    """mlearn's public estimator classes, the deep ones included when torch is there."""
    classes = list(public_estimator_classes())
    if importlib.util.find_spec("torch") is not None:
        try:
            from mlearn import deep
        except ImportError:
            deep = None
        # Only this checkout's deep module (an editable install elsewhere may provide one).
        here = os.path.dirname(os.path.abspath(mlearn.__file__))
        if deep is not None and not os.path.abspath(deep.__file__).startswith(here):
            deep = None
        for name in getattr(deep, "__all__", ()):
            obj = getattr(deep, name)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                classes.append(obj)
    return classes


ALL_CLASSES = public_classes() + TOY_LEARNERS


def class_id(cls):
    return cls.__name__


def make(cls, **params):
    """A small, fast configuration of ``cls`` (as the conformance tests use)."""
    return make_fast(cls, **params)


def supervision(estimator):
    """'chunks', 'supervised', 'regression' (a continuous y), 'pairs', 'triplets',
    'quadruplets' or 'points' (X alone)."""
    if getattr(estimator, "_regression_target", False):
        return "regression"
    for kind, mixin in _KIND_MIXINS.items():
        if isinstance(estimator, mixin):
            return kind
    for value in estimator.get_params(deep=False).values():
        if isinstance(value, BaseEstimator):
            inner = supervision(value)
            if inner != "points":
                return inner
    if estimator.__sklearn_tags__().target_tags.required:
        return "supervised"  # e.g. a wrapper whose default inner learner is supervised
    return "points"


def labelled_points(seed=0, n=36, d=4, dtype=np.float64):
    """Three separable classes along feature 0; feature 3 is large noise."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n // 3)
    X = rng.normal(size=(n, d))
    X[:, 0] += 5.0 * y
    X[:, 3] *= 10.0
    return X.astype(dtype), y


def continuous_target(X, y):
    """A regression target for (X, y): smooth in X, with y's labels as a step."""
    return np.asarray(y, dtype=np.float64) + 0.3 * np.tanh(np.asarray(X, dtype=np.float64)[:, -1])


def fit_args(estimator, X, y, *, indices=False, n_tuples=60):
    """Arguments for ``estimator.fit`` on data (X, y), by its supervision kind.

    Tuples are drawn from the labels; with ``indices=True`` they are returned as
    index arrays (for an estimator whose ``preprocessor`` is X).
    """
    kind = supervision(estimator)
    if kind == "points":
        return (X,)
    if kind == "supervised":
        return (X, y)
    if kind == "regression":
        return (X, continuous_target(X, y))
    if kind == "chunks":
        return (X, chunks_for(y))
    with warnings.catch_warnings():  # small data sets hold fewer tuples than asked for
        warnings.simplefilter("ignore", UserWarning)
        tuples, labels = tuples_for(_KIND_MIXINS[kind], X, y)
    tuples = tuples[:n_tuples]
    tuples = tuples if indices else X[tuples]
    return (tuples,) if labels is None else (tuples, labels[:n_tuples])


def fit_quietly(estimator, *args):
    """Fit, ignoring the ConvergenceWarning that a small max_iter may cause."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args)


_FITTED = {}


def fitted(cls):
    """A fitted instance of ``cls`` on :func:`labelled_points` (cached per class)."""
    if cls not in _FITTED:
        estimator = make(cls)
        X, y = labelled_points()
        _FITTED[cls] = fit_quietly(estimator, *fit_args(estimator, X, y))
    return _FITTED[cls]


# A refusal of valid but awkward data must say what is wrong with it.
NAMES_THE_CONDITION = (
    r"singular|rank|constant|duplicate|sample|feature|class|neighbo|scale|finite|"
    r"positive|PSD|semidefinite|variance|distinct"
)


def point_method_names(estimator):
    """The methods that map points X to an array: ``transform`` for a learner with an
    embedding; for one with a metric per cluster and no embedding (``MultiMetricLMNN``),
    its distances to the training points and its kNN predictions."""
    if hasattr(estimator, "transform"):
        return ["transform"]
    return [name for name in ("pairwise_distances", "predict") if hasattr(estimator, name)]


def check_learned_metric(estimator, X, y):
    """Finite outputs in X's dtype; for a Mahalanobis learner, a finite PSD metric (one per
    cluster for a learner of several)."""
    for name in point_method_names(estimator):
        out = getattr(estimator, name)(X)
        if name != "predict":
            assert out.dtype == X.dtype, f"{name} gives {out.dtype} for {X.dtype} input"
        assert np.all(np.isfinite(out))
    if hasattr(estimator, "get_mahalanobis_matrices"):
        assert estimator.components_.dtype == X.dtype
        assert all(is_psd(M) for M in estimator.get_mahalanobis_matrices())
    if isinstance(estimator, MahalanobisMixin):
        L = estimator.components_
        assert L.dtype == X.dtype, f"components_ are {L.dtype} for {X.dtype} input"
        assert np.all(np.isfinite(L))
        assert is_psd(estimator.get_mahalanobis_matrix())
    if supervision(estimator) in TUPLE_SIZES:
        tuples = fit_args(estimator, X, y)[0]
        assert np.all(np.isfinite(estimator.decision_function(tuples)))
