"""Learners of similar / dissimilar pairs, their threshold and its calibration."""

import numbers

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import check_is_fitted

from .._validation import check_pair_labels
from ._points import _paired_distances
from ._tuples import _TuplesMixin


class PairsMixin(_TuplesMixin):
    """Face of learners that fit on pairs labelled +1 (similar) or −1 (dissimilar).

    A pair is predicted similar when its learned distance is at most
    ``threshold_``. Fitting sets ``threshold_`` to the value that maximises
    accuracy on the training pairs, or the criterion that ``fit``'s
    ``calibration_params`` name (the keywords of :meth:`calibrate_threshold`);
    :meth:`calibrate_threshold` resets it on other pairs, :meth:`set_threshold`
    to a given value.

    A learner gets all of this by fitting as ``fit(pairs, y=None,
    calibration_params=None)``: ``_validate_fit_pairs(pairs, y,
    calibration_params)`` first (it refuses bad calibration parameters before
    any work is done), then ``components_``, then
    ``_fit_threshold(X, indices, y, calibration_params)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from mlearn.base import MahalanobisMixin, PairsMixin
    >>> X = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> class IdentityPairs(PairsMixin, MahalanobisMixin, BaseEstimator):
    ...     def __init__(self, preprocessor=None):
    ...         self.preprocessor = preprocessor
    ...
    ...     def fit(self, tuples, y=None, calibration_params=None):
    ...         X, indices, y = self._validate_fit_pairs(tuples, y, calibration_params)
    ...         self.components_ = np.eye(X.shape[1])
    ...         self._fit_threshold(X, indices, y, calibration_params)
    ...         return self
    >>> pairs, y = [[0, 1], [0, 2], [2, 3], [1, 3]], [1, -1, 1, -1]
    >>> learner = IdentityPairs(preprocessor=X).fit(pairs, y)
    >>> learner.predict(pairs).tolist(), learner.score(pairs, y)
    ([1, -1, 1, -1], 1.0)
    >>> learner.set_threshold(10.0).predict(pairs).tolist()
    [1, 1, 1, 1]
    """

    _tuple_size = 2

    def _validate_fit_pairs(self, pairs, y, calibration_params=None):
        """(X, indices, y) of the training pairs; bad ``calibration_params`` refused first."""
        _calibration_options(calibration_params)
        X, indices = self._validate_fit_tuples(pairs)
        return X, indices, check_pair_labels(y, indices.shape[0])

    def _fit_threshold(self, X, indices, y, calibration_params=None):
        """Set ``threshold_`` on the training pairs, as ``calibration_params`` asks.

        ``calibration_params`` is None (maximise accuracy) or a dict of the
        keywords of :meth:`calibrate_threshold` (``strategy``, ``min_rate``,
        ``beta``).
        """
        options = _calibration_options(calibration_params)
        distances = _paired_distances(X, indices[:, 0], indices[:, 1], self.components_)
        self.threshold_ = _best_threshold(distances, y, **options)

    def set_threshold(self, threshold):
        """Set ``threshold_``: pairs at a learned distance ≤ threshold are similar.

        Parameters
        ----------
        threshold : float
            A finite real number.

        Returns
        -------
        self
        """
        check_is_fitted(self)
        if isinstance(threshold, bool) or not isinstance(threshold, (numbers.Real, np.number)):
            raise ValueError(f"threshold must be a real number, got {threshold!r}.")
        if not np.isfinite(threshold):
            raise ValueError(f"threshold must be finite, got {threshold!r}.")
        self.threshold_ = float(threshold)
        return self

    def decision_function(self, pairs):
        """Confidence that each pair is similar: ``threshold_`` minus its distance.

        Returns
        -------
        scores : ndarray of shape (n_pairs,)
            Positive for pairs predicted similar.
        """
        check_is_fitted(self, "threshold_")
        return self.threshold_ - self.pair_distance(pairs)

    def predict(self, pairs):
        """Predict +1 (similar) where distance ≤ ``threshold_``, −1 otherwise."""
        return np.where(self.decision_function(pairs) >= 0, 1, -1)

    def score(self, pairs, y):
        """Area under the ROC curve of :meth:`decision_function` for labels y (±1)."""
        # The pairs are validated first, so that bad pairs are named as such.
        scores = self.decision_function(pairs)
        y = check_pair_labels(y, scores.shape[0])
        if np.unique(y).shape[0] < 2:
            raise ValueError("score needs both similar (+1) and dissimilar (-1) pairs.")
        return roc_auc_score(y, scores)

    def calibrate_threshold(self, pairs, y, strategy="accuracy", *, min_rate=None, beta=1.0):
        """Choose ``threshold_`` on labelled pairs (usually a validation set).

        Parameters
        ----------
        pairs : array-like
            Pairs as for :meth:`predict`.
        y : array-like of shape (n_pairs,)
            +1 for similar, −1 for dissimilar.
        strategy : {'accuracy', 'f_beta', 'max_tpr', 'max_tnr'}, default='accuracy'
            - 'accuracy': maximise accuracy;
            - 'f_beta': maximise the F-beta score of the similar class;
            - 'max_tpr': maximise the true positive rate subject to a true
              negative rate ≥ ``min_rate``;
            - 'max_tnr': maximise the true negative rate subject to a true
              positive rate ≥ ``min_rate``.
        min_rate : float in [0, 1], default=None
            Required by 'max_tpr' and 'max_tnr'.
        beta : float >= 0, default=1.0
            Weight of recall in the F-beta score (0: the precision alone).

        Returns
        -------
        self
        """
        check_is_fitted(self)  # any fitted learner: linear (components_) or deep (network_)
        options = _calibration_options({"strategy": strategy, "min_rate": min_rate, "beta": beta})
        distances = self.pair_distance(pairs)
        y = check_pair_labels(y, distances.shape[0])
        self.threshold_ = _best_threshold(distances, y, **options)
        return self


def _calibration_options(calibration_params):
    """``calibration_params`` (None or a dict) checked and completed with the defaults of
    :meth:`PairsMixin.calibrate_threshold`: {'strategy', 'min_rate', 'beta'}."""
    options = {"strategy": "accuracy", "min_rate": None, "beta": 1.0}
    if calibration_params is None:
        return options
    if not isinstance(calibration_params, dict):
        raise ValueError(
            f"calibration_params must be a dict of calibrate_threshold's keywords or None, "
            f"got {type(calibration_params).__name__}."
        )
    unknown = sorted(set(calibration_params) - set(options))
    if unknown:
        raise ValueError(
            f"calibration_params has unknown keys {unknown}; calibrate_threshold takes "
            f"'strategy', 'min_rate' and 'beta'."
        )
    options.update(calibration_params)
    strategy, min_rate, beta = options["strategy"], options["min_rate"], options["beta"]
    if strategy not in ("accuracy", "f_beta", "max_tpr", "max_tnr"):
        raise ValueError(
            f"strategy must be 'accuracy', 'f_beta', 'max_tpr' or 'max_tnr', got {strategy!r}."
        )
    if strategy in ("max_tpr", "max_tnr") and (
        not isinstance(min_rate, numbers.Real) or not 0 <= min_rate <= 1
    ):
        raise ValueError(f"strategy={strategy!r} needs min_rate in [0, 1], got {min_rate!r}.")
    # β = 0 is allowed, as in metric-learn and scikit-learn's fbeta_score: F₀ is the precision.
    if strategy == "f_beta" and not (isinstance(beta, numbers.Real) and beta >= 0):
        raise ValueError(f"beta must be >= 0, got {beta!r}.")
    return options


def _best_threshold(distances, y, strategy, *, beta, min_rate):
    """Distance threshold t (pairs with d ≤ t predicted similar) optimising ``strategy``.

    Candidate cuts lie between consecutive distinct sorted distances, so every
    distinct prediction is tried once; the chosen threshold is the midpoint of
    its gap, which keeps it robust to small perturbations of the distances.
    """
    order = np.argsort(distances, kind="stable")
    d = distances[order]
    positive = (y[order] == 1).astype(np.float64)
    n_pos, n = positive.sum(), d.shape[0]
    n_neg = n - n_pos
    # A cut after position k (k = 0..n) predicts the first k pairs similar; only cuts
    # between distinct distances are realisable.
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(d) > 0) + 1, [n]])
    tp = np.concatenate([[0.0], np.cumsum(positive)])[cuts]
    fp = cuts - tp
    tn, fn = n_neg - fp, n_pos - tp
    tpr = tp / max(n_pos, 1)
    tnr = tn / max(n_neg, 1)
    if strategy == "accuracy":
        objective = tp + tn
    elif strategy == "f_beta":
        b2 = beta**2
        denom = (1 + b2) * tp + b2 * fn + fp
        objective = np.divide((1 + b2) * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    elif strategy == "max_tpr":
        objective = np.where(tnr >= min_rate, tpr, -np.inf)
    else:
        objective = np.where(tpr >= min_rate, tnr, -np.inf)
    if not np.any(np.isfinite(objective)):
        raise ValueError(f"No threshold reaches the requested min_rate={min_rate}.")
    best = cuts[int(np.argmax(objective))]
    span = max(d[-1] - d[0], 1.0)
    if best == 0:
        return float(d[0] - span)
    if best == n:
        return float(d[-1] + span)
    return float((d[best - 1] + d[best]) / 2)
