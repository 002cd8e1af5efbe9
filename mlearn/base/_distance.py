"""The learned distance as a callable: what ``get_metric()`` returns."""

import math
import warnings

import numpy as np

# After this many calls (about a second of them) a callable metric is most likely inside
# a neighbour search, where ``transform`` + the Euclidean metric finds the same
# neighbours far faster.
SLOW_USE_CALLS = 100_000
# kNN fit + predict on digits, the callable's time over transform + Euclidean kNN's,
# median of 5 (benchmarks/callable_metric.py, results in benchmarks/results/).
CALLABLE_METRIC_SLOWDOWN = "about 500"


class MahalanobisDistance:
    """The learned distance d(u, v) = ‖L(u − v)‖ as a picklable callable.

    Usable wherever scikit-learn takes a callable metric, e.g.
    ``KNeighborsClassifier(metric=learner.get_metric())``, and as scipy's
    ``cdist(XA, XB, metric)``. It is slow there: scikit-learn calls it once per
    pair of points, from Python. ``learner.transform`` followed by the
    Euclidean metric finds the same neighbours about 500 times faster on
    digits (``benchmarks/callable_metric.py``); after 100,000 calls a
    ``UserWarning`` says so, once.

    Parameters
    ----------
    components : ndarray of shape (n_components, n_features)
        The linear map L.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.base import MahalanobisDistance
    >>> distance = MahalanobisDistance(np.array([[2.0, 0.0]]))
    >>> distance([1.0, 5.0], [0.0, 0.0])
    2.0
    >>> distance(np.array([[1.0, 5.0]]), [0.0, 0.0], squared=True)  # a (1, d) row
    4.0
    """

    def __init__(self, components):
        # A 1-D map of one feature ([3.1]) is the 1 × 1 matrix, as metric-learn reads it.
        self.components = np.atleast_2d(np.asarray(components))
        self.n_calls_ = 0

    def __call__(self, u, v, squared=False):
        """d(u, v), or d(u, v)² with ``squared=True``.

        Parameters
        ----------
        u, v : array-like of shape (n_features,) or (1, n_features)
            One point each: a vector or a single row (scipy's ``cdist`` style);
            with one feature, also a scalar.
        squared : bool, default=False

        Returns
        -------
        distance : float
        """
        self.n_calls_ += 1
        if self.n_calls_ == SLOW_USE_CALLS:
            _warn_slow_callable()
        diff = self._point(u, "u") - self._point(v, "v")
        embedded = self.components @ diff
        squared_distance = float(embedded @ embedded)
        return squared_distance if squared else math.sqrt(squared_distance)

    def _point(self, x, name):
        point = np.asarray(x, dtype=self.components.dtype)
        if point.ndim == 0 and self.components.shape[1] == 1:  # a scalar: one feature
            point = point[None]
        if point.ndim == 2 and point.shape[0] == 1:
            point = point[0]
        n_features = self.components.shape[1]
        if point.ndim != 1 or point.shape[0] != n_features:
            raise ValueError(
                f"The metric takes one point per argument, a vector of {n_features} "
                f"features or a single row of shape (1, {n_features}); {name} has shape "
                f"{point.shape}. For distances between many points use the learner's "
                f"transform and Euclidean distances, or pair_distance."
            )
        return point

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("n_calls_", 0)

    def __repr__(self):
        k, d = self.components.shape
        return f"MahalanobisDistance(n_components={k}, n_features={d})"


def _warn_slow_callable():
    warnings.warn(
        f"The learned metric has been called {SLOW_USE_CALLS:,} times, once per pair of "
        f"points, as a neighbour search does. learner.transform(X) with the Euclidean metric "
        f"gives the same neighbours {CALLABLE_METRIC_SLOWDOWN} times faster "
        f"(kNN on digits).",
        UserWarning,
        stacklevel=3,
    )
