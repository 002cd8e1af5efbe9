"""The NCA estimator (the maths and the paper: :mod:`mlearn.nca`)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from .._optim import minimize_lbfgs
from .._pair_softmax import softmax_loss_and_grad
from .._threads import blas_threads_for
from .._validation import check_n_components, float_dtype
from ..base import MahalanobisMixin, SupervisedMixin, initial_components_of
from ._objective import ClassPairSoftmax, one_hot_classes

__all__ = ["NCA"]

# The softmax over pairs of float64 data is evaluated in float32 when tol asks for no
# more than this: its objective is then rounded to about 1e-7 relative (n terms, each
# to float32's 6e-8), ten times below what the stopping rule reads, and the evaluation
# takes 0.6 times as long (half the bytes in every pass over the n × n matrix;
# benchmarks/nca_mlkr_peer.py). A smaller tol keeps float64.
FLOAT32_STAGE_MIN_TOL = 1e-6

# An evaluation whose centred projected points reach a larger squared norm runs in float64:
# its float32 distances would be rounded by more than about 1e-4 (6e-8 (‖z_i‖² + ‖z_j‖²)).
# Digits, wine and MNIST end their fits below 250; breast_cancer's raw features reach 10⁴,
# where float32 evaluations stop at an objective 3e-4 above float64's.
FLOAT32_STAGE_MAX_SQUARED_NORM = 1e3


def softmax_stage_dtype(X, tol):
    """The dtype the pair softmax is evaluated in: float32 for float64 data when ``tol`` ≥
    :data:`FLOAT32_STAGE_MIN_TOL`, else X's own."""
    dtype = float_dtype(X)
    if dtype == np.float64 and tol >= FLOAT32_STAGE_MIN_TOL:
        return np.dtype(np.float32)
    return dtype


class NCA(SupervisedMixin, MahalanobisMixin, BaseEstimator):
    """Neighbourhood Components Analysis.

    Learns a linear map L that maximises the expected number of points a
    stochastic nearest-neighbour rule classifies correctly: with
    p_ij = softmax_j(−‖L(x_i − x_j)‖²) over j ≠ i and p_i the probability mass
    of i's own class, it minimises −Σ_i p_i by L-BFGS on the fused loss and
    gradient (see :mod:`mlearn.nca`). The softmax over all pairs is evaluated
    in row tiles, so memory grows as n × tile rows (with the whole n × n
    matrix kept where it takes at most 64 MiB), not n².

    Parameters
    ----------
    n_components : int, default=None
        Dimension of the embedding (rows of L); None means n_features.
    init : {'auto', 'pca', 'lda', 'identity', 'random'} or ndarray of shape \
            (n_components, n_features), default='auto'
        Initial L. 'auto' takes 'lda' when n_components ≤ min(n_features,
        n_classes − 1), else 'pca' when n_components < n_features, else
        'identity', taken on the standardised features when their spreads
        are in different units (the largest standard deviation over 100 times
        the median: :mod:`mlearn._init`). 'pca' and 'lda' take the leading
        principal or discriminant axes, 'random' a standard normal matrix
        drawn from ``random_state``; an array is used as given.
    max_iter : int, default=100
        Maximum number of L-BFGS iterations.
    tol : float, default=1e-5
        L-BFGS stops when the objective's relative decrease falls below tol
        or the largest entry of the gradient below tol (scikit-learn's NCA
        passes tol to scipy the same way). With tol ≥ 1e-6, the softmax of
        float64 data is evaluated in float32 (rounding the objective to about
        1e-7 relative, below what tol reads); a smaller tol keeps float64.
    verbose : int, default=0
        Print one line per L-BFGS iteration (objective, elapsed time) if > 0.
    random_state : int, RandomState instance or None, default=None
        Seeds ``init='random'`` (and the randomised PCA of large data).
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What X stands for when it is given as an (n_samples,) array of identifiers: an
        array preprocessor is indexed by integer identifiers; a callable maps an array
        of identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. None: X holds the points.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The learned map L; M = LᵀL.
    n_iter_ : int
        L-BFGS iterations taken.
    objective_ : float
        −Σ_i p_i at the learned L (the value minimised), as the last
        evaluation computed it (in float32 where ``tol`` allows).
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string feature names.

    See Also
    --------
    sklearn.neighbors.NeighborhoodComponentsAnalysis : the same objective,
        with n × n matrices formed whole.
    LMNN : a large-margin relative of NCA, on target neighbours only.

    References
    ----------
    J. Goldberger, S. Roweis, G. Hinton and R. Salakhutdinov,
    "Neighbourhood Components Analysis", NIPS 17, 2004.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from mlearn import NCA
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(NCA(random_state=0), KNeighborsClassifier(3)).fit(X, y)
    >>> model.score(X, y) > 0.97
    True
    """

    # A dask X is fitted where its row blocks are: each block's rows are queries against
    # all the points, projected (n × n_components) and sent to every block.
    _fits_on_dask = True

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "init": [StrOptions({"auto", "pca", "lda", "identity", "random"}), np.ndarray],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(
        self,
        n_components=None,
        *,
        init="auto",
        max_iter=100,
        tol=1e-5,
        verbose=0,
        random_state=None,
        preprocessor=None,
    ):
        self.n_components = n_components
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn L from points X and their class labels y.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            At least two samples. A dask array is fitted where its row blocks
            are (on the workers of the active ``distributed`` client, if any):
            each block's rows are queries against all the points, whose
            projection (n × n_components) is sent to every block; the blocks'
            losses and gradients add up to the in-memory ones.
        y : array-like or dask array of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : NCA
        """
        X, y = self._validate_supervised(X, y)
        if X.shape[0] < 2:
            raise ValueError(f"NCA needs at least 2 samples, got {X.shape[0]}.")
        n_features, dtype = X.shape[1], float_dtype(X)
        check_n_components(self.n_components, n_features)
        # Tiles of n × n_components products and exp: small GEMMs that threads slow down.
        with blas_threads_for(n_features):
            targets = one_hot_classes(y, len(self.classes_), dtype)
            evaluator = self._evaluator(ClassPairSoftmax, X, targets, by="rows")
            L0 = initial_components_of(
                X,
                y,
                self.init,
                n_components=self.n_components,
                random_state=self.random_state,
                statistics=evaluator,
            )
            n_components = L0.shape[0]  # an init array sets it when n_components is None
            stage_dtype, wide = softmax_stage_dtype(X, self.tol), None
            if stage_dtype != dtype:
                wide, stage_targets = evaluator, targets.astype(stage_dtype)
                evaluator = self._evaluator(
                    ClassPairSoftmax, X.astype(stage_dtype), stage_targets, by="rows"
                )
            loss_and_grad = softmax_loss_and_grad(
                evaluator,
                n_components,
                n_features,
                stage_dtype,
                wide=wide,
                max_squared_norm=FLOAT32_STAGE_MAX_SQUARED_NORM,
            )
            result = minimize_lbfgs(
                loss_and_grad,
                L0,
                max_iter=self.max_iter,
                tol=self.tol,
                ftol=self.tol,
                verbose=self.verbose,
                name=type(self).__name__,
            )
        self.components_ = result.x.reshape(n_components, n_features).astype(dtype)
        self.n_iter_ = result.n_iter
        self.objective_ = result.fun
        return self
