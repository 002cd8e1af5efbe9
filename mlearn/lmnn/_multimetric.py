"""Multi-metric LMNN: one Mahalanobis metric per cluster (Weinberger & Saul 2009, §5).

One global metric cannot serve data whose classes are told apart by different
directions in different regions. The training points are split into C
clusters (k-means in the input space, or the classes), g(j) the cluster of
x_j, and cluster c gets its own map L_c (M_c = L_cᵀL_c). The distance from any
point x_i to x_j is measured with the metric of x_j's cluster,

    D_ij = (x_i − x_j)ᵀ M_g(j) (x_i − x_j) = ‖L_g(j)(x_i − x_j)‖²,

the rule of the paper's §5: the distance to a target neighbour j ⇝ i with the
metric of j's cluster, the distance to an impostor l with the metric of l's.
The metrics are learned jointly, coupled through the margins, on LMNN's
objective (target neighbours: the k nearest same-class points, Euclidean,
fixed once; μ ∈ [0, 1] the push weight)

    ε(L_1, …, L_C) = (1 − μ) Σ_{j⇝i} D_ij
                     + μ Σ_{j⇝i} Σ_{l: y_l ≠ y_i} h(1 + D_ij − D_il),

h(t) = [t]_+ or [t]_+². A margin constraint of x_i compares two metrics when
its target and its impostor lie in different clusters. With C = 1 it is LMNN.

Gradient. ε depends on the maps through the distances only, so the weight of
each pair, w_ab = ∂ε/∂D_ab, is LMNN's (1 − μ + μ·(active count) on a target
pair, −μ·(active count) on an impostor pair), and with E_c the incidence
matrix of the pairs whose second point is in cluster c and Z_c = X L_cᵀ,

    ∂ε/∂L_c = 2 (E_cᵀ diag(w) E_c Z_c)ᵀ X,

LMNN's fused pass run once per metric (:mod:`mlearn.lmnn._multimetric_objective`).

Solver. LMNN's active-set L-BFGS (:mod:`mlearn.lmnn`) on the stacked maps:
the active set holds the impostor pairs (i, l) with
D_il < (1 + slack)(max_j D_ij + 1), each cluster's candidates searched in its
own embedding, re-searched until a fresh search confirms the objective.

Prediction. There is no single embedding, so no ``transform``. A query x is
compared with every training point x_j under M_g(j) (it needs no cluster of
its own), and its k nearest training points vote; ``pairwise_distances``
gives those distances, in blocks, for scikit-learn's precomputed kNN.

References
----------
K. Q. Weinberger and L. K. Saul, "Distance Metric Learning for Large Margin
Nearest Neighbor Classification", JMLR 10:207–244, 2009, §5 (multiple metrics).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._threads import blas_threads_for
from .._validation import float_dtype
from ..base import SupervisedMixin, initial_components_of
from ..psd import metric_from_components
from ._lmnn import LMNN
from ._multimetric_neighbors import NeighborsOverClustersMixin
from ._multimetric_objective import MultiMetricObjective
from ._passes import unit_target_scale
from ._solver import minimize_over_active_sets, searches_and_evaluations
from ._targets import target_neighbors

__all__ = ["MultiMetricLMNN"]


class MultiMetricLMNN(SupervisedMixin, NeighborsOverClustersMixin, ClassifierMixin, BaseEstimator):
    """Large Margin Nearest Neighbor with one metric per cluster of the data.

    The training points are split into clusters (k-means in the input space,
    or the classes); cluster c gets its own map L_c, and the distance from any
    point x to a training point x_j is measured with the map of x_j's cluster,
    D(x, x_j) = ‖L_g(j)(x − x_j)‖². The maps are learned jointly on LMNN's
    objective, with μ = ``push_weight``,

        ε(L_1, …, L_C) = (1 − μ) Σ_{j⇝i} D_ij + μ Σ_{j⇝i} Σ_{l: y_l ≠ y_i} [1 + D_ij − D_il]_+

    (the hinge squared with ``hinge='squared_hinge'``), by LMNN's solver. There
    is no single embedding, hence no ``transform``: the model is a kNN
    classifier over its training points (``kneighbors``, ``predict``,
    ``score``), and ``pairwise_distances`` gives the distances a
    ``KNeighborsClassifier(metric='precomputed')`` needs. See the module
    :mod:`mlearn.lmnn._multimetric`.

    Parameters
    ----------
    n_neighbors : int, default=3
        Number of target neighbours k per point, and of neighbours that vote
        in ``predict``. A class with fewer than k + 1 points gives its points
        n_class − 1 target neighbours (a ``UserWarning`` says so).
    n_metrics : int, default=3
        Number of clusters, hence of metrics, with ``clustering='kmeans'``;
        ignored with ``clustering='classes'`` (one metric per class). 1 is LMNN.
        3 scores within noise of LMNN on iris, wine, breast cancer and digits,
        the best of 2, 3 and 4 on their average; more clusters than the data
        has regions cost little, fewer lose most of the gain
        (``benchmarks/multimetric_lmnn.py``).
    clustering : {'kmeans', 'classes'}, default='kmeans'
        How the training points are split: k-means in the input space (10
        restarts, seeded by ``random_state``), or by class label.
    n_components : int, default=None
        Rows of every L_c; None means n_features.
    init : {'auto', 'pca', 'lda', 'identity', 'random'} or ndarray of shape \
            (n_components, n_features) or (n_metrics, n_components, n_features), \
            default='auto'
        Initial maps. A name is LMNN's start (see :class:`mlearn.LMNN`),
        computed on all the training points, rescaled so that the mean
        squared distance to target neighbours is 1, and given to every
        metric; a 2-D array is given to every metric as it is, a 3-D array
        is one start per metric.
    push_weight : float in [0, 1], default=0.5
        μ, the weight of the impostor (push) term against the target
        neighbour (pull) term, as in :class:`mlearn.LMNN`. LMNN's 0.1 was
        within one paired standard deviation of 0.5 on every set measured
        (iris, wine, breast cancer, digits, 2,000 MNIST digits and
        :func:`mlearn.datasets.make_regional_directions`; the user guide's
        MultiMetricLMNN page), so the paper's 0.5 stays.
    hinge : {'hinge', 'squared_hinge'}, default='hinge'
        Loss on the margin violations: the paper's hinge [t]_+, or [t]_+².
    max_impostors : int or None, default=500_000
        At most this many impostor pairs are kept in the active set; when
        more lie inside the search radii, a uniform sample of them, weighted
        so that the push term stays unbiased (``impostors_sampled_``). With
        one metric the search is LMNN's, which samples candidates without
        enumerating them; with several, the pairs inside the radii are
        enumerated first. None keeps all.
    max_iter : int, default=1000
        Maximum total number of L-BFGS iterations.
    tol : float, default=1e-4
        LMNN's stopping rule (see :class:`mlearn.LMNN`): L-BFGS stops when an
        iteration's relative decrease falls below tol, and the fit when a
        fresh impostor search confirms the objective.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means, ``init='random'`` and the sampling of impostors.
    verbose : int, default=0
        If > 0, print LMNN's table: a row per L-BFGS iteration and per
        impostor search.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What X stands for when it is given as an (n_samples,) array of identifiers: an
        array preprocessor is indexed by integer identifiers; a callable maps an array
        of identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. None: X holds the points.

    Attributes
    ----------
    components_ : ndarray of shape (n_metrics_, n_components, n_features)
        The learned maps L_c; M_c = L_cᵀL_c.
    n_metrics_ : int
        Number of metrics learned.
    labels_ : ndarray of shape (n_samples,)
        The cluster (metric) of each training point.
    cluster_centers_ : ndarray of shape (n_metrics_, n_features)
        The k-means centres, or the class means with ``clustering='classes'``.
    fit_X_ : ndarray of shape (n_samples, n_features)
        The training points, the neighbours of every query.
    fit_y_ : ndarray of shape (n_samples,)
        Their class labels, encoded as indices into ``classes_``.
    n_iter_ : int
        L-BFGS iterations taken in total.
    n_loss_evals_ : int
        Evaluations of the loss and gradient, including the verifications.
    n_searches_ : int
        Impostor searches, including the final verification.
    n_impostor_pairs_ : int
        Impostor pairs in the final active set.
    impostors_sampled_ : bool
        Whether the final active set was a sample (see ``max_impostors``).
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string feature names.

    See Also
    --------
    mlearn.LMNN : one global metric, and a ``transform``.

    References
    ----------
    K. Q. Weinberger and L. K. Saul, "Distance Metric Learning for Large
    Margin Nearest Neighbor Classification", JMLR 10:207–244, 2009, §5.

    Examples
    --------
    >>> from mlearn import MultiMetricLMNN
    >>> from mlearn.datasets import make_regional_directions
    >>> X, y = make_regional_directions(n_samples=300, random_state=0)
    >>> model = MultiMetricLMNN(n_metrics=3, random_state=0).fit(X[:200], y[:200])
    >>> model.get_mahalanobis_matrices().shape
    (3, 6, 6)
    >>> model.score(X[200:], y[200:]) > 0.9
    True
    """

    _parameter_constraints: dict = {
        "preprocessor": ["array-like", callable, None],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "n_metrics": [Interval(Integral, 1, None, closed="left")],
        "clustering": [StrOptions({"kmeans", "classes"})],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "init": [StrOptions({"auto", "pca", "lda", "identity", "random"}), np.ndarray],
        "push_weight": [Interval(Real, 0, 1, closed="both")],
        "hinge": [StrOptions({"hinge", "squared_hinge"})],
        "max_impostors": [Interval(Integral, 1, None, closed="left"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_neighbors=3,
        *,
        n_metrics=3,
        clustering="kmeans",
        n_components=None,
        init="auto",
        push_weight=0.5,
        hinge="hinge",
        max_impostors=500_000,
        max_iter=1000,
        tol=1e-4,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.n_neighbors = n_neighbors
        self.n_metrics = n_metrics
        self.clustering = clustering
        self.n_components = n_components
        self.init = init
        self.push_weight = push_weight
        self.hinge = hinge
        self.max_impostors = max_impostors
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn one map per cluster from points X and their class labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels; at least two classes, and one class with two points.

        Returns
        -------
        self : MultiMetricLMNN
        """
        X, y = self._validate_supervised(X, y)
        # LMNN's refusal of labels without target neighbours, and its warning.
        LMNN._check_class_sizes(self, y, [0, X.shape[0]])
        dtype, rng = float_dtype(X), check_random_state(self.random_state)
        self.labels_, self.cluster_centers_ = self._clusters(X, y, rng)
        self.n_metrics_ = self.cluster_centers_.shape[0]
        with blas_threads_for(X.shape[1]):
            targets, valid = target_neighbors(X, y, self.n_neighbors)
            evaluator = MultiMetricObjective(X, y, self.labels_, targets, valid, rng)
            Ls = self._initial_components(evaluator, X, y, dtype)
            search, evaluate = searches_and_evaluations(
                evaluator,
                max_impostors=self.max_impostors,
                n_samples=X.shape[0],
                push_weight=self.push_weight,
                hinge=self.hinge,
            )
            fitted = minimize_over_active_sets(
                Ls,
                search,
                evaluate,
                max_iter=self.max_iter,
                tol=self.tol,
                verbose=self.verbose,
                name="MultiMetricLMNN",
            )
        self.components_ = fitted.components
        self.fit_X_, self.fit_y_ = X, y
        self.n_iter_, self.n_loss_evals_ = fitted.n_iter, fitted.n_loss_evals
        self.n_searches_, self.n_impostor_pairs_ = fitted.n_searches, fitted.n_impostor_pairs
        self.impostors_sampled_ = fitted.impostors_sampled
        return self

    def _clusters(self, X, y, rng):
        """The cluster of each training point (0..C − 1) and the C centres."""
        if self.clustering == "classes":
            n_classes = self.classes_.shape[0]
            centers = np.stack([X[y == c].mean(axis=0) for c in range(n_classes)])
            return y.copy(), centers.astype(X.dtype)
        if self.n_metrics > X.shape[0]:
            raise ValueError(
                f"n_metrics={self.n_metrics} clusters need at least as many samples; "
                f"got {X.shape[0]}."
            )
        kmeans = KMeans(self.n_metrics, n_init=10, random_state=rng).fit(X)
        return kmeans.labels_.astype(np.intp), kmeans.cluster_centers_.astype(X.dtype)

    def _initial_components(self, evaluator, X, y, dtype):
        """The stacked initial maps (n_metrics_ × n_components × n_features) in X's dtype."""
        init = self.init
        if isinstance(init, np.ndarray) and init.ndim == 3:
            expected = (self.n_metrics_, init.shape[1], X.shape[1])
            if init.shape != expected:
                raise ValueError(
                    f"A 3-D init must have shape (n_metrics, n_components, n_features) = "
                    f"{expected}; got {init.shape}."
                )
            return init.astype(dtype)
        L = initial_components_of(
            X,
            y,
            init,
            n_components=self.n_components,
            random_state=self.random_state,
            statistics=None,
        )
        Ls = np.repeat(L.astype(dtype, copy=False)[None], self.n_metrics_, axis=0)
        if isinstance(init, np.ndarray):
            return Ls
        return unit_target_scale(Ls, evaluator, dtype)

    def get_mahalanobis_matrices(self):
        """The learned metrics M_c = L_cᵀL_c, one per cluster.

        Returns
        -------
        M : ndarray of shape (n_metrics_, n_features, n_features)
        """
        check_is_fitted(self, "components_")
        return np.stack([metric_from_components(L) for L in self.components_])
