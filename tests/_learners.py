"""Small but real learners used to exercise the shared machinery in tests.

They learn a diagonal metric, the inverse per-feature variance of the
differences a tuple states to be small (similar pairs, anchor–positive,
first pair of a quadruplet), shrunk by ``regularization``:

    M = diag(1 / (mean_{(i, j) close} (x_i − x_j)² + regularization))

This is enough to test mlearn.base, validation and the conformance checks on every
kind of supervision before the real weakly supervised learners exist; the
public learners are checked by the same tests once they land.
"""

import numpy as np
from sklearn.base import BaseEstimator

from mlearn.base import (
    MahalanobisMixin,
    PairsMixin,
    QuadrupletsMixin,
    SupervisedMixin,
    TripletsMixin,
)


def _inverse_variance_components(X, first, second, regularization):
    diff = X[first] - X[second]
    variance = np.mean(diff**2, axis=0) + regularization
    return np.diag(1.0 / np.sqrt(variance)).astype(X.dtype)


class InverseVariancePairs(PairsMixin, MahalanobisMixin, BaseEstimator):
    def __init__(self, regularization=1e-3, preprocessor=None):
        self.regularization = regularization
        self.preprocessor = preprocessor

    def fit(self, pairs, y):
        X, indices, y = self._validate_fit_pairs(pairs, y)
        similar = indices[y == 1]
        if similar.shape[0] == 0:
            raise ValueError("InverseVariancePairs needs at least one similar pair.")
        self.components_ = _inverse_variance_components(
            X, similar[:, 0], similar[:, 1], self.regularization
        )
        self._fit_threshold(X, indices, y)
        return self


class _InverseVarianceRelative(MahalanobisMixin, BaseEstimator):
    def __init__(self, regularization=1e-3, preprocessor=None):
        self.regularization = regularization
        self.preprocessor = preprocessor

    def fit(self, tuples, y=None):
        X, indices = self._validate_fit_tuples(tuples)
        a, b = self._closer_pair
        self.components_ = _inverse_variance_components(
            X, indices[:, a], indices[:, b], self.regularization
        )
        return self


class InverseVarianceTriplets(TripletsMixin, _InverseVarianceRelative):
    pass


class InverseVarianceQuadruplets(QuadrupletsMixin, _InverseVarianceRelative):
    pass


class FixedPairsLearner(PairsMixin, MahalanobisMixin, BaseEstimator):
    """A pairs learner whose metric is given: fit only validates and sets the threshold."""

    def __init__(self, components=None, preprocessor=None):
        self.components = components
        self.preprocessor = preprocessor

    def fit(self, pairs, y):
        X, indices, y = self._validate_fit_pairs(pairs, y)
        self.components_ = np.asarray(self.components, dtype=X.dtype)
        self._fit_threshold(X, indices, y)
        return self


class InverseWithinClassVariance(SupervisedMixin, MahalanobisMixin, BaseEstimator):
    """Supervised: M = diag(1 / (pooled within-class variance + regularization))."""

    def __init__(self, regularization=1e-3):
        self.regularization = regularization

    def fit(self, X, y):
        X, y = self._validate_supervised(X, y)
        centred = X - np.stack([X[y == c].mean(axis=0) for c in range(len(self.classes_))])[y]
        variance = np.mean(centred**2, axis=0) + self.regularization
        self.components_ = np.diag(1.0 / np.sqrt(variance)).astype(X.dtype)
        return self
