"""SDML's compiled pass: one sweep of the graphical lasso's block coordinate descent.

For each row i in turn, with W the current estimate of P⁻¹ (the "covariance", W_ii
fixed at P_ii), Θ the current precision and the rest of the row written β, the sweep
solves the lasso of Friedman, Hastie and Tibshirani (2008, eq. 2.4)

    min_β  ½ βᵀ W₁₁ β − s₁₂ᵀ β + λ ‖β‖₁,      s₁₂ = P[i, others],

by cyclic coordinate descent warm-started from the current Θ (β = −Θ₁₂ / Θ_ii), then
sets W₁₂ = W₁₁ β and Θ_ii = 1 / (W_ii − W₁₂ᵀ β), Θ₁₂ = −Θ_ii β (their eq. 2.13).
W₁₁ β is kept as one running vector h updated by a column of W per changed
coefficient, so no (d − 1) × (d − 1) sub-matrix is ever copied.

Importing this module imports numba (about half a second): :mod:`mlearn.sdml._glasso`
imports it inside the function that calls the kernel, so that ``import mlearn`` does not.
The kernel is compiled on first use and cached on disk (:mod:`mlearn._jit`).
"""

from .._jit import jit

# Added to Θ_ii in the warm start: keeps the division finite on an exactly zero entry.
_WARM_START_EPS = 1000 * 2.220446049250313e-16


@jit
def _lasso_row(P, W, idx, alpha, tol, max_iter, beta, h):
    # Cyclic coordinate descent on row idx's lasso; on return h = W β (h[idx] = W₁₂ᵀ β).
    n = P.shape[0]
    for k in range(n):
        h[k] = 0.0
    for j in range(n):
        if j != idx and beta[j] != 0.0:
            for k in range(n):
                h[k] += W[j, k] * beta[j]
    for _ in range(max_iter):
        largest_step = 0.0
        largest_coefficient = 0.0
        for j in range(n):
            if j == idx:
                continue
            old = beta[j]
            rho = P[idx, j] - h[j] + W[j, j] * old
            new = 0.0
            if rho > alpha:
                new = (rho - alpha) / W[j, j]
            elif rho < -alpha:
                new = (rho + alpha) / W[j, j]
            if new != old:
                step = new - old
                for k in range(n):
                    h[k] += W[j, k] * step
                beta[j] = new
                largest_step = max(largest_step, abs(step))
            largest_coefficient = max(largest_coefficient, abs(new))
        if largest_coefficient == 0.0 or largest_step <= tol * largest_coefficient:
            return


@jit
def graphical_lasso_sweep(P, W, Theta, alpha, tol, max_iter, beta, h):
    # One pass over the rows, updating W (≈ P⁻¹ made sparse-precision) and Θ in place.
    n = P.shape[0]
    for idx in range(n):
        scale = Theta[idx, idx] + _WARM_START_EPS
        for j in range(n):
            beta[j] = -Theta[j, idx] / scale
        beta[idx] = 0.0
        _lasso_row(P, W, idx, alpha, tol, max_iter, beta, h)
        theta = 1.0 / (W[idx, idx] - h[idx])
        for j in range(n):
            if j != idx:
                Theta[j, idx] = -theta * beta[j]
                Theta[idx, j] = -theta * beta[j]
                W[idx, j] = h[j]
                W[j, idx] = h[j]
        Theta[idx, idx] = theta


@jit
def pair_difference_rows(X, first, second, weights, R):
    # R = Lap(W) X for the pair graph W: row a gains w (x_a − x_b), row b loses it, so
    # that Xᵀ R = Σ_p w_p (x_a − x_b)(x_a − x_b)ᵀ.
    R[:] = 0.0
    for p in range(first.shape[0]):
        a, b, w = first[p], second[p], weights[p]
        for k in range(X.shape[1]):
            step = w * (X[a, k] - X[b, k])
            R[a, k] += step
            R[b, k] -= step
