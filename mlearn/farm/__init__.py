"""FARM: Feature-Aware Metric learning (Ye, Zhan, Si and Jiang, ACML 2016).

The metric is split into per-feature weights w and a matrix M ⪰ 0 of
relations between features: M̂ = diag(w) M diag(w), so that

    d²(x, x') = (x − x')ᵀ diag(w) M diag(w) (x − x').

Over triplets R = {(i, j, k)}, "x_i is closer to x_j than to x_k", FARM solves

    min_{M ⪰ 0, w ≥ 0}  (1/|R|) Σ_R ℓ(d²_ik − d²_ij) + λ₁ Ω(M) + λ₂ ‖w‖₁

with the smoothed hinge ℓ(z) = ½ − z for z ≤ 0, ½(1 − z)² for 0 < z < 1 and
0 for z ≥ 1 (margin 1), and Ω one of ‖M‖²_F ('fro'), Σ|m_ab| ('l1', sparse
M) or ‖M‖_* = tr(M) ('nuclear', low-rank M). The loss is a mean rather than
the paper's sum, so that λ₁ and λ₂ do not scale with the number of triplets.

Alternating proximal gradient, each block by :func:`mlearn._optim.
proximal_gradient` (monotone, so no block increases the objective):

- w fixed: the margins are linear in M and the M-problem is convex. With
  G = Σ_p c_p δ_p δ_pᵀ, the sum over the distinct pairs p of the triplets of
  c_p = ∂(mean loss)/∂d²_p times the outer products of the differences δ_p,
  the gradient is diag(w) G diag(w). The prox is the PSD projection ('fro',
  whose Ω is smooth), the eigenvalue soft threshold V max(Λ − tλ₁, 0) Vᵀ
  ('nuclear'), or, for 'l1', the prox of λ₁‖·‖₁ plus the PSD indicator,
  computed by the proximal Dykstra algorithm (Bauschke & Combettes 2008).
- M fixed: ∇_w = 2 (M ∘ G) w, and the prox of λ₂‖w‖₁ + indicator(w ≥ 0) is
  the non-negative soft threshold max(w − tλ₂, 0), which sets weights to exactly
  zero. The w-problem is not convex in general (the margins are differences
  of quadratics in w); each step still decreases the objective.

G is formed as Xᵀ L X with L = Σ_p c_p (e_a − e_b)(e_a − e_b)ᵀ the sparse
Laplacian of the pair weights, and the squared distances from E X and E X M̂
with E the sparse pair-incidence matrix, in blocks bounded by scikit-learn's
``working_memory``: O(n d² + n_pairs d) per evaluation, never a
n_triplets × d × d tensor. The outer loop stops when the objective's relative
decrease falls below ``tol``. Σ_R ℓ and G are sums over the triplets: on a
Dask array each shard of the triplets computes its part where its rows live,
and the solver divides the total by |R|.

Why w ≥ 0 loses nothing. Flipping the sign of w_a alone changes M̂ (row and
column a of M̂ change sign), so w's sign is not unidentifiable on its own
account; it is because M can absorb the flip: with S = diag(±1),
(S w, S M S) gives diag(Sw) SMS diag(Sw) = W S S M S S W = M̂, the same metric,
and SMS is PSD with the same ‖·‖_F, Σ|m_ab| and trace, and ‖Sw‖₁ = ‖w‖₁. Every
(w, M) thus has an equivalent with w ≥ 0 and the same objective, and the
constraint only picks one representative of each class. The other
ambiguity, (c w, M / c²), leaves the loss unchanged and is fixed by the two
penalties: after each outer iteration (and at the start) the solver rescales
to the c that minimises them, λ₁ Ω(M)/c^p + λ₂ c ‖w‖₁ (p = 4 for 'fro', 2
otherwise), in closed form: c^(p+1) = p λ₁ Ω(M) / (λ₂ ‖w‖₁).

References
----------
H.-J. Ye, D.-C. Zhan, X.-M. Si and Y. Jiang, "Learning Feature Aware Metric",
Proceedings of the Asian Conference on Machine Learning (ACML), PMLR 63, 2016.
"""

from ._farm import FARM, FARMSupervised

__all__ = ["FARM", "FARMSupervised"]
