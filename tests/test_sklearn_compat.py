"""Conformance: every public estimator against scikit-learn's conventions.

Estimators are discovered from ``mlearn.__all__``, so each one is checked from
the day it is exported. Learners that fit on points (supervised, or
unsupervised like Covariance) run scikit-learn's own ``check_estimator``
suite; learners that fit on tuples (pairs, triplets, quadruplets) cannot, and
instead go through clone, cross-validation, grid search and pipelines on
tuples, with and without a preprocessor. The small learners of
``tests/_learners.py`` run these checks too, so the supervised and tuple
machinery of ``mlearn.base`` is tested even before the first public learner of
each kind exists.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

import mlearn
from mlearn.base import BilinearMixin, _TuplesMixin

from ._estimators import make_fast, public_estimator_classes, tuples_for
from ._learners import (
    InverseVariancePairs,
    InverseVarianceQuadruplets,
    InverseVarianceTriplets,
    InverseWithinClassVariance,
)

# check name -> reason, per estimator class name. Every entry needs a reason that
# would convince a reviewer; none are needed today.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}


PUBLIC = public_estimator_classes()
POINT_LEARNERS = [cls for cls in PUBLIC if not issubclass(cls, _TuplesMixin)] + [
    InverseWithinClassVariance
]
TUPLE_LEARNERS = [cls for cls in PUBLIC if issubclass(cls, _TuplesMixin)] + [
    InverseVariancePairs,
    InverseVarianceTriplets,
    InverseVarianceQuadruplets,
]


def test_public_names_are_estimators():
    assert PUBLIC, "mlearn exports no estimator"
    assert {cls.__name__ for cls in PUBLIC} == set(mlearn.__all__)


def _expected_failures(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [cls() for cls in POINT_LEARNERS], expected_failed_checks=_expected_failures
)
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


# --- tuple learners -------------------------------------------------------------------


def _labelled_points(seed=0, n=90, d=4, *, learner=None):
    """Three classes that differ along feature 0, with feature 3 a large noise.

    For a bilinear similarity the classes lie along features 0, 1 and 2 instead:
    s(a, ·) = aᵀW· is linear, so it cannot rank the middle one of three classes
    lined up along one feature above the outer ones.
    """
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n // 3)
    X = rng.normal(size=(n, d))
    if learner is not None and issubclass(learner, BilinearMixin):
        X[np.arange(n), y] += 5.0
    else:
        X[:, 0] += 5.0 * y
    X[:, 3] *= 10.0
    return X, y


@pytest.fixture(params=TUPLE_LEARNERS, ids=lambda cls: cls.__name__)
def tuple_learner(request):
    return request.param


@pytest.mark.parametrize("with_preprocessor", [False, True])
def test_tuple_learner_cross_validates(tuple_learner, with_preprocessor):
    X, y = _labelled_points(learner=tuple_learner)
    indices, labels = tuples_for(tuple_learner, X, y)
    if with_preprocessor:
        estimator, tuples = make_fast(tuple_learner, preprocessor=X), indices
    else:
        estimator, tuples = make_fast(tuple_learner), X[indices]
    scores = cross_val_score(estimator, tuples, labels, cv=KFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,)
    # The classes are separable along feature 0: held-out tuples are mostly right.
    assert np.all(scores > 0.8), scores


def test_tuple_learner_grid_search_and_clone(tuple_learner):
    X, y = _labelled_points(learner=tuple_learner)
    indices, labels = tuples_for(tuple_learner, X, y)
    estimator = make_fast(tuple_learner, preprocessor=X)
    cloned = clone(estimator)
    assert cloned.get_params().keys() == estimator.get_params().keys()
    assert cloned.preprocessor is not estimator.preprocessor
    np.testing.assert_array_equal(cloned.preprocessor, X)
    name, values = _grid_parameter(estimator)
    search = GridSearchCV(estimator, {name: values}, cv=3).fit(indices, labels)
    assert search.best_params_[name] in values
    assert search.best_score_ > 0.8
    # The refitted estimator predicts on new tuples of the same kind.
    assert search.best_estimator_.predict(indices[:5]).shape == (5,)


def _grid_parameter(estimator):
    """A numeric parameter to search over, taken from the estimator's own params."""
    params = estimator.get_params()
    for name in ("regularization", "C", "gamma", "alpha", "max_iter"):
        if name in params and isinstance(params[name], int | float) and params[name]:
            return name, [params[name], params[name] * 2]
    raise AssertionError(f"{type(estimator).__name__} has no numeric parameter to search")


def test_tuple_learner_in_pipeline_transforms_points(tuple_learner):
    X, y = _labelled_points()
    indices, labels = tuples_for(tuple_learner, X, y)
    pipe = Pipeline([("metric", make_fast(tuple_learner))])
    pipe.fit(X[indices], labels)
    learner = pipe.named_steps["metric"]
    if isinstance(learner, BilinearMixin):  # no embedding: the similarity of all pairs
        W = learner.get_bilinear_matrix()
        np.testing.assert_allclose(learner.pairwise_similarity(X), X @ W @ X.T, rtol=1e-12)
    else:
        np.testing.assert_allclose(learner.transform(X), X @ learner.components_.T, rtol=1e-12)
    assert pipe.score(X[indices], labels) == pytest.approx(learner.score(X[indices], labels))


def test_tuple_learner_rejects_preprocessor_indices_out_of_range(tuple_learner):
    X, y = _labelled_points()
    indices, labels = tuples_for(tuple_learner, X, y)
    bad = indices.copy()
    bad[0, 0] = X.shape[0]
    with pytest.raises(ValueError, match="out of range"):
        make_fast(tuple_learner, preprocessor=X).fit(bad, labels)
