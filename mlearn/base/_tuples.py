"""What the tuple learners share, and the relative-comparison ones (triplets, quadruplets)."""

import numpy as np

from .._validation import TUPLE_NAMES, check_pair_labels
from ._points import _rows_unless_fitted_on_dask


class _TuplesMixin:
    """Shared by the pairs, triplets and quadruplets faces."""

    _tuple_size = None

    def _validate_fit_tuples(self, tuples):
        X, indices = self._validate_tuples(tuples, self._tuple_size, reset=True)
        return _rows_unless_fitted_on_dask(self, X, indices, "preprocessor")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


class _RelativeTuplesMixin(_TuplesMixin):
    """Tuples that state that one pair of their points is closer than another."""

    # Columns of the pair stated closer, and of the pair stated farther.
    _closer_pair = None
    _farther_pair = None

    def decision_function(self, tuples):
        """Distance of the farther pair minus that of the closer: positive where it holds.

        For triplets (a, p, n) this is d(a, n) − d(a, p); for quadruplets
        (a, b, c, d) it is d(c, d) − d(a, b).
        """
        closer, farther = self._tuple_distances(
            tuples, self._tuple_size, [self._closer_pair, self._farther_pair]
        )
        return farther - closer

    def predict(self, tuples):
        """+1 where the tuple's stated order holds under the learned metric, else −1."""
        return np.where(self.decision_function(tuples) > 0, 1, -1)

    def score(self, tuples, y=None):
        """Accuracy of :meth:`predict`: against +1 (the order given) or against y."""
        pred = self.predict(tuples)
        if y is None:
            return float(np.mean(pred == 1))
        target = check_pair_labels(y, pred.shape[0], kind=TUPLE_NAMES[self._tuple_size])
        return float(np.mean(pred == target))


class TripletsMixin(_RelativeTuplesMixin):
    """Face of learners that fit on triplets (a, p, n): a is closer to p than to n.

    Examples
    --------
    A learner with a fixed diagonal metric, to show what the face adds: whether each triplet's
    order holds under the metric.

    >>> import numpy as np
    >>> from mlearn.base import MahalanobisMixin, TripletsMixin
    >>> from sklearn.base import BaseEstimator
    >>> triplets = np.array([[[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]])  # (a, p, n)
    >>> class FixedDiagonal(TripletsMixin, MahalanobisMixin, BaseEstimator):
    ...     def __init__(self, weights=(1.0, 1.0)):
    ...         self.weights = weights
    ...     def fit(self, triplets, y=None):
    ...         self._validate_fit_tuples(triplets)
    ...         self.components_ = np.diag(self.weights)
    ...         return self
    >>> FixedDiagonal().fit(triplets).predict(triplets).tolist()
    [1]
    >>> FixedDiagonal(weights=(3.0, 1.0)).fit(triplets).score(triplets)
    0.0
    """

    _tuple_size = 3
    _closer_pair = (0, 1)
    _farther_pair = (0, 2)


class QuadrupletsMixin(_RelativeTuplesMixin):
    """Face of learners that fit on quadruplets (a, b, c, d): d(a, b) < d(c, d).

    Examples
    --------
    A learner that shrinks each feature by how far apart the closer pairs are, given the
    quadruplets as a 3-D array of points (no ``preprocessor``):

    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from mlearn.base import MahalanobisMixin, QuadrupletsMixin
    >>> class CloserPairScale(QuadrupletsMixin, MahalanobisMixin, BaseEstimator):
    ...     def fit(self, quadruplets, y=None):
    ...         X, idx = self._validate_fit_tuples(quadruplets)
    ...         spread = np.abs(X[idx[:, 0]] - X[idx[:, 1]]).mean(axis=0)
    ...         self.components_ = np.diag(1.0 / (spread + 1.0))
    ...         return self
    >>> quadruplets = np.array([[[0.0, 0.0], [0.0, 3.0], [0.0, 0.0], [1.0, 0.0]]])
    >>> learner = CloserPairScale().fit(quadruplets)
    >>> np.diag(learner.components_).tolist(), learner.predict(quadruplets).tolist()
    ([1.0, 0.25], [1])
    """

    _tuple_size = 4
    _closer_pair = (0, 1)
    _farther_pair = (2, 3)
