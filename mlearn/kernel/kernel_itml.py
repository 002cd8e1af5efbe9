"""Kernel ITML: ITML in a kernel's feature space (Davis et al. 2007, §4).

With the prior M₀ = I in feature space, Davis et al. show that the learned
metric is M = I + Φ S Φᵀ and that it is found by running ITML's Bregman
projections on the kernel matrix instead of on M (their Algorithm 2): for a
constraint on the pair (i, j), v = e_i − e_j, p = vᵀKv and

    K ← K + β K v vᵀ K,

the same rank-one update as linear ITML with the points replaced by the unit
vectors e_i and the prior by K. With K = F Fᵀ (F = V Λ^{1/2}, see
:mod:`mlearn.kernel._representer`), every iterate is K_t = F M_t Fᵀ, where M_t
are the iterates of linear ITML on the features F from the prior I: the
update above is F (M + β M f fᵀ M) Fᵀ with f = Fᵀv = f_i − f_j, and
p = fᵀ M f. So the learned kernel is K' = F M Fᵀ, and the same compiled sweep
runs in rank × rank instead of n × n memory. A point x maps to ψ(x) = P k_x
(P = Λ^{-1/2} Vᵀ), and d²(x, x') = ‖L(ψ(x) − ψ(x'))‖² with LᵀL = M, i.e.
x ↦ A k_x with A = L P; on training points this is exactly the learned kernel
distance K'_ii + K'_jj − 2 K'_ij.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ..itml import ITMLSupervised
from ._kernels import KERNEL_PARAMETER_CONSTRAINTS
from ._representer import RepresenterKernelLearner


class KernelITML(RepresenterKernelLearner):
    """Information-Theoretic Metric Learning in a kernel's feature space.

    Draws ``n_constraints`` similar and as many dissimilar pairs from the labels
    and learns the kernel matrix K' closest to K in LogDet divergence,

        min_{K' ≻ 0, ξ}  D_ld(K', K) + γ · D_ld(diag(ξ), diag(ξ₀))
        s.t.  K'_ii + K'_jj − 2K'_ij ≤ ξ_ij (similar),  ≥ ξ_ij (dissimilar),

    by Bregman projections (Davis et al. 2007, Algorithm 2; derivation in the
    module docstring). New points embed as A k_x, k_x their kernel values
    against the training points.

    Parameters
    ----------
    kernel : str or callable, default='rbf'
        'rbf', 'linear', 'poly', 'sigmoid', 'cosine', 'laplacian', ... or a callable,
        named and interpreted as in :class:`sklearn.decomposition.KernelPCA`.
    gamma : float, default=None
        Coefficient of the rbf, poly, sigmoid and laplacian kernels. None chooses it
        from the training points for 'rbf' and 'laplacian' by the median heuristic,
        γ = 1 / median ‖x − x'‖² (‖x − x'‖₁ for 'laplacian') over the training pairs,
        so that the kernel does not depend on the data's units; for the other kernels
        None means 1 / n_features. The value used is ``gamma_``.
    degree : int, default=3
        Degree of the poly kernel.
    coef0 : float, default=1
        Independent term of the poly and sigmoid kernels.
    kernel_params : dict, default=None
        Extra arguments of a callable kernel.
    rank_rtol : float in [0, 1), default=1e-5
        Eigenvalues of the training kernel matrix below ``rank_rtol`` times the
        largest are dropped, and the learner works in the span of the r
        remaining eigenvectors. Smooth kernels have fast-decaying spectra (rbf
        on the 1,797 sklearn digits: r = 563 at 1e-6, 61 at 1e-4), and the cost
        grows with r. 0 keeps the numerical rank (floor 1e-10).
    slack_weight : float > 0, default=1.0
        γ, the weight of the slack divergence (``gamma`` of :class:`ITML`);
        ``np.inf`` enforces the constraints exactly.
    bounds : (u, l) or None, default=None
        Thresholds on squared feature-space distances; None takes the 5th and
        95th percentiles of the squared kernel distances of the training pairs.
    n_components : int, default=None
        Output dimension; None keeps the rank of the training kernel matrix.
    n_constraints : int, default=None
        Similar pairs, and as many dissimilar pairs, drawn from the labels;
        None uses 20·n_classes² of each kind.
    max_iter : int, default=10000
        Maximum number of sweeps over the constraints (as :class:`ITML`'s).
    tol : float, default=1e-3
        Stop when the relative change of the dual variables falls below tol.
    random_state : int, RandomState instance or None, default=None
        Seeds the pairs drawn.
    verbose : int, default=0
        Print the solver's progress if > 0.

    Attributes
    ----------
    gamma_ : float or None
        The kernel coefficient the fit used: ``gamma``, or the median heuristic's.
    dual_coef_ : ndarray of shape (n_components, n_train)
        A; the embedding of x is A k_x.
    X_fit_ : ndarray of shape (n_train, n_features)
        The training points.
    bounds_ : ndarray of shape (2,)
        The thresholds (u, l) used.
    n_iter_ : int
        Sweeps over the constraints.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string feature names.

    See Also
    --------
    mlearn.ITMLSupervised : the linear learner.
    mlearn.KernelMetricLearner : the KPCA trick around any linear learner.

    References
    ----------
    J. V. Davis, B. Kulis, P. Jain, S. Sra and I. S. Dhillon,
    "Information-Theoretic Metric Learning", ICML 2007.

    Examples
    --------
    >>> from sklearn.datasets import make_circles
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from mlearn import KernelITML
    >>> X, y = make_circles(200, factor=0.3, noise=0.05, random_state=0)
    >>> model = KernelITML(gamma=2.0, random_state=0).fit(X, y)
    >>> Z = model.transform(X)
    >>> KNeighborsClassifier(3).fit(Z, y).score(Z, y) > 0.95
    True
    """

    _parameter_constraints: dict = {
        **KERNEL_PARAMETER_CONSTRAINTS,
        "rank_rtol": [Interval(Real, 0, 1, closed="left")],
        "slack_weight": [Interval(Real, 0, None, closed="neither")],
        "bounds": ["array-like", None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "n_constraints": [Interval(Integral, 1, None, closed="left"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        kernel="rbf",
        gamma=None,
        degree=3,
        coef0=1,
        kernel_params=None,
        rank_rtol=1e-5,
        slack_weight=1.0,
        bounds=None,
        n_components=None,
        n_constraints=None,
        max_iter=10000,
        tol=1e-3,
        random_state=None,
        verbose=0,
    ):
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.rank_rtol = rank_rtol
        self.slack_weight = slack_weight
        self.bounds = bounds
        self.n_components = n_components
        self.n_constraints = n_constraints
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def _output_dimension(self, rank):
        # ITML learns a full-rank metric: by default keep every direction.
        return rank if self.n_components is None else super()._output_dimension(rank)

    def _fit_features(self, F, y):
        itml = ITMLSupervised(
            gamma=self.slack_weight,
            max_iter=self.max_iter,
            tol=self.tol,
            prior="identity",
            bounds=None if self.bounds is None else np.asarray(self.bounds),
            n_components=self._output_dimension(F.shape[1]),
            n_constraints=self.n_constraints,
            random_state=self.random_state,
            verbose=self.verbose,
        ).fit(F, y)
        self.n_iter_ = itml.n_iter_
        self.bounds_ = itml.bounds_
        return itml.components_
