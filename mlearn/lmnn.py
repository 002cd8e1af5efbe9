"""LMNN: Large Margin Nearest Neighbor (Weinberger & Saul 2005, 2009).

Each point x_i gets k *target neighbours* j ⇝ i: its k nearest points of the
same class under the Euclidean metric of the input space, fixed once. With
D_ab = ‖L(x_a − x_b)‖² and μ ∈ [0, 1] the push weight, LMNN minimises over
L (n_components × n_features)

    ε(L) = (1 − μ) Σ_{j⇝i} D_ij + μ Σ_{j⇝i} Σ_{l: y_l ≠ y_i} h(1 + D_ij − D_il)

with h(t) = [t]_+ (the hinge of the paper) or h(t) = [t]_+² (squared hinge,
continuously differentiable). The first term pulls target neighbours in, the
second pushes every *impostor* l, a point of another class closer to x_i than
a target neighbour plus a unit margin, out.

Gradient. Every term is a weighted squared distance, so
∂ε/∂L = 2 L Σ_ab w_ab (x_a − x_b)(x_a − x_b)ᵀ with w = 1 − μ + μ·(active
count) on a target pair (i, j) and w = −μ·(active count) on an impostor pair
(i, l) (for the squared hinge the counts are sums of 2h). With E the sparse
incidence matrix of the pairs (row p has +1 at a_p and −1 at b_p) and
Z = X Lᵀ, the differences z_a − z_b are the rows of E Z, which the distances
need anyway, and

    ∂ε/∂L = 2 (Eᵀ diag(w) E Z)ᵀ X,

one sparse product and one GEMM per evaluation. The pull term's gradient
2(1 − μ) L Xᵀ Lap(W_pull) X is folded into the same product (target pairs are
rows of E) instead of precomputed as a d × d matrix: it costs nothing extra
there, and with X replaced by an n × n kernel matrix (kernel LMNN) it avoids
an n × n precomputation.

Solver. L-BFGS (scipy) on the fused loss and gradient over an *active set*
of impostor pairs: the pairs (i, l) with D_il < (1 + slack)(max_j D_ij + 1),
found by a blockwise search in the embedded space (blocks sized by
scikit-learn's ``working_memory``, each class against the classes after it,
so every distance is computed once). Impostors cannot enter the margin
without first entering the wider search radius, so the active-set objective
equals ε near the iterate. The set is re-searched every few L-BFGS iterations
and after L-BFGS stops; the fit ends only when the objective on a fresh search
equals the one L-BFGS minimised, i.e. no impostor was missing (exact
verification).

Sampled active sets. When more than ``max_impostors`` pairs lie inside the
radii (large data under a poor metric: at the Euclidean start on 100,000
points in 50 dimensions, nearly all 9 · 10⁹ pairs of different classes),
the search does not enumerate them. It estimates their number from 2²⁰
uniformly drawn pairs and compares each block of anchors of a class with a
uniform random subset of the other classes' points, at the rate that keeps
about ``max_impostors`` pairs, weighting each pair found by the inverse of
its sampling probability (:mod:`mlearn._impostors`). The push term and its
gradient over the sample are then unbiased estimates, at every L, of those
over all pairs inside the radii; L-BFGS minimises this sample-average
objective, and each re-search draws a new sample or, once the pairs fit
the budget, runs the exact search again. A fit whose last search was
sampled (the objective over the final set is an estimate, not verified)
sets ``impostors_sampled_``.
"""

import warnings
from contextlib import nullcontext
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from threadpoolctl import threadpool_limits

from ._dask import is_dask_array
from ._optim import ProgressTable, minimize_lbfgs, warn_not_converged
from .base import MahalanobisMixin, SupervisedMixin

__all__ = ["LMNN"]

# Active-set search radius, relative to the margin radius (squared distances).
_SEARCH_SLACK = 0.3
# L-BFGS iterations before the first re-search of the impostors; the interval
# doubles after each search (the set changes fast early on, slowly later, and
# every search restarts L-BFGS's curvature memory).
_SEARCH_EVERY = 5
# Above this many times max_impostors candidate pairs, a search first estimates how
# many pairs lie inside the radii from _PILOT_DRAWS random pairs, and samples the
# candidates rather than enumerate them when they are more than max_impostors.
_EXACT_SEARCH_FACTOR = 64
_PILOT_DRAWS = 2**20
# Up to this many features, a fit runs on one BLAS thread (see LMNN.fit).
_SINGLE_THREAD_FEATURES = 256


def target_neighbors(X, y, n_neighbors):
    """The k nearest same-class points of each point (Euclidean, input space).

    Classes with fewer than ``n_neighbors + 1`` points give their points
    ``n_class − 1`` target neighbours; the missing slots are marked invalid.

    Returns
    -------
    targets : ndarray of shape (n_samples, n_neighbors), intp
        Row i lists the target neighbours of i (i itself in invalid slots).
    valid : ndarray of shape (n_samples, n_neighbors), bool
    """
    from ._impostors import nearest_in_set

    n = X.shape[0]
    targets = np.repeat(np.arange(n, dtype=np.intp)[:, None], n_neighbors, axis=1)
    valid = np.zeros((n, n_neighbors), dtype=bool)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        k = min(n_neighbors, members.shape[0] - 1)
        if k < 1:
            continue
        targets[members, :k] = members[nearest_in_set(X[members], k)]
        valid[members, :k] = True
    return targets, valid


def _sq_row_norms(A):
    return np.einsum("...j,...j->...", A, A)


def find_impostors(Z, y, radii, *, max_pairs=None, random_state=None):
    """Pairs (i, l), y_l ≠ y_i, with ‖z_i − z_l‖² < radii[i], searched blockwise.

    Each class is compared with the classes after it only, and each distance
    is tested against the radii of both of its points, so every distance is
    computed once. Distances come in single-precision tiles (rows sized by
    scikit-learn's ``working_memory``, at most 1024 × 4096) from which compiled
    passes count, then write, the pairs inside; no n × n matrix is formed.

    With ``max_pairs``, at most that many pairs are returned: a uniform random
    sample of all pairs found, drawn as the ``max_pairs`` smallest of i.i.d.
    uniform keys, so that memory stays bounded by about twice ``max_pairs``
    while searching.

    Returns
    -------
    anchors, impostors : ndarray of shape (n_pairs,), intp
    n_found : int
        Number of pairs inside the radii (more than returned when sampled).
    """
    from ._impostors import pairs_within_radii, search_embedding

    rng = check_random_state(random_state)
    # Pairs kept so far, as lists of per-tile arrays (anchors, impostors, keys).
    kept, n_kept, n_found, threshold = ([], [], []), 0, 0, 1.0
    # Single precision is ample to find pairs within radii that carry a 30% slack,
    # and halves the cost of the distance tiles.
    Z, sq = search_embedding(Z)
    radii = np.asarray(radii)
    for c in np.unique(y)[:-1]:
        rows, cols = np.flatnonzero(y == c), np.flatnonzero(y > c)
        for new_a, new_b in pairs_within_radii(Z, sq, rows, cols, radii, symmetric=True):
            n_found += new_a.shape[0]
            keys = rng.random(new_a.shape[0]) if max_pairs is not None else new_a[:0]
            if threshold < 1:
                # No key above the current sample's largest can enter the final sample.
                keep = keys < threshold
                new_a, new_b, keys = new_a[keep], new_b[keep], keys[keep]
            for part, new in zip(kept, (new_a, new_b, keys), strict=True):
                part.append(new)
            n_kept += new_a.shape[0]
            if max_pairs is not None and n_kept > 2 * max_pairs:
                kept = _smallest_keys(kept, max_pairs)
                n_kept, threshold = max_pairs, kept[2][0].max()
    if max_pairs is not None and n_kept > max_pairs:
        kept = _smallest_keys(kept, max_pairs)
    anchors, impostors = (np.concatenate(part + [np.zeros(0, np.intp)]) for part in kept[:2])
    return anchors, impostors, n_found


def _smallest_keys(kept, size):
    """The ``size`` pairs with the smallest keys, in their order, as one-array lists."""
    keys = np.concatenate(kept[2])
    chosen = np.sort(np.argpartition(keys, size - 1)[:size])
    return tuple([np.concatenate(part)[chosen]] for part in kept)


class ActivePairs:
    """The pairs an LMNN objective is evaluated on: target pairs, then impostor pairs.

    Parameters
    ----------
    targets, valid : ndarray of shape (n_samples, k)
        From :func:`target_neighbors`.
    anchors, impostors : ndarray of shape (n_pairs,)
        Impostor pairs (i, l), from :func:`find_impostors`.
    weights : ndarray of shape (n_pairs,) or None, default=None
        Weight of each impostor pair's hinge terms in the push sum (the
        inverse of its sampling probability when the pairs are a sample);
        None means 1.
    sampled : bool, default=False
        Whether the impostor pairs are a sample of those inside the radii
        (then the objective on them is an estimate, not verifiable).
    """

    def __init__(self, targets, valid, anchors, impostors, *, weights=None, sampled=False):
        n, k = targets.shape
        self.targets, self.valid = targets, valid
        self.anchors, self.impostors, self.sampled = anchors, impostors, sampled
        if weights is None:
            weights = np.ones(anchors.shape[0])
        self.weights = np.asarray(weights, dtype=np.float64)
        self.first = np.concatenate([np.repeat(np.arange(n, dtype=np.intp), k), anchors])
        self.second = np.concatenate([targets.ravel(), impostors])

    @property
    def n_impostor_pairs(self):
        return self.anchors.shape[0]


def _pair_kernels_python():
    """The two passes over the pairs, as plain loops for numba to compile."""

    def squared_distances(Z, first, second, out):
        for p in range(first.shape[0]):
            a, b, total = first[p], second[p], 0.0
            for c in range(Z.shape[1]):
                t = Z[a, c] - Z[b, c]
                total += t * t
            out[p] = total

    def push_weights(d_target, valid, anchors, d_impostor, pair_w, squared, target_w, impostor_w):
        # For impostor pair p = (i, l), of weight ω_p, and target j_m of i, the margin
        # violation t = 1 + D(i, j_m) − D(i, l); returns Σ ω_p h(t) and adds ω_p h'(t)
        # to the weights of both pairs (+ on (i, j_m), − on (i, l)).
        total = 0.0
        for p in range(anchors.shape[0]):
            i, slope_sum = anchors[p], 0.0
            for m in range(d_target.shape[1]):
                t = 1.0 + d_target[i, m] - d_impostor[p]
                if valid[i, m] and t > 0:
                    slope = 2.0 * t if squared else 1.0
                    total += pair_w[p] * (t * t if squared else t)
                    target_w[i, m] += pair_w[p] * slope
                    slope_sum += slope
            impostor_w[p] = -pair_w[p] * slope_sum
        return total

    def weighted_differences(Z, first, second, weights, out):
        # out[a] += w (z_a − z_b), out[b] −= w (z_a − z_b): the rows of Lap(W) Z.
        for p in range(first.shape[0]):
            w = weights[p]
            if w == 0:
                continue
            a, b = first[p], second[p]
            for c in range(Z.shape[1]):
                t = w * (Z[a, c] - Z[b, c])
                out[a, c] += t
                out[b, c] -= t

    return squared_distances, push_weights, weighted_differences


_KERNELS = []


def _pair_kernels():
    """The pair passes compiled by numba (imported on first use, cached on disk).

    Fused gather-and-reduce loops read rows of Z (n × n_components, in cache)
    instead of writing n_pairs × n_components difference matrices, and skip the
    pairs with zero weight (most impostor pairs, once the metric is learned).
    """
    if not _KERNELS:
        import numba

        _KERNELS.extend(
            numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})(f)
            for f in _pair_kernels_python()
        )
    return _KERNELS


def lmnn_loss_and_grad(L, X, pairs, push_weight, hinge="hinge"):
    """LMNN objective ε(L) and its gradient on a given set of pairs.

    ``X`` may be replaced by a kernel matrix K (n × n): the objective in L
    (n_components × n) is then kernel LMNN's, ‖L(k_a − k_b)‖², unchanged.

    Parameters
    ----------
    L : ndarray of shape (n_components, n_features)
    X : ndarray of shape (n_samples, n_features)
    pairs : ActivePairs
    push_weight : float
        μ.
    hinge : {'hinge', 'squared_hinge'}

    Returns
    -------
    loss : float
    grad : ndarray of shape (n_components, n_features), X's dtype
    """
    squared_distances, push_weights, weighted_differences = _pair_kernels()
    Z = np.ascontiguousarray(X @ L.T)
    dist = np.empty(pairs.first.shape[0], dtype=Z.dtype)
    squared_distances(Z, pairs.first, pairs.second, dist)
    n, k = pairs.targets.shape
    d_target = dist[: n * k].reshape(n, k)
    weights = np.zeros_like(dist)
    target_w = weights[: n * k].reshape(n, k)
    push_loss = push_weights(
        d_target,
        pairs.valid,
        pairs.anchors,
        dist[n * k :],
        pairs.weights,
        hinge == "squared_hinge",
        target_w,
        weights[n * k :],
    )
    pull_loss = np.sum(d_target[pairs.valid], dtype=np.float64)
    weights *= push_weight
    target_w += (1 - push_weight) * pairs.valid
    lap_z = np.zeros_like(Z)
    weighted_differences(Z, pairs.first, pairs.second, weights, lap_z)
    grad = 2 * lap_z.T @ X
    loss = (1 - push_weight) * pull_loss + push_weight * push_loss
    return float(loss), grad


def _unit_target_scale(L, X, targets, valid):
    """L scaled so that the mean squared distance to target neighbours is 1."""
    Z = X @ L.T
    d_target = _sq_row_norms(Z[:, None, :] - Z[targets])[valid]
    mean = float(np.mean(d_target, dtype=np.float64))
    if not np.isfinite(mean) or mean <= 0:
        return L
    return L / np.sqrt(mean)


def _margin_radii(Z, targets, valid, slack):
    """Squared search radius per point: (1 + slack)(max_j D_ij + 1); −inf without targets."""
    d_target = _sq_row_norms(Z[:, None, :] - Z[targets])
    d_target = np.where(valid, d_target, -np.inf)
    return (1 + slack) * (d_target.max(axis=1) + 1)


def search_active_pairs(Z, y, radii, targets, valid, max_pairs, rng):
    """The active set for the radii: exact when it fits ``max_pairs``, else sampled.

    Where the exact search is cheap (at most ``_EXACT_SEARCH_FACTOR · max_pairs``
    candidate pairs) it is run, and a uniform sample of ``max_pairs`` of the pairs
    found is kept if they are more, weighted by n_found / max_pairs. Otherwise the
    number of pairs inside the radii is estimated first (from ``_PILOT_DRAWS``
    uniformly drawn pairs), and when it exceeds twice ``max_pairs`` the candidates
    are sampled at the rate max_pairs / estimate instead of enumerated
    (:func:`mlearn._impostors.sample_impostor_pairs`), else the exact search runs.
    When sampled, the weighted push term is an unbiased estimate of the full one
    and ``pairs.sampled`` is set.
    """
    from ._impostors import (
        estimate_pair_count,
        other_class_pairs,
        sample_impostor_pairs,
        search_embedding,
    )

    candidates = other_class_pairs(y)
    if max_pairs is not None and candidates > _EXACT_SEARCH_FACTOR * max_pairs:
        Zs, sq = search_embedding(Z)
        draws = int(min(_PILOT_DRAWS, candidates))
        estimate = estimate_pair_count(Zs, y, radii, draws, rng)
        # The estimate's relative error is about 1/√(hits) (13 % at 2²⁰ draws and
        # 500,000 of 10¹⁰ pairs): near the budget the exact search decides.
        if estimate > 2 * max_pairs:
            anchors, impostors, weights = sample_impostor_pairs(
                Zs, sq, y, radii, max_pairs / estimate, rng
            )
            return ActivePairs(targets, valid, anchors, impostors, weights=weights, sampled=True)
    anchors, impostors, n_found = find_impostors(Z, y, radii, max_pairs=max_pairs, random_state=rng)
    sampled = n_found > anchors.shape[0]
    weights = np.full(anchors.shape[0], n_found / max(anchors.shape[0], 1)) if sampled else None
    return ActivePairs(targets, valid, anchors, impostors, weights=weights, sampled=sampled)


def search_active_set(X, y, L, targets, valid, max_pairs, rng):
    """The impostor pairs within the search radii under L, as an :class:`ActivePairs`
    (exact when they fit ``max_pairs``, else sampled: :func:`search_active_pairs`)."""
    Z = X @ L.T
    radii = _margin_radii(Z, targets, valid, _SEARCH_SLACK)
    return search_active_pairs(Z, y, radii, targets, valid, max_pairs, rng)


class LMNN(SupervisedMixin, MahalanobisMixin, BaseEstimator):
    """Large Margin Nearest Neighbor metric learning.

    Learns a linear map L so that each point's k nearest same-class points
    (its target neighbours) are closer than every point of another class by
    a unit margin. With D_ab = ‖L(x_a − x_b)‖² and μ = ``push_weight``, the
    objective is

        ε(L) = (1 − μ) Σ_{j⇝i} D_ij + μ Σ_{j⇝i} Σ_{l: y_l ≠ y_i} [1 + D_ij − D_il]_+

    (the hinge squared with ``hinge='squared_hinge'``), minimised by L-BFGS
    over an actively searched set of impostors, verified exactly at the end.
    See the module :mod:`mlearn.lmnn` for the gradient and the solver.

    Parameters
    ----------
    n_neighbors : int, default=3
        Number of target neighbours k per point. A class with fewer than
        k + 1 points gives its points n_class − 1 target neighbours (a
        ``UserWarning`` says so); points of a single-point class have none
        and only act as impostors.
    n_components : int, default=None
        Dimension of the embedding (rows of L); None means n_features.
    init : {'auto', 'pca', 'lda', 'identity', 'random'} or ndarray of shape \
            (n_components, n_features), default='auto'
        Initial L. 'auto' takes 'lda' when n_components ≤ min(n_features,
        n_classes − 1), else 'pca' when n_components < n_features, else
        'identity'. 'random' draws a standard normal matrix. These are
        rescaled so that the mean squared distance to target neighbours is 1,
        the scale of the unit margin (otherwise the first iterations only
        shrink or grow L); an array is used as given.
    push_weight : float in [0, 1], default=0.5
        μ, the weight of the impostor (push) term against the target
        neighbour (pull) term. metric-learn's ``regularization`` is 1 − μ.
    hinge : {'hinge', 'squared_hinge'}, default='hinge'
        Loss on the margin violations: the paper's hinge [t]_+, or [t]_+²
        (smooth, slightly different optimum).
    max_impostors : int or None, default=500_000
        About the most impostor pairs kept in the active set. When more
        lie inside the search radii (typically at the start, when the
        initial metric is poor on a large data set), a random sample of
        about this size is kept, drawn with ``random_state``, each pair
        weighted by the inverse of its sampling probability so that the
        push term stays an unbiased estimate of the full one; on large data
        the candidates are sampled without enumerating them all (see
        :mod:`mlearn.lmnn`). A fit that ends on a sample accepts its optimum
        without exact verification (``impostors_sampled_`` says so). None
        keeps all.
    max_iter : int, default=1000
        Maximum total number of L-BFGS iterations.
    tol : float, default=1e-4
        L-BFGS stops when the objective's relative decrease falls below tol
        (or the largest gradient entry below tol).
    random_state : int, RandomState instance or None, default=None
        Seeds ``init='random'`` and the sampling of impostors.
    verbose : int, default=0
        Print the L-BFGS iterations and the impostor searches if > 0.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The learned map L; M = LᵀL.
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
    sklearn.neighbors.NeighborhoodComponentsAnalysis : a smooth, probabilistic
        relative of LMNN.

    References
    ----------
    K. Q. Weinberger and L. K. Saul, "Distance Metric Learning for Large
    Margin Nearest Neighbor Classification", JMLR 10:207–244, 2009 (NIPS 2005).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from mlearn import LMNN
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(LMNN(n_neighbors=3), KNeighborsClassifier(3)).fit(X, y)
    >>> model.score(X, y) > 0.97
    True
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
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
        n_components=None,
        init="auto",
        push_weight=0.5,
        hinge="hinge",
        max_impostors=500_000,
        max_iter=1000,
        tol=1e-4,
        random_state=None,
        verbose=0,
    ):
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.init = init
        self.push_weight = push_weight
        self.hinge = hinge
        self.max_impostors = max_impostors
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn L from points X and their class labels y.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            A dask array is fitted where its row blocks are (on the workers of
            the active ``distributed`` client, if any): targets and impostors
            within each block, the blocks' objectives summed (the user guide's
            "Scaling out" page says exactly what). One block gives the in-memory fit.
        y : array-like or dask array of shape (n_samples,)
            Class labels; at least two classes, and one class with two points.

        Returns
        -------
        self : LMNN
        """
        if is_dask_array(X):
            from ._lmnn_dask import fit_on_shards

            self.components_ = fit_on_shards(self, X, y)
            return self
        X, y = self._validate_supervised(X, y)
        self._check_class_sizes(np.bincount(y))
        # Every product here is a tile of at most 1024 × 4096 or n × d × n_components
        # with small d, which threaded BLAS slows down (100,000 × 50 on the 2-core
        # machine under load: the whole fit 16.7 s CPU on one thread, 70 s on two).
        small = X.shape[1] <= _SINGLE_THREAD_FEATURES
        with threadpool_limits(1, user_api="blas") if small else nullcontext():
            targets, valid = target_neighbors(X, y, self.n_neighbors)
            L = self._initial_components(X, y).astype(X.dtype, copy=False)
            if not isinstance(self.init, np.ndarray):
                L = _unit_target_scale(L, X, targets, valid)
            self.components_ = self._minimize(X, y, L, targets, valid)
        return self

    def _check_class_sizes(self, counts, where=""):
        """Refuse labels that give no target neighbour; warn about classes below k + 1."""
        if counts.max() < 2:
            raise ValueError(
                f"LMNN needs a class with at least 2 samples{where}: every class has a single "
                f"sample, so no point has a target neighbour."
            )
        if counts.min() < self.n_neighbors + 1:
            warnings.warn(
                f"Some classes have fewer than n_neighbors + 1 = {self.n_neighbors + 1} "
                f"samples{where} (smallest: {counts.min()}); their points get n_class - 1 "
                f"target neighbours.",
                UserWarning,
                stacklevel=3,
            )

    def _initial_components(self, X, y):
        init = self._resolved_init(X.shape[1], X.dtype)
        if isinstance(init, np.ndarray):
            return init
        n_components = self._n_output(X.shape[1])
        if init == "identity":
            return np.eye(n_components, X.shape[1], dtype=X.dtype)
        if init == "random":
            rng = check_random_state(self.random_state)
            return rng.standard_normal((n_components, X.shape[1]))
        if init == "pca":
            pca = PCA(n_components=n_components, random_state=self.random_state).fit(X)
            return pca.components_
        lda = LinearDiscriminantAnalysis(n_components=n_components).fit(X, y)
        return lda.scalings_.T[:n_components]

    def _n_output(self, n_features):
        return n_features if self.n_components is None else self.n_components

    def _resolved_init(self, n_features, dtype):
        """The initial L given as an array (checked, copied), or the name 'auto' stands for."""
        n_components = self.n_components
        if n_components is not None and n_components > n_features:
            raise ValueError(
                f"n_components={n_components} must not exceed n_features={n_features}."
            )
        if isinstance(self.init, np.ndarray):
            init = np.asarray(self.init, dtype=dtype)
            if init.ndim != 2 or init.shape[1] != n_features:
                raise ValueError(
                    f"init must have shape (n_components, {n_features}), got {init.shape}."
                )
            if n_components is not None and init.shape[0] != n_components:
                raise ValueError(f"init has {init.shape[0]} rows but n_components={n_components}.")
            if not np.all(np.isfinite(init)):
                raise ValueError("init contains NaN or infinity.")
            return init.copy()
        n_components = self._n_output(n_features)
        if self.init != "auto":
            return self.init
        if n_components <= min(n_features, len(self.classes_) - 1):
            return "lda"
        return "pca" if n_components < n_features else "identity"

    def _minimize(self, X, y, L, targets, valid):
        """L-BFGS over active impostor sets, re-searched until verified exact."""
        rng = check_random_state(self.random_state)

        def search(L):
            return search_active_set(X, y, L, targets, valid, self.max_impostors, rng)

        def evaluate(L, pairs):
            return lmnn_loss_and_grad(L, X, pairs, self.push_weight, self.hinge)

        return self._minimize_over_active_sets(L.astype(X.dtype, copy=False), search, evaluate)

    def _minimize_over_active_sets(self, L, search, evaluate):
        """The solver loop, for any active set: in memory, or sharded on a cluster.

        ``search(L)`` returns a fresh active set (with ``n_impostor_pairs`` and
        ``sampled``); ``evaluate(L, pairs)`` returns the objective and gradient on it.
        The iterates keep L's dtype.
        """
        shape, dtype = L.shape, L.dtype
        name = type(self).__name__
        columns = ("impostor pairs", "sampled", "objective")
        table = ProgressTable(f"{name} search", self.verbose, columns)

        def objective(pairs):
            def loss_and_grad(flat):
                L = flat.reshape(shape).astype(dtype, copy=False)
                loss, grad = evaluate(L, pairs)
                return loss, grad.ravel()

            return loss_and_grad

        pairs = search(L)
        n_iter, n_evals, n_searches, best, every = 0, 0, 1, (np.inf, L), _SEARCH_EVERY
        while True:
            with warnings.catch_warnings():
                # The budget is the total over rounds: warn once, below.
                warnings.simplefilter("ignore", ConvergenceWarning)
                result = minimize_lbfgs(
                    objective(pairs),
                    L,
                    max_iter=min(every, self.max_iter - n_iter),
                    tol=self.tol,
                    ftol=self.tol,
                    verbose=self.verbose,
                    name=name,
                )
            n_iter += result.n_iter
            every *= 2
            n_evals += result.n_evals
            L = result.x.reshape(shape).astype(dtype)
            minimised_sampled, pairs = pairs.sampled, search(L)
            n_searches += 1
            # The objective on a fresh search: the true ε(L), since every impostor
            # inside the margin lies inside the wider search radius.
            loss, _ = evaluate(L, pairs)
            n_evals += 1
            table.row(n_iter, pairs.n_impostor_pairs, int(pairs.sampled), loss)
            # Sampled objectives are estimates: only exact ones are compared.
            if pairs.sampled or loss <= best[0]:
                best = (np.inf if pairs.sampled else loss, L)
            # Verified: L-BFGS converged on an exact set that no fresh search extends.
            exact = not (minimised_sampled or pairs.sampled)
            exact = exact and loss <= result.fun * (1 + 1e-6) + 1e-12
            # A sampled set cannot be verified; it is accepted once L-BFGS converges on it.
            if (result.converged and (exact or pairs.sampled)) or result.n_iter == 0:
                break
            if n_iter >= self.max_iter:
                warn_not_converged(name, self.max_iter)
                break
        self.n_iter_, self.n_loss_evals_, self.n_searches_ = n_iter, n_evals, n_searches
        self.n_impostor_pairs_ = pairs.n_impostor_pairs
        self.impostors_sampled_ = pairs.sampled
        return best[1]
