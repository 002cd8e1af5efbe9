"""TripletSVM: a metric from relative comparisons (Schultz & Joachims 2003).

Each triplet (i, j, k) states that x_i is closer to x_j than to x_k. With a
fixed basis A (d × m; the identity by default) and weights w ≥ 0, the
distance is d²(x, y) = (x − y)ᵀ A diag(w) Aᵀ (x − y), and the learner solves

    minimise    ½ ‖A diag(w) Aᵀ‖²_F + C Σ_t ξ_t
    subject to  d²(x_i, x_k) − d²(x_i, x_j) ≥ 1 − ξ_t,  ξ_t ≥ 0,  w ≥ 0.

With z_t = (Aᵀ(x_i − x_k))² − (Aᵀ(x_i − x_j))² (squares elementwise) the
constraints read z_tᵀ w ≥ 1 − ξ_t and the regulariser is ½ wᵀ Q w with
Q = (AᵀA) ∘ (AᵀA), so this is an SVM-type QP in m weights. It is solved by a
primal-dual interior point method (Mehrotra's predictor-corrector with
Gondzio's centrality correctors) on w, ξ and the surpluses s = Zw + ξ − 1,
with multipliers ν (w ≥ 0), α (margins) and μ (ξ ≥ 0), α + μ = C. All but
Δw is eliminated from each Newton system, which leaves

    (Q + Zᵀ diag(αμ / (αξ + sμ)) Z + diag(ν / w)) Δw = r,

an m × m positive definite system: an iteration is one GEMM over the
triplets plus a few products with Z, whatever their number. Z is formed
from the points and the index triplets, whole when it fits scikit-learn's
``working_memory`` and block by block otherwise. Above 1,000 triplets the
interior point runs on a growing working set of the triplets near or
inside their margin, started from those with the smallest Euclidean
margins, and the duality gap is checked on all triplets. The Lagrange dual,

    D(α, ν) = Σ_t α_t − ½ (Zᵀα + ν)ᵀ Q⁻¹ (Zᵀα + ν),   0 ≤ α ≤ C, ν ≥ 0,

(for A = I maximised over ν in closed form: D(α) = Σα − ½‖max(Zᵀα, 0)‖²)
gives the lower bound of the stopping test below.

``diagonal=False`` gives the full form: minimise ½‖M‖²_F + C Σ ξ_t under
the same constraints ⟨M, Z_t⟩ ≥ 1 − ξ_t, Z_t = d_ik d_ikᵀ − d_ij d_ijᵀ
(d_ik = x_i − x_k), with M ⪰ 0. Its dual is smooth and concave on the box:

    D(α) = Σ α_t − ½ ‖Π(S(α))‖²_F,   S(α) = Σ α_t Z_t,   ∂D/∂α_t = 1 − ⟨Π(S), Z_t⟩,

where Π is the projection onto the PSD cone and M = Π(S(α)). S(α) is
Xᵀ·Laplacian(W_α)·X for a sparse W_α with ±α_t on the edges (i, k) and
(i, j), so one sparse product and one GEMM; L-BFGS-B handles the bounds.
With a basis A in the full form, M = A W Aᵀ with W ⪰ 0 ranges over the PSD
matrices supported on the column space of A, and ‖A W Aᵀ‖_F = ‖W̃‖_F for
W̃ = Bᵀ M B with B an orthonormal basis of that space: the full form runs
on the coordinates X B.

Both solvers stop on the relative duality gap: every dual value is a lower
bound on the optimum and every primal value (at the current w, or at
M = Π(S)) an upper bound, so ``tol`` bounds the relative suboptimality of
the returned metric.

References
----------
M. Schultz and T. Joachims, "Learning a distance metric from relative
comparisons", NIPS 2003.
S. Mehrotra, "On the implementation of a primal-dual interior point method",
SIAM J. Optimization, 1992.
J. Gondzio, "Multiple centrality corrections in a primal-dual method for
linear programming", Comput. Optim. Appl., 1996.
"""

from ._triplet_svm import TripletSVM, TripletSVMSupervised

__all__ = ["TripletSVM", "TripletSVMSupervised"]
