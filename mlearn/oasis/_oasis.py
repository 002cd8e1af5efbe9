"""The OASIS estimators: from triplets, and from class labels (random triplets)."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from .._init import initial_bilinear
from .._validation import check_class_labels
from ..base import BilinearMixin, SupervisedMixin, TripletsMixin, points_of
from ..constraints import random_triplets
from ._solver import passive_aggressive

__all__ = ["OASIS", "OASISSupervised"]


class _BaseOASIS(BilinearMixin, BaseEstimator):
    """The solver shared by the triplets learner and its supervised twin."""

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "init": [StrOptions({"identity"}), "array-like"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "preprocessor": ["array-like", "sparse matrix", callable, None],
    }

    def _fit_triplets(self, X, triplets, random_state, *, warm):
        """Run the passes on points X (dense or CSR) and index triplets; set the state.

        ``warm``: start from the fitted ``bilinear_matrix_`` (partial_fit after the
        first call) instead of ``init``.
        """
        if warm:
            W0 = self.bilinear_matrix_
        else:
            W0 = initial_bilinear(self.init, X.shape[1])
            self.n_tuples_seen_ = 0
        settings = {
            "C": float(self.C),
            "max_iter": self.max_iter,
            "tol": self.tol,
            "verbose": self.verbose,
            "name": type(self).__name__,
        }
        triplets = np.ascontiguousarray(triplets, dtype=np.intp)
        W, objective, n_passes, n_updates = passive_aggressive(
            X, triplets, W0, settings, random_state
        )
        self.bilinear_matrix_ = W
        self.objective_ = objective
        self.n_iter_ = n_passes
        self.n_updates_ = n_updates
        self.n_tuples_seen_ += triplets.shape[0]
        return self


def _canonical(X):
    """CSR X with summed duplicates (a copy when X has any), as the kernels read it."""
    if sp.issparse(X) and not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


class OASIS(TripletsMixin, _BaseOASIS):
    """Online bilinear similarity learning from triplets (OASIS).

    Learns s(x, x') = xᵀ W x', W neither symmetric nor PSD, from triplets (a, p, n)
    saying that a is more similar to p than to n, by passive-aggressive steps on
    the hinge loss l = max(0, 1 − s(a, p) + s(a, n)):

        V = a (p − n)ᵀ,   τ = min(C, l / ‖V‖²_F),   W ← W + τ V,

    the smallest change of W (in Frobenius norm) that puts the triplet at margin 1,
    its length capped by C. Each pass visits every triplet once in a random order;
    the W of lowest mean hinge over all triplets is kept. A step costs
    O(nnz(a) · nnz(p − n)), so sparse points (scipy.sparse, bag-of-words) are
    learned from as they are. See :mod:`mlearn.oasis` for the details.

    Parameters
    ----------
    C : float > 0, default=0.1
        Aggressiveness: the largest step τ. Small values average over many
        triplets; large ones fit each triplet exactly (τ = l / ‖V‖²). On points
        of unit norm, the defaults rank held-out points within 0.02 of the best
        setting of C in {0.01, 0.1, 1} and 1, 5 or 20 passes on six shipped
        datasets (precision at 10, ``benchmarks/oasis_defaults.py``).
    init : 'identity' or array-like of shape (n_features, n_features), default='identity'
        The starting W: the dot product (I), as in the paper, or a given matrix.
    max_iter : int, default=20
        Most passes over the triplets (each pass is one PA step per triplet).
    tol : float >= 0 or None, default=0.05
        Stop when a pass lowers the best mean hinge by at most ``tol`` relative to
        it (or the mean hinge is 0); None runs all ``max_iter`` passes. The
        training hinge keeps falling slowly after the held-out ranking has
        settled (5 and 20 passes rank alike): 0.05 stops after 2 to 16 passes,
        median 5, on the shipped datasets (``benchmarks/oasis_defaults.py``).
    random_state : int, RandomState instance or None, default=None
        Seeds the order of the triplets in each pass, and (OASISSupervised) the
        triplets drawn from the labels.
    verbose : int, default=0
        Print the mean hinge and the number of updates after every pass when > 0.
    preprocessor : array-like or sparse matrix of shape (n_points, n_features), \
callable or None, default=None
        What inputs given as identifiers stand for: triplets as an (n_triplets, 3)
        array of them (OASIS), or X as an (n_samples,) array (OASISSupervised). An
        array preprocessor is indexed by integer identifiers; a callable maps an array
        of identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A scipy.sparse matrix (OASIS) stays sparse.

    Attributes
    ----------
    bilinear_matrix_ : ndarray of shape (n_features, n_features)
        W, in the points' float dtype; also :meth:`get_bilinear_matrix`.
    objective_ : float
        Mean hinge of W over the triplets of the last fit or partial_fit call.
    n_iter_ : int
        Passes run in the last call.
    n_updates_ : int
        PA steps of the last call that changed W (those with a positive hinge).
    n_tuples_seen_ : int
        Triplets learned from since the first fit or partial_fit call.
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    OASISSupervised : the same learner on triplets drawn from class labels.

    References
    ----------
    G. Chechik, V. Sharma, U. Shalit and S. Bengio, "Large Scale Online Learning of
    Image Similarity Through Ranking", JMLR 11, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn import OASIS
    >>> X = np.array([[1.0, 0.0], [1.0, 0.2], [0.9, -1.0], [0.0, 1.0]])
    >>> triplets = np.array([[0, 1, 2], [3, 1, 2], [2, 0, 3]])
    >>> model = OASIS(C=1.0, random_state=0, preprocessor=X).fit(triplets)
    >>> model.score(triplets), model.objective_
    (1.0, 0.0)
    >>> model.decision_function(triplets).round(2).tolist()  # s(a, p) − s(a, n)
    [1.0, 1.2, 1.29]
    """

    def __init__(
        self,
        C=0.1,
        *,
        init="identity",
        max_iter=20,
        tol=0.05,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.C = C
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, triplets, y=None):
        """Learn W from triplets, starting from ``init``.

        Parameters
        ----------
        triplets : array-like of shape (n_triplets, 3, n_features) or (n_triplets, 3)
            Rows (a, p, n): a is more similar to p than to n. Index triplets need
            the ``preprocessor``.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : OASIS
        """
        X, indices = self._validate_fit_tuples(triplets)
        return self._fit_triplets(_canonical(X), indices, self.random_state, warm=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, triplets, y=None):
        """Continue learning W from a chunk of triplets (the first call starts as fit).

        The same passes as :meth:`fit`, from the current W, on this chunk only:
        one call on all the triplets gives fit's W, and over several chunks the
        later chunks weigh more (each is fitted last). Memory is that of the chunk.

        Parameters
        ----------
        triplets : array-like of shape (n_triplets, 3, n_features) or (n_triplets, 3)
            As for :meth:`fit`; the same number of features as the first call.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : OASIS
        """
        warm = hasattr(self, "bilinear_matrix_")
        if warm:
            X, indices = self._validate_tuples(triplets, 3, reset=False)
        else:
            X, indices = self._validate_fit_tuples(triplets)
        return self._fit_triplets(_canonical(X), indices, self.random_state, warm=warm)


class OASISSupervised(SupervisedMixin, _BaseOASIS):
    """OASIS on random triplets drawn from class labels.

    Draws ``n_constraints`` triplets (a, p, n) with p in a's class and n in another
    (:func:`mlearn.constraints.random_triplets`), the uniform sampling of
    Chechik et al. (2010), and learns s(x, x') = xᵀ W x' from them with the
    :class:`OASIS` solver: passive-aggressive steps

        l = max(0, 1 − s(a, p) + s(a, n)),   τ = min(C, l / ‖a‖²‖p − n‖²),
        W ← W + τ a (p − n)ᵀ.

    X may be a scipy.sparse matrix (bag-of-words); it is never densified.

    Parameters
    ----------
    C : float > 0, default=0.1
        Aggressiveness: the largest step τ. Small values average over many
        triplets; large ones fit each triplet exactly (τ = l / ‖V‖²). On points
        of unit norm, the defaults rank held-out points within 0.02 of the best
        setting of C in {0.01, 0.1, 1} and 1, 5 or 20 passes on six shipped
        datasets (precision at 10, ``benchmarks/oasis_defaults.py``).
    n_constraints : int, default=None
        Number of triplets drawn from the labels; None draws 20 per sample (or all
        the labels hold, when fewer).
    init : 'identity' or array-like of shape (n_features, n_features), default='identity'
        The starting W: the dot product (I), as in the paper, or a given matrix.
    max_iter : int, default=20
        Most passes over the triplets (each pass is one PA step per triplet).
    tol : float >= 0 or None, default=0.05
        Stop when a pass lowers the best mean hinge by at most ``tol`` relative to
        it (or the mean hinge is 0); None runs all ``max_iter`` passes. The
        training hinge keeps falling slowly after the held-out ranking has
        settled (5 and 20 passes rank alike): 0.05 stops after 2 to 16 passes,
        median 5, on the shipped datasets (``benchmarks/oasis_defaults.py``).
    random_state : int, RandomState instance or None, default=None
        Seeds the order of the triplets in each pass, and (OASISSupervised) the
        triplets drawn from the labels.
    verbose : int, default=0
        Print the mean hinge and the number of updates after every pass when > 0.
    preprocessor : array-like or sparse matrix of shape (n_points, n_features), \
callable or None, default=None
        What inputs given as identifiers stand for: triplets as an (n_triplets, 3)
        array of them (OASIS), or X as an (n_samples,) array (OASISSupervised). An
        array preprocessor is indexed by integer identifiers; a callable maps an array
        of identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A scipy.sparse matrix (OASIS) stays sparse.

    Attributes
    ----------
    bilinear_matrix_ : ndarray of shape (n_features, n_features)
        W, in the points' float dtype; also :meth:`get_bilinear_matrix`.
    objective_ : float
        Mean hinge of W over the triplets of the last fit or partial_fit call.
    n_iter_ : int
        Passes run in the last call.
    n_updates_ : int
        PA steps of the last call that changed W (those with a positive hinge).
    n_tuples_seen_ : int
        Triplets learned from since the first fit or partial_fit call.
    n_samples_seen_ : int
        Labelled points learned from since the first fit or partial_fit call.
    n_features_in_ : int
        Number of features seen during fit.
    classes_ : ndarray of shape (n_classes,)
        The class labels seen (over all partial_fit calls).

    See Also
    --------
    OASIS : the learner from triplets.

    References
    ----------
    G. Chechik, V. Sharma, U. Shalit and S. Bengio, "Large Scale Online Learning of
    Image Similarity Through Ranking", JMLR 11, 2010.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import normalize
    >>> from mlearn import OASISSupervised
    >>> X, y = load_iris(return_X_y=True)
    >>> model = OASISSupervised(random_state=0).fit(normalize(X), y)
    >>> model.get_bilinear_matrix().shape
    (4, 4)
    """

    _parameter_constraints: dict = {
        **_BaseOASIS._parameter_constraints,
        "n_constraints": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        C=0.1,
        *,
        n_constraints=None,
        init="identity",
        max_iter=20,
        tol=0.05,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.C = C
        self.n_constraints = n_constraints
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Draw triplets from the labels and learn W from them, starting from ``init``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features), or (n_samples,)
            A 1-D X holds identifiers into the ``preprocessor``.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : OASISSupervised
        """
        return self._fit_labelled(X, y, warm=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """Continue learning W from a chunk (X, y); the first call starts as fit.

        The triplets are drawn inside the chunk (it needs two classes); the passes
        are those of :meth:`fit`, from the current W. One call on all the data
        gives fit's W; over several chunks the later chunks weigh more.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features), or (n_samples,)
            The same number of features as the first call.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : OASISSupervised
        """
        return self._fit_labelled(X, y, warm=hasattr(self, "bilinear_matrix_"))

    def _fit_labelled(self, X, y, *, warm):
        X = points_of(self, X)
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32], reset=not warm
        )
        classes, y_encoded = check_class_labels(y, X.shape[0])
        self.classes_ = np.union1d(self.classes_, classes) if warm else classes
        rng = check_random_state(self.random_state)
        with warnings.catch_warnings():
            if self.n_constraints is None:  # the default takes what small labels hold
                warnings.simplefilter("ignore", UserWarning)
            n_triplets = self.n_constraints or 20 * X.shape[0]
            triplets = random_triplets(y_encoded, n_triplets, random_state=rng)
        self._fit_triplets(_canonical(X), triplets, rng, warm=warm)
        self.n_samples_seen_ = (self.n_samples_seen_ if warm else 0) + X.shape[0]
        return self
