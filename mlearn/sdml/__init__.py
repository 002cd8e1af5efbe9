"""SDML: sparse distance metric learning (Qi, Tang, Zha, Chua, Zhang, ICML 2009).

Given labelled pairs (y_p = +1 similar, −1 dissimilar) and a strictly positive
definite prior M₀, SDML solves (the paper's eq. 7, with the L1 penalty on the
off-diagonal entries as the graphical lasso takes it)

    minimise_{M ≻ 0}   tr(M P) − log det M + λ Σ_{i≠j} |M_ij|,
    P = M₀⁻¹ + η Xᵀ Lap(K) X = M₀⁻¹ + η Σ_p y_p (x_a − x_b)(x_a − x_b)ᵀ,

which is tr(M M₀⁻¹) − log det M (the LogDet divergence D_ld(M, M₀) up to a
constant) plus η times the sum of squared learned distances of the similar
pairs minus those of the dissimilar pairs, plus the sparsity penalty. K is the
sparse ±1 pair matrix; Xᵀ (Lap(K) X) is one compiled pass over the pairs and
one GEMM (:mod:`mlearn.sdml._evaluator`). With P in the place of an empirical covariance this
is the graphical lasso, a convex problem, solved as scikit-learn's
:func:`~sklearn.covariance.graphical_lasso` solves it (block coordinate descent
on the dual, Friedman, Hastie and Tibshirani 2008, with its stopping rule), on a
compiled sweep (:mod:`mlearn.sdml._glasso`). For
λ = 0 the solution is M = P⁻¹.

The problem is well posed when P is positive definite, which holds for η
below η_max = 1 / λ_max(−C S Cᵀ) (M₀ = CᵀC, S the signed scatter). Dissimilar
pairs spread further than similar ones, so S is strongly indefinite and
metric-learn's default η = 0.5 exceeds η_max on every shipped dataset: its
graphical lasso then diverges or fails. Our default ``balance_param='auto'``
is η = 0.9 · η_max (``benchmarks/sdml_defaults.py`` chose the fraction on
several datasets). A given η that leaves P indefinite is handled as
metric-learn handles it, with a ``ConvergenceWarning``, but P itself (not only
the solver's start) is shifted to positive definite, so that the solve is of a
bounded problem (:mod:`mlearn.sdml._solver`).

:class:`SDML` learns from labelled pairs; :class:`SDMLSupervised` draws
``n_constraints`` pairs of each kind from class labels and runs the same
solve. The evaluator (:class:`~mlearn.sdml._evaluator.PairDifferenceScatter`)
holds the pairs; on a dask array one is built per shard and the d × d
scatters are added.
"""

from ._sdml import SDML, SDMLSupervised

__all__ = ["SDML", "SDMLSupervised"]
