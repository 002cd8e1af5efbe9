"""ITML: Information-Theoretic Metric Learning (Davis, Kulis, Jain, Sra, Dhillon, ICML 2007).

Given a prior metric M₀ ≻ 0, similar pairs S, dissimilar pairs D and thresholds
u ≤ l on squared distances, ITML solves

    minimise_{M ≻ 0, ξ}   D_ld(M, M₀) + γ · D_ld(diag(ξ), diag(ξ₀))
    subject to            d²_M(x_i, x_j) ≤ ξ_ij   for (i, j) in S,
                          d²_M(x_i, x_j) ≥ ξ_ij   for (i, j) in D,

where d²_M(x, x') = (x − x')ᵀ M (x − x'), D_ld(A, B) = tr(AB⁻¹) − log det(AB⁻¹) − n
is the LogDet divergence, and the slacks start at ξ₀ = u for S and l for D. The
problem is convex. It is solved by cyclic Bregman projections with Hildreth's
dual corrections (Algorithm 1 of the paper): for constraint c with difference
v = x_i − x_j, sign δ = +1 (similar) or −1 (dissimilar), dual variable λ_c ≥ 0
and p = vᵀMv,

    α   = min(λ_c, δ · γ/(γ + 1) · (1/p − 1/ξ_c))
    λ_c ← λ_c − α
    M   ← M + β (Mv)(Mv)ᵀ,   β = δα / (1 − δαp)     (M⁻¹ ← M⁻¹ − δα vvᵀ)
    1/ξ_c ← 1/ξ_c + δα/γ.

Each projection is one rank-one update, O(d²). The denominators are positive
by construction (|α|p < 1 on the side that shrinks M), so M stays positive
definite; a sweep over all constraints is compiled with numba
(:mod:`mlearn._bregman`, which the kernel form reuses), and the sweeps
stop when the relative change of λ, ‖λ_k − λ_{k−1}‖₂ / ‖λ_k‖₂, falls below
``tol``. γ = ∞ enforces the constraints exactly (ξ stays at u and l).

Shrinking (as in SVM solvers): a constraint whose λ is 0 after a full sweep was
satisfied when visited and changes nothing while it stays satisfied. Between
full sweeps (one in ten, or sooner when λ settles), only the constraints with
λ > 0 are visited; convergence is declared only on a full sweep, so the
criterion is the one above. On digits about a third of the constraints are
idle, and shrinking saves about 15–20% of the time.

Default bounds (our choice, documented in the estimators): u and l are the 5th
and 95th percentiles of the *squared* prior distances d²_{M₀} between the points
that appear in the training pairs (all pairs of them, or a seeded sample of 10⁶
pairs), as in the authors' code, so that they are on the scale the constraints
compare them with. metric-learn 0.7.0 takes the same percentiles of *unsquared*
distances and compares them with squared distances. (Percentiles over the
constraint pairs themselves, half of them similar, put u too low: on digits
5-NN accuracy fell from 0.985 to 0.980, the Euclidean level.)
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.datasets import make_spd_matrix
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions

from ._optim import ProgressTable, warn_not_converged
from .base import MahalanobisMixin, PairsMixin, SupervisedMixin, rows_per_block
from .constraints import similar_dissimilar_pairs
from .covariance import Covariance
from .psd import PSD_RTOL, check_psd, components_from_metric

__all__ = ["ITML", "ITMLSupervised"]


# With shrinking, every this many sweeps is a full one (see _itml_solve).
_FULL_SWEEP_EVERY = 10


def _itml_solve(
    X, pairs, signs, prior, bounds, gamma, *, max_iter, tol, shrink=True, verbose=0, name="ITML"
):
    """Run cyclic Bregman projections until λ settles; the solver behind ITML.

    Parameters
    ----------
    X : ndarray of shape (n_points, d)
        Points; a pair's difference vector is X[a] − X[b]. For the kernel form
        (Davis et al., Algorithm 2) pass X = identity(n) and prior = K: the
        differences are e_a − e_b and the result is the learned kernel matrix.
    pairs : ndarray of shape (n_pairs, 2), intp
        Rows of X; pairs with X[a] = X[b] must have been removed.
    signs : ndarray of shape (n_pairs,)
        +1 similar, −1 dissimilar.
    prior : ndarray of shape (d, d)
        Strictly positive definite M₀ (not checked here).
    bounds : (u, l)
        Initial slacks of similar and dissimilar pairs, both > 0.
    gamma : float > 0 or inf
    max_iter, tol : int, float
        As for :class:`ITML`.
    shrink : bool, default=True
        Between full sweeps, visit only the constraints whose λ is positive
        (see below). False makes every sweep a full one.

    Returns
    -------
    M : ndarray of shape (d, d), float64, symmetric positive definite
    slack : ndarray of shape (n_pairs,)
        Final slacks ξ.
    dual : ndarray of shape (n_pairs,)
        Final dual variables λ ≥ 0.
    n_iter : int
        Sweeps run (full or shrunk).

    Notes
    -----
    Shrinking, as in SVM solvers: a constraint whose λ is 0 after a full sweep
    was satisfied when visited and contributes nothing while it stays so. Up
    to ``_FULL_SWEEP_EVERY − 1`` sweeps after a full one visit only the
    constraints with λ > 0; then, or as soon as such a sweep meets ``tol``, a
    full sweep follows. Convergence is only declared on a full sweep, so the
    result meets the same criterion as without shrinking, and every
    constraint is visited at bounded intervals (the "almost cyclic" control
    under which Bregman's method converges).
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    M = np.array(prior, dtype=np.float64, order="C", copy=True)
    first = np.ascontiguousarray(pairs[:, 0], dtype=np.intp)
    second = np.ascontiguousarray(pairs[:, 1], dtype=np.intp)
    signs = np.ascontiguousarray(signs, dtype=np.float64)
    slack = np.where(signs > 0, float(bounds[0]), float(bounds[1]))
    dual = np.zeros(first.shape[0])
    # Imported here so that `import mlearn` does not import numba.
    from ._bregman import logdet_projection_sweep as sweep

    table = ProgressTable(name, verbose, ("lambda change", "visited"))
    everything = np.arange(first.shape[0], dtype=np.intp)
    visit, since_full = everything, 0
    converged, n_iter = False, 0
    for n_iter in range(1, max_iter + 1):
        previous = dual.copy()
        sweep(M, X, first, second, signs, slack, dual, float(gamma), visit)
        norm = np.linalg.norm(dual)
        change = np.linalg.norm(dual - previous) / norm if norm > 0 else 0.0
        table.row(n_iter, change, visit.shape[0])
        full = visit.shape[0] == everything.shape[0]
        if full and change <= tol:
            converged = True
            break
        since_full = 0 if full else since_full + 1
        if not shrink or change <= tol or since_full >= _FULL_SWEEP_EVERY - 1:
            visit = everything
        elif full:
            visit = np.flatnonzero(dual > 0).astype(np.intp)
    if not converged:
        # Every sweep increases the dual objective: the last iterate is the best one.
        warn_not_converged(name, max_iter)
    return (M + M.T) / 2, slack, dual, n_iter


def _prior_metric(prior, X, random_state):
    """The prior M₀ ≻ 0 from the ``prior`` parameter; ValueError unless strictly PD."""
    d = X.shape[1]
    if isinstance(prior, str):
        if prior == "identity":
            return np.eye(d)
        if prior == "random":
            return make_spd_matrix(d, random_state=random_state)
        # 'covariance': the inverse covariance of the points, which must be full rank.
        if X.shape[0] < 2:
            raise ValueError("prior='covariance' needs at least 2 distinct points.")
        L = Covariance().fit(X).components_
        if L.shape[0] < d:
            raise ValueError(
                f"prior='covariance' needs a strictly positive definite covariance, but the "
                f"covariance of the training points has rank {L.shape[0]} < {d} features "
                f"(constant or collinear features); use prior='identity' or pass a matrix."
            )
        return L.T @ L
    M0 = np.asarray(prior, dtype=np.float64)
    if M0.shape != (d, d):
        raise ValueError(f"prior must be a ({d}, {d}) matrix for {d} features, got {M0.shape}.")
    M0 = check_psd(M0, name="prior")
    w = np.linalg.eigvalsh(M0)
    if not w[0] > PSD_RTOL * w[-1]:
        raise ValueError(
            f"prior must be strictly positive definite: its smallest eigenvalue is {w[0]:.3g} "
            f"(largest {w[-1]:.3g}); ITML's LogDet divergence needs an invertible prior."
        )
    return M0


# Point pairs whose distances set the default bounds: all of them up to this many,
# else a random sample of this size.
_BOUND_PAIRS = 1_000_000


def _default_bounds(points, prior, random_state):
    """5th and 95th percentiles of the squared prior distances between the points.

    Over all pairs of points (a seeded random sample of ``_BOUND_PAIRS`` of them
    when there are more), computed in blocks bounded by ``working_memory``.
    """
    # prior = C Cᵀ, so d²_{M₀}(x, x') = ‖(x − x') C‖².
    Z = points @ np.linalg.cholesky(prior)
    n = Z.shape[0]
    if n * (n - 1) // 2 <= _BOUND_PAIRS:
        # All pairs: blocks of rows of the squared distance matrix (one GEMM each),
        # keeping the entries above the diagonal.
        parts = []
        for block in gen_batches(n, rows_per_block(n * Z.itemsize, n)):
            D = euclidean_distances(Z[block], Z, squared=True)
            parts.append(D[np.arange(n)[None, :] > np.arange(n)[block, None]])
        squared = np.concatenate(parts)
    else:
        rng = check_random_state(random_state)
        first = rng.randint(n, size=_BOUND_PAIRS)
        second = rng.randint(n - 1, size=_BOUND_PAIRS)
        second += second >= first  # a uniform other point
        squared = np.empty(_BOUND_PAIRS)
        for block in gen_batches(
            _BOUND_PAIRS, rows_per_block(Z.itemsize * Z.shape[1], _BOUND_PAIRS)
        ):
            diff = Z[first[block]] - Z[second[block]]
            squared[block] = np.einsum("ij,ij->i", diff, diff)
    u, l = np.percentile(squared, (5, 95))
    return np.array([max(u, np.finfo(np.float64).tiny), max(l, u)])


def _check_bounds(bounds):
    """The ``bounds`` parameter as a float array (u, l); ValueError unless 0 < u <= l."""
    try:
        values = np.asarray(bounds, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        values = np.empty(0)
    if values.shape != (2,) or not np.all(np.isfinite(values)) or not 0 < values[0] <= values[1]:
        raise ValueError(
            f"bounds must be two finite numbers (u, l) with 0 < u <= l, got {bounds!r}."
        )
    return values


class _BaseITML(MahalanobisMixin, BaseEstimator):
    """Parameters and the fit shared by ITML and ITMLSupervised."""

    _parameter_constraints: dict = {
        "gamma": [Interval(numbers.Real, 0, np.inf, closed="right")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "prior": [StrOptions({"identity", "covariance", "random"}), "array-like"],
        "bounds": ["array-like", None],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _fit_pairs(self, X, pairs, signs, random_state):
        """Learn M from (X, pairs, signs); set components_, bounds_, n_iter_."""
        d = X.shape[1]
        if self.n_components is not None and self.n_components > d:
            raise ValueError(f"n_components must be in [1, {d}], got {self.n_components}.")
        X64 = X.astype(np.float64, copy=False)
        prior = _prior_metric(self.prior, X64[np.unique(pairs)], random_state)
        # A pair of identical points says nothing about M (its distance is always 0).
        informative = np.any(X64[pairs[:, 0]] != X64[pairs[:, 1]], axis=1)
        if not np.any(informative):
            raise ValueError("Every pair joins two identical points: there is nothing to learn.")
        pairs, signs = pairs[informative], signs[informative]
        if self.bounds is None:
            # Distinct points: pairs given as points repeat a point once per pair.
            points = np.unique(X64[np.unique(pairs)], axis=0)
            self.bounds_ = _default_bounds(points, prior, random_state)
        else:
            self.bounds_ = _check_bounds(self.bounds)
        M, _, _, self.n_iter_ = _itml_solve(
            X64,
            pairs,
            signs,
            prior,
            self.bounds_,
            self.gamma,
            max_iter=self.max_iter,
            tol=self.tol,
            verbose=self.verbose,
            name=type(self).__name__,
        )
        self.components_ = components_from_metric(M, self.n_components, check=False).astype(
            X.dtype, copy=False
        )


_PARAMETERS_DOC = """
    gamma : float > 0, default=1.0
        Weight γ of the slack divergence: small values tolerate violated
        constraints, ``np.inf`` enforces them exactly (they must then be
        feasible).
    max_iter : int, default=1000
        Maximum number of sweeps over the constraints (full sweeps, and in
        between sweeps over those with a positive dual variable; see
        :mod:`mlearn.itml`).
    tol : float, default=1e-3
        Stop when the relative change of the dual variables over a full sweep,
        ‖λ_k − λ_{k−1}‖₂ / ‖λ_k‖₂, is at most ``tol``.
    prior : {'identity', 'covariance', 'random'} or array of shape (n_features, n_features), \
default='identity'
        The prior metric M₀, which must be strictly positive definite (else a
        ValueError): the identity; the inverse covariance of the points in the
        pairs (which must be full rank); a random SPD matrix
        (``sklearn.datasets.make_spd_matrix`` seeded by ``random_state``); or
        the given matrix.
    bounds : array-like of 2 floats (u, l), default=None
        Thresholds on *squared* distances: similar pairs should have
        d²_M ≤ u, dissimilar pairs d²_M ≥ l (0 < u ≤ l). None uses the 5th
        and 95th percentiles of the squared prior distances d²_{M₀} between
        the points of the training pairs (all pairs of those points, or a
        sample of 10⁶ pairs seeded by ``random_state``).
    n_components : int, default=None
        Rows of ``components_``: the best rank-k approximation of the learned
        M (its k leading eigenpairs). None keeps full rank."""

_ATTRIBUTES_DOC = """
    components_ : ndarray of shape (n_components, n_features)
        L with LᵀL = M, the learned metric; X's float dtype (the projections
        themselves run in float64).
    bounds_ : ndarray of shape (2,)
        The thresholds (u, l) used.
    n_iter_ : int
        Sweeps over the constraints run by the solver (full or shrunk).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string feature names."""

_REFERENCE_DOC = """
    J. V. Davis, B. Kulis, P. Jain, S. Sra and I. S. Dhillon, "Information-theoretic
    metric learning", ICML 2007."""


class ITML(PairsMixin, _BaseITML):
    """Information-Theoretic Metric Learning from similar and dissimilar pairs.

    Finds the metric M closest to a prior M₀ in LogDet divergence such that
    similar pairs have squared distance at most u and dissimilar pairs at
    least l, up to slacks ξ penalised with weight γ:

        min_{M ≻ 0, ξ}  D_ld(M, M₀) + γ · D_ld(diag(ξ), diag(ξ₀))
        s.t.  d²_M(a, b) ≤ ξ_ab (similar),  d²_M(a, b) ≥ ξ_ab (dissimilar),

    with D_ld(A, B) = tr(AB⁻¹) − log det(AB⁻¹) − n and ξ₀ = u, l. Solved
    exactly by cyclic Bregman projections, one rank-one update per constraint,
    in compiled code (see :mod:`mlearn.itml`).

    Parameters
    ----------{params}
    random_state : int, RandomState instance or None, default=None
        Seeds the prior when ``prior='random'``.
    verbose : int, default=0
        Print the relative change of λ after each sweep if > 0.
    preprocessor : array-like of shape (n_points, n_features) or callable, default=None
        Points that index pairs refer to (pairs then come as an (n_pairs, 2)
        integer array), or a callable mapping indices to points.

    Attributes
    ----------{attributes}
    threshold_ : float
        Pairs at distance ≤ ``threshold_`` are predicted similar; set to
        maximise accuracy on the training pairs.

    See Also
    --------
    ITMLSupervised : the same learner from class labels.

    References
    ----------{reference}

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import ITML
    >>> X = np.array([[0.0, 0.0], [0.1, 3.0], [2.0, 0.2], [2.1, 3.1]])
    >>> pairs = [[0, 1], [2, 3], [0, 2], [1, 3]]  # same first feature = similar
    >>> itml = ITML(preprocessor=X).fit(pairs, [1, 1, -1, -1])
    >>> itml.predict([[0, 1], [1, 2]])
    array([ 1, -1])
    """

    def __init__(
        self,
        gamma=1.0,
        max_iter=1000,
        tol=1e-3,
        prior="identity",
        bounds=None,
        n_components=None,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.gamma = gamma
        self.max_iter = max_iter
        self.tol = tol
        self.prior = prior
        self.bounds = bounds
        self.n_components = n_components
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    _parameter_constraints: dict = {
        **_BaseITML._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, pairs, y):
        """Learn the metric from labelled pairs.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or (n_pairs, 2) indices
            Indices need the ``preprocessor`` parameter.
        y : array-like of shape (n_pairs,)
            +1 for similar pairs, −1 for dissimilar pairs.

        Returns
        -------
        self : ITML
        """
        X, indices, y = self._validate_fit_pairs(pairs, y)
        self._fit_pairs(X, indices, y, check_random_state(self.random_state))
        self._fit_threshold(X, indices, y)
        return self


class ITMLSupervised(SupervisedMixin, _BaseITML):
    """Information-Theoretic Metric Learning from class labels.

    Draws ``n_constraints`` balanced pairs from the labels (half similar: same
    class, half dissimilar: different classes; see
    :func:`mlearn.constraints.similar_dissimilar_pairs`) and learns from them
    with the very solver of :class:`ITML`:

        min_{M ≻ 0, ξ}  D_ld(M, M₀) + γ · D_ld(diag(ξ), diag(ξ₀))
        s.t.  d²_M(a, b) ≤ ξ_ab (similar),  d²_M(a, b) ≥ ξ_ab (dissimilar).

    Parameters
    ----------{params}
    n_constraints : int, default=None
        Number of pairs drawn from the labels, in total. None uses
        40·n_classes² (20·n_classes² similar and as many dissimilar pairs:
        the 4,000 pairs metric-learn 0.7.0 draws for 10 classes).
    random_state : int, RandomState instance or None, default=None
        Seeds the pairs drawn and the prior when ``prior='random'``.
    verbose : int, default=0
        Print the relative change of λ after each sweep if > 0.

    Attributes
    ----------{attributes}
    classes_ : ndarray of shape (n_classes,)
        The class labels seen during fit.

    See Also
    --------
    ITML : the same learner from labelled pairs.

    References
    ----------{reference}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from mlearn import ITMLSupervised
    >>> X, y = load_iris(return_X_y=True)
    >>> itml = ITMLSupervised(tol=1e-2, random_state=0)
    >>> model = make_pipeline(itml, KNeighborsClassifier())
    >>> print(round(cross_val_score(model, X, y).mean(), 2))
    0.97
    """

    _parameter_constraints: dict = {
        **_BaseITML._parameter_constraints,
        "n_constraints": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        gamma=1.0,
        max_iter=1000,
        tol=1e-3,
        prior="identity",
        bounds=None,
        n_components=None,
        n_constraints=None,
        random_state=None,
        verbose=0,
    ):
        self.gamma = gamma
        self.max_iter = max_iter
        self.tol = tol
        self.prior = prior
        self.bounds = bounds
        self.n_components = n_components
        self.n_constraints = n_constraints
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Draw pairs from the labels and learn the metric from them.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            A dask array stays on the cluster: only the rows the drawn pairs use
            are fetched, and the fit equals the in-memory one.
        y : array-like of shape (n_samples,)
            Class labels; at least two classes.

        Returns
        -------
        self : ITMLSupervised
        """
        rng = check_random_state(self.random_state)

        def draw_pairs(y):
            n_classes = self.classes_.shape[0]
            n = 40 * n_classes**2 if self.n_constraints is None else self.n_constraints
            return similar_dissimilar_pairs(y, n, random_state=rng)

        # With a dask X only the paired rows are fetched: the sequential projections
        # run here, on all the points the objective depends on.
        X, pairs, signs = self._validate_and_draw_pairs(X, y, draw_pairs)
        self._fit_pairs(X, pairs, signs, rng)
        return self


# The two classes share these sections; str.replace, since the maths contains braces.
for _cls in (ITML, ITMLSupervised):
    for _key, _text in (
        ("{params}", _PARAMETERS_DOC),
        ("{attributes}", _ATTRIBUTES_DOC),
        ("{reference}", _REFERENCE_DOC),
    ):
        _cls.__doc__ = _cls.__doc__.replace(_key, _text)
