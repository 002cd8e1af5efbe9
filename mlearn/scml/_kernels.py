"""The compiled kernels of SCML: basis margins and the dual-averaging steps.

Imported from inside the functions that first need them
(:meth:`TripletBasisTerms.basis_margins <mlearn.scml._evaluator.TripletBasisTerms.basis_margins>`
and :func:`mlearn.scml._solver.dual_averaging`), so that ``import mlearn`` does not
import numba.
"""

import numpy as np

from .._jit import jit


@jit
def basis_margins(XB, triplets, out):
    """out_t = (XB_a − XB_p)² − (XB_a − XB_n)² (elementwise) for each triplet (a, p, n).

    Row t holds z_t, the gradient in w of the triplet's margin
    1 + d²_w(a, p) − d²_w(a, n) (Shi et al. 2014, eq. 4).
    """
    for t in range(triplets.shape[0]):
        a, p, n = triplets[t, 0], triplets[t, 1], triplets[t, 2]
        for b in range(XB.shape[1]):
            near = XB[a, b] - XB[p, b]
            far = XB[a, b] - XB[n, b]
            out[t, b] = near * near - far * far


@jit
def triplet_slacks(X, XM, triplets, out):
    """out_t = 1 + d²_M(a, p) − d²_M(a, n), with XM = X M: one pass, no temporaries."""
    for t in range(triplets.shape[0]):
        a, p, n = triplets[t, 0], triplets[t, 1], triplets[t, 2]
        total = 1.0
        for c in range(X.shape[1]):
            total += (X[a, c] - X[p, c]) * (XM[a, c] - XM[p, c])
            total -= (X[a, c] - X[n, c]) * (XM[a, c] - XM[n, c])
        out[t] = total


@jit
def dual_averaging_steps(Z, draws, w, mean_gradient, gradient_norm, first, gamma, beta, delta):
    """Run one RDA step per row of ``draws`` (indices into Z), updating w and the sums in place.

    Step t (counted from 0 over the whole run; the first row is step ``first``):

        g_t = (1/|batch|) Σ_{r in batch, 1 + z_rᵀ w > 0} z_r
        ḡ_t = (t ḡ_{t−1} + g_t) / (t + 1),   G_t = sqrt(G_{t−1}² + g_t²)
        w_{t+1} = (t + 1) / (γ (δ + G_t)) · max(−ḡ_t − β, 0)

    the closed-form minimiser over w ≥ 0 of ⟨ḡ_t, w⟩ + β‖w‖₁ +
    γ/(2(t + 1)) Σ_b (δ + G_{t,b}) w_b² (RDA with AdaGrad's diagonal proximal term).
    """
    n_basis = Z.shape[1]
    batch_size = draws.shape[1]
    g = np.empty(n_basis)
    # The slacks need only the bases with w_b > 0, which the ℓ1 term keeps few.
    support = np.flatnonzero(w > 0.0)
    n_support = support.shape[0]
    support = np.concatenate((support, np.empty(n_basis - n_support, dtype=support.dtype)))
    for s in range(draws.shape[0]):
        g[:] = 0.0
        for r in range(batch_size):
            row = draws[s, r]
            slack = 1.0
            for i in range(n_support):
                slack += Z[row, support[i]] * w[support[i]]
            if slack > 0.0:
                for b in range(n_basis):
                    g[b] += Z[row, b]
        t = first + s
        scale = (t + 1) / gamma
        n_support = 0
        for b in range(n_basis):
            gb = g[b] / batch_size
            mean_gradient[b] = (t * mean_gradient[b] + gb) / (t + 1)
            gradient_norm[b] = np.sqrt(gradient_norm[b] * gradient_norm[b] + gb * gb)
            w[b] = scale / (delta + gradient_norm[b]) * max(-mean_gradient[b] - beta, 0.0)
            if w[b] > 0.0:
                support[n_support] = b
                n_support += 1
