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
def dual_averaging_steps(Z, draws, w, gradient_sum, gradient_norm, first, gamma, beta, delta):
    """Run one RDA step per row of ``draws`` (indices into the rows z_r of Z), in place.

    Step t (counted from 0 over the whole run; the first row is step ``first``):

        g_t = (1/|batch|) Σ_{r in batch, 1 + z_rᵀ w > 0} z_r
        S_t = S_{t−1} + g_t,   G_t = sqrt(G_{t−1}² + g_t²)
        w_{t+1} = max(−S_t − β (t + 1), 0) / (γ (δ + G_t))

    which is (t + 1)/(γ(δ + G_t)) · max(−ḡ_t − β, 0) with ḡ_t = S_t/(t + 1), the
    closed-form minimiser over w ≥ 0 of ⟨ḡ_t, w⟩ + β‖w‖₁ + γ/(2(t + 1)) Σ_b
    (δ + G_{t,b}) w_b² (RDA with AdaGrad's diagonal proximal term).
    """
    g = np.zeros(Z.shape[1])
    support, n_support = _support(w)
    for s in range(draws.shape[0]):
        any_active = False
        for r in range(draws.shape[1]):
            row = draws[s, r]
            slack = 1.0
            for i in range(n_support):
                slack += Z[row, support[i]] * w[support[i]]
            if slack > 0.0:
                any_active = True
                for b in range(Z.shape[1]):
                    g[b] += Z[row, b]
        args = (gamma, beta, delta, support, n_support)
        n_support = _weights_step(
            g, any_active, draws.shape[1], w, gradient_sum, gradient_norm, first + s, *args
        )


@jit
def dual_averaging_steps_on_points(
    XB, triplets, draws, w, gradient_sum, gradient_norm, first, gamma, beta, delta
):
    """:func:`dual_averaging_steps` with z_r formed from the projected points as needed.

    ``draws`` index ``triplets`` (rows (a, p, n) into XB). Only the bases with
    w_b > 0 enter a slack, and z_r is formed in full only for the triplets with
    a positive slack: about twice as fast as writing the margins out first.
    """
    g = np.zeros(XB.shape[1])
    support, n_support = _support(w)
    for s in range(draws.shape[0]):
        any_active = False
        for r in range(draws.shape[1]):
            t = draws[s, r]
            a, p, n = triplets[t, 0], triplets[t, 1], triplets[t, 2]
            slack = 1.0
            for i in range(n_support):
                b = support[i]
                near, far = XB[a, b] - XB[p, b], XB[a, b] - XB[n, b]
                slack += (near * near - far * far) * w[b]
            if slack > 0.0:
                any_active = True
                for b in range(XB.shape[1]):
                    near, far = XB[a, b] - XB[p, b], XB[a, b] - XB[n, b]
                    g[b] += near * near - far * far
        args = (gamma, beta, delta, support, n_support)
        n_support = _weights_step(
            g, any_active, draws.shape[1], w, gradient_sum, gradient_norm, first + s, *args
        )


@jit
def _support(w):
    """The indices b with w_b > 0 at the front of an n_basis buffer, and how many."""
    support = np.empty(w.shape[0], dtype=np.int64)
    n_support = 0
    for b in range(w.shape[0]):
        if w[b] > 0.0:
            support[n_support] = b
            n_support += 1
    return support, n_support


@jit
def _weights_step(
    g,
    any_active,
    batch_size,
    w,
    gradient_sum,
    gradient_norm,
    t,
    gamma,
    beta,
    delta,
    support,
    n_support,
):
    """Step t of RDA from the summed minibatch gradient g (zeroed after); the new support size.

    A step whose minibatch has no positive hinge leaves S and G as they are, so only
    the weights on the support change (by −β/(γ(δ + G_b)), never from 0 to positive):
    late in a fit, when few triplets are active, most steps cost O(support).
    """
    if not any_active:
        kept = 0
        for i in range(n_support):
            b = support[i]
            w[b] = max(-gradient_sum[b] - beta * (t + 1), 0.0) / (
                gamma * (delta + gradient_norm[b])
            )
            if w[b] > 0.0:
                support[kept] = b
                kept += 1
        return kept
    # Branch-free, so that it vectorises; the support is gathered in a second pass.
    for b in range(w.shape[0]):
        gb = g[b] / batch_size
        g[b] = 0.0
        gradient_sum[b] += gb
        gradient_norm[b] = np.sqrt(gradient_norm[b] * gradient_norm[b] + gb * gb)
        w[b] = max(-gradient_sum[b] - beta * (t + 1), 0.0) / (gamma * (delta + gradient_norm[b]))
    n_support = 0
    for b in range(w.shape[0]):
        if w[b] > 0.0:
            support[n_support] = b
            n_support += 1
    return n_support
