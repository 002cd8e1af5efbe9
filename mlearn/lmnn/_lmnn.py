"""The LMNN estimator (the maths, the solver and the paper: :mod:`mlearn.lmnn`)."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._threads import blas_threads_for
from .._validation import float_dtype
from ..base import (
    MahalanobisMixin,
    SupervisedMixin,
    initial_components_of,
    row_blocks_of,
    rows_set_apart,
)
from ._evaluator import RowBlockObjective
from ._passes import (
    HELD_OUT_FRACTION,
    MIN_HELD_OUT,
    HeldOutAccuracy,
    fit_passes,
    held_out_rows,
    resolved_n_passes,
)
from ._solver import minimize_over_active_sets, searches_and_evaluations
from ._subspace import principal_basis

__all__ = ["LMNN"]

# Above this many features, n_components=None with init='auto' learns within the principal
# subspace (mlearn.lmnn._subspace); any other full-rank fit warns (benchmarks/lmnn_high_dim.py).
_MANY_FEATURES = 256


class LMNN(SupervisedMixin, MahalanobisMixin, BaseEstimator):
    """Large Margin Nearest Neighbor metric learning.

    Learns a linear map L so that each point's k nearest same-class points
    (its target neighbours) are closer than every point of another class by
    a unit margin. With D_ab = ‖L(x_a − x_b)‖² and μ = ``push_weight``, the
    objective is

        ε(L) = (1 − μ) Σ_{j⇝i} D_ij + μ Σ_{j⇝i} Σ_{l: y_l ≠ y_i} [1 + D_ij − D_il]_+

    (the hinge squared with ``hinge='squared_hinge'``), minimised by L-BFGS
    over an actively searched set of impostors, verified exactly at the end.
    See the module :mod:`mlearn.lmnn` for the gradient and the solver.

    Parameters
    ----------
    n_neighbors : int, default=3
        Number of target neighbours k per point. A class with fewer than
        k + 1 points gives its points n_class − 1 target neighbours (a
        ``UserWarning`` says so); points of a single-point class have none
        and only act as impostors.
    n_components : int, default=None
        Dimension of the embedding (rows of L); None means n_features. With
        None and ``init='auto'`` on more than 256 features, L is learned as
        W P, P the r principal axes of the points of variance at least 1 % of
        the largest, W square, from the identity (a full-rank map there is slow
        and fits noise along the directions in which the points barely spread;
        the user guide's LMNN page has the measurements); its rows past the
        r-th are zero. An explicit n_components gives a compact map instead.
    init : {'auto', 'pca', 'lda', 'identity', 'random'} or ndarray of shape \
            (n_components, n_features), default='auto'
        Initial L. 'auto' takes 'lda' when n_components ≤ min(n_features,
        n_classes − 1), else 'pca' when n_components < min(n_features,
        n_samples), else 'identity' (metric-learn's rule), taken on the
        standardised features when their spreads are in different units (the
        largest standard deviation over 100 times the median). 'lda' works for
        every n_components: beyond the n_classes − 1 discriminant axes it adds
        the leading principal axes of the residual (:mod:`mlearn._init`).
        'random' draws a standard normal matrix. These are
        rescaled so that the mean squared distance to target neighbours is 1,
        the scale of the unit margin (otherwise the first iterations only
        shrink or grow L); an array is used as given.
    n_passes : int or 'auto', default='auto'
        Number of fits, each after the first with new target neighbours: the
        k nearest same-class points under the metric the previous fit learned
        (the "multiple passes" of Weinberger & Saul 2009, §6.1), each fit
        starting from the previous L (rescaled as a string ``init`` is). The
        passes stop early once at most 1 % of the target neighbours change.
        'auto': one pass when there are fewer than 4 points per entry of L
        (n_samples < 4 · n_components · n_features: the metric of one pass is
        then fitted partly to noise in its own points, and the targets it picks
        carry that into the next); otherwise several. With at least 10,000 points,
        up to 8, their number chosen on held-out points: a stratified 10 % of
        them (at most 5,000) is left out of the fit and classified by
        n_neighbors-NN against the others under each pass's metric
        (``validation_scores_``); the passes go on while that accuracy does not
        fall below the best so far, and the best pass is kept when it beats the
        first by a sign test at two standard deviations, else the first (3-NN
        0.951 after one pass, 0.982 after six on 100,000 points of 20 Gaussian
        classes with 40 noise features, where the targets' rule below keeps one).
        A dask X holds out the rows the same points in memory would (they are
        drawn from y alone); its other rows stay in their row blocks, the
        held-out rows alone come to the driver, and each held-out point's
        nearest fitted points are found within every block, on its worker, and
        merged. With fewer points, up to 5, which go on while each
        re-selection moves more targets than the one before, keeping the
        pass before the first one that moves fewer (the passes are then settling
        back around the first metric's neighbourhoods, where a further pass
        only re-fits its own points; :mod:`mlearn.lmnn._passes` and the user
        guide's LMNN page have the measurements). ``max_iter`` counts the
        L-BFGS iterations of all passes.
    push_weight : float in [0, 1], default=0.1
        μ, the weight of the impostor (push) term against the target
        neighbour (pull) term. metric-learn's ``regularization`` is 1 − μ (its
        default, 0.5, is μ = 0.5, the paper's choice); 0.1 was more accurate on
        every problem measured for the user guide's LMNN page but one (breast
        cancer, 0.002 less).
    hinge : {'hinge', 'squared_hinge'}, default='hinge'
        Loss on the margin violations: the paper's hinge [t]_+, or [t]_+²
        (smooth, slightly different optimum).
    max_impostors : int or None, default=500_000
        About the most impostor pairs kept in the active set. When more
        lie inside the search radii (typically at the start, when the
        initial metric is poor on a large data set), a random sample of
        about this size is kept, drawn with ``random_state``, each pair
        weighted by the inverse of its sampling probability so that the
        push term stays an unbiased estimate of the full one; on large data
        the candidates are sampled without enumerating them all (see
        :mod:`mlearn.lmnn`). A sample's optimum is checked on a fresh sample
        twice as large (up to 4 × max_impostors), and accepted when the two
        objectives agree within 1 % or the sample has reached that size,
        without exact verification (``impostors_sampled_`` says so). None
        keeps all.
    max_iter : int, default=1000
        Maximum total number of L-BFGS iterations.
    tol : float, default=1e-4
        L-BFGS, restarted after each impostor search, stops when an
        iteration's relative decrease falls below tol, from its third
        iteration on (or when the largest gradient entry falls below tol);
        the fit stops when it does so and a fresh search confirms the
        objective (see ``max_impostors``).
    random_state : int, RandomState instance or None, default=None
        Seeds ``init='random'`` and the sampling of impostors.
    verbose : int, default=0
        If > 0, print one table per pass: a row per L-BFGS iteration
        (counted over the pass) and per impostor search, each with the
        quantity the stopping test compares (``change``) and its
        ``threshold``; between passes, how many target neighbours changed.
    preprocessor : array-like of shape (n_points, n_features), callable or None, \
default=None
        What X stands for when it is given as an (n_samples,) array of identifiers: an
        array preprocessor is indexed by integer identifiers; a callable maps an array
        of identifiers of any kind (file names, keys) to their rows of features, each
        distinct identifier once. A dask array is indexed lazily and fitted on the
        cluster as a dask X is. None: X holds the points.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The learned map L; M = LᵀL.
    n_iter_ : int
        L-BFGS iterations taken in total, over all passes.
    n_passes_ : int
        Passes up to the one whose metric was kept (see ``n_passes``); the
        iteration counts include every pass run.
    validation_scores_ : ndarray of shape (passes run,) or None
        The held-out kNN accuracy of each pass's metric when the held-out points
        chose the number of passes (``n_passes='auto'``, at least 10,000 points, in
        memory or on a dask array; those points were left out of the fit); None
        otherwise.
    n_loss_evals_ : int
        Evaluations of the loss and gradient, including the verifications, over all passes.
    n_searches_ : int
        Impostor searches, including the final verifications, over all passes.
    n_impostor_pairs_ : int
        Impostor pairs in the final active set (of the last pass).
    impostors_sampled_ : bool
        Whether the final active set was a sample (see ``max_impostors``).
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string feature names.

    See Also
    --------
    sklearn.neighbors.NeighborhoodComponentsAnalysis : a smooth, probabilistic
        relative of LMNN.

    References
    ----------
    K. Q. Weinberger and L. K. Saul, "Distance Metric Learning for Large
    Margin Nearest Neighbor Classification", JMLR 10:207–244, 2009 (NIPS 2005).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from mlearn import LMNN
    >>> from sklearn.model_selection import train_test_split
    >>> X, y = load_iris(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X, y, test_size=0.3, stratify=y, random_state=0
    ... )
    >>> model = make_pipeline(LMNN(n_neighbors=3), KNeighborsClassifier(3))
    >>> model.fit(X_train, y_train).score(X_test, y_test) > 0.95
    True
    """

    # A dask X is fitted where its row blocks are, through the evaluator seam.
    _fits_on_dask = True

    _parameter_constraints: dict = {
        "preprocessor": ["array-like", callable, None],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "init": [StrOptions({"auto", "pca", "lda", "identity", "random"}), np.ndarray],
        "n_passes": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "push_weight": [Interval(Real, 0, 1, closed="both")],
        "hinge": [StrOptions({"hinge", "squared_hinge"})],
        "max_impostors": [Interval(Integral, 1, None, closed="left"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_neighbors=3,
        *,
        n_components=None,
        init="auto",
        n_passes="auto",
        push_weight=0.1,
        hinge="hinge",
        max_impostors=500_000,
        max_iter=1000,
        tol=1e-4,
        random_state=None,
        verbose=0,
        preprocessor=None,
    ):
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.init = init
        self.n_passes = n_passes
        self.push_weight = push_weight
        self.hinge = hinge
        self.max_impostors = max_impostors
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn L from points X and their class labels y.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            A dask array is fitted where its row blocks are (on the workers of
            the active ``distributed`` client, if any): targets and impostors
            within each block, the blocks' objectives summed (the user guide's
            "Scaling out" page says exactly what). One block gives the in-memory fit.
        y : array-like or dask array of shape (n_samples,)
            Class labels; at least two classes, and one class with two points.

        Returns
        -------
        self : LMNN
        """
        X, y = self._validate_supervised(X, y)
        self._check_class_sizes(y, row_blocks_of(X))
        (n_samples, n_features), dtype = X.shape, float_dtype(X)
        basis = self._principal_basis(X)
        if basis is None:
            self._warn_if_many_features(n_features)
        else:
            # Fitted within the subspace: L = W P, W learned on the points X Pᵀ.
            X = X @ basis.T.astype(dtype, copy=False)
        # Every product here is a tile of at most 1024 × 4096 or n × d × n_components
        # with small d, which threaded BLAS slows down (100,000 × 50 on the 2-core
        # machine under load: the whole fit 16.7 s CPU on one thread, 70 s on two).
        random_state = check_random_state(self.random_state)
        X, y, held = self._held_out_part(X, y, random_state)
        with blas_threads_for(X.shape[1]):
            evaluator = self._evaluator(
                RowBlockObjective.from_block,
                X,
                y,
                by="rows",
                n_neighbors=self.n_neighbors,
                dtype=dtype,
                random_state=random_state,
            )
            # The held-out points' neighbours are searched among the evaluator's rows,
            # where they are (each row block's nearest, merged, on a dask X).
            held_out = (
                None if held is None else HeldOutAccuracy(evaluator, y, *held, self.n_neighbors)
            )
            L = self._initial_components(evaluator, X, y, dtype)
            # The number of passes follows from all the points, as the held-out choice did.
            max_passes = resolved_n_passes(
                self.n_passes, n_samples, L.shape, held_out=held_out is not None
            )
            fitted, self.n_passes_, scores = self._fit_passes(
                evaluator, L, X.shape[0], max_passes, dtype, held_out
            )
        self.validation_scores_ = np.asarray(scores) if held_out is not None else None
        self.components_ = fitted.components
        if basis is not None:
            # n_features rows, as n_components=None gives everywhere (zero rows past the
            # subspace's dimension): downstream shapes do not depend on the data.
            self.components_ = np.zeros((n_features, n_features), dtype=dtype)
            self.components_[: basis.shape[0]] = fitted.components @ basis
        self.n_iter_, self.n_loss_evals_ = fitted.n_iter, fitted.n_loss_evals
        self.n_searches_, self.n_impostor_pairs_ = fitted.n_searches, fitted.n_impostor_pairs
        self.impostors_sampled_ = fitted.impostors_sampled
        return self

    def _held_out_part(self, X, y, random_state):
        """(X, y to fit, (X_held, y_held) or None).

        n_passes='auto', with enough points per entry of L for several passes, leaves a
        stratified part of the points out of the fit to choose the number of passes
        (:mod:`mlearn.lmnn._passes`); otherwise all points are fitted. The part is drawn
        from y alone, so a dask X holds out the same rows as the same points in memory;
        its other rows stay in their row blocks and only the held-out ones are computed.
        """
        if self.n_passes != "auto" or X.shape[0] * HELD_OUT_FRACTION < MIN_HELD_OUT:
            return X, y, None
        n_features = X.shape[1]
        if isinstance(self.init, np.ndarray):
            shape = self.init.shape
        else:
            shape = (self.n_components or n_features, n_features)
        if resolved_n_passes("auto", X.shape[0], shape) == 1:
            return X, y, None
        held = held_out_rows(y, self.n_neighbors, random_state)
        if not held.any():
            return X, y, None
        X_fit, X_held = rows_set_apart(X, held)
        return X_fit, y[~held], (X_held, y[held])

    def _fit_passes(self, evaluator, L, n_fitted, max_passes, dtype, held_out):
        """The passes (:func:`mlearn.lmnn._passes.fit_passes`) of this estimator's settings."""
        search, evaluate = searches_and_evaluations(
            evaluator,
            max_impostors=self.max_impostors,
            n_samples=n_fitted,
            push_weight=self.push_weight,
            hinge=self.hinge,
        )

        def one_pass(L, max_iter):
            with warnings.catch_warnings():
                # The budget is the total over the passes: warned about by the caller, once.
                warnings.simplefilter("ignore", ConvergenceWarning)
                return minimize_over_active_sets(
                    L, search, evaluate, max_iter=max_iter, tol=self.tol, verbose=self.verbose
                )

        return fit_passes(
            evaluator,
            L,
            one_pass=one_pass,
            max_passes=max_passes,
            auto=self.n_passes == "auto",
            max_iter=self.max_iter,
            rescale_first=not isinstance(self.init, np.ndarray),
            dtype=dtype,
            held_out=held_out,
            verbose=self.verbose,
        )

    def _principal_basis(self, X):
        """P of L = W P (:mod:`mlearn.lmnn._subspace`), or None for a map of all features."""
        auto = isinstance(self.init, str) and self.init == "auto"
        if self.n_components is not None or not auto or X.shape[1] <= _MANY_FEATURES:
            return None
        return principal_basis(X)

    def _warn_if_many_features(self, n_features):
        """Warn that a full-rank map in many dimensions is slow, and what to do instead."""
        if self.n_components is not None or n_features <= _MANY_FEATURES:
            return
        warnings.warn(
            f"LMNN with n_components=None learns a {n_features} x {n_features} map; every "
            f"evaluation costs n_samples x {n_features}^2 operations and the fit can take "
            f"minutes. Above {_MANY_FEATURES} features, pass n_components (e.g. "
            f"n_components=64, init='pca'), or reduce X with PCA first.",
            UserWarning,
            stacklevel=3,
        )

    def _check_class_sizes(self, y, bounds):
        """Refuse labels that give no target neighbour; warn about classes below k + 1.

        Target neighbours are searched within each row block of X (one block in
        memory), so the sizes that count are those of the classes in each block.
        """
        where = "" if len(bounds) == 2 else " within a row block of X"
        counts = [np.bincount(y[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        counts = np.concatenate([c[c > 0] for c in counts]) if where else counts[0]
        if counts.max() < 2:
            raise ValueError(
                f"LMNN needs a class with at least 2 samples{where}: every class has a single "
                f"sample, so no point has a target neighbour."
            )
        if counts.min() < self.n_neighbors + 1:
            warnings.warn(
                f"Some classes have fewer than n_neighbors + 1 = {self.n_neighbors + 1} "
                f"samples{where} (smallest: {counts.min()}); their points get n_class - 1 "
                f"target neighbours.",
                UserWarning,
                stacklevel=3,
            )

    def _initial_components(self, evaluator, X, y, dtype):
        """The initial L from ``init`` in X's dtype (:func:`mlearn.base.initial_components_of`)."""
        L = initial_components_of(
            X,
            y,
            self.init,
            n_components=self.n_components,
            random_state=self.random_state,
            statistics=evaluator,
        )
        return L.astype(dtype, copy=False)
