"""SCML: sparse compositional metric learning (Shi, Bellet & Sha 2014).

The metric is a sparse non-negative combination of K fixed rank-one bases b_i
(the rows of B):

    M = Σ_i w_i b_i b_iᵀ = Bᵀ diag(w) B,   w ≥ 0,

so d²_M(x, x') = Σ_i w_i (b_iᵀ(x − x'))² and M is PSD by construction. From
triplets T of (a, p, n), "a is closer to p than to n", the weights minimise
(Shi et al. 2014, eq. 4 with the global metric)

    F(w) = (1/|T|) Σ_(a,p,n)∈T [1 + d²_M(a, p) − d²_M(a, n)]₊ + β ‖w‖₁
         = (1/|T|) Σ_t [1 + z_tᵀ w]₊ + β ‖w‖₁,   z_t = (B(a − p))² − (B(a − n))²,

a convex problem in K weights whatever the dimension, whose ℓ1 term selects a
few bases. It is solved by regularised dual averaging (Xiao 2010) with
AdaGrad's diagonal scaling (Duchi et al. 2011), as in the paper's §4 and its
Matlab code: with ḡ_t the running mean of the minibatch subgradients
g_s = (1/|batch|) Σ_{active t} z_t and G_t their root summed squares,

    w_{t+1} = argmin_{w ≥ 0} ⟨ḡ_t, w⟩ + β ‖w‖₁ + γ/(2(t+1)) Σ_i (δ + G_{t,i}) w_i²
            = (t+1)/(γ(δ + G_t)) · max(−ḡ_t − β, 0)   (elementwise),

the soft threshold of the averaged gradient. F is evaluated on all triplets
every ``output_iter`` steps and the best w is kept.

The bases are given, or built: 'triplet_diffs' takes eigenvectors of
Σ δ⁺δ⁺ᵀ − Σ δ⁻δ⁻ᵀ over random sets of triplets; 'lda' (from labels) takes the
discriminant directions of local neighbourhoods around k-means centres at two
scales, as the paper's global-metric experiments do.

Everything the solver needs from the data comes from the projected points X Bᵀ
and the index triplets (:mod:`mlearn.scml._evaluator`): the z_t of the drawn
triplets only, and the summed hinge through M (d × d); never n_triplets × d × d.

References
----------
Y. Shi, A. Bellet and F. Sha, "Sparse Compositional Metric Learning", AAAI 2014.
L. Xiao, "Dual averaging methods for regularized stochastic learning and online
optimization", JMLR 11, 2010.
J. Duchi, E. Hazan and Y. Singer, "Adaptive subgradient methods for online learning
and stochastic optimization", JMLR 12, 2011.
"""

from ._scml import SCML, SCMLSupervised

__all__ = ["SCML", "SCMLSupervised"]
