"""MMC: metric learning with side information (Xing, Ng, Jordan & Russell, 2002).

Given similar pairs S and dissimilar pairs D, with d = x_i − x_j for a pair
(i, j) and ‖d‖_M = √(dᵀ M d), MMC solves one of two convex problems.

**Full metric** (``diagonal=False``)::

    maximise   g(M) = Σ_D ‖d‖_M
    subject to f(M) = Σ_S ‖d‖²_M ≤ 1,   M ⪰ 0.

f(M) = ⟨A, M⟩ with A = Σ_S d dᵀ, and g is concave and homogeneous of degree ½,
so the constraint is active at the optimum. On the span of A (A = U Λ Uᵀ,
B = U Λ^(−½)), the change of variables M = B N Bᵀ turns the feasible set into
the spectrahedron {N ⪰ 0, tr N = 1} and g into Σ_D ‖Bᵀd‖_N. Xing et al. climb
g by gradient steps followed by alternating projections onto {f(M) ≤ 1} and
onto the PSD cone, repeated until they roughly agree, with a hand-tuned step.
In the N coordinates the feasible set has an exact one-shot projection (an
eigendecomposition whose eigenvalues are projected onto the simplex), so we
run accelerated projected gradient (FISTA with backtracking and monotone
restarts, :func:`mlearn._optim.proximal_gradient`) on the same problem, with
the gradient

    ∇_N g = Σ_D z zᵀ / (2‖z‖_N),   z = Bᵀd,

formed as Pᵀ Lap(W) P with P = X B and the sparse pair weights
W = 1/(2‖z‖_N): one sparse product and one GEMM; distances are row norms, so
no n_pairs × d × d tensor is built. As g is concave and ⟨∇g, N⟩ = g/2
(homogeneity), the Frank–Wolfe duality gap λ_max(∇g) − g/2 bounds g* − g from
above: the solver stops when this *certified* relative gap is at most
``tol``. The learned M = B N Bᵀ satisfies f(M) = 1.

**Diagonal metric** (``diagonal=True``), M = diag(w)::

    minimise   F(w) = Σ_S ‖d‖²_w − log Σ_D ‖d‖_w   over w ≥ 0,

solved, as in the paper, by Newton–Raphson: projected Newton steps (Bertsekas
1982) on the features not held at the bound w = 0, with an Armijo line search
along the projected path, stopping when the Newton decrement is at most
``tol`` · max(1, |F|). At the optimum Σ_S ‖d‖²_w = ½. Σ_S d² (elementwise) is
the diagonal of Xᵀ Lap(W_S) X; the Hessian of the log term,
Σ_D q qᵀ/(4‖d‖³_w)/h + ∇h ∇hᵀ/h² with q = d² and h = Σ_D ‖d‖_w, needs the
n_D × d matrix of squared differences, which is kept (never n_D × d × d).

Degenerate input. Directions along which every similar pair agrees (constant
features, duplicated points) cost nothing in f: if the dissimilar pairs differ
along such a direction the problem is unbounded there. The learned metric
gives those directions weight 0 (it lives on the span of the similar pairs'
differences) and a ``UserWarning`` says so. Without similar pairs, without
dissimilar pairs, or when no dissimilar pair differs on that span, fitting
raises a ``ValueError``.
"""

import warnings
from contextlib import nullcontext
from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator, _fit_context
from sklearn.datasets import make_spd_matrix
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from threadpoolctl import threadpool_limits

from ._dask import float_dtype, is_dask_array
from ._optim import ProgressTable, proximal_gradient, warn_not_converged
from ._scatter import PairScatter
from ._tuples_dask import sharded_pairs
from .base import (
    MahalanobisMixin,
    PairsMixin,
    SupervisedMixin,
    _paired_distances,
    rows_per_block,
)
from .constraints import similar_dissimilar_pairs
from .covariance import Covariance
from .psd import (
    check_psd,
    components_from_metric,
    project_spectrahedron,
    whitening_components,
)

__all__ = ["MMC", "MMCSupervised"]

# Share of the dissimilar pairs' squared differences lying where every similar pair
# agrees, above which the objective is reported unbounded there (not rounding).
_UNBOUNDED_RTOL = 1e-8


def difference_scatter(X, first, second, weights):
    """Σ_k weights_k (x_a − x_b)(x_a − x_b)ᵀ over pairs (a, b), as Xᵀ Lap(W) X.

    One sparse product and one GEMM (:class:`mlearn._scatter.PairScatter`),
    never a per-pair outer product.
    """
    return PairScatter(X, first, second)(weights.astype(X.dtype, copy=False))


def dissimilar_sum_and_gradient(X, first, second, M):
    """g(M) = Σ ‖x_a − x_b‖_M over the pairs and its gradient Σ d dᵀ / (2‖d‖_M).

    M need only be symmetric: negative quadratic forms (at the extrapolated,
    not yet projected points of an accelerated method) count as distance 0,
    and pairs at distance 0 contribute their zero subgradient. The quadratic
    forms are computed in blocks bounded by scikit-learn's ``working_memory``.
    """
    dist = np.empty(first.shape[0], dtype=X.dtype)
    XM = X @ M  # once per point, not once per pair
    block_rows = rows_per_block(2 * X.itemsize * X.shape[1], first.shape[0])
    for block in gen_batches(first.shape[0], block_rows):
        a, b = first[block], second[block]
        forms = np.einsum("ij,ij->i", XM[a] - XM[b], X[a] - X[b])
        dist[block] = np.sqrt(np.maximum(forms, 0))
    positive = dist > 0
    weights = np.where(positive, 0.5 / np.where(positive, dist, 1), 0)
    return float(dist.sum()), difference_scatter(X, first, second, weights)


def _clipped_distances(Q, w):
    dist = np.sqrt(np.maximum(Q @ w, 0))
    return np.maximum(dist, np.finfo(Q.dtype).tiny ** 0.25)


def dissimilar_terms(Q, w):
    """h = Σ_k √(Q_k·w), its gradient and its Hessian: sums over the rows of Q."""
    dist = _clipped_distances(Q, w)
    return dist.sum(), Q.T @ (0.5 / dist), -(Q.T @ (Q / (4 * dist**3)[:, None]))


def diagonal_objective(s, Q, w):
    """F(w) = s·w − log Σ_k √(Q_k·w), its gradient and Hessian.

    ``s`` is Σ_S d² and the rows of ``Q`` are the squared differences d² of the
    dissimilar pairs (elementwise squares).
    """
    return _combine_diagonal(s, w, *dissimilar_terms(Q, w))


def _combine_diagonal(s, w, h, grad_h, hess_h):
    """F(w), its gradient and Hessian from the sums over the dissimilar pairs."""
    value = float(s @ w - np.log(h))
    grad = s - grad_h / h
    hess = -hess_h / h + np.outer(grad_h, grad_h) / h**2
    return value, grad, hess


def _initial_metric(init, d, covariance, random_state):
    """The start in float64; ``covariance()`` gives the inverse covariance of the paired points."""
    if isinstance(init, str):
        if init == "identity":
            return np.eye(d)
        if init == "covariance":
            return covariance().astype(np.float64)
        return make_spd_matrix(d, random_state=random_state)
    M0 = np.asarray(init, dtype=np.float64)
    if M0.shape != (d, d):
        raise ValueError(f"init must be a ({d}, {d}) matrix for {d} features, got {M0.shape}.")
    return check_psd(M0, name="init")


def split_pair_labels(indices, y):
    """The similar and the dissimilar index pairs; raise unless there are both."""
    similar, dissimilar = indices[y == 1], indices[y == -1]
    if similar.shape[0] == 0 or dissimilar.shape[0] == 0:
        raise ValueError(
            f"MMC needs similar (+1) and dissimilar (-1) pairs; got {similar.shape[0]} "
            f"similar and {dissimilar.shape[0]} dissimilar."
        )
    return similar, dissimilar


def _split_pairs(X, indices, y):
    """Keep the points the pairs use; return them with similar and dissimilar index pairs."""
    split_pair_labels(indices, y)
    used, inverse = np.unique(indices, return_inverse=True)
    inverse = inverse.reshape(indices.shape)
    return X[used], inverse[y == 1], inverse[y == -1]


def _warn_unbounded(n_directions):
    warnings.warn(
        f"Some dissimilar pairs differ within the {n_directions}-dimensional subspace along "
        f"which every similar pair agrees, where the MMC objective is unbounded; the "
        f"learned metric gives that subspace weight 0.",
        UserWarning,
        stacklevel=4,
    )


def _no_dissimilar_spread():
    return ValueError(
        "No dissimilar pair differs along the span of the similar pairs' differences: "
        "the MMC objective is zero for every metric."
    )


def _squared_difference_sum(X, first, second):
    """Σ_k (x_a − x_b)² per feature, in blocks; exactly 0 where every pair agrees."""
    total = np.zeros(X.shape[1], dtype=X.dtype)
    for block in gen_batches(first.shape[0], rows_per_block(X.itemsize * X.shape[1], len(first))):
        total += np.sum((X[first[block]] - X[second[block]]) ** 2, axis=0)
    return total


class PairSums:
    """The paired points in memory, and every sum over the pairs the MMC solvers need.

    The solvers see the pairs through this object only. A fit on a dask array
    holds one per shard of the pairs on the workers and adds their results
    (:mod:`mlearn._tuples_dask`), so each method returns a sum over the pairs,
    or changes the points (``rescale``, ``project``) and returns nothing.

    Parameters
    ----------
    X : ndarray of shape (n_points, d)
    similar, dissimilar : ndarray of shape (n_pairs, 2), int
        Pairs as rows of X.
    """

    def __init__(self, X, similar, dissimilar):
        self.X = np.asarray(X, dtype=np.float64)
        self.pairs = {"similar": similar, "dissimilar": dissimilar}
        self._Q = None

    def n_not_finite(self):
        """Points with a NaN or an infinity."""
        return int(np.sum(~np.all(np.isfinite(self.X), axis=1)))

    def squared_difference_sum(self, kind):
        """Σ (x_a − x_b)² per feature over the ``kind`` ('similar' or 'dissimilar') pairs."""
        pairs = self.pairs[kind]
        return _squared_difference_sum(self.X, pairs[:, 0], pairs[:, 1])

    def squared_distance_sum(self, kind, L):
        """Σ ‖L(x_a − x_b)‖² over the ``kind`` pairs."""
        pairs = self.pairs[kind]
        return float(np.sum(_paired_distances(self.X, pairs[:, 0], pairs[:, 1], L) ** 2))

    def scatter(self, kind):
        """Σ (x_a − x_b)(x_a − x_b)ᵀ over the ``kind`` pairs."""
        pairs = self.pairs[kind]
        return difference_scatter(self.X, pairs[:, 0], pairs[:, 1], np.ones(pairs.shape[0]))

    def rescale(self, keep, spread):
        """Keep the features ``keep``, divided by ``spread``."""
        self.X = self.X[:, keep] / spread[keep]
        self._Q = None

    def project(self, B):
        """Move to the coordinates P = X B of the full solver."""
        self.P = self.X @ B

    def dissimilar_sum_and_gradient(self, N):
        """g(N) over the dissimilar pairs on P, and its gradient."""
        pairs = self.pairs["dissimilar"]
        return dissimilar_sum_and_gradient(self.P, pairs[:, 0], pairs[:, 1], N)

    def _squared_differences(self):
        if self._Q is None:
            pairs = self.pairs["dissimilar"]
            Q = (self.X[pairs[:, 0]] - self.X[pairs[:, 1]]) ** 2
            self._Q = Q[np.any(Q > 0, axis=1)]
        return self._Q

    def dissimilar_terms(self, w):
        """h(w) = Σ_D ‖d‖_w, its gradient and Hessian (pairs with d = 0 left out)."""
        return dissimilar_terms(self._squared_differences(), w)

    def dissimilar_distance_sum(self, w):
        """h(w), and the number of dissimilar pairs at a positive distance under w."""
        Q = self._squared_differences()
        return _clipped_distances(Q, w).sum(), int(np.sum(Q @ w > 0))


def _standardized(pairs):
    """Divide each feature by its spread over the similar pairs, in ``pairs``.

    Features on which every similar pair agrees are left out (their weight is 0).
    Working on this scale makes the solvers' relative tolerances independent of
    the features' units. Returns the spreads and the kept mask.
    """
    spread = np.sqrt(pairs.squared_difference_sum("similar"))
    keep = spread > 0
    if not np.any(keep):
        raise ValueError("All similar pairs join identical points: f(M) = 0 for every M.")
    if not np.all(keep):
        dropped = pairs.squared_difference_sum("dissimilar")[~keep]
        if np.any(dropped > 0):
            _warn_unbounded(int(np.sum(~keep)))
    pairs.rescale(keep, spread)
    return spread, keep


def _fit_full(pairs, d, M0, max_iter, tol, verbose, name):
    """Accelerated projected gradient on the spectrahedron; return (M with f(M) = 1, n_iter)."""
    A = pairs.scatter("similar")
    B = whitening_components(A).T  # d × r with BᵀAB = I: M = B N Bᵀ has f(M) = tr N
    inside = pairs.squared_distance_sum("dissimilar", (B / np.linalg.norm(B, axis=0)).T)
    total = pairs.squared_distance_sum("dissimilar", np.eye(d))
    if total - inside > _UNBOUNDED_RTOL * total:
        _warn_unbounded(d - B.shape[1])
    pairs.project(B)
    root = (B / np.sum(B * B, axis=0)).T  # B⁺ = Λ^½ Uᵀ, so N₀ = B⁺ M₀ B⁺ᵀ
    N0 = root @ M0 @ root.T
    tiny = np.finfo(np.float64).tiny
    N0 = project_spectrahedron(N0 / max(np.trace(N0), tiny))
    g0, G0 = pairs.dissimilar_sum_and_gradient(N0)
    if g0 <= 0:  # a start blind to every dissimilar pair: restart from the centre
        N0 = np.eye(B.shape[1]) / B.shape[1]
        g0, G0 = pairs.dissimilar_sum_and_gradient(N0)
        if g0 <= 0:
            raise _no_dissimilar_spread()

    def negated(N):
        g, G = pairs.dissimilar_sum_and_gradient(N)
        return -g, -G

    def gap_within_tol(N, value, grad):
        # g concave and ⟨∇g, N⟩ = g/2: g* − g ≤ λ_max(∇g) − g/2 (Frank–Wolfe gap).
        top = linalg.eigvalsh(-grad, subset_by_index=[N.shape[0] - 1] * 2, check_finite=False)
        return top[0] + value / 2 <= -tol * value

    result = proximal_gradient(
        negated,
        lambda V, t: project_spectrahedron(V),
        N0,
        step=1.0 / max(float(np.linalg.norm(G0)), tiny),
        max_iter=max_iter,
        stop=gap_within_tol,
        verbose=verbose,
        name=name,
    )
    return B @ result.x @ B.T, result.n_iter


def _fit_diagonal(pairs, d, M0, max_iter, tol, verbose, name):
    """Projected Newton on F(w); return (diag(w), n_iter)."""
    # On standardized features Σ_S d² = 1 for every feature.
    s = pairs.squared_difference_sum("similar")
    if pairs.dissimilar_distance_sum(np.ones(d))[1] == 0:
        raise _no_dissimilar_spread()
    w = np.maximum(np.diag(M0), 0)
    if pairs.dissimilar_distance_sum(w)[1] == 0:
        w = np.ones_like(s)
    w *= 0.5 / (s @ w)  # the optimal scale of the initial direction
    table = ProgressTable(name, verbose, ("F(w)", "decrement"))
    converged, n_iter = False, 0
    for n_iter in range(1, max_iter + 1):
        F, grad, hess = _combine_diagonal(s, w, *pairs.dissimilar_terms(w))
        step, decrement = _projected_newton_step(w, grad, hess)
        table.row(n_iter, F, decrement)
        if decrement <= tol * max(1.0, abs(F)):
            converged = True
            break
        w = _armijo_projected(s, pairs, w, F, grad, step)
    if not converged:
        warn_not_converged(name, max_iter)
    return np.diag(w), n_iter


def _projected_newton_step(w, grad, hess):
    """Newton direction on the free features, scaled gradient on those held at 0."""
    # Bertsekas' ε-active set: features near the bound whose gradient pushes outwards.
    slack = min(1e-8 * float(w.max()), float(np.linalg.norm(w - np.maximum(w - grad, 0))))
    held = (w <= slack) & (grad > 0)
    free = ~held
    step = np.zeros_like(w)
    curvature = np.maximum(np.diag(hess), np.finfo(w.dtype).tiny)
    if np.any(free):
        # A ridge relative to the largest curvature keeps the factorisation well
        # conditioned (rcond ≳ 1e-12) on flat directions; the line search absorbs it.
        ridge = 1e-12 * (curvature[free] + curvature[free].max())
        H = hess[np.ix_(free, free)] + np.diag(ridge)
        step[free] = -linalg.solve(H, grad[free], assume_a="pos", check_finite=False)
    step[held] = -grad[held] / curvature[held]
    decrement = float(-grad[free] @ step[free]) / 2
    # What moving the held features onto the bound could still gain.
    decrement += float(grad[held] @ w[held])
    return step, decrement


def _armijo_projected(s, pairs, w, F, grad, step):
    """Backtrack along the projected path w(α) = max(w + α·step, 0) (sufficient decrease)."""
    alpha = 1.0
    for _ in range(60):
        trial = np.maximum(w + alpha * step, 0)
        h, n_positive = pairs.dissimilar_distance_sum(trial)
        if n_positive > 0:
            value = float(s @ trial - np.log(h))
            if value <= F + 1e-4 * float(grad @ (trial - w)):
                return trial
        alpha /= 2
    return w


class _BaseMMC(MahalanobisMixin, BaseEstimator):
    """The solver shared by MMC (pairs) and MMCSupervised (class labels)."""

    _parameter_constraints: dict = {
        "diagonal": ["boolean"],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "init": [StrOptions({"identity", "covariance", "random"}), "array-like"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _learn(self, X, indices, y):
        if is_dask_array(X):
            # Every sum over the pairs is taken on the cluster, where X stays.
            pairs, covariance = sharded_pairs(X, *split_pair_labels(indices, y))
            dtype = float_dtype(X)
            self._solve(pairs, X.shape[1], dtype, covariance)
            return
        Xp, similar, dissimilar = _split_pairs(X, indices, y)
        # The solvers run in float64 whatever X's dtype: float32 rounding would stall
        # the line searches above the certified tolerance. components_ keeps X's dtype.
        Xp = Xp.astype(np.float64, copy=False)

        def covariance():
            return Covariance().fit(Xp).get_mahalanobis_matrix()

        self._solve(PairSums(Xp, similar, dissimilar), Xp.shape[1], X.dtype, covariance)

    def _solve(self, pairs, n_features, dtype, covariance):
        """Fit on ``pairs``, a :class:`PairSums` or its distributed counterpart."""
        M0 = _initial_metric(self.init, n_features, covariance, self.random_state)
        spread, keep = _standardized(pairs)
        # The start, expressed on the standardized features.
        M0 = M0[np.ix_(keep, keep)] * np.outer(spread[keep], spread[keep])
        solve = _fit_diagonal if self.diagonal else _fit_full
        # The products here are n × d × d with small d, which threaded BLAS slows down
        # (digits, d = 64: 1 thread was 5x faster than 2 on a busy 2-core machine).
        d = int(np.sum(keep))
        blas = threadpool_limits(1, user_api="blas") if d < 256 else nullcontext()
        with blas:
            Ms, self.n_iter_ = solve(
                pairs,
                d,
                M0,
                self.max_iter,
                self.tol,
                self.verbose,
                type(self).__name__,
            )
        M = np.zeros((n_features, n_features))
        M[np.ix_(keep, keep)] = Ms / np.outer(spread[keep], spread[keep])
        L = components_from_metric(M, self.n_components, check=False)
        self.components_ = L.astype(dtype, copy=False)


_SHARED_PARAMETERS = """diagonal : bool, default=False
        Learn a full metric M (Xing's constrained problem, accelerated
        projected gradient) or a diagonal one, M = diag(w) (the penalised
        problem, projected Newton).
    n_components : int or None, default=None
        Rows of ``components_``: the learned M is truncated to its
        ``n_components`` largest eigenpairs (best rank-k approximation).
        None keeps its numerical rank.
    init : {'identity', 'covariance', 'random'} or array of shape \
(n_features, n_features), default='identity'
        Starting metric (the diagonal only, when ``diagonal=True``): the
        identity, the inverse covariance of the points, a random SPD matrix
        drawn from ``random_state``, or a given PSD matrix. The problems are
        convex: the start changes the path, not the optimum.
    max_iter : int, default=1000
        Maximum number of iterations. The diagonal solver rarely needs more
        than 20; the full one needs 10 to 100 on most data, a few hundred
        when its optimum is nearly degenerate.
    tol : float, default=1e-5
        Full: stop when the certified relative gap (g* − g)/g is at most tol.
        Diagonal: stop when the Newton decrement is at most tol·max(1, |F|).
    random_state : int, RandomState instance or None, default=None
        Seeds ``init='random'``{seed}.
    verbose : int, default=0
        Print a table of the objective per iteration if > 0."""

_SHARED_ATTRIBUTES = """components_ : ndarray of shape (n_components, n_features)
        The linear map L, M = LᵀL. The full metric is scaled so that
        Σ_S ‖d‖²_M = 1.
    n_iter_ : int
        Iterations run.
    n_features_in_ : int
        Number of features seen during fit."""

_REFERENCES = """E. P. Xing, A. Y. Ng, M. I. Jordan and S. Russell, "Distance metric
    learning, with application to clustering with side-information", NIPS 2002.

    D. P. Bertsekas, "Projected Newton methods for optimization problems with
    simple constraints", SIAM J. Control and Optimization 20(2), 1982."""


class MMC(PairsMixin, _BaseMMC):
    """Mahalanobis Metric for Clustering from similar and dissimilar pairs.

    Learns M maximising the sum of learned distances over dissimilar pairs
    while the sum of squared distances over similar pairs is at most 1::

        max_M Σ_D ‖d‖_M   s.t.   Σ_S ‖d‖²_M ≤ 1,  M ⪰ 0

    (``diagonal=False``), or, for a diagonal M = diag(w) (``diagonal=True``),::

        min_{w ≥ 0} Σ_S ‖d‖²_w − log Σ_D ‖d‖_w.

    The module docstring of :mod:`mlearn.mmc` gives the algorithms and their
    stopping rules.

    Parameters
    ----------
    {parameters}
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        Points that pairs given as indices refer to. A dask array stays on
        the cluster: every sum over the tuples is taken there (see :doc:`/scaling`).

    Attributes
    ----------
    {attributes}
    threshold_ : float
        Pairs at a learned distance ≤ threshold_ are predicted similar.

    See Also
    --------
    MMCSupervised : the same learner fitted on class labels.

    References
    ----------
    {references}

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import MMC
    >>> X = np.array([[0.0, 0.0], [0.1, 5.0], [3.0, 0.2], [3.1, 4.8]])
    >>> pairs = np.array([[0, 1], [2, 3], [0, 2], [1, 3]])
    >>> y = np.array([1, 1, -1, -1])
    >>> mmc = MMC(preprocessor=X).fit(pairs, y)
    >>> mmc.predict(pairs)
    array([ 1,  1, -1, -1])
    """

    _fits_on_dask = True

    _parameter_constraints: dict = {
        **_BaseMMC._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(
        self,
        *,
        diagonal=False,
        n_components=None,
        init="identity",
        max_iter=1000,
        tol=1e-5,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.diagonal = diagonal
        self.n_components = n_components
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, pairs, y):
        """Learn the metric from labelled pairs.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or (n_pairs, 2) indices
            Indices need ``preprocessor``.
        y : array-like of shape (n_pairs,)
            +1 for similar pairs, −1 for dissimilar; both kinds are needed.

        Returns
        -------
        self : MMC
        """
        X, indices, y = self._validate_fit_pairs(pairs, y)
        self._learn(X, indices, y)
        self._fit_threshold(X, indices, y)
        return self


class MMCSupervised(SupervisedMixin, _BaseMMC):
    """MMC fitted on class labels: pairs drawn from y, then the same solver as :class:`MMC`.

    ``n_constraints`` similar pairs (two points of one class) and as many
    dissimilar pairs (points of two classes) are drawn without repetition by
    :func:`mlearn.constraints.similar_dissimilar_pairs`; see :class:`MMC` for
    the objective.

    Parameters
    ----------
    {parameters}
    n_constraints : int or None, default=None
        Number of similar pairs, and of dissimilar pairs, to draw; None means
        20·n_classes² of each (metric-learn's default), or as many as the
        labels have if fewer.

    Attributes
    ----------
    {attributes}
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when they are all strings.
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    See Also
    --------
    MMC : the same learner fitted on pairs.

    References
    ----------
    {references}

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from mlearn import MMCSupervised
    >>> X, y = load_iris(return_X_y=True)
    >>> mmc = MMCSupervised(diagonal=True, random_state=0).fit(X, y)
    >>> weights = np.diag(mmc.get_mahalanobis_matrix())
    >>> np.flatnonzero(weights)  # only the petal length is kept
    array([2])
    >>> mmc.transform(X).shape
    (150, 1)
    """

    _parameter_constraints: dict = {
        **_BaseMMC._parameter_constraints,
        "n_constraints": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        diagonal=False,
        n_components=None,
        n_constraints=None,
        init="identity",
        max_iter=1000,
        tol=1e-5,
        random_state=None,
        verbose=0,
    ):
        self.diagonal = diagonal
        self.n_components = n_components
        self.n_constraints = n_constraints
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Draw similar and dissimilar pairs from the labels and learn the metric.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            A dask array stays on the cluster: the pairs are drawn here from
            the labels, and every sum over them is computed on the workers
            (see :doc:`/scaling`); the fit equals the in-memory one to rounding.
        y : array-like of shape (n_samples,)
            Class labels; at least two classes.

        Returns
        -------
        self : MMCSupervised
        """

        def draw_pairs(y):
            n_constraints = self.n_constraints
            if n_constraints is None:
                # metric-learn's default, capped at the pairs these labels have.
                counts = np.bincount(y).astype(np.int64)
                n_similar = int(np.sum(counts * (counts - 1) // 2))
                n_dissimilar = int((counts.sum() ** 2 - np.sum(counts**2)) // 2)
                n_constraints = max(min(20 * len(counts) ** 2, n_similar, n_dissimilar), 1)
            return similar_dissimilar_pairs(y, 2 * n_constraints, random_state=self.random_state)

        if is_dask_array(X):
            # The pairs are drawn here; every sum over them is taken on the cluster.
            indices, labels = draw_pairs(self._validate_supervised_dask(X, y))
            self._learn(X, indices, labels)
            return self
        X, indices, labels = self._validate_and_draw_pairs(X, y, draw_pairs)
        self._learn(X, indices, labels)
        return self


for _cls, _seed in ((MMC, ""), (MMCSupervised, " and the drawing of the pairs")):
    _cls.__doc__ = (
        _cls.__doc__.replace("{parameters}", _SHARED_PARAMETERS.replace("{seed}", _seed))
        .replace("{attributes}", _SHARED_ATTRIBUTES)
        .replace("{references}", _REFERENCES)
    )
