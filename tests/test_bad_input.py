"""Bad input, property-based, across every estimator (docs/reliability.rst, "Bad input").

Every public entry point must reject bad input with a ``ValueError`` (or
``NotFittedError``) whose message names the problem, must never return NaN,
and must never modify the caller's arrays. Estimators come from
``mlearn.__all__`` (see ``tests/_estimators.py``), so a new learner is
covered the day it is exported; hypothesis draws where and how the input is
broken. Each example is cheap: bad input is refused before any solver runs.

Per estimator, the kinds of input tried are the test functions below (one per
kind of problem), each with up to ``EXAMPLES`` drawn variants.
"""

import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from mlearn.base import MahalanobisMixin

from ._estimators import (
    ALL_CLASSES,
    NAMES_THE_CONDITION,
    TUPLE_SIZES,
    check_learned_metric,
    class_id,
    fit_args,
    fitted,
    labelled_points,
    make,
    point_method_names,
    supervision,
)

EXAMPLES = 8
bounded = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)

TUPLE_CLASSES = [cls for cls in ALL_CLASSES if supervision(make(cls)) in TUPLE_SIZES]
PAIR_CLASSES = [cls for cls in ALL_CLASSES if supervision(make(cls)) == "pairs"]
SUPERVISED_CLASSES = [cls for cls in ALL_CLASSES if supervision(make(cls)) == "supervised"]
LABELLED_CLASSES = [cls for cls in ALL_CLASSES if supervision(make(cls)) in ("supervised", "pairs")]

NON_FINITE = r"NaN|nan|inf|infinity|finite"
# A learner that takes N-D points (images, for the deep one) sees a feature mismatch.
DIMENSION = r"1D|1-D|2D|2-D|3D|3-D|dim|shape|scalar|features"
parametrize_all = pytest.mark.parametrize("cls", ALL_CLASSES, ids=class_id)


def _call_unchanged(method, *args, **kwargs):
    """Call ``method(*args)``; assert afterwards that no argument was modified."""
    before = [a.copy() if isinstance(a, np.ndarray) else None for a in args]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return method(*args, **kwargs)
    finally:
        for old, new in zip(before, args, strict=True):
            if old is None:
                continue
            assert new.dtype == old.dtype and new.shape == old.shape, "caller's array changed"
            if old.dtype.kind == "O":  # the same objects, in the same places
                assert all(x is z for x, z in zip(old.flat, new.flat, strict=True)), (
                    "caller's array modified"
                )
            else:
                np.testing.assert_array_equal(new, old, err_msg="caller's array modified")


def _rejects(match, method, *args):
    with pytest.raises(ValueError, match=match):
        _call_unchanged(method, *args)


def _fit_inputs(cls, **data_kwargs):
    estimator = make(cls)
    X, y = labelled_points(**data_kwargs)
    return estimator, list(fit_args(estimator, X, y))


def _entry_points(estimator, X=None, y=None, *, indices=False):
    """(name, method, args) for each method of a fitted estimator that takes data.

    ``args`` are valid arguments built from (X, y): points for ``transform``,
    pairs for ``pair_distance``, tuples (and pair labels) for the tuple
    learners' methods; index tuples with ``indices=True``.
    """
    if X is None:
        X, y = labelled_points(seed=1)
    calls = [(name, (X,)) for name in point_method_names(estimator)]
    if hasattr(estimator, "pair_distance"):
        pairs = np.arange(20).reshape(10, 2) % X.shape[0]
        calls.append(("pair_distance", (pairs if indices else X[pairs],)))
    if supervision(estimator) in TUPLE_SIZES:
        tuple_args = fit_args(estimator, X, y, indices=indices)
        calls += [
            ("predict", tuple_args[:1]),
            ("decision_function", tuple_args[:1]),
            ("score", tuple_args),
        ]
    return [(name, getattr(estimator, name), args) for name, args in calls]


def _draw_call(data, estimator, X=None, y=None):
    calls = {name: (name, method, args) for name, method, args in _entry_points(estimator, X, y)}
    return calls[data.draw(st.sampled_from(sorted(calls)), label="method")]


# --- non-finite values -----------------------------------------------------------------


@parametrize_all
@bounded
@given(data=st.data(), value=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_non_finite_values_are_rejected_at_fit(cls, data, value):
    estimator, args = _fit_inputs(cls)
    first = args[0].copy()
    flat = data.draw(st.integers(0, first.size - 1), label="position")
    first.flat[flat] = value
    _rejects(NON_FINITE, estimator.fit, first, *args[1:])


@parametrize_all
@bounded
@given(data=st.data(), value=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_non_finite_values_are_rejected_after_fit(cls, data, value):
    name, method, args = _draw_call(data, fitted(cls))
    first = args[0].copy()
    first.flat[data.draw(st.integers(0, first.size - 1), label="position")] = value
    _rejects(NON_FINITE, method, first, *args[1:])


@pytest.mark.parametrize("cls", TUPLE_CLASSES, ids=class_id)
@bounded
@given(data=st.data(), value=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_non_finite_preprocessor_is_rejected(cls, data, value):
    X, y = labelled_points()
    X[data.draw(st.integers(0, X.shape[0] - 1)), data.draw(st.integers(0, 3))] = value
    estimator = make(cls, preprocessor=X)
    _rejects(NON_FINITE, estimator.fit, *fit_args(estimator, X, y, indices=True))


# --- empty and wrongly shaped input ----------------------------------------------------


def _empty_like(arr, draw):
    """An array like ``arr`` with one of its axes of length zero."""
    axis = draw(st.sampled_from([0, arr.ndim - 1]), label="empty axis")
    shape = list(arr.shape)
    shape[axis] = 0
    return np.zeros(shape)


@parametrize_all
@bounded
@given(data=st.data())
def test_empty_input_is_rejected(cls, data):
    estimator, args = _fit_inputs(cls)
    empty = _empty_like(args[0], data.draw)
    label_args = [a[: empty.shape[0]] for a in args[1:]]
    _rejects(r"0 sample|0 feature|empty|[Nn]o \w+ given|minimum", estimator.fit, empty, *label_args)
    name, method, args = _draw_call(data, fitted(cls))
    empty = _empty_like(args[0], data.draw)
    label_args = [a[: empty.shape[0]] for a in args[1:]]
    pattern = r"0 sample|0 feature|empty|[Nn]o \w+ given|minimum|features"
    _rejects(pattern, method, empty, *label_args)


@parametrize_all
@bounded
@given(data=st.data())
def test_input_of_the_wrong_dimension_is_rejected(cls, data):
    estimator, args = _fit_inputs(cls)
    if args[0].ndim == 3:  # tuples of points
        wrong = [0, 1, 4]
    elif isinstance(estimator, MahalanobisMixin):  # a linear map of 2-D points
        wrong = [0, 1, 3]
    else:  # may take N-D points (images, for the deep learner)
        wrong = [0, 1]
    ndim = data.draw(st.sampled_from(wrong), label="ndim")
    bad = np.ones((5,) * ndim)
    labels = [np.resize(np.unique(a), 5) for a in args[1:]]  # valid labels
    _rejects(DIMENSION, estimator.fit, bad, *labels)
    name, method, args = _draw_call(data, fitted(cls))
    labels = [np.resize(np.unique(a), 5) for a in args[1:]]  # valid labels
    _rejects(DIMENSION, method, bad, *labels)


@pytest.mark.parametrize("cls", TUPLE_CLASSES, ids=class_id)
@bounded
@given(data=st.data())
def test_tuples_of_the_wrong_size_are_rejected(cls, data):
    estimator, args = _fit_inputs(cls)
    size = TUPLE_SIZES[supervision(estimator)]
    wrong = data.draw(st.integers(1, 6).filter(lambda k: k != size), label="tuple size")
    X, _ = labelled_points()
    rng = np.random.default_rng(data.draw(st.integers(0, 99), label="seed"))
    indices = rng.integers(0, X.shape[0], size=(args[0].shape[0], wrong))
    as_indices = data.draw(st.booleans(), label="as indices")
    if as_indices:
        estimator.set_params(preprocessor=X)
    bad = indices if as_indices else X[indices]
    _rejects(r"must have \d elements|shape", estimator.fit, bad, *args[1:])
    _rejects(r"must have \d elements|shape", fitted(cls).predict, X[indices])


@pytest.mark.parametrize("cls", TUPLE_CLASSES, ids=class_id)
def test_index_tuples_without_preprocessor_are_rejected(cls):
    estimator, args = _fit_inputs(cls)
    X, y = labelled_points()
    indices = fit_args(estimator, X, y, indices=True)
    _rejects("need a preprocessor", estimator.fit, *indices)
    _rejects("need a preprocessor", fitted(cls).predict, indices[0])


# --- non-numeric input -----------------------------------------------------------------

NON_NUMERIC = st.sampled_from(["a", "1e400x", None, b"x", 1j, [1.0], object(), {"a": 1}])
NON_NUMERIC_MESSAGE = r"convert|numeric|string|NaN|[Cc]omplex|sequence|dtype|must be|real number"


def _rejects_non_numeric(bad, method, *args):
    # scikit-learn's own common checks (check_dtype_object) require a TypeError for
    # an object that is neither a string nor a real number (a dict) in an object
    # array; strings, None and sequences give a ValueError.
    real_number_error = type(bad) in (object, dict, complex)
    errors = (ValueError, TypeError) if real_number_error else ValueError
    with pytest.raises(errors, match=NON_NUMERIC_MESSAGE):
        _call_unchanged(method, *args)


@parametrize_all
@bounded
@given(data=st.data(), bad=NON_NUMERIC)
def test_strings_and_objects_are_rejected(cls, data, bad):
    estimator, args = _fit_inputs(cls)
    _rejects_non_numeric(bad, estimator.fit, _with_value(args[0], bad, data.draw), *args[1:])
    name, method, args = _draw_call(data, fitted(cls))
    _rejects_non_numeric(bad, method, _with_value(args[0], bad, data.draw), *args[1:])


def _with_value(arr, value, draw):
    out = arr.astype(object)
    out.flat[draw(st.integers(0, out.size - 1), label="position")] = value
    return out


# --- labels ----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", LABELLED_CLASSES, ids=class_id)
@bounded
@given(data=st.data())
def test_labels_of_mismatched_length_are_rejected(cls, data):
    estimator, args = _fit_inputs(cls)
    n = args[0].shape[0]
    m = data.draw(st.integers(1, 2 * n).filter(lambda m: m != n), label="n labels")
    y = np.resize(args[1], m)
    _rejects(r"samples|labels|inconsistent|\d+ pairs", estimator.fit, args[0], y)


@pytest.mark.parametrize("cls", TUPLE_CLASSES, ids=class_id)
@bounded
@given(data=st.data())
def test_score_labels_of_mismatched_length_are_rejected(cls, data):
    estimator = fitted(cls)
    X, y = labelled_points()
    tuples = fit_args(estimator, X, y)[0]
    m = data.draw(st.integers(1, 2 * tuples.shape[0]).filter(lambda m: m != tuples.shape[0]))
    _rejects(r"labels|samples|inconsistent", estimator.score, tuples, np.resize([1, -1], m))


@pytest.mark.parametrize("cls", PAIR_CLASSES, ids=class_id)
@bounded
@given(data=st.data(), bad=st.sampled_from([0, 2, -2, 0.5, np.nan, np.inf, "a", 1j]))
def test_pair_labels_outside_plus_minus_one_are_rejected(cls, data, bad):
    estimator, (pairs, y) = _fit_inputs(cls)
    y = y.astype(object if isinstance(bad, str | complex) else np.float64)
    y[data.draw(st.integers(0, y.shape[0] - 1), label="position")] = bad
    _rejects(r"-1.*\+1|\+1.*-1", estimator.fit, pairs, y)
    learner = fitted(cls)
    for method in (learner.score, learner.calibrate_threshold):
        _rejects(r"-1.*\+1|\+1.*-1", method, pairs, y)


@pytest.mark.parametrize("cls", SUPERVISED_CLASSES, ids=class_id)
@bounded
@given(label=st.sampled_from([0, 7, -1, "a"]))
def test_a_single_class_is_rejected(cls, label):
    estimator, (X, y) = _fit_inputs(cls)
    _rejects(r"class", estimator.fit, X, np.full(X.shape[0], label, dtype=object))


@pytest.mark.parametrize("cls", SUPERVISED_CLASSES, ids=class_id)
@bounded
@given(data=st.data())
def test_label_types_that_cannot_be_ordered_are_rejected(cls, data):
    estimator, (X, y) = _fit_inputs(cls)
    y = y.astype(object)
    y[data.draw(st.integers(0, y.shape[0] - 1))] = data.draw(st.sampled_from([None, "a", 1.5]))
    y[data.draw(st.integers(0, y.shape[0] - 1))] = data.draw(st.sampled_from(["b", None]))
    _rejects(r"label|type|class|NaN|continuous", estimator.fit, X, y)


@pytest.mark.parametrize("cls", SUPERVISED_CLASSES, ids=class_id)
@bounded
@given(data=st.data())
def test_a_class_with_one_sample_is_rejected_or_gives_a_finite_psd_metric(cls, data):
    estimator, (X, y) = _fit_inputs(cls)
    y = y.copy()
    y[data.draw(st.integers(0, y.shape[0] - 1), label="singleton")] = 99
    try:
        _call_unchanged(estimator.fit, X, y)
    except ValueError as exc:
        assert re.search(NAMES_THE_CONDITION, str(exc)), exc
        return
    check_learned_metric(estimator, X, y)


# --- preprocessor indices --------------------------------------------------------------


@pytest.mark.parametrize("cls", TUPLE_CLASSES, ids=class_id)
@bounded
@given(data=st.data())
def test_indices_out_of_range_with_a_preprocessor_are_rejected(cls, data):
    X, y = labelled_points()
    estimator = make(cls, preprocessor=X)
    args = list(fit_args(estimator, X, y, indices=True))
    index = data.draw(
        st.one_of(st.integers(-(2**40), -1), st.integers(X.shape[0], 2**40)), label="index"
    )
    bad = args[0].copy()
    bad.flat[data.draw(st.integers(0, bad.size - 1), label="position")] = index
    _rejects("out of range", estimator.fit, bad, *args[1:])
    _call_unchanged(estimator.fit, *args)
    _rejects("out of range", estimator.predict, bad)


@pytest.mark.parametrize("cls", TUPLE_CLASSES, ids=class_id)
@bounded
@given(bad=st.sampled_from([0.5, np.nan, np.inf, -1.5]))
def test_non_integer_indices_with_a_preprocessor_are_rejected(cls, bad):
    X, y = labelled_points()
    estimator = make(cls, preprocessor=X)
    args = list(fit_args(estimator, X, y, indices=True))
    indices = args[0].astype(np.float64)
    indices[0, 0] = bad
    _rejects("integer indices", estimator.fit, indices, *args[1:])


# --- after fit -------------------------------------------------------------------------


@parametrize_all
@bounded
@given(data=st.data())
def test_feature_count_mismatch_after_fit_is_rejected(cls, data):
    estimator = fitted(cls)
    d = data.draw(st.integers(1, 9).filter(lambda d: d != 4), label="n_features")
    X, y = labelled_points(d=max(d, 4))
    X = X[:, :d]
    name, method, args = _draw_call(data, estimator, X, y)
    _rejects(r"features", method, *args)


@parametrize_all
def test_methods_before_fit_raise_not_fitted(cls):
    estimator, args = _fit_inputs(cls)
    for _name, method, method_args in _entry_points(make(cls)):
        with pytest.raises(NotFittedError):
            method(*method_args)
    for name in ("get_mahalanobis_matrix", "get_metric", "get_mahalanobis_matrices"):
        if hasattr(estimator, name):
            with pytest.raises(NotFittedError):
                getattr(estimator, name)()


# --- valid input: no NaN, arrays left alone --------------------------------------------


@parametrize_all
@pytest.mark.parametrize("writeable", [False, True], ids=["read-only", "writeable"])
def test_fit_and_predict_leave_caller_arrays_untouched(cls, writeable):
    for indices in (False, True) if cls in TUPLE_CLASSES else (False,):
        X, y = labelled_points()
        estimator = make(cls, preprocessor=X) if indices else make(cls)
        args = fit_args(estimator, X, y, indices=indices)
        calls = _entry_points(estimator, X, y, indices=indices)
        for a in (X, y, *args, *(a for _, _, call_args in calls for a in call_args)):
            a.flags.writeable = writeable
        X_before = X.copy()  # the preprocessor is not an argument of the calls
        _call_unchanged(estimator.fit, *args)
        for _, method, call_args in calls:
            assert np.all(np.isfinite(_call_unchanged(method, *call_args)))
        np.testing.assert_array_equal(X, X_before)


@parametrize_all
@settings(max_examples=4, deadline=None, derandomize=True)
@given(
    n=st.integers(6, 30),
    d=st.integers(1, 6),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),
    seed=st.integers(0, 2**16),
)
def test_finite_input_of_any_shape_gives_a_finite_psd_metric(cls, n, d, scale, seed):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.normal(size=(n, d)) * scale + y[:, None]
    estimator = make(cls)
    args = fit_args(estimator, X, y)
    try:
        _call_unchanged(estimator.fit, *args)
    except ValueError as exc:  # e.g. fewer samples per class than neighbours asked for
        assert re.search(NAMES_THE_CONDITION, str(exc)), exc
        return
    check_learned_metric(estimator, X, y)
