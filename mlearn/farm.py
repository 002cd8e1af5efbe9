"""FARM: Feature-Aware Metric learning (Ye, Zhan, Si and Jiang, ACML 2016).

The metric is split into per-feature weights w and a matrix M ⪰ 0 of
relations between features: M̂ = diag(w) M diag(w), so that

    d²(x, x') = (x − x')ᵀ diag(w) M diag(w) (x − x').

Over triplets R = {(i, j, k)}, "x_i is closer to x_j than to x_k", FARM solves

    min_{M ⪰ 0, w ≥ 0}  (1/|R|) Σ_R ℓ(d²_ik − d²_ij) + λ₁ Ω(M) + λ₂ ‖w‖₁

with the smoothed hinge ℓ(z) = ½ − z for z ≤ 0, ½(1 − z)² for 0 < z < 1 and
0 for z ≥ 1 (margin 1), and Ω one of ‖M‖²_F ('fro'), Σ|m_ab| ('l1', sparse
M) or ‖M‖_* = tr(M) ('nuclear', low-rank M). The loss is a mean rather than
the paper's sum, so that λ₁ and λ₂ do not scale with the number of triplets.

Alternating proximal gradient, each block by :func:`mlearn._optim.
proximal_gradient` (monotone, so no block increases the objective):

- w fixed: the margins are linear in M and the M-problem is convex. With
  G = Σ_p c_p δ_p δ_pᵀ, the sum over the distinct pairs p of the triplets of
  c_p = ∂(mean loss)/∂d²_p times the outer products of the differences δ_p,
  the gradient is diag(w) G diag(w). The prox is the PSD projection ('fro',
  whose Ω is smooth), the eigenvalue soft threshold V max(Λ − tλ₁, 0) Vᵀ
  ('nuclear'), or, for 'l1', the prox of λ₁‖·‖₁ plus the PSD indicator,
  computed by the proximal Dykstra algorithm (Bauschke & Combettes 2008).
- M fixed: ∇_w = 2 (M ∘ G) w, and the prox of λ₂‖w‖₁ + indicator(w ≥ 0) is
  the non-negative soft threshold max(w − tλ₂, 0), which sets weights to exactly
  zero. The w-problem is not convex in general (the margins are differences
  of quadratics in w); each step still decreases the objective.

G is formed as Xᵀ L X with L = Σ_p c_p (e_a − e_b)(e_a − e_b)ᵀ the sparse
Laplacian of the pair weights, and the squared distances from E X and E X M̂
with E the sparse pair-incidence matrix, in blocks bounded by scikit-learn's
``working_memory``: O(n d² + n_pairs d) per evaluation, never a
n_triplets × d × d tensor. The outer loop stops when the objective's relative
decrease falls below ``tol``.

Why w ≥ 0 loses nothing. Flipping the sign of w_a alone changes M̂ (row and
column a of M̂ change sign), so w's sign is not unidentifiable on its own
account; it is because M can absorb the flip: with S = diag(±1),
(S w, S M S) gives diag(Sw) SMS diag(Sw) = W S S M S S W = M̂, the same metric,
and SMS is PSD with the same ‖·‖_F, Σ|m_ab| and trace, and ‖Sw‖₁ = ‖w‖₁. Every
(w, M) thus has an equivalent with w ≥ 0 and the same objective, and the
constraint only picks one representative of each class. The other
ambiguity, (c w, M / c²), leaves the loss unchanged and is fixed by the two
penalties: after each outer iteration (and at the start) the solver rescales
to the c that minimises them, in closed form (:func:`balance_scale`).
"""

import warnings
from contextlib import nullcontext
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from threadpoolctl import threadpool_limits

from ._dask import float_dtype, is_dask_array
from ._optim import (
    ProgressTable,
    proximal_gradient,
    soft_threshold,
    soft_threshold_nonnegative,
    warn_not_converged,
)
from ._scatter import PairScatter
from ._tuples_dask import covariance_on_cluster, knn_triplets_dask, sharded_triplet_loss
from .base import MahalanobisMixin, SupervisedMixin, TripletsMixin, rows_per_block
from .constraints import knn_triplets
from .covariance import Covariance
from .psd import check_psd, components_from_metric, project_psd

__all__ = ["FARM", "FARMSupervised"]

# Up to this many flops per X-sized product (n·d²) a fit pins BLAS to one thread: its
# products are small and many. Measured per loss evaluation on 2 shared cores, one
# thread was 6.6× faster than two at n·d² = 4e6, 4.7× at 2e7 and 2.3× at 1.2e8.
_SINGLE_THREAD_FLOPS = 1e8

# Proximal gradient iterations per block and outer iteration: the blocks are solved
# inexactly, as usual in alternating schemes; the outer loop does the converging.
_BLOCK_ITER = 10


def smoothed_hinge(z):
    """Return ℓ(z) and ℓ'(z) for the smoothed hinge of margin 1, elementwise."""
    u = np.clip(1.0 - z, 0.0, 1.0)
    return 0.5 * u**2 + np.maximum(-z, 0.0), -u


class _TripletLoss:
    """The mean smoothed hinge over triplets as a function of (M, w).

    Only the points that occur in a triplet are kept, centred (distances do not
    change, rounding in Xᵀ L X does), and each distinct pair is stored once as
    two indices, with the triplets pointing to it. Pair differences are formed
    in blocks bounded by ``working_memory``; nothing n_pairs × d is kept.
    """

    def __init__(self, X, triplets):
        used, inverse = np.unique(triplets, return_inverse=True)
        inverse = inverse.reshape(triplets.shape)
        self.X = np.asarray(X[used], dtype=np.float64)
        self.X = self.X - self.X.mean(axis=0)
        both = np.vstack([inverse[:, [0, 1]], inverse[:, [0, 2]]])
        pairs, pair_of = np.unique(np.sort(both, axis=1), axis=0, return_inverse=True)
        self.n_triplets = triplets.shape[0]
        self.positive, self.negative = pair_of[: self.n_triplets], pair_of[self.n_triplets :]
        self.first, self.second = pairs[:, 0], pairs[:, 1]
        n_pairs = len(pairs)
        # Row p of the incidence matrix E is e_a − e_b: E X stacks the pair differences
        # (a sparse product is several times faster than fancy indexing here).
        self.E = sparse.csr_matrix(
            (np.tile([1.0, -1.0], n_pairs), pairs.ravel(), np.arange(0, 2 * n_pairs + 1, 2)),
            shape=(n_pairs, len(used)),
        )
        self._scatter = PairScatter(self.X, self.first, self.second)

    def laplacian(self, c):
        """Sparse L = Σ_p c_p (e_a − e_b)(e_a − e_b)ᵀ, so that Xᵀ L X = Σ_p c_p δ_p δ_pᵀ."""
        return self._scatter.laplacian(c)

    def margins(self, M, w):
        """d²_ik − d²_ij for every triplet."""
        # d²_p = δ_pᵀ M̂ δ_p with M̂ = diag(w) M diag(w); Y = X M̂ gives M̂ δ_p = Y_a − Y_b.
        Y = ((self.X * w) @ M) * w
        n_pairs = len(self.first)
        squared = np.empty(n_pairs)
        for block in gen_batches(n_pairs, rows_per_block(16 * Y.shape[1], n_pairs)):
            E = self.E[block]
            squared[block] = np.einsum("pa,pa->p", E @ self.X, E @ Y)
        return squared[self.negative] - squared[self.positive]

    def sums(self, M, w):
        """Σ_R ℓ and Σ_p c_p δ_p δ_pᵀ with c_p = ∂(Σ_R ℓ)/∂d²_p: sums over the triplets.

        A fit on a dask array adds these over shards of the triplets.
        """
        loss, slope = smoothed_hinge(self.margins(M, w))
        n_pairs = len(self.first)
        c = np.bincount(self.negative, slope, n_pairs) - np.bincount(self.positive, slope, n_pairs)
        G = self.X.T @ (self.laplacian(c) @ self.X)
        return loss.sum(), (G + G.T) / 2

    def __call__(self, M, w):
        """Return the mean loss and G = Σ_p c_p δ_p δ_pᵀ (c_p = ∂ loss / ∂d²_p)."""
        total, G = self.sums(M, w)
        return total / self.n_triplets, G / self.n_triplets


def prox_l1_psd(V, threshold, *, max_iter=200, tol=1e-10):
    """argmin_{M ⪰ 0} ½‖M − V‖²_F + threshold·Σ|m_ab|, by proximal Dykstra.

    Alternates the two proximal maps with correction terms (Bauschke &
    Combettes 2008, "A Dykstra-like algorithm for two monotone operators");
    the last map applied is the PSD projection, so the result is PSD.
    """
    x, p, q = V, np.zeros_like(V), np.zeros_like(V)
    for _ in range(max_iter):
        y = soft_threshold(x + p, threshold)
        p = x + p - y
        x_new = project_psd(y + q)
        q = y + q - x_new
        done = np.linalg.norm(x_new - x) <= tol * max(1.0, np.linalg.norm(x))
        x = x_new
        if done:
            break
    return x


def metric_penalty(M, penalty):
    """Ω(M): ‖M‖²_F, Σ|m_ab| or tr(M) (the nuclear norm on the PSD cone)."""
    if penalty == "fro":
        return float(np.sum(M**2))
    if penalty == "l1":
        return float(np.sum(np.abs(M)))
    return float(np.trace(M))


def farm_objective(loss, M, w, penalty, alpha_metric, alpha_weights):
    """The full FARM objective at (M, w), for a :class:`_TripletLoss` ``loss``."""
    value, _ = loss(M, w)
    return value + alpha_metric * metric_penalty(M, penalty) + alpha_weights * np.sum(np.abs(w))


def balance_scale(M, w, penalty, alpha_metric, alpha_weights):
    """Rescale (M, w) to (M / c², c w), which leaves M̂ and the loss unchanged, with
    the c > 0 that minimises the penalties λ₁Ω(M)/c^p + λ₂ c‖w‖₁ (p = 4 for 'fro',
    2 otherwise): c^(p+1) = p λ₁ Ω(M) / (λ₂ ‖w‖₁). Returns (M, w, c)."""
    omega, total = metric_penalty(M, penalty), float(np.sum(w))
    if alpha_metric == 0 or alpha_weights == 0 or omega == 0 or total == 0:
        return M, w, 1.0
    power = 4 if penalty == "fro" else 2
    c = (power * alpha_metric * omega / (alpha_weights * total)) ** (1 / (power + 1))
    return M / c**2, w * c, c


def update_metric(loss, M, w, penalty, alpha, *, step=1.0, max_iter=_BLOCK_ITER, tol=1e-6):
    """Proximal gradient on M with w fixed; returns the shared optimiser's result."""
    scale = np.outer(w, w)

    def smooth(M):
        value, G = loss(M, w)
        grad = scale * G
        if penalty == "fro":
            return value + alpha * np.sum(M**2), grad + 2 * alpha * M
        return value, grad

    if penalty == "fro":
        prox = lambda V, t: project_psd(V)  # noqa: E731
    elif penalty == "nuclear":
        prox = lambda V, t: project_psd(V, shrink=t * alpha)  # noqa: E731
    else:
        prox = lambda V, t: prox_l1_psd(V, t * alpha)  # noqa: E731
    nonsmooth = None if penalty == "fro" else (lambda M: alpha * metric_penalty(M, penalty))
    return _quiet_proximal_gradient(smooth, prox, M, nonsmooth, step, max_iter, tol)


def update_weights(loss, M, w, alpha, *, step=1.0, max_iter=_BLOCK_ITER, tol=1e-6):
    """Proximal gradient on w ≥ 0 with M fixed; returns the shared optimiser's result."""

    def smooth(w):
        value, G = loss(M, w)
        return value, 2 * (M * G) @ w

    def prox(v, t):
        return soft_threshold_nonnegative(v, t * alpha)

    def nonsmooth(w):
        return alpha * np.sum(w)

    return _quiet_proximal_gradient(smooth, prox, w, nonsmooth, step, max_iter, tol)


def _quiet_proximal_gradient(smooth, prox, x0, nonsmooth, step, max_iter, tol):
    # A block is solved inexactly on purpose: its iteration cap is not a failure.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return proximal_gradient(
            smooth, prox, x0, nonsmooth=nonsmooth, step=step, max_iter=max_iter, tol=tol
        )


class _BaseFARM(MahalanobisMixin, BaseEstimator):
    """The FARM solver shared by the triplet and the supervised faces."""

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"fro", "l1", "nuclear"})],
        "alpha_metric": [Interval(Real, 0, None, closed="left")],
        "alpha_weights": [Interval(Real, 0, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "init": [StrOptions({"identity", "covariance", "random"}), np.ndarray],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def _initial_metric(self, d, covariance):
        """The start; ``covariance()`` gives the inverse covariance of the points."""
        if isinstance(self.init, np.ndarray):
            if self.init.shape != (d, d):
                raise ValueError(
                    f"init must have shape ({d}, {d}) (n_features squared), got {self.init.shape}."
                )
            return check_psd(np.asarray(self.init, dtype=np.float64), name="init")
        if self.init == "identity":
            return np.eye(d)
        if self.init == "covariance":
            return covariance().astype(np.float64)
        A = check_random_state(self.random_state).normal(size=(d, d))
        return A.T @ A / d

    def _fit_triplets(self, X, triplets):
        self._check_n_components(X.shape[1])
        if is_dask_array(X):
            # Every sum over the triplets is taken on the cluster, where X stays.
            dtype = float_dtype(X)
            loss = sharded_triplet_loss(X, triplets)
            return self._fit_loss(loss, X.shape[1], dtype, covariance_on_cluster(X))
        loss = _TripletLoss(X, triplets)
        small = loss.X.shape[0] * X.shape[1] ** 2 <= _SINGLE_THREAD_FLOPS
        with threadpool_limits(limits=1, user_api="blas") if small else nullcontext():
            return self._fit_loss(
                loss, X.shape[1], X.dtype, lambda: Covariance().fit(X).get_mahalanobis_matrix()
            )

    def _check_n_components(self, d):
        if self.n_components is not None and self.n_components > d:
            raise ValueError(f"n_components must be in [1, {d}], got {self.n_components}.")

    def _fit_loss(self, loss, d, dtype, covariance):
        """Fit on ``loss``, a :class:`_TripletLoss` or its distributed counterpart."""
        M, w, objective = self._alternate(loss, self._initial_metric(d, covariance))
        if not np.any(w):
            warnings.warn(
                f"{type(self).__name__}: every feature weight is zero, the metric is 0; "
                f"decrease alpha_weights (now {self.alpha_weights}).",
                UserWarning,
                stacklevel=3,
            )
        self.feature_weights_ = w.astype(dtype)
        self.feature_relations_ = M.astype(dtype)
        metric = w[:, None] * M * w[None, :]
        self.components_ = components_from_metric(metric, self.n_components, check=False).astype(
            dtype
        )
        self.objective_ = float(objective)
        return self

    def _alternate(self, loss, M):
        """The outer loop: M-block, w-block, rescaling, until the decrease is < tol."""
        args = (self.penalty, self.alpha_metric, self.alpha_weights)
        M, w, _ = balance_scale(M, np.ones(M.shape[0]), *args)
        objective = farm_objective(loss, M, w, *args)
        table = ProgressTable(type(self).__name__, self.verbose, ("objective", "weights kept"))
        step_metric = step_weights = 1.0
        converged = False
        for iteration in range(1, self.max_iter + 1):
            self.n_iter_ = iteration
            result = update_metric(
                loss, M, w, self.penalty, self.alpha_metric, step=step_metric, max_iter=_BLOCK_ITER
            )
            M, step_metric = result.x, result.step
            result = update_weights(
                loss, M, w, self.alpha_weights, step=step_weights, max_iter=_BLOCK_ITER
            )
            w, step_weights = result.x, result.step
            M, w, c = balance_scale(M, w, *args)
            # The block Lipschitz constants scale as c⁴ (M) and c⁻⁴ (w).
            step_metric, step_weights = step_metric / c**4, step_weights * c**4
            new_objective = farm_objective(loss, M, w, *args)
            table.row(iteration, new_objective, np.count_nonzero(w))
            decrease = (objective - new_objective) / max(abs(objective), 1e-300)
            objective = new_objective
            if decrease < self.tol:
                converged = True
                break
        if not converged:
            warn_not_converged(type(self).__name__, self.max_iter)
        return M, w, objective


_PARAMETERS_DOC = """
    penalty : {'fro', 'l1', 'nuclear'}, default='fro'
        Regulariser Ω of the feature-relation matrix M: ‖M‖²_F against
        overfitting, Σ|m_ab| for a sparse M, or the nuclear norm tr(M) for a
        low-rank M.
    alpha_metric : float >= 0, default=0.01
        λ₁, the weight of Ω(M).
    alpha_weights : float >= 0, default=0.01
        λ₂, the weight of ‖w‖₁; larger values zero more feature weights.
    n_components : int or None, default=None
        Rows of ``components_``: the best rank-k factor of M̂; None keeps its
        numerical rank.
    init : {'identity', 'covariance', 'random'} or ndarray of shape \
(n_features, n_features), default='identity'
        Initial M ('covariance': the pseudo-inverse of the data covariance;
        'random': AᵀA/d with A standard normal). The weights start at 1.
    max_iter : int, default=100
        Maximum number of outer (alternating) iterations.
    tol : float >= 0, default=1e-5
        Stop when the objective's relative decrease over an outer iteration
        falls below ``tol``.
    verbose : int, default=0
        Print the objective and the number of non-zero weights per iteration.
    random_state : int, RandomState instance or None, default=None
        Seed of ``init='random'``."""

_ATTRIBUTES_DOC = """
    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M̂ = diag(w) M diag(w).
    feature_weights_ : ndarray of shape (n_features,)
        The learned weights w ≥ 0; exact zeros mark discarded features.
    feature_relations_ : ndarray of shape (n_features, n_features)
        The learned PSD matrix M of relations between features.
    objective_ : float
        Final value of the objective.
    n_iter_ : int
        Outer iterations run.
    n_features_in_ : int
        Number of features seen during fit."""


class FARM(TripletsMixin, _BaseFARM):
    __doc__ = f"""Feature-Aware Metric learning from triplets.

    Learns M̂ = diag(w) M diag(w), per-feature weights w ≥ 0 times a PSD
    matrix M of feature relations, by minimising over triplets (i, j, k),
    "x_i is closer to x_j than to x_k",

        (1/|R|) Σ_R ℓ(d²_ik − d²_ij) + alpha_metric·Ω(M) + alpha_weights·‖w‖₁

    with ℓ the smoothed hinge of margin 1, alternating proximal gradient
    steps on M (with the PSD projection) and on w (non-negative soft
    threshold). The L1 penalty sets weights of irrelevant features to exactly
    zero. The maths is in the module docstring of ``mlearn.farm``; the
    defaults suit standardised features.

    Parameters
    ----------{_PARAMETERS_DOC}
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        Points that index triplets refer to, when triplets are given as
        indices. A dask array stays on the cluster: every sum over the tuples
        is taken there (see :doc:`/scaling`).
{_ATTRIBUTES_DOC}

    See Also
    --------
    FARMSupervised : the same learner fitted on labelled points.

    References
    ----------
    H.-J. Ye, D.-C. Zhan, X.-M. Si and Y. Jiang, "Learning Feature Aware
    Metric", Asian Conference on Machine Learning (ACML), 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import FARM
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 4))
    >>> X[:, 0] += 4 * (np.arange(60) % 2)
    >>> triplets = np.array([[i, (i + 2) % 60, (i + 1) % 60] for i in range(60)])
    >>> farm = FARM(preprocessor=X).fit(triplets)
    >>> farm.score(triplets) > 0.9
    True
    >>> int(np.argmax(farm.feature_weights_))
    0
    """

    _fits_on_dask = True

    _parameter_constraints: dict = {
        **_BaseFARM._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(
        self,
        penalty="fro",
        alpha_metric=0.01,
        alpha_weights=0.01,
        n_components=None,
        init="identity",
        max_iter=100,
        tol=1e-5,
        verbose=0,
        random_state=None,
        preprocessor=None,
    ):
        self.penalty = penalty
        self.alpha_metric = alpha_metric
        self.alpha_weights = alpha_weights
        self.n_components = n_components
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, triplets, y=None):
        """Learn the metric from triplets (anchor, closer point, farther point).

        Parameters
        ----------
        triplets : array-like of shape (n_triplets, 3, n_features), or (n_triplets, 3)
            Points, or indices into ``preprocessor``.
        y : None
            Ignored.

        Returns
        -------
        self : FARM
        """
        X, indices = self._validate_fit_tuples(triplets)
        return self._fit_triplets(X, indices)


class FARMSupervised(SupervisedMixin, _BaseFARM):
    __doc__ = f"""Feature-Aware Metric learning from labelled points.

    Builds kNN triplets from the labels (each point, its ``k_genuine``
    nearest same-class points, its ``k_impostor`` nearest other-class points,
    see :func:`mlearn.constraints.knn_triplets`) and fits :class:`FARM`'s
    solver on them:

        (1/|R|) Σ_R ℓ(d²_ik − d²_ij) + alpha_metric·Ω(M) + alpha_weights·‖w‖₁

    over M̂ = diag(w) M diag(w), M ⪰ 0, w ≥ 0.

    Parameters
    ----------{_PARAMETERS_DOC}
    k_genuine : int, default=3
        Same-class neighbours per point.
    k_impostor : int, default=10
        Other-class neighbours per point.
{_ATTRIBUTES_DOC}
    classes_ : ndarray of shape (n_classes,)
        Class labels seen during fit.

    See Also
    --------
    FARM : the same learner fitted on triplets.

    References
    ----------
    H.-J. Ye, D.-C. Zhan, X.-M. Si and Y. Jiang, "Learning Feature Aware
    Metric", Asian Conference on Machine Learning (ACML), 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import FARMSupervised
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(80) % 2
    >>> X = np.column_stack([y + 0.3 * rng.normal(size=80), rng.normal(size=(80, 5))])
    >>> farm = FARMSupervised(alpha_weights=0.05).fit(X, y)
    >>> np.flatnonzero(farm.feature_weights_).tolist()
    [0]
    """

    _parameter_constraints: dict = {
        **_BaseFARM._parameter_constraints,
        "k_genuine": [Interval(Integral, 1, None, closed="left")],
        "k_impostor": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        penalty="fro",
        alpha_metric=0.01,
        alpha_weights=0.01,
        n_components=None,
        init="identity",
        max_iter=100,
        tol=1e-5,
        verbose=0,
        random_state=None,
        k_genuine=3,
        k_impostor=10,
    ):
        self.penalty = penalty
        self.alpha_metric = alpha_metric
        self.alpha_weights = alpha_weights
        self.n_components = n_components
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.k_genuine = k_genuine
        self.k_impostor = k_impostor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the metric from points X and class labels y.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            A dask array stays on the cluster: the kNN triplets are searched
            and every sum over them is computed on the workers (see
            :doc:`/scaling`); the fit equals the in-memory one to rounding.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : FARMSupervised
        """
        if is_dask_array(X):
            # kNN triplets searched, and every sum over them taken, on the cluster.
            y = self._validate_supervised_dask(X, y, min_per_class=2)
            self._check_n_components(X.shape[1])
            return self._fit_triplets(X, knn_triplets_dask(X, y, self.k_genuine, self.k_impostor))
        X, y = self._validate_supervised(X, y, min_per_class=2)
        triplets = knn_triplets(X, y, self.k_genuine, self.k_impostor)
        return self._fit_triplets(X, triplets)
