"""mlearn.persistence: pickle-free round trips, and refusal of every file it did not write."""

import collections
import enum
import io
import json
import pickle
import warnings

import joblib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import mlearn
from mlearn import Covariance
from mlearn.persistence import FORMAT_VERSION, load, save

from ._estimators import (
    ALL_CLASSES,
    TOY_LEARNERS,
    class_id,
    fit_args,
    fit_quietly,
    fitted,
    labelled_points,
    make,
    point_method_names,
    supervision,
)
from ._learners import InverseVariancePairs


def _round_trip(estimator, **load_kwargs):
    buffer = io.BytesIO()
    save(estimator, buffer)
    buffer.seek(0)
    return load(buffer, classes=TOY_LEARNERS + load_kwargs.pop("classes", []), **load_kwargs)


def _assert_same_value(a, b, where="value"):
    """Equal values of the same type, recursively (arrays: same dtype, bit-identical)."""
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        if a.dtype.kind == "O":
            for i, (x, z) in enumerate(zip(a.ravel(), b.ravel(), strict=True)):
                _assert_same_value(x, z, f"{where}[{i}]")
        else:
            np.testing.assert_array_equal(a, b, err_msg=where, strict=True)
    elif isinstance(a, BaseEstimator):
        _assert_same_estimator(a, b)
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, z) in enumerate(zip(a, b, strict=True)):
            _assert_same_value(x, z, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _assert_same_value(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, np.random.RandomState):
        _assert_same_value(a.get_state(legacy=False), b.get_state(legacy=False), where)
    elif isinstance(a, np.random.Generator):
        _assert_same_value(a.bit_generator.state, b.bit_generator.state, where)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _state(estimator):
    """What persistence stores of a fitted estimator: its hook's state, or its attributes."""
    if hasattr(estimator, "_get_persistent_state"):
        try:
            check_is_fitted(estimator)
        except NotFittedError:
            return {}
        return estimator._get_persistent_state()
    return vars(estimator)


def _assert_same_estimator(a, b):
    assert type(a) is type(b)
    _assert_same_value(a.get_params(deep=False), b.get_params(deep=False), type(a).__name__)
    _assert_same_value(_state(a), _state(b), type(a).__name__)


# --- round trips of every estimator ----------------------------------------------------


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=class_id)
def test_round_trip_reproduces_state_and_outputs_bit_for_bit(cls):
    original = fitted(cls)
    loaded = _round_trip(original)
    _assert_same_estimator(original, loaded)
    X, y = labelled_points(seed=1)
    for name in point_method_names(original):
        expected = getattr(original, name)(X)
        np.testing.assert_array_equal(getattr(loaded, name)(X), expected, strict=True)
    if supervision(original) in ("pairs", "triplets", "quadruplets"):
        tuples = fit_args(original, X, y)[0]
        np.testing.assert_array_equal(loaded.predict(tuples), original.predict(tuples))
        np.testing.assert_array_equal(
            loaded.decision_function(tuples), original.decision_function(tuples)
        )


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=class_id)
def test_pickle_and_joblib_round_trips_give_the_same_transform(cls):
    original = fitted(cls)
    X, _ = labelled_points(seed=2)
    expected = [getattr(original, name)(X) for name in point_method_names(original)]
    unpickled = pickle.loads(pickle.dumps(original))
    buffer = io.BytesIO()
    joblib.dump(original, buffer)
    buffer.seek(0)
    from_joblib = joblib.load(buffer)
    for restored in (unpickled, from_joblib):
        _assert_same_estimator(original, restored)
        outputs = [getattr(restored, name)(X) for name in point_method_names(original)]
        for out, want in zip(outputs, expected, strict=True):
            np.testing.assert_array_equal(out, want, strict=True)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=class_id)
def test_unfitted_estimator_round_trips_unfitted(cls):
    loaded = _round_trip(make(cls))
    _assert_same_estimator(make(cls), loaded)
    for name in point_method_names(loaded):
        with pytest.raises(NotFittedError):
            getattr(loaded, name)(np.ones((2, 4)))


def test_preprocessor_array_round_trips_and_indices_still_work():
    X, y = labelled_points()
    learner = InverseVariancePairs(preprocessor=X)
    pairs, labels = fit_args(learner, X, y, indices=True)
    learner.fit(pairs, labels)
    loaded = _round_trip(learner)
    np.testing.assert_array_equal(loaded.preprocessor, X, strict=True)
    np.testing.assert_array_equal(loaded.predict(pairs), learner.predict(pairs))


def test_output_configuration_round_trips():
    pd = pytest.importorskip("pandas")
    X, _ = labelled_points()
    learner = Covariance().set_output(transform="pandas").fit(X)
    out = _round_trip(learner).transform(X)
    assert isinstance(out, pd.DataFrame)
    np.testing.assert_array_equal(out.to_numpy(), learner.transform(X).to_numpy())


def test_float32_model_stays_float32():
    X, _ = labelled_points(dtype=np.float32)
    loaded = _round_trip(Covariance().fit(X))
    assert loaded.components_.dtype == np.float32
    assert loaded.transform(X).dtype == np.float32


def test_string_class_labels_and_feature_names_round_trip():
    pd = pytest.importorskip("pandas")
    X, y = labelled_points()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    labels = np.array(["cat", "dog", "eel"], dtype=object)[y]
    from ._learners import InverseWithinClassVariance

    learner = InverseWithinClassVariance().fit(frame, labels)
    loaded = _round_trip(learner)
    _assert_same_value(learner.classes_, loaded.classes_)
    _assert_same_value(learner.feature_names_in_, loaded.feature_names_in_)


class _Holder(BaseEstimator):
    """Test estimator whose parameters hold every kind of value the format stores."""

    def __init__(self, a=None, b=None, estimator=None):
        self.a = a
        self.b = b
        self.estimator = estimator

    def fit(self, X=None, y=None):
        self.fitted_ = True
        return self


def test_every_supported_value_type_round_trips_exactly():
    X, _ = labelled_points()
    values = {
        "np_scalars": [np.float32(1.5), np.int64(-3), np.uint8(7), np.bool_(True), np.float64(2)],
        "python": (None, True, 0, -(2**70), 1.25, "text", "", float("inf"), float("nan")),
        "nested": {"t": ((1, 2), [3, (4,)]), "empty": {}, "s": "é"},
        "arrays": [
            X.astype(np.float32),
            np.arange(6, dtype=np.int16).reshape(2, 3),
            np.array([True, False]),
            np.array(["x", "yz"]),
            np.zeros((0, 3)),
            np.array(3.0),
            np.array(["a", 1, None], dtype=object),
        ],
        "random": [np.random.RandomState(3), np.random.default_rng(4)],
    }
    holder = _Holder(a=values, b=np.asfortranarray(X[:5]), estimator=Covariance().fit(X))
    holder.fitted_thing_ = (np.float32(3.0), {"k": X[:2]})
    loaded = _round_trip(holder, classes=[_Holder])
    _assert_same_estimator(holder, loaded)
    np.testing.assert_array_equal(loaded.estimator.transform(X), holder.estimator.transform(X))


_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**80), 2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.sampled_from([np.float32, np.float64, np.int8, np.uint64, np.bool_]).map(lambda t: t(1)),
    hnp.arrays(
        st.sampled_from(["f4", "f8", "i2", "u8", "?", "c16", "U3"]),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
    ),
)
_values = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=4), inner, max_size=3),
    ),
    max_leaves=8,
)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(a=_values, b=_values)
def test_any_nesting_of_supported_values_round_trips_exactly(a, b):
    holder = _Holder(a=a, b=b)
    holder.fitted_ = b
    _assert_same_estimator(holder, _round_trip(holder, classes=[_Holder]))


def test_fitted_scikit_learn_kernel_maps_held_as_state_round_trip():
    from sklearn.decomposition import KernelPCA
    from sklearn.kernel_approximation import Nystroem

    X, _ = labelled_points()
    holder = _Holder(a=KernelPCA(n_components=5, kernel="rbf").fit(X))
    holder.kernel_map_ = Nystroem(n_components=10, random_state=0).fit(X)
    loaded = _round_trip(holder, classes=[_Holder])
    for original, restored in [(holder.a, loaded.a), (holder.kernel_map_, loaded.kernel_map_)]:
        np.testing.assert_array_equal(restored.transform(X), original.transform(X), strict=True)


def test_nested_estimators_are_saved_recursively_with_their_fitted_state():
    X, _ = labelled_points()
    inner = _Holder(estimator=Covariance().fit(X))
    outer = _Holder(a=[inner, Covariance()], estimator=_Holder(estimator=inner))
    loaded = _round_trip(outer, classes=[_Holder])
    _assert_same_estimator(outer, loaded)
    assert loaded.estimator.estimator.estimator.components_.shape == (4, 4)


@pytest.mark.parametrize(
    "bad",
    [
        lambda x: x,
        print,
        object(),
        {1: "int key"},
        np.complex128(1j),
        np.array([(1, 2.0)], dtype="i4,f8"),
        np.ma.masked_array([1.0, 2.0], mask=[True, False]),
        collections.OrderedDict(a=1),
        collections.namedtuple("Point", "x y")(1, 2),
        enum.IntEnum("Colour", "RED")(1),
    ],
    ids=[
        "lambda",
        "builtin",
        "object",
        "int-key",
        "complex-scalar",
        "structured-array",
        "masked-array",
        "dict-subclass",
        "namedtuple",
        "int-enum",
    ],
)
def test_values_that_need_pickle_are_refused_at_save(bad):
    with pytest.raises(TypeError, match="Cannot save"):
        save(_Holder(a=bad), io.BytesIO())


def test_callable_preprocessor_is_refused_with_a_pointer_to_pickle():
    X, _ = labelled_points()
    with pytest.raises(TypeError, match="preprocessor.*pickle"):
        save(InverseVariancePairs(preprocessor=lambda idx: X[idx]), io.BytesIO())


class _TorchHolder(BaseEstimator):
    """Implements the persistence hook the way the deep estimator is meant to."""

    def __init__(self, n_features=3):
        self.n_features = n_features

    def fit(self, X=None, y=None):
        import torch

        torch.manual_seed(0)
        self.network_ = torch.nn.Sequential(torch.nn.Linear(self.n_features, 2))
        self.n_iter_ = 5
        return self

    def _get_persistent_state(self):
        weights = {k: v.detach().cpu().numpy() for k, v in self.network_.state_dict().items()}
        return {"network": weights, "n_iter_": self.n_iter_}

    def _set_persistent_state(self, state):
        import torch

        self.network_ = torch.nn.Sequential(torch.nn.Linear(self.n_features, 2))
        self.network_.load_state_dict({k: torch.from_numpy(v) for k, v in state["network"].items()})
        self.n_iter_ = state["n_iter_"]


def test_hook_stores_torch_weights_as_raw_arrays():
    torch = pytest.importorskip("torch")
    holder = _TorchHolder(n_features=3).fit()
    loaded = _round_trip(holder, classes=[_TorchHolder])
    x = torch.arange(6.0).reshape(2, 3)
    with torch.no_grad():
        assert torch.equal(loaded.network_(x), holder.network_(x))
    assert loaded.n_iter_ == 5 and loaded.n_features == 3


def test_hook_is_not_called_for_an_unfitted_estimator():
    pytest.importorskip("torch")
    loaded = _round_trip(_TorchHolder(n_features=5), classes=[_TorchHolder])
    assert loaded.n_features == 5 and not hasattr(loaded, "network_")


def test_hook_that_returns_no_dict_is_refused():
    class BadHook(_Holder):
        def _get_persistent_state(self):
            return [1, 2]

    with pytest.raises(TypeError, match="must return a dict"):
        save(BadHook().fit(), io.BytesIO())


def test_save_writes_the_path_as_given_and_plain_numpy_can_read_it(tmp_path):
    X, _ = labelled_points()
    path = tmp_path / "model.mlearn"
    save(Covariance().fit(X), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.mlearn"]
    with np.load(path, allow_pickle=False) as archive:
        header = json.loads(bytes(archive["header"]).decode())
    assert header["format_version"] == FORMAT_VERSION
    assert header["mlearn_version"] == mlearn.__version__
    assert header["estimator"]["class"] == "Covariance"
    np.testing.assert_array_equal(load(str(path)).components_, Covariance().fit(X).components_)


# --- files that must be refused --------------------------------------------------------


def _saved_bytes(estimator=None):
    X, _ = labelled_points()
    buffer = io.BytesIO()
    save(estimator if estimator is not None else Covariance().fit(X), buffer)
    return buffer.getvalue()


def _rewrite(data, edit_header=None, edit_arrays=None, **savez_kwargs):
    """Re-pack a saved file after editing its header dict and/or its arrays."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        entries = {k: archive[k] for k in archive.files}
    header = json.loads(bytes(entries.pop("header")).decode())
    if edit_header:
        edit_header(header)
    if edit_arrays:
        edit_arrays(entries)
    text = json.dumps(header).encode()
    out = io.BytesIO()
    np.savez(out, header=np.frombuffer(text, dtype=np.uint8), **entries, **savez_kwargs)
    out.seek(0)
    return out


SIDE_EFFECTS = []


class _NotAllowed(BaseEstimator):
    def __init__(self):
        SIDE_EFFECTS.append("constructed")


@pytest.mark.parametrize(
    "name", ["_NotAllowed", "os.system", "BaseEstimator", "Pipeline", "__builtins__", 3, None]
)
def test_class_outside_the_allow_list_is_refused_and_never_constructed(name):
    def rename(header):
        header["estimator"]["class"] = name

    with pytest.raises(ValueError, match="not one of mlearn's public estimators"):
        load(_rewrite(_saved_bytes(), rename))
    assert SIDE_EFFECTS == []


def test_nested_class_outside_the_allow_list_is_refused():
    def rename_inner(header):
        header["estimator"]["params"]["estimator"]["__estimator__"]["class"] = "_NotAllowed"

    data = _saved_bytes(_Holder(estimator=Covariance()))
    with pytest.raises(ValueError, match="'_NotAllowed'.*refusing"):
        load(_rewrite(data, rename_inner), classes=[_Holder])
    assert SIDE_EFFECTS == []


def test_newer_format_version_is_refused_with_upgrade_advice():
    def bump(header):
        header["format_version"] = FORMAT_VERSION + 1

    with pytest.raises(ValueError, match=f"format version {FORMAT_VERSION + 1}.*Upgrade"):
        load(_rewrite(_saved_bytes(), bump))


def test_file_from_another_mlearn_version_loads_with_a_warning():
    def other_version(header):
        header["mlearn_version"] = "0.0.1"

    with pytest.warns(UserWarning, match="mlearn '0.0.1'"):
        loaded = load(_rewrite(_saved_bytes(), other_version))
    assert loaded.components_.shape == (4, 4)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda h: h["estimator"]["state"].update({"__class__": "x"}), "invalid attribute"),
        (lambda h: h["estimator"]["state"].update({"not ok": 1}), "invalid attribute"),
        (lambda h: h["estimator"]["state"].update({"transform": 1}), "invalid attribute"),
        (lambda h: h["estimator"]["state"].update({"_n_features_out": 1}), "invalid attribute"),
        (lambda h: h["estimator"]["params"].update({"evil": 1}), "unknown parameters"),
        (lambda h: h["estimator"]["state"].update({"x_": {"__exec__": "rm"}}), "tag"),
        (lambda h: h["estimator"]["state"].update({"x_": {"__array__": "a99"}}), "missing array"),
        (lambda h: h["estimator"]["state"].update({"x_": [1]}), "Invalid value"),
        (lambda h: h.update({"format": "other"}), "format name"),
        (lambda h: h.update({"format_version": "1"}), "format version"),
        (lambda h: h["estimator"].pop("state"), "Invalid estimator record"),
        (lambda h: h["checksums"].update({"a0": "0" * 64}), "checksum"),
        (lambda h: h["checksums"].clear(), "do not match"),
    ],
)
def test_tampered_header_is_refused(edit, match):
    with pytest.raises(ValueError, match=match):
        load(_rewrite(_saved_bytes(), edit))


def test_replaced_array_fails_its_checksum():
    def replace(arrays):
        arrays["a0"] = arrays["a0"] * 2

    with pytest.raises(ValueError, match="checksum"):
        load(_rewrite(_saved_bytes(), edit_arrays=replace))


class _RunsOnUnpickle:
    def __reduce__(self):
        return (SIDE_EFFECTS.append, ("unpickled",))


def test_object_array_in_the_file_is_never_unpickled():
    def add_pickle(arrays):
        arrays["a0"] = np.array([_RunsOnUnpickle()], dtype=object)

    with pytest.raises(ValueError, match="pickle"):
        load(_rewrite(_saved_bytes(), edit_arrays=add_pickle))
    assert SIDE_EFFECTS == []


def test_pickle_file_and_single_array_are_refused():
    with pytest.raises(ValueError, match="not the .npz archive"):
        load(io.BytesIO(pickle.dumps(_RunsOnUnpickle())))
    buffer = io.BytesIO()
    np.save(buffer, np.ones(3))
    buffer.seek(0)
    with pytest.raises(ValueError, match="not the .npz archive"):
        load(buffer)
    assert SIDE_EFFECTS == []


def test_header_with_nan_constant_is_refused():
    data = np.load(io.BytesIO(_saved_bytes()), allow_pickle=False)
    entries = {k: data[k] for k in data.files}
    text = (
        bytes(entries.pop("header"))
        .decode()
        .replace('"format_version": 1', '"x": NaN, "format_version": 1')
    )
    out = io.BytesIO()
    np.savez(out, header=np.frombuffer(text.encode(), dtype=np.uint8), **entries)
    out.seek(0)
    with pytest.raises(ValueError, match="NaN"):
        load(out)


SAVED = _saved_bytes(InverseVariancePairs())


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(0, len(SAVED) - 1))
def test_truncated_file_is_refused(length):
    with pytest.raises(ValueError):
        load(io.BytesIO(SAVED[:length]), classes=TOY_LEARNERS)


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.integers(0, len(SAVED) - 1), st.integers(1, 255))
def test_any_flipped_byte_is_refused_or_loads_the_same_estimator(position, flip):
    data = bytearray(SAVED)
    data[position] ^= flip
    reference = load(io.BytesIO(SAVED), classes=TOY_LEARNERS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = load(io.BytesIO(bytes(data)), classes=TOY_LEARNERS)
    except ValueError:
        return
    # Bytes outside the zip's checked content (timestamps, comments) may change freely.
    _assert_same_estimator(reference, loaded)


def test_fit_args_cover_every_supervision_kind():
    kinds = {supervision(make(cls)) for cls in ALL_CLASSES}
    assert kinds >= {"supervised", "pairs", "triplets", "quadruplets", "points"}
    X, y = labelled_points()
    for cls in ALL_CLASSES:
        estimator = make(cls)
        assert fit_quietly(estimator, *fit_args(estimator, X, y)) is estimator


def test_failed_save_leaves_no_file_behind(tmp_path):
    path = tmp_path / "model.npz"
    with pytest.raises(TypeError, match="Cannot save"):
        save(_Holder(a=lambda: None), path)
    assert list(tmp_path.iterdir()) == []


def test_save_and_load_refuse_what_is_not_an_estimator_class():
    with pytest.raises(TypeError, match="expects an estimator"):
        save(np.eye(2), io.BytesIO())
    with pytest.raises(TypeError, match="estimator classes"):
        load(io.BytesIO(_saved_bytes()), classes=[dict])


def test_load_of_a_missing_file_raises_file_not_found(tmp_path):
    missing = tmp_path / "no-such-model.npz"
    with pytest.raises(FileNotFoundError, match="no-such-model.npz"):
        load(missing)


@pytest.mark.parametrize("content", [b"a,b\n1,2\n", b"", b"\x93NUMPY\x01\x00"])
def test_load_of_a_file_that_is_not_an_archive_never_suggests_pickle(tmp_path, content):
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not the .npz archive") as caught:
        load(path)
    assert "pickle" not in str(caught.value)
    with pytest.raises(ValueError, match="not the .npz archive"):
        load(io.BytesIO(content))
