"""LMNN: Large Margin Nearest Neighbor (Weinberger & Saul 2005, 2009).

Each point x_i gets k *target neighbours* j ⇝ i: its k nearest points of the
same class under the Euclidean metric of the input space, fixed during a fit. With
D_ab = ‖L(x_a − x_b)‖² and μ ∈ [0, 1] the push weight, LMNN minimises over
L (n_components × n_features)

    ε(L) = (1 − μ) Σ_{j⇝i} D_ij + μ Σ_{j⇝i} Σ_{l: y_l ≠ y_i} h(1 + D_ij − D_il)

with h(t) = [t]_+ (the hinge of the paper) or h(t) = [t]_+² (squared hinge,
continuously differentiable). The first term pulls target neighbours in, the
second pushes every *impostor* l, a point of another class closer to x_i than
a target neighbour plus a unit margin, out.

Gradient. Every term is a weighted squared distance, so
∂ε/∂L = 2 L Σ_ab w_ab (x_a − x_b)(x_a − x_b)ᵀ with w = 1 − μ + μ·(active
count) on a target pair (i, j) and w = −μ·(active count) on an impostor pair
(i, l) (for the squared hinge the counts are sums of 2h). With E the sparse
incidence matrix of the pairs (row p has +1 at a_p and −1 at b_p) and
Z = X Lᵀ, the differences z_a − z_b are the rows of E Z, which the distances
need anyway, and

    ∂ε/∂L = 2 (Eᵀ diag(w) E Z)ᵀ X,

one sparse product and one GEMM per evaluation. The pull term's gradient
2(1 − μ) L Xᵀ Lap(W_pull) X is folded into the same product (target pairs are
rows of E) instead of precomputed as a d × d matrix: it costs nothing extra
there, and with X replaced by an n × n kernel matrix (kernel LMNN) it avoids
an n × n precomputation.

Solver. L-BFGS (scipy) on the fused loss and gradient over an *active set*
of impostor pairs: the pairs (i, l) with D_il < (1 + slack)(max_j D_ij + 1),
found by a blockwise search in the embedded space (blocks sized by
scikit-learn's ``working_memory``, each class against the classes after it,
so every distance is computed once). Impostors cannot enter the margin
without first entering the wider search radius, so the active-set objective
equals ε near the iterate. The set is re-searched every few L-BFGS iterations
and after L-BFGS stops; the fit ends only when the objective on a fresh search
equals the one L-BFGS minimised, i.e. no impostor was missing (exact
verification).

Sampled active sets. When more than ``max_impostors`` pairs lie inside the
radii (large data under a poor metric: at the Euclidean start on 100,000
points in 50 dimensions, nearly all 9 · 10⁹ pairs of different classes),
the search does not enumerate them. It estimates their number from 2²⁰
uniformly drawn pairs and compares each block of anchors of a class with a
uniform random subset of the other classes' points, at the rate that keeps
about ``max_impostors`` pairs, weighting each pair found by the inverse of
its sampling probability (a Horvitz–Thompson estimate). The push term and its
gradient over the sample are then unbiased estimates, at every L, of those
over all pairs inside the radii; L-BFGS minimises this sample-average
objective, and each re-search draws a new sample or, once the pairs fit
the budget, runs the exact search again. The optimum of a sample is not the
objective's: when L-BFGS converges on a sampled set, the objective at its
optimum is re-estimated on a fresh, independent sample twice as large, and
the fit continues on that one unless the two estimates agree within 1 %, until
the sample has grown to 4 · ``max_impostors``. A fit whose last search was
sampled (the objective over the final set is an estimate, not verified)
sets ``impostors_sampled_``.

Multiple passes (Weinberger & Saul 2009, §6.1). The target neighbours are
chosen under the Euclidean metric, which on noisy features is a poor guide to
which same-class points belong together. With ``n_passes`` = P > 1 the fit is
repeated: pass p + 1 re-selects every point's targets as its k nearest
same-class points under the metric L_p that pass p learned, and minimises ε
over them from L_p (rescaled to a unit mean target distance). Each pass is an
ordinary LMNN fit with fixed targets, verified as above; the passes stop early
when at most 1 % of the target slots change. With ``n_passes='auto'`` (one pass
below 4 points per entry of L, else several) the number is chosen, from 10,000
points in memory on (up to 8), by the kNN accuracy of a held-out tenth of the points under
each pass's metric (the best pass, if a sign test finds it better than the first);
with fewer points or on a Dask array (up to 5) the passes also stop when a re-selection
moves fewer targets than the one before, and the metric of the pass before that
is kept (:mod:`mlearn.lmnn._passes`). On a Dask array the targets are
re-selected within each row block, where they were first chosen.

Row blocks (a Dask array). The rows of X are split into its row blocks
b = 1..B (X_b, y_b). Target neighbours and impostors are searched *within* each
block, so the distributed fit minimises the sum of the blocks' objectives

    ε_B(L) = Σ_b ε(L; X_b, y_b),

where, in block b, j ⇝ i ranges over the k nearest same-class points of x_i in
that block and l over the points of that block. With one row block this is
exactly the in-memory objective (and the fit is the in-memory fit); with
several it is LMNN on the union of the blocks' neighbourhoods: no pair of
points in two different blocks is ever compared (the exact search over all
pairs of 10⁶ points is quadratic and is not attempted). When the rows are in
random order each block is a uniform sample of the data. The solver is the
same; each block's evaluator works on its worker (targets found once, 'pca'
and 'lda' starts from class sums and scatters summed over the blocks, the
active sets re-searched in place with a budget of ``max_impostors · n_b / n``
pairs per block, objectives and gradients summed on the driver in block
order). Only L, the partial gradients, the class labels and a few numbers per
block travel; the rows never reach the driver.

Multiple metrics (:class:`MultiMetricLMNN`, the paper's §5). The training
points are split into clusters (k-means, or the classes), cluster c gets its
own map L_c, and every distance to a point x_j is measured with the map of
x_j's cluster, D_ij = ‖L_g(j)(x_i − x_j)‖², in the same objective ε; the maps
are learned jointly by the same solver, each pair's gradient going to the map
that measures it (:mod:`mlearn.lmnn._multimetric`). With one cluster it is
LMNN.

References
----------
K. Q. Weinberger and L. K. Saul, "Distance Metric Learning for Large Margin
Nearest Neighbor Classification", JMLR 10:207–244, 2009 (NIPS 2005).
"""

from ._lmnn import LMNN
from ._multimetric import MultiMetricLMNN

__all__ = ["LMNN", "MultiMetricLMNN"]
