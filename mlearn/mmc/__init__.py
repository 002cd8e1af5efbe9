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

Starting point. Both problems are convex, so ``init`` changes the path, not
the optimum. The solvers start from a metric M₀: the names the shared init
module defines as metrics ('identity', 'covariance', 'random', a d × d array)
are used as they are, those it defines as a linear map L₀ ('pca', 'lda',
'auto', a k × d array with k < d) as M₀ = L₀ᵀL₀. ``n_components`` truncates
the learned M after the solve, so where metric-learn's 'auto' rule picks the
identity (n_samples ≤ n_components) the start is the full identity.

Degenerate input. Directions along which every similar pair agrees (constant
features, duplicated points) cost nothing in f: if the dissimilar pairs differ
along such a direction the problem is unbounded there. The learned metric
gives those directions weight 0 (it lives on the span of the similar pairs'
differences) and a ``UserWarning`` says so. Without similar pairs, without
dissimilar pairs, or when no dissimilar pair differs on that span, fitting
raises a ``ValueError``.

Every quantity both solvers need is a sum over the pairs (or a change of the
paired points' coordinates), asked of one evaluator; on a dask array it is
built per shard of the pairs on the workers and the shards' sums are added,
so the fit equals the in-memory one to rounding.

Modules: ``_mmc`` (the estimators), ``_evaluator`` (the sums over the pairs),
``_standardize`` (the features' scale and the degenerate input), ``_full`` and
``_diagonal`` (the two solvers).

References
----------
E. P. Xing, A. Y. Ng, M. I. Jordan and S. Russell, "Distance metric learning,
with application to clustering with side-information", NIPS 2002.

D. P. Bertsekas, "Projected Newton methods for optimization problems with
simple constraints", SIAM J. Control and Optimization 20(2), 1982.

A. Beck and M. Teboulle, "A fast iterative shrinkage-thresholding algorithm for
linear inverse problems", SIAM J. Imaging Sciences 2(1), 2009.
"""

from ._mmc import MMC, MMCSupervised

__all__ = ["MMC", "MMCSupervised"]
