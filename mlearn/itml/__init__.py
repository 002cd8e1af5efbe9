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
definite; a sweep over all constraints is compiled with numba (the
kernel form, :class:`mlearn.KernelITML`, runs the same sweeps), and the sweeps
stop when the relative change of λ, ‖λ_k − λ_{k−1}‖₂ / ‖λ_k‖₂, falls below
``tol``. γ = ∞ enforces the constraints exactly (ξ stays at u and l).

Shrinking (as in SVM solvers): a constraint whose λ is 0 after a full sweep was
satisfied when visited and changes nothing while it stays satisfied. Between
full sweeps (one in ten, or sooner when λ settles), only the constraints with
λ > 0 are visited; convergence is declared only on a full sweep, so the
criterion is the one above. On digits about a third of the constraints are
idle, and shrinking saves about 15–20% of the time.

The prior M₀ is the identity (by default, unless the features' spreads are in
different units: then diag(1/σ²), the standardised features), the inverse
covariance of the points in the pairs, a random metric LᵀL / d (L standard
normal), or a given matrix; it must be strictly positive definite, since
D_ld(M, M₀) needs M₀⁻¹.

Default bounds (our choice, documented in the estimators): u and l are the 5th
and 95th percentiles of the *squared* prior distances d²_{M₀} between the points
that appear in the training pairs (all pairs of them, or a seeded sample of 10⁶
pairs), as in the authors' code, so that they are on the scale the constraints
compare them with. metric-learn 0.7.0 takes the same percentiles of *unsquared*
distances and compares them with squared distances. (Percentiles over the
constraint pairs themselves, half of them similar, put u too low: on digits
5-NN accuracy fell from 0.985 to 0.980, the Euclidean level.)

:class:`ITML` learns from labelled pairs; :class:`ITMLSupervised` draws
``n_constraints`` similar pairs and as many dissimilar pairs from class labels
and runs the same solver. ``partial_fit`` learns from a stream of chunks: each call
projects the current metric onto the chunk's constraints with the same sweeps, from dual
variables for that chunk only (:mod:`mlearn.itml._online` gives the problem solved per call
and its order effects). The projections are sequential, so a fit on a dask
array (X, or the ``preprocessor`` of index pairs) fetches only the rows the
pairs use, at most two per pair, and solves in memory.
"""

from ._itml import ITML, ITMLSupervised

__all__ = ["ITML", "ITMLSupervised"]
