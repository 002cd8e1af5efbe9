"""OASIS: online learning of a bilinear similarity (Chechik, Sharma, Shalit & Bengio 2010).

The learned similarity is bilinear,

    s_W(x, x') = xᵀ W x',

with W ∈ R^{d×d} neither symmetric nor positive semi-definite: s_W is a score to rank
by, not a distance. From triplets T of (a, p, n), "a is more similar to p than to n",
OASIS asks for a margin of one,

    s_W(a, p) ≥ s_W(a, n) + 1,   hinge  l_W(a, p, n) = max(0, 1 − s_W(a, p) + s_W(a, n)),

and learns W online by passive-aggressive steps (Crammer et al. 2006, PA-I), as the
paper's algorithm does: from W⁰ = I (the dot product), for a triplet with l > 0,

    W ← argmin_W' ½ ‖W' − W‖²_F + C ξ   s.t.  l_W'(a, p, n) ≤ ξ, ξ ≥ 0,

whose closed form is, with V = ∂(s_W(a, p) − s_W(a, n))/∂W = a (p − n)ᵀ,

    τ = min(C, l / ‖V‖²_F),   ‖V‖²_F = ‖a‖² ‖p − n‖²,   W ← W + τ V.

After the step the triplet's hinge is max(0, l − τ ‖V‖²_F): zero when τ = l/‖V‖²
(C not binding). C caps the step: the aggressiveness.

The steps run in passes over the given triplets, each in a random order; after each
pass the mean hinge F(W) = (1/|T|) Σ_T l_W is evaluated exactly and the W of lowest F
is returned (online-to-batch by selection; the paper stops early on held-out data).
A step reads and writes only the rows of W where a is non-zero and the columns where
p − n is non-zero, O(nnz(a) nnz(p − n)): sparse points (bag-of-words) are used as
scipy.sparse CSR without densifying, W staying dense d × d. The steps are compiled
(:mod:`mlearn.oasis._kernels`); the solver is :mod:`mlearn.oasis._solver`.

``partial_fit`` continues the same passes from the current W on a new chunk of
triplets (or of labelled points), so a stream is learned a chunk at a time.

References
----------
G. Chechik, V. Sharma, U. Shalit and S. Bengio, "Large Scale Online Learning of Image
Similarity Through Ranking", JMLR 11, 2010.
K. Crammer, O. Dekel, J. Keshet, S. Shalev-Shwartz and Y. Singer, "Online
Passive-Aggressive Algorithms", JMLR 7, 2006.
"""

from ._oasis import OASIS, OASISSupervised

__all__ = ["OASIS", "OASISSupervised"]
