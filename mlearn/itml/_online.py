"""Online ITML: ``partial_fit`` as Bregman projections of the current metric onto each chunk.

A call of ``partial_fit`` on a chunk t of constraints C_t solves the ITML problem
of :mod:`mlearn.itml` for that chunk with the current metric as its prior,

    M_t = argmin_{M ≻ 0, ξ}  D_ld(M, M_{t−1}) + γ · D_ld(diag(ξ), diag(ξ₀))
          s.t.  the constraints of C_t,

by the same cyclic Bregman projections (Davis et al. 2007, Algorithm 1) run
from M_{t−1}, with dual variables λ_c and slacks ξ_c for the chunk's
constraints only, started afresh (λ = 0, ξ₀ = u or l). The first call is a
``fit``: it sets the prior M₀ and the bounds (u, l) from its chunk as ``fit``
does, so that one chunk holding the whole data gives exactly ``fit``'s metric.
The state kept between calls is M (n_features²) and the bounds: memory per call
is bounded by the chunk, never by the stream seen so far.

Order effects. Over several chunks the result is a sequence of projections, not
the batch solution (the projection of M₀ onto every constraint at once):

- constraints of earlier chunks are not remembered, so a later projection may
  undo part of what an earlier one enforced (carrying their dual corrections
  would need memory per constraint of the stream);
- the result depends on the order of the chunks;
- a constraint seen again is projected again from a fresh slack, so with a
  finite γ a stream that repeats its constraints enforces them more tightly
  with every pass, moving away from the batch solution of the distinct
  constraints (towards one that satisfies them exactly, as the batch fit of
  the stream with its repeats also does, but not to the same point).

``benchmarks/itml_online_order.py`` measures both effects.

Davis et al. (§4) also give a per-pair online update with a regret bound, and
Jain et al. (NIPS 2008, LEGO) its closed form for a squared loss on one
distance at a time; the chunk projections above keep the batch method's
constraints and slacks instead, so that a chunk is solved as ``fit`` solves it.
"""

import numbers

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_class_labels, check_pair_labels
from ..base import _calibration_options, _rows_unless_fitted_on_dask, points_in_memory, points_of
from ..constraints import similar_dissimilar_pairs
from ..psd import components_from_metric
from ._solver import _itml_solve


def informative_pairs(X, pairs, signs):
    """The pairs (and their signs) that join two different points; ValueError if none do."""
    # A pair of identical points says nothing about M (its distance is always 0).
    informative = np.any(X[pairs[:, 0]] != X[pairs[:, 1]], axis=1)
    if not np.any(informative):
        raise ValueError("Every pair joins two identical points: there is nothing to learn.")
    return pairs[informative], signs[informative]


def pairs_per_kind(n_constraints, n_classes):
    """Similar pairs (and as many dissimilar ones) to draw from labels of ``n_classes``."""
    return 20 * n_classes**2 if n_constraints is None else n_constraints


def chunk_random_state(random_state, n_seen):
    """The random state of the call that starts at stream position ``n_seen``.

    The first call uses ``random_state`` as ``fit`` does. Later calls with an
    integer seed use a seed derived from (seed, n_seen), so that a stream is
    reproducible and chunks of equal labels do not draw the same index pairs;
    a RandomState instance simply advances, None draws afresh.
    """
    if n_seen == 0 or not isinstance(random_state, numbers.Integral):
        return check_random_state(random_state)
    seed = np.random.SeedSequence([int(random_state), int(n_seen)]).generate_state(1)[0]
    return np.random.RandomState(seed)


class OnlineITMLMixin:
    """The metric state shared by ``fit`` and ``partial_fit`` of ITML and ITMLSupervised."""

    def _set_metric(self, M, dtype):
        """Keep the full-rank M (the state ``partial_fit`` continues from); set ``components_``."""
        self._metric = M
        L = components_from_metric(M, self.n_components, check=False)
        self.components_ = L.astype(dtype, copy=False)

    def _project_from(self, M0, X64, pairs, signs, dtype):
        """Bregman-project M0 onto the constraints (``bounds_``); keep the result."""
        M, _, _, self.n_iter_ = _itml_solve(
            X64,
            pairs,
            signs,
            M0,
            self.bounds_,
            self.gamma,
            max_iter=self.max_iter,
            tol=self.tol,
            verbose=self.verbose,
            name=type(self).__name__,
        )
        self._set_metric(M, dtype)

    def _continue_pairs(self, X, pairs, signs):
        """Project the current metric onto the constraints (X, pairs, signs); see the module."""
        # Only the rows of this chunk's pairs are converted and handed to the solver, so
        # that memory follows the chunk even when a preprocessor holds many more points.
        rows, inverse = np.unique(pairs, return_inverse=True)
        X64 = np.asarray(X[rows], dtype=np.float64)
        pairs, signs = informative_pairs(X64, inverse.reshape(pairs.shape), signs)
        self._project_from(self._metric, X64, pairs, signs, X.dtype)


class PairsPartialFitMixin:
    """``ITML.partial_fit``: continue learning from a chunk of labelled pairs."""

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, pairs, y=None, calibration_params=None):
        """Learn from one more chunk of labelled pairs, continuing from the current metric.

        The first call (on an unfitted learner) is :meth:`fit` on the chunk: it
        sets the prior M₀ and the ``bounds_`` from it. Each later call runs the
        Bregman projections of :meth:`fit` for this chunk's pairs, starting from
        the current metric, with dual variables for this chunk only, so memory
        is bounded by the chunk. A chunk holding all the pairs gives ``fit``'s
        metric; over several chunks the order matters (see
        :mod:`mlearn.itml._online` and the docs' online learning page).

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or (n_pairs, 2) indices
            As for :meth:`fit`, with the number of features of the first call.
        y : array-like of shape (n_pairs,)
            +1 for similar pairs, −1 for dissimilar pairs.
        calibration_params : dict or None, default=None
            As for :meth:`fit`: ``threshold_`` is chosen on this chunk's pairs.

        Returns
        -------
        self : ITML
        """
        if not hasattr(self, "_metric"):
            return self.fit(pairs, y, calibration_params)
        _calibration_options(calibration_params)
        X, indices = self._validate_tuples(pairs, 2, reset=False)
        X, indices = _rows_unless_fitted_on_dask(self, X, indices, "preprocessor")
        y = check_pair_labels(y, indices.shape[0])
        self._continue_pairs(X, indices, y)
        self._fit_threshold(X, indices, y, calibration_params)
        self.n_tuples_seen_ += indices.shape[0]
        return self


class SupervisedPartialFitMixin:
    """``ITMLSupervised.partial_fit``: continue learning from a chunk of labelled points."""

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """Learn from one more chunk of labelled points, continuing from the current metric.

        Each call draws its pairs inside the chunk from the chunk's labels, as
        :meth:`fit` draws them from all the labels: ``n_constraints`` similar
        pairs and as many dissimilar pairs per call (None: 20·k² of each kind
        for the k classes of the chunk). The first call (on an unfitted learner)
        is :meth:`fit` on the chunk, which sets the prior M₀ and the
        ``bounds_``. Later calls run the Bregman projections for the chunk's
        pairs from the current metric, with dual variables for this chunk only,
        so memory is bounded by the chunk; a chunk holding all the data gives
        ``fit``'s metric. With an integer ``random_state``, the pairs of a later
        call are drawn with a seed derived from it and ``n_samples_seen_``, so a
        stream is reproducible.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The chunk, with the number of features of the first call (later
            chunks must be in memory, not dask arrays).
        y : array-like of shape (n_samples,)
            Class labels; at least two classes in each chunk. Classes new to
            the stream are welcome: the pairs only compare labels.

        Returns
        -------
        self : ITMLSupervised
        """
        if not hasattr(self, "_metric"):
            return self.fit(X, y)
        check_is_fitted(self, "components_")
        X = points_in_memory(points_of(self, X), f"{type(self).__name__}.partial_fit")
        X, y = validate_data(
            self, X, y, reset=False, dtype=[np.float64, np.float32], y_numeric=False
        )
        classes, y_encoded = check_class_labels(y, X.shape[0])
        rng = chunk_random_state(self.random_state, self.n_samples_seen_)
        n_pairs = pairs_per_kind(self.n_constraints, classes.shape[0])
        pairs, signs = similar_dissimilar_pairs(y_encoded, 2 * n_pairs, random_state=rng)
        self._continue_pairs(X, pairs, signs)
        self.classes_ = np.union1d(self.classes_, classes)
        self.n_samples_seen_ += X.shape[0]
        return self
