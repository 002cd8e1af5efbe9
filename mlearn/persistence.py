"""Save and load estimators without pickle, so that loading a file runs no code.

A file written by :func:`save` is a NumPy ``.npz`` archive (a zip of ``.npy``
arrays) that :func:`load` opens with ``allow_pickle=False``. It holds

- ``header``: a uint8 array of UTF-8 JSON, the only place that describes the
  estimator::

      {"format": "mlearn-estimator", "format_version": 1,
       "mlearn_version": "0.1.0", "checksums": {"a0": "<sha256>", ...},
       "estimator": {"class": "LMNN", "params": {...}, "state": {...}}}

- ``a0``, ``a1``, ...: one entry per array found in the parameters or the
  fitted state, referred to from the JSON as ``{"__array__": "a0"}``.

Values are encoded recursively: ``None``, ``bool``, ``int``, ``str`` and
finite ``float`` are plain JSON; everything else carries a tag —
``__float__`` (nan, ±inf), ``__scalar__`` (a NumPy scalar with its dtype),
``__tuple__``, ``__list__``, ``__dict__`` (string keys), ``__array__``
(numeric, bool or unicode arrays), ``__object_array__`` (an object array,
e.g. string class labels or ``feature_names_in_``, stored element by
element), ``__random_state__`` / ``__generator__`` (a NumPy random state)
and ``__estimator__`` (a nested estimator, e.g. the ``estimator`` parameter
of ``KernelMetricLearner``, stored the same way). Types must match exactly,
so that a loaded value has the type of the saved one. A value of any other
type (a callable ``preprocessor``, a lambda, a namedtuple, a masked array)
cannot be stored without pickle: :func:`save` raises a ``TypeError`` naming it, and pickle or
joblib remain the way to store such an estimator (trusted files only).

Loading is closed-world. The class named in the file must be one of mlearn's
public estimators (``mlearn.__all__``, and ``mlearn.deep.__all__`` when torch
is installed), one of the few scikit-learn estimators that mlearn's estimators
hold as fitted state (``PCA``, ``KernelPCA``, ``KernelCenterer``,
``Nystroem``), or one of the classes passed to :func:`load` explicitly; no
other name is ever imported or called. The estimator is rebuilt with
``cls(**params)`` and its fitted attributes are restored with ``setattr``
(plain identifiers only: never a dunder name, a parameter, or a name the
class defines, such as a method or a property). A file that is truncated,
corrupted or tampered with (checksum or zip CRC mismatch, malformed JSON,
unknown tag, array missing, object array), names an unknown class, or was
written by a newer format version raises a ``ValueError`` before any
estimator is built. A file written by another mlearn version loads with a
``UserWarning``, because fitted attributes may have changed meaning.

Estimators with state that is not plain values
-----------------------------------------------
By default the fitted state is every instance attribute that is not a
constructor parameter (``components_``, ``n_iter_``, ``classes_``, ...). An
estimator whose state holds something else (for the deep estimator: a torch
module) implements two methods instead:

``_get_persistent_state(self) -> dict``
    Return a dict with string keys whose values are encodable as above
    (arrays, scalars, strings, nested dicts and lists). A torch state dict is
    stored as ``{name: tensor.detach().cpu().numpy()}``; this is how network
    weights are saved without pickle.
``_set_persistent_state(self, state) -> None``
    Called on the freshly constructed estimator (``cls(**params)``) with the
    decoded dict; rebuild the fitted attributes from it (for torch: build the
    network from the parameters, then ``load_state_dict`` from
    ``torch.from_numpy`` of the arrays).

Both must be defined together; when they are, the default attribute copy is
not done, so the hook returns everything needed to use the estimator. The
hook is called only on a fitted estimator (``check_is_fitted`` passes); an
unfitted one is stored with its parameters alone.
"""

import errno
import hashlib
import io
import json
import math
import os
import warnings
import zipfile

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

__all__ = ["save", "load", "FORMAT_VERSION"]

FORMAT_NAME = "mlearn-estimator"
FORMAT_VERSION = 1

# Array dtypes that np.load reads without pickle and that carry no code.
_ARRAY_KINDS = "biufcUSmM"
_MAX_DEPTH = 64


# --- encoding -------------------------------------------------------------------------


class _Encoder:
    """Turns a value into JSON-able data, collecting arrays in ``self.arrays``."""

    def __init__(self):
        self.arrays = {}

    def estimator(self, est, where="estimator"):
        params = est.get_params(deep=False)
        getter = getattr(est, "_get_persistent_state", None)
        if getter is not None and not _is_fitted(est):
            state = None  # an unfitted estimator has no state for the hook to give
        elif getter is not None:
            state = getter()
            if not isinstance(state, dict):
                raise TypeError(
                    f"{type(est).__name__}._get_persistent_state must return a dict, "
                    f"got {type(state).__name__}."
                )
        else:
            state = {k: v for k, v in vars(est).items() if k not in params}
        return {
            "class": type(est).__name__,
            "params": {k: self.value(v, f"{where}.{k}") for k, v in params.items()},
            "state": None
            if state is None
            else {k: self.value(v, f"{where}.{k}") for k, v in _str_keys(state, where)},
        }

    def value(self, v, where):
        # Exact types only: a subclass (an IntEnum, a namedtuple, np.matrix, a
        # scipy OptimizeResult) would come back as its base type, so it is refused.
        t = type(v)
        if v is None or t in (bool, str, int):
            return v
        if t is float:
            return v if math.isfinite(v) else {"__float__": repr(v)}
        if isinstance(v, np.generic) and t is np.dtype(t).type:
            return self._scalar(v, where)
        if t in (tuple, list):
            items = [self.value(x, f"{where}[{i}]") for i, x in enumerate(v)]
            return {"__tuple__": items} if t is tuple else {"__list__": items}
        if t is dict:
            return {"__dict__": {k: self.value(x, f"{where}.{k}") for k, x in _str_keys(v, where)}}
        if t is np.ndarray:
            return self._array(v, where)
        if t is np.random.RandomState:
            return {"__random_state__": self.value(v.get_state(legacy=False), where)}
        if t is np.random.Generator:
            return {"__generator__": self.value(v.bit_generator.state, where)}
        if isinstance(v, BaseEstimator):
            return {"__estimator__": self.estimator(v, where)}
        raise TypeError(
            f"Cannot save {where} of type {type(v).__name__} without pickle; only arrays, "
            f"scalars, strings, None, lists, tuples, dicts (of exactly these types) and "
            f"estimators can be saved. "
            f"Use pickle or joblib for this estimator (and load such files only from "
            f"trusted sources)."
        )

    def _scalar(self, v, where):
        if v.dtype.kind not in "biuf":
            raise TypeError(f"Cannot save {where}: NumPy scalar of dtype {v.dtype}.")
        item = v.item()
        return {"__scalar__": v.dtype.str, "value": self.value(item, where)}

    def _array(self, v, where):
        if v.dtype.kind == "O":
            return {
                "__object_array__": [
                    self.value(x, f"{where}[{i}]") for i, x in enumerate(v.ravel())
                ],
                "shape": list(v.shape),
            }
        if v.dtype.kind not in _ARRAY_KINDS or v.dtype.fields is not None:
            raise TypeError(f"Cannot save {where}: array of dtype {v.dtype}.")
        key = f"a{len(self.arrays)}"
        self.arrays[key] = v
        return {"__array__": key}


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


def _str_keys(mapping, where):
    for k, v in mapping.items():
        if not isinstance(k, str):
            raise TypeError(f"Cannot save {where}: dict key {k!r} is not a string.")
        yield k, v


def _checksum(array):
    digest = hashlib.sha256()
    digest.update(f"{array.dtype.str}{array.shape}".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()


def save(estimator, path):
    """Write an estimator (fitted or not) to ``path`` without pickle.

    Parameters
    ----------
    estimator : estimator
        An mlearn estimator (see :func:`load` for which classes can be read
        back). Its parameters and fitted attributes must be arrays, scalars,
        strings, None, lists, tuples, dicts or estimators.
    path : str, path-like or binary file object
        Where to write. The name is used as given (no suffix is appended); a
        path is written through a temporary file and renamed, so a crash
        never leaves a half-written file under ``path``.

    Raises
    ------
    TypeError
        If a parameter or fitted attribute cannot be stored without pickle
        (a callable ``preprocessor``, for example).

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from mlearn import Covariance
    >>> from mlearn.persistence import load, save
    >>> X = np.random.default_rng(0).normal(size=(20, 3))
    >>> buffer = io.BytesIO()
    >>> save(Covariance().fit(X), buffer)
    >>> _ = buffer.seek(0)
    >>> np.array_equal(load(buffer).transform(X), Covariance().fit(X).transform(X))
    True
    """
    from . import __version__

    if not isinstance(estimator, BaseEstimator):
        raise TypeError(f"save expects an estimator, got {type(estimator).__name__}.")
    encoder = _Encoder()
    body = encoder.estimator(estimator)
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "mlearn_version": __version__,
        "checksums": {k: _checksum(a) for k, a in encoder.arrays.items()},
        "estimator": body,
    }
    text = json.dumps(header, allow_nan=False, ensure_ascii=True, sort_keys=True)
    entries = {"header": np.frombuffer(text.encode("utf-8"), dtype=np.uint8), **encoder.arrays}
    if hasattr(path, "write"):
        np.savez(path, **entries)
        return
    path = os.fspath(path)
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **entries)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


# --- decoding -------------------------------------------------------------------------


def _allowed_classes(extra):
    import importlib.util

    import mlearn

    modules = [mlearn]
    if importlib.util.find_spec("torch") is not None:
        try:
            from mlearn import deep

            modules.append(deep)
        except ImportError:  # the deep module is optional
            pass
    from sklearn.decomposition import PCA, KernelPCA
    from sklearn.kernel_approximation import Nystroem
    from sklearn.preprocessing import KernelCenterer

    # scikit-learn estimators that mlearn's estimators hold as fitted state (the
    # kernel map of KernelMetricLearner); building them runs only scikit-learn's code.
    allowed = {cls.__name__: cls for cls in (PCA, KernelPCA, KernelCenterer, Nystroem)}
    for module in modules:
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if isinstance(obj, type) and issubclass(obj, BaseEstimator):
                allowed[name] = obj
    for cls in extra:
        if not (isinstance(cls, type) and issubclass(cls, BaseEstimator)):
            raise TypeError(f"classes must be estimator classes, got {cls!r}.")
        allowed[cls.__name__] = cls
    return allowed


class _Decoder:
    def __init__(self, arrays, allowed):
        self.arrays = arrays
        self.allowed = allowed

    def estimator(self, body, depth=0):
        if not isinstance(body, dict) or set(body) != {"class", "params", "state"}:
            raise ValueError("Invalid estimator record in the file.")
        name = body["class"]
        cls = self.allowed.get(name) if isinstance(name, str) else None
        if cls is None:
            raise ValueError(
                f"The file names estimator class {name!r}, which is not one of mlearn's "
                f"public estimators; refusing to load it. Known: {sorted(self.allowed)}. "
                f"Pass classes=[...] to load to allow your own."
            )
        params = self._mapping(body["params"], depth)
        state = {} if body["state"] is None else self._mapping(body["state"], depth)
        valid = cls().get_params(deep=False)
        unknown = set(params) - set(valid)
        if unknown:
            raise ValueError(f"The file gives {name} unknown parameters {sorted(unknown)}.")
        hook = hasattr(cls, "_set_persistent_state")
        for key in () if hook else state:
            # Never shadow a method, property or class attribute, nor a parameter.
            if not key.isidentifier() or key.startswith("__") or key in valid or hasattr(cls, key):
                raise ValueError(f"The file sets an invalid attribute name {key!r} on {name}.")
        estimator = cls(**params)
        if hook and body["state"] is not None:
            estimator._set_persistent_state(state)
        else:
            for key, value in state.items():
                setattr(estimator, key, value)
        return estimator

    def _mapping(self, data, depth):
        if not isinstance(data, dict):
            raise ValueError("Invalid mapping in the file.")
        return {k: self.value(v, depth + 1) for k, v in data.items()}

    def value(self, v, depth):
        if depth > _MAX_DEPTH:
            raise ValueError("The file nests values too deeply.")
        if v is None or isinstance(v, bool | int | float | str):
            return v
        tags = [k for k in v if k.startswith("__")] if isinstance(v, dict) else []
        if len(tags) != 1:
            raise ValueError(f"Invalid value in the file: {str(v)[:80]}.")
        (tag,) = tags
        if tag == "__float__" and len(v) == 1 and v[tag] in ("nan", "inf", "-inf"):
            return float(v[tag])
        if tag == "__scalar__" and set(v) == {"__scalar__", "value"}:
            dtype = np.dtype(str(v[tag]))
            if dtype.kind not in "biuf":
                raise ValueError(f"Invalid scalar dtype {dtype} in the file.")
            return dtype.type(self.value(v["value"], depth + 1))
        if tag in ("__tuple__", "__list__") and len(v) == 1 and isinstance(v[tag], list):
            items = [self.value(x, depth + 1) for x in v[tag]]
            return tuple(items) if tag == "__tuple__" else items
        if tag == "__dict__" and len(v) == 1:
            return self._mapping(v[tag], depth)
        if tag == "__array__" and len(v) == 1:
            if v[tag] not in self.arrays:
                raise ValueError(f"The file refers to a missing array {v[tag]!r}.")
            return self.arrays[v[tag]]
        if tag == "__object_array__" and set(v) == {"__object_array__", "shape"}:
            items = [self.value(x, depth + 1) for x in v[tag]]
            out = np.empty(len(items), dtype=object)
            out[:] = items
            return out.reshape([int(n) for n in v["shape"]])
        if tag == "__random_state__" and len(v) == 1:
            rs = np.random.RandomState()
            rs.set_state(self.value(v[tag], depth + 1))
            return rs
        if tag == "__generator__" and len(v) == 1:
            return _generator_from_state(self.value(v[tag], depth + 1))
        if tag == "__estimator__" and len(v) == 1:
            return self.estimator(v[tag], depth + 1)
        raise ValueError(f"Unknown or malformed tag {tag!r} in the file.")


def _generator_from_state(state):
    bit_generators = {
        "PCG64": np.random.PCG64,
        "PCG64DXSM": np.random.PCG64DXSM,
        "MT19937": np.random.MT19937,
        "Philox": np.random.Philox,
        "SFC64": np.random.SFC64,
    }
    if not isinstance(state, dict) or state.get("bit_generator") not in bit_generators:
        raise ValueError("Invalid random generator state in the file.")
    bit_generator = bit_generators[state["bit_generator"]]()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


_ZIP_MAGIC = b"PK\x03\x04"


def _check_is_zip(path):
    """ValueError unless the file starts like a zip archive (what ``save`` writes).

    Checked before numpy sees the file: on anything else numpy's own message points to
    ``allow_pickle=True``, the one unsafe way to read a stranger's file.
    """
    if hasattr(path, "read"):
        start = path.read(len(_ZIP_MAGIC))
        path.seek(0)
    else:
        with open(path, "rb") as file:
            start = file.read(len(_ZIP_MAGIC))
    if start != _ZIP_MAGIC:
        raise ValueError(
            "Not an mlearn estimator file: it is not the .npz archive that "
            "mlearn.persistence.save writes."
        )


def _read_archive(path):
    """Return (header dict, arrays dict); ValueError for anything that is not our format."""
    _check_is_zip(path)
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not an archive")
        with archive:
            entries = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        raise ValueError(f"Not a readable mlearn estimator file ({exc}).") from None
    raw = entries.pop("header", None)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise ValueError("Not an mlearn estimator file: no header.")
    try:
        header = json.loads(bytes(raw).decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"The file's header is corrupted ({exc}).") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ValueError("Not an mlearn estimator file: wrong format name.")
    return header, entries


def _reject_constant(name):
    raise ValueError(f"The file's header contains the non-JSON constant {name}.")


def _check_header(header, arrays):
    from . import __version__

    version = header.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"Invalid format version {version!r} in the file.")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"The file was written in format version {version} (mlearn "
            f"{header.get('mlearn_version')!r}); this mlearn {__version__} reads up to version "
            f"{FORMAT_VERSION}. Upgrade mlearn to load it."
        )
    checksums = header.get("checksums")
    if not isinstance(checksums, dict) or set(checksums) != set(arrays):
        raise ValueError("The file's arrays do not match its header (tampered or truncated).")
    for key, array in arrays.items():
        if array.dtype.kind not in _ARRAY_KINDS or array.dtype.fields is not None:
            raise ValueError(f"The file holds array {key!r} of unsupported dtype {array.dtype}.")
        if _checksum(array) != checksums[key]:
            raise ValueError(f"Array {key!r} fails its checksum: the file was modified.")
    if header.get("mlearn_version") != __version__:
        warnings.warn(
            f"Loading an estimator saved with mlearn {header.get('mlearn_version')!r} into "
            f"mlearn {__version__}; check its results.",
            UserWarning,
            stacklevel=3,
        )


def load(path, *, classes=()):
    """Read an estimator written by :func:`save`; no code from the file is run.

    Parameters
    ----------
    path : str, path-like or binary file object
    classes : sequence of estimator classes, default=()
        Classes the file may name besides mlearn's public estimators (your own
        subclasses, say). They are matched by class name.

    Returns
    -------
    estimator : estimator
        A new estimator with the saved parameters and fitted attributes.

    Raises
    ------
    FileNotFoundError
        If ``path`` names no file.
    ValueError
        If the file is not an mlearn estimator file, is truncated or was
        modified, names a class that is not allowed, or was written by a newer
        format version.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from mlearn import LMNN
    >>> from mlearn.persistence import load, save
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LMNN(random_state=0).fit(X, y)
    >>> save(model, "lmnn.npz")  # doctest: +SKIP
    >>> restored = load("lmnn.npz")  # doctest: +SKIP
    >>> import io
    >>> buffer = io.BytesIO()
    >>> save(model, buffer)
    >>> _ = buffer.seek(0)
    >>> restored = load(buffer)
    >>> np.array_equal(restored.components_, model.components_), restored.n_neighbors
    (True, 3)
    """
    allowed = _allowed_classes(classes)
    if not hasattr(path, "read"):
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(errno.ENOENT, "No mlearn estimator file at this path", path)
    else:
        path = io.BytesIO(path.read())
    header, arrays = _read_archive(path)
    _check_header(header, arrays)
    return _Decoder(arrays, allowed).estimator(header.get("estimator"))
