"""The full metric: accelerated projected gradient on the spectrahedron.

With A = Σ_S d dᵀ and B = U Λ^(−½) on A's span, M = B N Bᵀ has f(M) = tr N, so
the feasible set {f(M) ≤ 1, M ⪰ 0} (the constraint is active at the optimum)
becomes {N ⪰ 0, tr N = 1}, onto which the Frobenius projection is exact. FISTA
(:func:`mlearn._optim.proximal_gradient`) climbs g(N) = Σ_D ‖Bᵀd‖_N there and
stops on the certified Frank–Wolfe gap (Xing et al. 2002 state the problem;
Beck & Teboulle 2009 the accelerated method).
"""

import numpy as np
from scipy import linalg

from .._optim import proximal_gradient
from ..psd import project_spectrahedron, whitening_components
from ._standardize import UNBOUNDED_RTOL, no_dissimilar_spread, warn_unbounded


def _warn_if_unbounded(pairs, B, d):
    """Warn when the dissimilar pairs differ off the span of the similar ones (B's columns)."""
    inside = pairs.squared_distance_sum("dissimilar", (B / np.linalg.norm(B, axis=0)).T)
    total = pairs.squared_distance_sum("dissimilar", np.eye(d))
    if total - inside > UNBOUNDED_RTOL * total:
        warn_unbounded(d - B.shape[1])


def _initial_point(pairs, B, M0):
    """N₀ = B⁺ M₀ B⁺ᵀ on the spectrahedron, with g(N₀) and its gradient."""
    root = (B / np.sum(B * B, axis=0)).T  # B⁺ = Λ^½ Uᵀ
    N0 = root @ M0 @ root.T
    # tr N₀ ≤ ‖M₀‖₂ ‖B⁺‖²_F; far below that bound, M₀ is (to rounding) blind to the span
    # of the similar pairs' differences (a low-rank 'lda' or 'pca' start can be), and
    # dividing by the trace would overflow: such a start is treated as a blind one.
    size = float(np.trace(N0))
    seen = np.isfinite(size) and size > 1e-12 * np.linalg.norm(M0, 2) * np.sum(root * root)
    N0 = project_spectrahedron(N0 / size) if seen else np.zeros_like(N0)
    g0, G0 = pairs.dissimilar_sum_and_gradient(N0)
    if g0 <= 0:  # a start blind to every dissimilar pair: restart from the centre
        N0 = np.eye(B.shape[1]) / B.shape[1]
        g0, G0 = pairs.dissimilar_sum_and_gradient(N0)
        if g0 <= 0:
            raise no_dissimilar_spread()
    return N0, G0


def fit_full(pairs, d, M0, max_iter, tol, verbose, name):
    """Accelerated projected gradient on the spectrahedron; return (M with f(M) = 1, n_iter).

    ``pairs`` is the evaluator (:class:`~mlearn.mmc._evaluator.PairSums`, or
    its shards) on the ``d`` standardized features; ``M0`` is the start there.
    """
    A = pairs.scatter("similar")
    B = whitening_components(A).T  # d × r with BᵀAB = I: M = B N Bᵀ has f(M) = tr N
    _warn_if_unbounded(pairs, B, d)
    pairs.project(B)
    N0, G0 = _initial_point(pairs, B, M0)

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
        step=1.0 / max(float(np.linalg.norm(G0)), np.finfo(np.float64).tiny),
        max_iter=max_iter,
        stop=gap_within_tol,
        stop_rule=f"stops when the Frank-Wolfe gap <= tol={tol:g} times the objective",
        verbose=verbose,
        name=name,
    )
    return B @ result.x @ B.T, result.n_iter
