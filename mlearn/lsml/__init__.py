"""LSML: metric learning from relative comparisons by minimising squared residual.

Liu, Guo, Zhang, Jojic and Wang, ICDM 2012. Each quadruplet (a, b, c, d)
states d(a, b) < d(c, d). With weights w_q ≥ 0 summing to 1 and a strictly
positive definite prior M₀, LSML solves (the paper's eq. 4–6, with the
squared hinge H(r) = r₊² on the residual)

    minimise_{M ≻ 0}   Σ_q w_q (d_M(a, b) − d_M(c, d))₊² + D_ld(M, M₀),

where d_M(x, x') = √((x − x')ᵀ M (x − x')) is the distance itself, not its
square, and D_ld(M, M₀) = tr(M M₀⁻¹) − log det(M M₀⁻¹) − d is the LogDet
divergence. The data term is zero when every comparison holds, so M then
stays at M₀; it is differentiable (the hinge is squared), with gradient in M

    Σ_{r_q > 0} w_q r_q [ v vᵀ / d_ab − u uᵀ / d_cd ],   r_q = d_ab − d_cd,

v = x_a − x_b, u = x_c − x_d: a weighted scatter of pair differences,
formed as Xᵀ (Lap(Ω) X) (:mod:`mlearn.lsml._evaluator`), never per quadruplet.

Method. The paper (and metric-learn 0.7.0) take projected gradient steps on M
with a step search over ten fixed sizes. We write M₀ = CᵀC and M = LᵀL with
L = K C, so that the prior term becomes ‖K‖²_F − 2 log |det K| (its Hessian
at the start K = I is the identity), and run L-BFGS on K: no projection is
needed, since every invertible K gives M ≻ 0 and the log-determinant keeps K
away from singular matrices. It stops on ``tol`` (the gradient's largest
entry) or when the objective stalls at rounding level, and reaches
metric-learn's objective value on the same quadruplets and prior to within
1e-7 relative (``benchmarks/peer_agreement.py`` records the comparison).

:class:`LSML` learns from quadruplets; :class:`LSMLSupervised` draws
``n_constraints`` quadruplets from class labels
(:func:`mlearn.constraints.quadruplets_from_labels`, a similar pair then a
dissimilar one) and runs the same solver. The evaluator
(:class:`~mlearn.lsml._evaluator.QuadrupletResiduals`) holds the quadruplets;
on a dask array one is built per shard and its sums are added.
"""

from ._lsml import LSML, LSMLSupervised

__all__ = ["LSML", "LSMLSupervised"]
