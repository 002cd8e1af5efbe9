"""What every Mahalanobis learner can do, and what kind of supervision it takes.

A fitted learner holds ``components_`` = L of shape (n_components, n_features);
its metric is M = LᵀL and its distance d(x, x') = ‖L(x − x')‖. Everything that
follows from L lives in :class:`MahalanobisMixin`. The supervision mixins add
the face of each kind of learner:

- :class:`SupervisedMixin`: ``fit(X, y)`` with class labels;
- :class:`PairsMixin`: ``fit(pairs, y)`` with y = +1 (similar) / −1
  (dissimilar), and ``decision_function``/``predict``/``score``/
  ``calibrate_threshold`` on pairs;
- :class:`TripletsMixin`: ``fit(triplets)``, where (a, p, n) says a is closer
  to p than to n; ``predict`` and ``score`` on triplets;
- :class:`QuadrupletsMixin`: ``fit(quadruplets)``, where (a, b, c, d) says
  d(a, b) < d(c, d).

Tuples lie along axis 0, as a 3-D array (n_tuples, tuple_size, n_features)
or, with the ``preprocessor`` parameter, as a 2-D array of indices, so
scikit-learn's splitters, ``cross_val_score`` and ``GridSearchCV`` split them
like samples. Nothing here is algorithm-specific.

This package is also the one seam between the learners and the Dask layer
(:mod:`mlearn._dask`): :meth:`MahalanobisMixin._evaluator` hands a learner's
evaluator to it, and the input checks here accept a Dask array where a fit can
keep it on the cluster. No learner tests for a Dask array itself.

Where each piece lives: the linear map's methods in ``_mahalanobis``, the callable
distance in ``_distance``, the bilinear similarity in ``_bilinear``, the supervision
mixins in ``_supervised``, ``_pairs``, ``_tuples`` and ``_chunks``, the points and
their dask seam in ``_points``, and the starting L in ``_starts``. Import them from
here.
"""

from ._bilinear import BilinearMixin, BilinearSimilarity
from ._chunks import ChunksMixin
from ._distance import MahalanobisDistance
from ._mahalanobis import MahalanobisMixin
from ._pairs import PairsMixin
from ._supervised import SupervisedMixin
from ._tuples import QuadrupletsMixin, TripletsMixin

# isort: split
# The helpers the learners build on (re-exported for them; not public API).
from ._chunks import check_chunks as check_chunks
from ._chunks import chunks_of_indices as chunks_of_indices
from ._pairs import _best_threshold as _best_threshold
from ._pairs import _calibration_options as _calibration_options
from ._points import _rows_unless_fitted_on_dask as _rows_unless_fitted_on_dask
from ._points import inverse_covariance as inverse_covariance
from ._points import map_rows as map_rows
from ._points import points_in_memory as points_in_memory
from ._points import points_of as points_of
from ._points import row_blocks_of as row_blocks_of
from ._points import rows_set_apart as rows_set_apart
from ._starts import initial_components_of as initial_components_of
from ._tuples import _TuplesMixin as _TuplesMixin

__all__ = [
    "MahalanobisDistance",
    "MahalanobisMixin",
    "BilinearSimilarity",
    "BilinearMixin",
    "SupervisedMixin",
    "PairsMixin",
    "TripletsMixin",
    "QuadrupletsMixin",
    "ChunksMixin",
]
