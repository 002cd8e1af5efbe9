"""The MLKR estimator (the maths and the paper: :mod:`mlearn.mlkr`)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from .._init import initial_components
from .._optim import minimize_lbfgs
from .._pair_softmax import PairSoftmax, softmax_loss_and_grad
from .._threads import blas_threads_for
from .._validation import check_n_components
from ..base import MahalanobisMixin, points_of
from ._objective import held_out_squared_error, squared_error_row_loss

__all__ = ["MLKR"]


class HeldOutWatch:
    """The held-out error at each iterate; stops L-BFGS after ``patience`` iterations
    without a new lowest, and keeps the iterate that had it.

    Called as ``minimize_lbfgs``'s ``stop(iteration, flat_L)``.
    """

    def __init__(self, X_fit, y_fit, X_held, y_held, shape):
        self.data, self.shape = (X_fit, y_fit, X_held, y_held), shape
        self.errors, self.patience = [], 10
        self.best_error, self.best_L, self.best_iteration = np.inf, None, 0

    def __call__(self, iteration, flat_L):
        L = np.asarray(flat_L, dtype=np.float64).reshape(self.shape)
        error = held_out_squared_error(L, *self.data)
        self.errors.append(error)
        if error < self.best_error:
            self.best_error, self.best_L, self.best_iteration = error, L.copy(), iteration
        return iteration - self.best_iteration >= self.patience


class MLKR(MahalanobisMixin, BaseEstimator):
    """Metric Learning for Kernel Regression.

    Learns a linear map L for a continuous target: with the Gaussian kernel
    exp(−‖L(x_i − x_j)‖²), each y_i is predicted from all the other points by
    kernel regression, ŷ_i = Σ_{j≠i} p_ij y_j, and MLKR minimises the
    leave-one-out error Σ_i (ŷ_i − y_i)² by L-BFGS on the fused loss and
    gradient (see :mod:`mlearn.mlkr`), stopped early by default on the error
    of the same regression on a held-out part of the points. The kernel over all pairs is
    evaluated in row tiles, so memory grows as n × tile rows (with the whole
    n × n matrix kept where it takes at most 64 MiB), not n².

    Parameters
    ----------
    n_components : int, default=None
        Dimension of the embedding (rows of L); None means n_features.
    init : {'auto', 'pca', 'identity', 'random'} or ndarray of shape \
            (n_components, n_features), default='auto'
        Initial L. 'auto' takes 'pca' when n_components < n_features, else
        'identity' ('lda' needs classes, which a regression target does not
        have), taken on the standardised features when their spreads are in
        different units (the largest standard deviation over 100 times the
        median: :mod:`mlearn._init`). 'pca' takes the leading principal axes,
        'random' a standard normal matrix drawn from ``random_state``; an
        array is used as given.
    max_iter : int, default=1000
        Maximum number of L-BFGS iterations.
    tol : float, default=1e-5
        L-BFGS stops when the objective's relative decrease falls below tol
        or the largest entry of the gradient below tol (scikit-learn's NCA
        passes tol to scipy the same way).
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the points (drawn from
        ``random_state``), fit on the others, and keep the iterate whose kernel
        regression from the fitted points predicts the held-out targets best
        (the start included), stopping ``n_iter_no_change`` iterations after
        it. The leave-one-out objective alone overfits where the target is
        noisy (load_diabetes: kNN regression R² below the Euclidean metric's);
        ``benchmarks/nca_mlkr_regression.py`` gives the evidence. False fits
        all the points to the objective's stationary point, as metric-learn's
        MLKR does.
    validation_fraction : float, default=0.2
        Share of the points held out by ``early_stopping`` (rounded up; early
        stopping is off when fewer than 2 points would be left to fit).
    n_iter_no_change : int, default=10
        Iterations without a new lowest held-out error after which
        ``early_stopping`` ends the fit.
    verbose : int, default=0
        Print one line per L-BFGS iteration (objective, elapsed time) if > 0.
    random_state : int, RandomState instance or None, default=None
        Seeds the points ``early_stopping`` holds out, ``init='random'`` (and
        the randomised PCA of large data).
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
        Σ_i (ŷ_i − y_i)² at the learned L (the value minimised), over the
        fitted points (all of them without ``early_stopping``).
    validation_error_ : ndarray of shape (n_iter_ + 1,)
        With ``early_stopping``: the held-out squared error at the start and
        after each iteration.
    best_iteration_ : int
        With ``early_stopping``: the iteration whose L was kept (0: the start).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string feature names.

    See Also
    --------
    NCA : the same softmax over pairs, for class labels.
    sklearn.neighbors.KNeighborsRegressor : regression in the learned space.

    References
    ----------
    K. Q. Weinberger and G. Tesauro, "Metric Learning for Kernel Regression",
    AISTATS 2007, JMLR W&CP 2:612–619.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.neighbors import KNeighborsRegressor
    >>> from sklearn.pipeline import make_pipeline
    >>> from mlearn import MLKR
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = make_pipeline(MLKR(random_state=0), KNeighborsRegressor(10))
    >>> model.fit(X[:300], y[:300]).score(X[300:], y[300:]) > 0.4
    True
    """

    # y is a continuous target, not class labels (the conformance suites fit it so).
    _regression_target = True

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "init": [StrOptions({"auto", "pca", "identity", "random"}), np.ndarray],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "preprocessor": ["array-like", callable, None],
    }

    def __init__(
        self,
        n_components=None,
        *,
        init="auto",
        max_iter=1000,
        tol=1e-5,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=10,
        verbose=0,
        random_state=None,
        preprocessor=None,
    ):
        self.n_components = n_components
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.verbose = verbose
        self.random_state = random_state
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn L from points X and their continuous targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            At least two samples.
        y : array-like of shape (n_samples,)
            Real-valued targets.

        Returns
        -------
        self : MLKR
        """
        X, y = validate_data(
            self,
            points_of(self, X),
            y,
            dtype=[np.float64, np.float32],
            y_numeric=True,
            ensure_min_samples=2,
        )
        n_features = X.shape[1]
        check_n_components(self.n_components, n_features)
        L0 = initial_components(
            self.init, X, n_components=self.n_components, random_state=self.random_state
        )
        n_components = L0.shape[0]  # an init array sets it when n_components is None
        y = np.asarray(y, dtype=X.dtype)
        fitted, held_out = self._split_for_early_stopping(X.shape[0])
        watch = None
        if held_out is not None:
            watch = HeldOutWatch(X[fitted], y[fitted], X[held_out], y[held_out], L0.shape)
            watch.patience = self.n_iter_no_change
            watch(0, L0)  # the start is a candidate: a fit that never helps keeps it
            X, y = X[fitted], y[fitted]
        # Tiles of n × n_components products and exp: small GEMMs that threads slow down.
        with blas_threads_for(n_features):
            evaluator = self._evaluator(
                PairSoftmax, X, y.reshape(-1, 1), by="rows", row_loss=squared_error_row_loss
            )
            loss_and_grad = softmax_loss_and_grad(evaluator, n_components, n_features, X.dtype)
            result = minimize_lbfgs(
                loss_and_grad,
                L0,
                max_iter=self.max_iter,
                tol=self.tol,
                ftol=self.tol,
                stop=watch,
                verbose=self.verbose,
                name=type(self).__name__,
            )
            L, objective = result.x, result.fun
            if watch is not None:
                L = watch.best_L
                objective = loss_and_grad(L.ravel())[0]
                self.validation_error_ = np.asarray(watch.errors)
                self.best_iteration_ = watch.best_iteration
        self.components_ = L.reshape(n_components, n_features).astype(X.dtype)
        self.n_iter_ = result.n_iter
        self.objective_ = objective
        return self

    def _split_for_early_stopping(self, n_samples):
        """(fitted rows, held-out rows), or (all rows, None) without early stopping."""
        n_held_out = int(np.ceil(self.validation_fraction * n_samples))
        if not self.early_stopping or n_held_out < 1 or n_samples - n_held_out < 2:
            return slice(None), None
        order = check_random_state(self.random_state).permutation(n_samples)
        return np.sort(order[n_held_out:]), np.sort(order[:n_held_out])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
