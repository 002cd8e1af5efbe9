"""RCA: Relevant Components Analysis (Shental et al., ECCV 2002; Bar-Hillel et al., JMLR 2005).

RCA learns from *chunks* (chunklets): small groups of points known to belong to
one class, without knowing which. Variability within a chunk is irrelevant to
the class, so RCA down-weights it: with chunks C_1, …, C_m of means m_j and p
points in all, the within-chunk covariance is (eq. 1 of Bar-Hillel et al.)

    Ĉ = (1/p) Σ_j Σ_{x_i ∈ C_j} (x_i − m_j)(x_i − m_j)ᵀ,

and the metric is its inverse, M = Ĉ⁻¹, applied as the whitening map
x ↦ Ĉ^(−1/2) x (Algorithm 1). Under Gaussian classes sharing a covariance, Ĉ⁻¹
is the maximum-likelihood metric (Bar-Hillel et al. §4); it is also the
solution of min_M Σ_j Σ_i ‖x_i − m_j‖²_M subject to det M ≥ 1 (§5), up to scale.
Nothing is iterated: one pass of sums and one eigendecomposition.

Ĉ is singular when the chunks have fewer degrees of freedom Σ_j (|C_j| − 1)
than there are features. Then the data are first reduced by PCA to the
rank(Ĉ) leading principal directions of the chunked points, where Ĉ can be
inverted, with a warning (metric-learn 0.7.0 warns too, and its components then
hold NaN or inf). With ``n_components`` below that dimension, the directions are
those of Fisher's linear discriminant with S_t the total covariance of the
chunked points and Ĉ the within-class one (the reduction step of the
paper): the generalised eigenvectors of Ĉ a = μ S_t a with the smallest μ. The
metric is whitening in the kept subspace, A(AᵀĈA)⁻¹Aᵀ.

The sums are per row (chunk counts and sums, then the scatter about the chunk
means), so a fit on a dask array sums them over its row blocks on the cluster
(``_statistics``). :class:`RCA` takes chunk labels, one per point (−1: no
chunk), as metric-learn does; :class:`RCASupervised` draws ``n_chunks`` chunks
of ``chunk_size`` points from class labels and runs the same fit.
"""

from ._rca import RCA, RCASupervised

__all__ = ["RCA", "RCASupervised"]
