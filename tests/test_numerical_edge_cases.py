"""Numerically awkward but valid data, across every estimator (docs/reliability.rst).

Duplicated points, constant features, fewer samples than features, features on
scales 1e-8 and 1e8 side by side, float32, and nearly singular covariances or
priors. Each estimator either learns a finite PSD metric (in the input's
dtype) or refuses with a ``ValueError`` that names the condition; it never
crashes in LAPACK, warns about overflow (RuntimeWarnings from mlearn are
errors in this suite) or returns NaN.
"""

import re

import numpy as np
import pytest
from sklearn.utils._param_validation import StrOptions

from mlearn import Covariance

from ._estimators import (
    ALL_CLASSES,
    NAMES_THE_CONDITION,
    check_learned_metric,
    class_id,
    fit_args,
    fit_quietly,
    labelled_points,
    make,
)


def _duplicated():
    X, y = labelled_points()
    return np.vstack([X, X]), np.concatenate([y, y])


def _collapsed_class():
    X, y = labelled_points()
    X[y == 0] = X[y == 0][0]
    return X, y


def _constant_feature():
    X, y = labelled_points()
    X[:, 1] = 3.0
    return X, y


def _fewer_samples_than_features():
    X, y = labelled_points(n=15, d=20)
    return X, y


def _mixed_scales():
    X, y = labelled_points()
    X[:, 0] *= 1e-8  # the class signal lives at 1e-8 ...
    X[:, 3] *= 1e8  # ... next to noise at 1e9
    return X, y


def _nearly_collinear():
    X, y = labelled_points()
    X[:, 2] = X[:, 1] + 1e-9 * np.random.default_rng(5).normal(size=X.shape[0])
    return X, y


def _float32():
    X, y = labelled_points(dtype=np.float32)
    return X, y


def _float32_mixed_scales():
    X, y = _mixed_scales()
    X[:, 0] *= 1e4  # 1e-4: within float32's reach
    X[:, 3] *= 1e-4
    return X.astype(np.float32), y


DATASETS = {
    "duplicated-points": _duplicated,
    "collapsed-class": _collapsed_class,
    "constant-feature": _constant_feature,
    "n-lt-d": _fewer_samples_than_features,
    "scales-1e-8-and-1e8": _mixed_scales,
    "nearly-collinear": _nearly_collinear,
    "float32": _float32,
    "float32-mixed-scales": _float32_mixed_scales,
}


def _covariance_options(estimator):
    """Parameters such as ``init`` or ``prior`` that accept 'covariance', set to it.

    With nearly collinear data this makes the learner start from (or regularise
    towards) a nearly singular matrix.
    """
    options = {}
    for name, constraints in getattr(estimator, "_parameter_constraints", {}).items():
        for constraint in constraints:
            if isinstance(constraint, StrOptions) and "covariance" in constraint.options:
                options[name] = "covariance"
    return options


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("cls", ALL_CLASSES, ids=class_id)
def test_awkward_data_gives_a_finite_psd_metric_or_a_clear_error(cls, dataset):
    X, y = DATASETS[dataset]()
    estimator = make(cls)
    if dataset == "nearly-collinear":
        estimator.set_params(**_covariance_options(estimator))
    X_before = X.copy()
    try:
        fit_quietly(estimator, *fit_args(estimator, X, y))
    except ValueError as exc:
        assert re.search(NAMES_THE_CONDITION, str(exc)), f"unclear error for {dataset}: {exc}"
        return
    finally:
        np.testing.assert_array_equal(X, X_before)
    check_learned_metric(estimator, X, y)


def test_covariance_whitens_features_of_scales_1e_minus_8_and_1e8():
    X, _ = _mixed_scales()
    Z = Covariance().fit_transform(X)
    np.testing.assert_allclose(np.cov(Z, rowvar=False), np.eye(4), atol=1e-8)


def test_covariance_gives_constant_feature_zero_weight_and_whitens_the_rest():
    X, _ = _constant_feature()
    learner = Covariance().fit(X)
    np.testing.assert_array_equal(learner.components_[:, 1], 0.0)
    # n_features rows always: the three spanned directions, then a zero row.
    assert learner.components_.shape == (4, 4)
    np.testing.assert_array_equal(learner.components_[3], 0.0)
    Z = learner.transform(X)[:, :3]
    np.testing.assert_allclose(np.cov(Z, rowvar=False), np.eye(3), atol=1e-10)


def test_covariance_with_fewer_samples_than_features_keeps_the_spanned_rank():
    X, _ = _fewer_samples_than_features()
    learner = Covariance().fit(X)
    # n centred points span at most n − 1 directions; the other rows are zero.
    rank = X.shape[0] - 1
    assert learner.components_.shape == (X.shape[1], X.shape[1])
    np.testing.assert_array_equal(learner.components_[rank:], 0.0)
    Z = learner.transform(X)[:, :rank]
    np.testing.assert_allclose(np.cov(Z, rowvar=False), np.eye(rank), atol=1e-8)
