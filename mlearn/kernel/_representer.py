"""Shared machinery of the native kernel learners (representer theorem).

With a kernel k(x, x') = ⟨φ(x), φ(x')⟩ and n training points, the learners
look for L = A Φᵀ, A of shape (n_components, n), so that

    ‖L(φ(x) − φ(x'))‖ = ‖A(k_x − k_x')‖,   k_x = [k(x₁, x), …, k(xₙ, x)].

Write the kernel matrix as K = V Λ Vᵀ (eigenvalues above a relative floor
kept) and P = Λ^{-1/2} Vᵀ. Then ψ(x) = P k_x are coordinates of φ(x)
projected onto the span of the training points, F = K Pᵀ = V Λ^{1/2} holds
those of the training points (F Fᵀ = K), and every A whose rows lie in the
row space of K is A = B P for a unique B of shape (n_components, rank):

    A (k_x − k_x') = B (ψ(x) − ψ(x')).

The gradient of any objective of the distances ‖A(k_i − k_j)‖ with respect to
A is of the form G K, whose rows lie in that row space, so the optimum does
too (the representer theorem), and optimising over B on the features F is the
same problem as optimising over A on K — with a change of variables that
whitens the kernel's spectrum, which gradient-based solvers need: on A
directly, the curvature spans the condition number of K. The fitted learner
stores A as ``dual_coef_`` and embeds a new point as A k_x.
"""

from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils.validation import check_is_fitted

from ..base import SupervisedMixin, map_rows
from ..psd import whitening_components
from ._kernels import fitted_gamma, kernel_matrix


def empirical_kernel_map(K, rtol=1e-5):
    """P = Λ^{-1/2} Vᵀ of shape (rank, n) for a kernel matrix K = V Λ Vᵀ.

    Eigenvalues below ``rtol`` times the largest are dropped: their directions
    carry little of the kernel distances, cost O(r) each in every solver, and
    ψ(x) = Λ^{-1/2} Vᵀ k_x amplifies the noise in them.

    Raises a ``ValueError`` naming the kernel when K is not positive
    semidefinite (e.g. a sigmoid kernel on some data).
    """
    try:
        return whitening_components(K, rtol=max(rtol, 1e-10))
    except ValueError as exc:
        raise ValueError(
            f"The kernel matrix of the training points is not positive semidefinite, so "
            f"it defines no feature space: {exc} Choose a positive definite kernel "
            f"('rbf', 'linear', 'poly', 'laplacian', ...)."
        ) from None


class RepresenterKernelLearner(
    SupervisedMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Base of the native kernel learners: fit a linear learner on ψ, keep A = B P.

    Subclasses define ``_fit_features(F, y)``, which fits the linear problem on
    the training features F (n × rank) and returns B, of shape
    (n_components, rank).
    """

    def _output_dimension(self, rank):
        """``n_components``, or by default n_features, capped at the kernel's rank."""
        if self.n_components is None:
            return min(rank, self.n_features_in_)
        if self.n_components > rank:
            raise ValueError(
                f"n_components={self.n_components} exceeds the rank {rank} of the training "
                f"kernel matrix (the dimension of the span of the mapped training points)."
            )
        return self.n_components

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn A from the training points X and their class labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        X, y_encoded = self._validate_supervised(X, y)
        self.gamma_ = fitted_gamma(self, X)
        K = kernel_matrix(self, X)
        P = empirical_kernel_map(K, self.rank_rtol)
        B = self._fit_features(K @ P.T, y_encoded)
        self.X_fit_ = X
        self.dual_coef_ = (B @ P).astype(X.dtype, copy=False)
        return self

    def transform(self, X):
        """Embed points: A k_X, with k_X the kernel values against the training points.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_embedded : ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self, "dual_coef_")

        def embed(X):
            K = kernel_matrix(self, X, self.X_fit_).astype(X.dtype, copy=False)
            return K @ self.dual_coef_.T

        return map_rows(self, embed, X, self.dual_coef_.shape[0])

    @property
    def _n_features_out(self):
        return self.dual_coef_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
