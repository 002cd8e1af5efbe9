"""LSML's compiled pass: the two distances of every quadruplet, read from the embedded points.

One fused gather-and-reduce loop over the quadruplets reads rows of Z (n_points ×
n_components, in cache) instead of writing two n_quadruplets × n_components difference
matrices, whose fresh pages cost more than their arithmetic at the sizes LSML meets.

Importing this module imports numba (about half a second): :mod:`mlearn.lsml._evaluator`
imports it inside the function that calls the kernel, so that ``import mlearn`` does not.
The kernel is compiled on first use and cached on disk (:mod:`mlearn._jit`).
"""

import numpy as np

from .._jit import jit


@jit
def quadruplet_distances(Z, quadruplets, d_ab, d_cd):
    # d_ab[q] = ‖z_a − z_b‖, d_cd[q] = ‖z_c − z_d‖ for the rows (a, b, c, d) of quadruplets.
    k = Z.shape[1]
    for q in range(quadruplets.shape[0]):
        a, b, c, d = quadruplets[q, 0], quadruplets[q, 1], quadruplets[q, 2], quadruplets[q, 3]
        s_ab = 0.0
        s_cd = 0.0
        for j in range(k):
            v = Z[a, j] - Z[b, j]
            u = Z[c, j] - Z[d, j]
            s_ab += v * v
            s_cd += u * u
        d_ab[q] = np.sqrt(s_ab)
        d_cd[q] = np.sqrt(s_cd)


@jit
def quadruplet_scatter_rows(X, quadruplets, omega_ab, omega_cd, R):
    # R = Lap(Ω) X for the graph of the pairs (a, b) weighted ω_ab and (c, d) weighted
    # ω_cd: row a gains ω (x_a − x_b) and row b loses it, so that
    # Xᵀ R = Σ_q ω_ab v vᵀ + ω_cd u uᵀ. Quadruplets of zero weight are skipped.
    R[:] = 0.0
    for q in range(quadruplets.shape[0]):
        for first, second, w in (
            (quadruplets[q, 0], quadruplets[q, 1], omega_ab[q]),
            (quadruplets[q, 2], quadruplets[q, 3], omega_cd[q]),
        ):
            if w != 0.0:
                for k in range(X.shape[1]):
                    step = w * (X[first, k] - X[second, k])
                    R[first, k] += step
                    R[second, k] -= step
