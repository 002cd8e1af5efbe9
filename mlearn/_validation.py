"""Input checks shared by every public entry point.

Everything here either returns validated, never-aliased-for-writing arrays or
raises a ``ValueError`` whose message names the problem (the user guide's
"Bad input" table lists them). Tuples (pairs, triplets, quadruplets) are turned into the form every
solver takes: a feature matrix X and an integer index array of shape
(n_tuples, tuple_size) into its rows.
"""

import numbers
import warnings

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.multiclass import type_of_target

# The target types scikit-learn's check_classification_targets accepts.
_CLASSIFICATION_TARGETS = (
    "binary",
    "multiclass",
    "multiclass-multioutput",
    "multilabel-indicator",
    "multilabel-sequences",
)

TUPLE_NAMES = {2: "pairs", 3: "triplets", 4: "quadruplets"}


def is_dask_array(X):
    """Whether X is a ``dask.array.Array`` (checked by type, without importing dask)."""
    return type(X).__module__.split(".")[0] == "dask" and hasattr(X, "map_blocks")


def float_dtype(X):
    """X's dtype if it is float32 or float64, else float64: the dtype a fit on X keeps."""
    return X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)


def check_points(X, *, name="X", min_samples=1):
    """Validate a 2-D matrix of points: numeric, finite, non-empty; float32 kept."""
    X = check_array(
        X,
        dtype=[np.float64, np.float32],
        ensure_min_samples=min_samples,
        input_name=name,
    )
    return X


def check_preprocessor(preprocessor):
    """Validate the ``preprocessor`` parameter: None, a 2-D array of points, or a callable.

    Returns
    -------
    preprocessor : None, ndarray or dask array of shape (n_points, n_features), or callable
    """
    if preprocessor is None or callable(preprocessor):
        return preprocessor
    if is_dask_array(preprocessor):
        # Stays on the cluster: index tuples into it are checked against its shape,
        # and learners that fit on a dask array take it as it is.
        if preprocessor.ndim != 2 or preprocessor.dtype.kind not in "biuf":
            raise ValueError(
                f"A dask preprocessor must be a 2-D numeric array, got {preprocessor.ndim} "
                f"dimension(s) of dtype {preprocessor.dtype}."
            )
        return preprocessor
    return check_points(preprocessor, name="preprocessor")


def check_tuples(tuples, tuple_size, *, preprocessor=None):
    """Validate tuples and return them as (X, indices) for a solver.

    Tuples come either as a 3-D array of points of shape
    (n_tuples, tuple_size, n_features), or, when a preprocessor is given, as a
    2-D integer array of shape (n_tuples, tuple_size) of indices into the
    preprocessor's points (an array, or a callable that maps an array of
    indices to their points).

    Parameters
    ----------
    tuples : array-like
    tuple_size : int
        2 for pairs, 3 for triplets, 4 for quadruplets.
    preprocessor : None, ndarray or callable, default=None
        As returned by :func:`check_preprocessor`.

    Returns
    -------
    X : ndarray of shape (n_points, n_features), float32 or float64
    indices : ndarray of shape (n_tuples, tuple_size), intp
        Rows of X that form each tuple.
    """
    kind = TUPLE_NAMES[tuple_size]
    try:
        arr = np.asarray(tuples)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{kind} must form a regular array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        if callable(preprocessor) and arr.ndim == 2:
            # Identifiers of any kind (file names, keys) that the callable maps to points.
            _check_tuple_count(arr, tuple_size, kind)
            X, inverse = _points_by_callable(arr.ravel(), preprocessor)
            return X, inverse.reshape(arr.shape)
        raise ValueError(
            f"{kind} must be numeric (points, or indices with a preprocessor); got dtype "
            f"{arr.dtype}. Identifiers that are not integers need a callable preprocessor."
        )
    if arr.ndim == 3:
        return _points_tuples(arr, tuple_size, kind)
    if arr.ndim == 2:
        if preprocessor is None:
            raise ValueError(
                f"{kind} given as a 2-D array of shape {arr.shape} need a preprocessor "
                f"(the points they index); otherwise pass a 3-D array of shape "
                f"(n_{kind}, {tuple_size}, n_features)."
            )
        return _index_tuples(arr, tuple_size, kind, preprocessor)
    raise ValueError(
        f"{kind} must be a 3-D array of shape (n_{kind}, {tuple_size}, n_features), or a "
        f"2-D array of indices of shape (n_{kind}, {tuple_size}) with a preprocessor; "
        f"got an array of shape {arr.shape}."
    )


def _check_tuple_count(arr, tuple_size, kind):
    if arr.shape[0] == 0:
        raise ValueError(f"No {kind} given: the array of {kind} is empty (shape {arr.shape}).")
    if arr.shape[1] != tuple_size:
        raise ValueError(
            f"{kind} must have {tuple_size} elements each (axis 1), got {arr.shape[1]} "
            f"(shape {arr.shape})."
        )


def _points_tuples(arr, tuple_size, kind):
    _check_tuple_count(arr, tuple_size, kind)
    n, t, d = arr.shape
    if d == 0:
        raise ValueError(f"{kind} have 0 features (shape {arr.shape}).")
    X = check_points(arr.reshape(n * t, d), name=kind)
    indices = np.arange(n * t, dtype=np.intp).reshape(n, t)
    return X, indices


def _index_tuples(arr, tuple_size, kind, preprocessor):
    _check_tuple_count(arr, tuple_size, kind)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(
                f"{kind} given with a preprocessor must be integer indices; got non-integer "
                f"values of dtype {arr.dtype}."
            )
    indices = arr.astype(np.intp)
    if callable(preprocessor):
        X, inverse = _points_by_callable(indices.ravel(), preprocessor)
        return X, inverse.reshape(indices.shape)
    _check_index_range(indices, preprocessor.shape[0], kind)
    return preprocessor, indices


def _check_index_range(indices, n_points, kind):
    bad = (indices < 0) | (indices >= n_points)
    if np.any(bad):
        raise ValueError(
            f"{kind} contain indices out of range for the preprocessor's {n_points} points: "
            f"e.g. {indices[bad][0]} (valid: 0 to {n_points - 1})."
        )


def _points_by_callable(identifiers, preprocessor):
    """(points, inverse): the callable's rows for the distinct identifiers, and where
    each identifier's row is (points[inverse] are the identifiers' points, in order).

    Each distinct identifier is handed to the preprocessor once (a file is read once
    however many tuples use it). Identifiers that cannot be sorted (mixed objects)
    are handed over as they are, one row each.
    """
    try:
        unique, inverse = np.unique(identifiers, return_inverse=True)
    except TypeError:
        unique, inverse = identifiers, np.arange(identifiers.shape[0])
    try:
        points = preprocessor(unique)
    except Exception as exc:
        raise ValueError(
            f"The preprocessor failed on identifiers such as {unique[:3].tolist()}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    points = check_points(points, name="preprocessor output")
    if points.shape[0] != unique.shape[0]:
        raise ValueError(
            f"The preprocessor returned {points.shape[0]} points for {unique.shape[0]} "
            f"identifiers; it must return one row per identifier."
        )
    return points, inverse.astype(np.intp).ravel()


def points_from_identifiers(X, preprocessor):
    """The points of X given as identifiers into ``preprocessor``; X itself otherwise.

    With a preprocessor, a 1-D X is read as one identifier per sample: integer row
    indices into an array preprocessor (a dask array is indexed lazily), or values
    of any kind (file names, keys) for a callable one. A 2-D X is taken to be the
    points already. Without a preprocessor X is returned as it is.

    Parameters
    ----------
    X : array-like of shape (n_samples,) or (n_samples, n_features)
    preprocessor : None, ndarray, dask array or callable
        As returned by :func:`check_preprocessor`.

    Returns
    -------
    X : array-like of shape (n_samples, n_features)
    """
    if preprocessor is None or is_dask_array(X) or hasattr(X, "columns"):
        return X
    arr = np.asarray(X)
    if arr.ndim != 1:
        return X
    if arr.shape[0] == 0:
        raise ValueError("X is empty: no identifiers given to the preprocessor.")
    if callable(preprocessor):
        points, inverse = _points_by_callable(arr, preprocessor)
        return points[inverse]
    if arr.dtype.kind not in "biuf" or (
        arr.dtype.kind == "f" and not (np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))
    ):
        raise ValueError(
            f"X given with an array preprocessor must be integer row indices, got values "
            f"of dtype {arr.dtype}; identifiers of another kind need a callable preprocessor."
        )
    indices = arr.astype(np.intp)
    _check_index_range(indices, preprocessor.shape[0], "X")
    return preprocessor[indices]


def check_pair_labels(y, n_pairs, *, kind="pairs"):
    """Validate tuple labels: one label per tuple, each −1 or +1.

    For pairs, +1 means similar and −1 dissimilar; for triplets and
    quadruplets (``kind``), +1 means the stated order holds.
    """
    if y is None:
        raise ValueError("Pair labels y are required: +1 for similar pairs, -1 for dissimilar.")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"Labels of {kind} must be 1-D, got shape {y.shape}.")
    if y.shape[0] != n_pairs:
        raise ValueError(f"Got {n_pairs} {kind} but {y.shape[0]} labels.")
    if y.dtype.kind not in "biuf" or not np.all(np.isin(y, (-1, 1))):
        values = np.unique(y.astype(str) if y.dtype.kind not in "biuf" else y)
        meaning = "(dissimilar) or +1 (similar)" if kind == "pairs" else "or +1"
        raise ValueError(f"Labels of {kind} must be -1 {meaning}; got values {values[:5]}.")
    return y.astype(np.int8)


def check_class_labels(y, n_samples, *, min_classes=2, min_per_class=1):
    """Validate class labels for a supervised learner.

    Returns
    -------
    classes : ndarray
        The distinct labels, sorted.
    y_encoded : ndarray of shape (n_samples,), intp
        Labels encoded as 0 .. n_classes − 1.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but y has {y.shape[0]} labels.")
    try:
        # type_of_target once (check_classification_targets would run it a second time,
        # a third of the validation of a small fit); its checks are repeated below.
        target_type = type_of_target(y, input_name="y")
        if target_type not in _CLASSIFICATION_TARGETS:
            raise ValueError(
                f"Unknown label type: {target_type}. Maybe you are trying to fit a "
                "classifier, which expects discrete classes on a regression target with "
                "continuous values."
            )
        classes, y_encoded, counts = np.unique(y, return_inverse=True, return_counts=True)
    except TypeError as exc:  # e.g. None among strings: labels that cannot be ordered
        raise ValueError(f"Class labels must be mutually comparable values; {exc}.") from None
    if target_type not in ("binary", "multiclass"):
        raise ValueError(f"y must be 1-D class labels, got {target_type} targets.")
    if target_type == "multiclass" and n_samples > 20 and len(classes) > round(0.5 * n_samples):
        warnings.warn(
            "The number of unique classes is greater than 50% of the number of samples. "
            "`y` could represent a regression problem, not a classification problem.",
            UserWarning,
            stacklevel=3,
        )
    if classes.shape[0] < min_classes:
        raise ValueError(
            f"y has {classes.shape[0]} class(es); at least {min_classes} classes are needed "
            f"to learn which points belong together."
        )
    if np.any(counts < min_per_class):
        small = classes[counts < min_per_class]
        raise ValueError(
            f"Every class needs at least {min_per_class} samples; class(es) {list(small[:5])} "
            f"have only {counts[counts < min_per_class].min()}."
        )
    return classes, y_encoded.astype(np.intp)


def check_positive_int(value, name, *, minimum=1):
    """Return ``value`` as an int if it is an integer ≥ minimum, else raise ValueError."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def check_n_components(n_components, n_features):
    """``n_components`` as an int (``n_features`` when None); ValueError unless in [1, d]."""
    if n_components is None:
        return int(n_features)
    n_components = check_positive_int(n_components, "n_components")
    if n_components > n_features:
        raise ValueError(
            f"n_components must be in [1, n_features={n_features}], got {n_components}: "
            f"it must not exceed the number of features."
        )
    return n_components


def distinct_rows(A):
    """The distinct rows of A, in an order set by their values alone, and where each row went.

    Exact (rows are compared by their bytes), and about ten times faster than
    ``np.unique(A, axis=0)``, which gives the same split. The distinct rows come
    in the order of their bytes: whatever the order and the repeats of A's rows,
    the same set of rows gives the same array.

    Parameters
    ----------
    A : ndarray of shape (n_rows, n_features)

    Returns
    -------
    distinct : ndarray of shape (n_distinct, n_features)
    inverse : ndarray of shape (n_rows,), int
        ``distinct[inverse]`` equals A.
    """
    A = np.ascontiguousarray(A)
    keys = [row.tobytes() for row in A]
    first = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    ordered = sorted(first)
    position = {key: i for i, key in enumerate(ordered)}
    inverse = np.fromiter((position[key] for key in keys), dtype=np.intp, count=len(keys))
    return A[[first[key] for key in ordered]].reshape(len(ordered), *A.shape[1:]), inverse


def distinct_points(X, rows):
    """The indices among ``rows`` of X that hold distinct points: the first of each value.

    Tuples given as points repeat a point in every tuple it is in, tuples of
    identifiers name it once; a statistic of "the points the tuples use" (the
    covariance of a 'covariance' start or prior, the spreads of an 'auto' prior)
    counts each distinct point once in both forms, as metric-learn does. For a
    dask X the rows stay on the cluster: distinct identifiers are returned, not
    compared by value.

    Parameters
    ----------
    X : ndarray or dask array of shape (n_points, n_features)
    rows : array-like of int
        Row indices into X, any shape, repeats allowed.

    Returns
    -------
    rows : ndarray of int, sorted
    """
    rows = np.unique(np.asarray(rows, dtype=np.intp))
    if is_dask_array(X) or rows.size == 0:
        return rows
    first = {}
    for row, point in zip(rows, np.ascontiguousarray(X[rows]), strict=True):
        first.setdefault(point.tobytes(), row)
    return np.sort(np.fromiter(first.values(), dtype=np.intp, count=len(first)))
