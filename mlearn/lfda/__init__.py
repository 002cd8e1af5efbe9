"""LFDA: Local Fisher Discriminant Analysis (Sugiyama, JMLR 2007).

Fisher discriminant analysis (FDA) pulls every pair of points of one class
together equally, so a class made of several clusters (a multimodal class) is
squeezed into one blob, and its between-class scatter has rank at most
n_classes − 1. LFDA weights each within-class pair by its affinity, with the
local scaling of Zelnik-Manor & Perona (eq. 12 of the paper),

    A_ij = exp(−‖x_i − x_j‖² / (σ_i σ_j)),   σ_i = ‖x_i − x_i^(k)‖,

x_i^(k) the k-th nearest neighbour of x_i within its class (k = 7 in the
paper), so that only nearby pairs of a class are pulled together. With n points
and n_c in class c, the local scatters are (eqs. 13-14)

    S_lw = ½ Σ_ij W^lw_ij (x_i − x_j)(x_i − x_j)ᵀ,  W^lw_ij = A_ij / n_c  (same class), 0 otherwise;
    S_lb = ½ Σ_ij W^lb_ij (x_i − x_j)(x_i − x_j)ᵀ,  W^lb_ij = A_ij (1/n − 1/n_c)  (same class),
                                                    1/n otherwise,

and the LFDA transformation matrix is (eq. 15)

    T = argmax_T  tr((Tᵀ S_lw T)⁻¹ Tᵀ S_lb T),

whose columns are the leading generalised eigenvectors of S_lb φ = λ S_lw φ:
one symmetric-definite eigenproblem, no iteration. The embedding types follow
the authors' code: 'weighted' scales φ_i by √λ_i, 'orthonormalized' takes an
orthonormal basis of the leading φ's, 'plain' keeps φᵀ S_lw φ = 1.

Each sum is a Laplacian quadratic form, ½ Σ_ij A_ij (x_i − x_j)(x_i − x_j)ᵀ =
Xᵀ(diag(A1) − A)X, evaluated class by class in blocks of rows of A
(``_scatters``): memory is one block of b × n_c affinities, time is
Σ_c n_c² d. The affinities need each class's nearest neighbours, so the points
must be in memory (a dask X is refused with a message saying so).

Differences from metric-learn 0.7.0, whose eigenvectors are the same:
metric-learn adds S_lw where the authors' code subtracts it when it forms S_lb,
so its S_b is S_lb + 2 S_lw and its eigenvalues are λ + 2. Its 'weighted'
metric is therefore ours plus twice the 'plain' one (M_ml = M_weighted + 2
M_plain), while 'plain' and 'orthonormalized' agree. Its default k is
min(7, n_features − 1) (3 on iris); ours is the paper's 7, capped per class at
n_c − 1 as the authors' code does.
"""

from ._lfda import LFDA

__all__ = ["LFDA"]
