"""The estimators the benchmark knows about.

A learner joins the benchmark with one ``register`` call at the bottom of this file::

    register(
        "LMNN",
        mlearn_estimator("LMNN"),
        supervised=True,
        params={"n_neighbors": 3, "random_state": 0},
        peer=PeerCounterpart("metric_learn", "LMNN", {"n_neighbors": 3, "random_state": 0}),
    )

The Euclidean baseline (no learned metric) is not an entry: ``run.py`` scores it for every
dataset, so that every learner's accuracy is compared against it in the same run.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import import_module
from typing import Any, NamedTuple

EUCLIDEAN = "euclidean"


class PeerCounterpart(NamedTuple):
    """Where the peer library keeps the same learner, as plain data for a JSON request.

    Attributes
    ----------
    module : str
        Importable module path in the peer interpreter, e.g. ``"metric_learn"``.
    class_name : str
        Estimator class in that module, e.g. ``"Covariance"``.
    kwargs : dict
        Constructor keyword arguments, JSON-serialisable.
    """

    module: str
    class_name: str
    kwargs: dict


@dataclass(frozen=True)
class Benchmark:
    """One registered estimator.

    Attributes
    ----------
    name : str
        Name used on the command line and in the results table.
    make_estimator : callable
        ``make_estimator(**params)`` returns a fresh, unfitted mlearn estimator. It imports
        mlearn itself, so that listing the registry never needs mlearn.
    supervised : bool
        True when the estimator is fitted as ``fit(X, y)``, False for ``fit(X)``.
    params : dict
        Keyword arguments passed to ``make_estimator``.
    peer : PeerCounterpart or None
        The peer library's counterpart, or None when it has none.
    library : str
        The library the row is reported under: "mlearn", or another baseline's name
        (measured in this interpreter the same way).
    """

    name: str
    make_estimator: Callable[..., Any]
    supervised: bool
    params: dict = field(default_factory=dict)
    peer: PeerCounterpart | None = None
    library: str = "mlearn"

    def new_estimator(self):
        """Return a fresh mlearn estimator built with this entry's params."""
        return self.make_estimator(**self.params)


_REGISTRY: dict[str, Benchmark] = {}


def register(name, make_estimator, *, supervised, params=None, peer=None, library="mlearn"):
    """Add an estimator to the benchmark.

    Parameters
    ----------
    name : str
        Unique name; ``"euclidean"`` is reserved for the baseline.
    make_estimator : callable
        Factory returning a fresh mlearn estimator from keyword params, see
        `mlearn_estimator`.
    supervised : bool
        Whether the estimator is fitted with labels, ``fit(X, y)``.
    params : dict, optional
        Keyword arguments for ``make_estimator``.
    peer : PeerCounterpart, optional
        The peer library's counterpart.
    library : str, default="mlearn"
        The library reported for the row (another library's estimator as a baseline).

    Returns
    -------
    Benchmark
        The registered entry.
    """
    if name == EUCLIDEAN or name in _REGISTRY:
        raise ValueError(f"benchmark name {name!r} is reserved or already registered")
    entry = Benchmark(name, make_estimator, supervised, dict(params or {}), peer, library)
    _REGISTRY[name] = entry
    return entry


def with_random_state(benchmark, seed):
    """The entry with ``random_state=seed`` wherever it sets one: its params and its peer's.

    Learners that draw (constraints, starts, samples) are registered with ``random_state=0``;
    another seed shows how much of a row's accuracy is that one draw.
    """
    params = dict(benchmark.params)
    if "random_state" in params:
        params["random_state"] = seed
    peer = benchmark.peer
    if peer is not None and "random_state" in peer.kwargs:
        peer = peer._replace(kwargs={**peer.kwargs, "random_state": seed})
    return replace(benchmark, params=params, peer=peer)


def registered_names():
    """Return the registered estimator names in registration order."""
    return list(_REGISTRY)


def get_benchmark(name):
    """Return the entry registered under ``name``; raise ValueError naming the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(registered_names())
        raise ValueError(f"unknown estimator {name!r}; registered: {known}") from None


def mlearn_estimator(class_name, module="mlearn"):
    """Return a factory for ``<module>.<class_name>`` that imports mlearn only when called.

    Parameters
    ----------
    class_name : str
        Public estimator class of mlearn, e.g. ``"Covariance"``.
    module : str, default="mlearn"
        Module that exports it, e.g. ``"mlearn.deep"`` for the optional torch learners.

    Returns
    -------
    callable
        ``make(**params)`` returning ``mlearn.<class_name>(**params)``.
    """

    def make(**params):
        return getattr(import_module(module), class_name)(**params)

    make.__name__ = f"make_{class_name}"
    return make


class _FittedOnRandomTriplets:
    """A triplets learner fitted through ``fit(X, y)`` on seeded random triplets from y."""

    def __init__(self, learner, n_triplets, random_state):
        self.learner, self.n_triplets, self.random_state = learner, n_triplets, random_state

    def fit(self, X, y):
        random_triplets = import_module("mlearn.constraints").random_triplets
        triplets = random_triplets(y, self.n_triplets, random_state=self.random_state)
        self.learner.set_params(preprocessor=X).fit(triplets)
        return self

    def transform(self, X):
        return self.learner.transform(X)


class _OnUnitRows:
    """A bilinear-similarity learner fitted and scored on centred rows of unit norm.

    On the harness's min-max scaled features every point lies in the positive orthant, where
    a dot product ranks poorly, and OASIS's margin of one is absolute: the rows are centred on
    the training mean and scaled to unit norm first (docs/algorithms/oasis.rst). Its kNN is
    scored on ``pairwise_dissimilarity`` with ``metric='precomputed'``
    (``measure.measure_estimator``).
    """

    def __init__(self, learner):
        self.learner = learner

    def fit(self, X, y):
        self.mean_ = X.mean(axis=0)
        self.learner.fit(self._unit_rows(X), y)
        return self

    def _unit_rows(self, X):
        return import_module("sklearn.preprocessing").normalize(X - self.mean_)

    def pairwise_dissimilarity(self, X, Y=None):
        return self.learner.pairwise_dissimilarity(
            self._unit_rows(X), None if Y is None else self._unit_rows(Y)
        )


def on_unit_rows(class_name):
    """Factory for a bilinear-similarity learner benchmarked on centred unit rows
    (see _OnUnitRows)."""
    make = mlearn_estimator(class_name)

    def make_on_unit_rows(**params):
        return _OnUnitRows(make(**params))

    make_on_unit_rows.__name__ = f"make_{class_name}_on_unit_rows"
    return make_on_unit_rows


def on_random_triplets(class_name, n_triplets=2000, random_state=0):
    """Factory for a triplets learner benchmarked on random triplets drawn from the labels.

    The harness fits ``fit(X, y)``; the returned estimator draws ``n_triplets`` triplets
    with ``mlearn.constraints.random_triplets`` inside the timed fit.
    """
    make = mlearn_estimator(class_name)

    def make_on_triplets(**params):
        return _FittedOnRandomTriplets(make(**params), n_triplets, random_state)

    make_on_triplets.__name__ = f"make_{class_name}_on_random_triplets"
    return make_on_triplets


register(
    "Covariance",
    mlearn_estimator("Covariance"),
    supervised=False,
    peer=PeerCounterpart("metric_learn", "Covariance", {}),
)

register(
    "DeepMetricLearner",
    mlearn_estimator("DeepMetricLearner", module="mlearn.deep"),
    supervised=True,
    params={"random_state": 0},
)

register(
    "LMNN",
    mlearn_estimator("LMNN"),
    supervised=True,
    params={"n_neighbors": 3, "random_state": 0},
    peer=PeerCounterpart("metric_learn", "LMNN", {"n_neighbors": 3, "random_state": 0}),
)

register(
    "ITMLSupervised",
    mlearn_estimator("ITMLSupervised"),
    supervised=True,
    params={"random_state": 0},
    peer=PeerCounterpart("metric_learn", "ITML_Supervised", {"random_state": 0}),
)

# metric-learn 0.7.0 has no FARM.
register("FARMSupervised", mlearn_estimator("FARMSupervised"), supervised=True)

register(
    "MMC",
    mlearn_estimator("MMCSupervised"),
    supervised=True,
    params={"random_state": 0},
    peer=PeerCounterpart("metric_learn", "MMC_Supervised", {"random_state": 0}),
)

register(
    "MMC-diag",
    mlearn_estimator("MMCSupervised"),
    supervised=True,
    params={"diagonal": True, "random_state": 0},
    peer=PeerCounterpart("metric_learn", "MMC_Supervised", {"diagonal": True, "random_state": 0}),
)

register("TripletSVM", on_random_triplets("TripletSVM"), supervised=True)
register(
    "TripletSVMSupervised",
    mlearn_estimator("TripletSVMSupervised"),
    supervised=True,
)

register(
    "NCA",
    mlearn_estimator("NCA"),
    supervised=True,
    params={"random_state": 0},
    # The same stopping rule on both sides (metric-learn's default tol=None runs on to
    # scipy's ftol of 2.2e-9; mlearn's and scikit-learn's tol=1e-5 stops on it).
    peer=PeerCounterpart("metric_learn", "NCA", {"tol": 1e-5, "random_state": 0}),
)

# scikit-learn's own NCA (the same objective, n × n matrices formed whole), as a baseline.
register(
    "NCA-scikit-learn",
    mlearn_estimator("NeighborhoodComponentsAnalysis", module="sklearn.neighbors"),
    supervised=True,
    params={"max_iter": 100, "random_state": 0},
    library="scikit-learn",
)

register(
    "LFDA",
    mlearn_estimator("LFDA"),
    supervised=True,
    peer=PeerCounterpart("metric_learn", "LFDA", {}),
)

# 50 chunks rather than the default 100 of both libraries: metric-learn raises on iris and
# wine when the classes hold fewer disjoint chunks than asked for (ours warns and takes all).
register(
    "RCASupervised",
    mlearn_estimator("RCASupervised"),
    supervised=True,
    params={"n_chunks": 50, "random_state": 0},
    peer=PeerCounterpart("metric_learn", "RCA_Supervised", {"n_chunks": 50, "random_state": 0}),
)

# metric-learn 0.7.0 has no kernel learners.
register("KernelLMNN", mlearn_estimator("KernelLMNN"), supervised=True, params={"random_state": 0})

register(
    "LSMLSupervised",
    mlearn_estimator("LSMLSupervised"),
    supervised=True,
    params={"random_state": 0},
    peer=PeerCounterpart("metric_learn", "LSML_Supervised", {"random_state": 0}),
)

# metric-learn 0.7.0's SDML passes graphical_lasso a keyword its scikit-learn (1.5.2) no
# longer has; peer_compat.py drops it. At its default balance_param=0.5 the problem is
# unbounded on every shipped dataset (see docs/algorithms/sdml.rst), so the peer runs with
# the balance mlearn's 'auto' picks on digits' training folds (about 3.6e-4; the peer has
# no 'auto'), and mlearn with its default.
register(
    "SDMLSupervised",
    mlearn_estimator("SDMLSupervised"),
    supervised=True,
    params={"random_state": 0},
    peer=PeerCounterpart(
        "peer_compat", "SDML_Supervised", {"balance_param": 3.6e-4, "random_state": 0}
    ),
)

register(
    "SCMLSupervised",
    mlearn_estimator("SCMLSupervised"),
    supervised=True,
    params={"random_state": 0},
    peer=PeerCounterpart("metric_learn", "SCML_Supervised", {"random_state": 0}),
)

# metric-learn 0.7.0 has no multi-metric LMNN. It has no transform: the harness scores its
# kNN on its pairwise distances to the training points (benchmarks/measure.py).
register(
    "MultiMetricLMNN",
    mlearn_estimator("MultiMetricLMNN"),
    supervised=True,
    params={"n_neighbors": 3, "random_state": 0},
)

# metric-learn 0.7.0 has no OASIS; the Euclidean kNN of every run is its baseline.
register(
    "OASISSupervised",
    on_unit_rows("OASISSupervised"),
    supervised=True,
    params={"random_state": 0},
)
