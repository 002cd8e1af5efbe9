"""The ``partial_fit`` convention, for every public learner that has one (docs/online.rst).

One chunk holding all the data gives ``fit``'s result; a later chunk with another number of
features is refused naming both counts; the stream is counted. Learners are discovered from
``mlearn.__all__`` (and ``mlearn.deep.__all__`` with torch), so a learner is checked from the
day it gains ``partial_fit``.
"""

import numpy as np
import pytest

from ._estimators import ALL_CLASSES, class_id, fit_args, labelled_points, make

# The fast configurations stop iterative solvers early; that is not what is checked here.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ONLINE = [cls for cls in ALL_CLASSES if hasattr(cls, "partial_fit")]

# Parameters under which one ``fit`` does the work of one ``partial_fit`` call.
ONE_CHUNK_PARAMS = {"DeepMetricLearner": {"max_epochs": 1}}

# Learners whose partial_fit predates the counters of the convention, and why.
NO_STREAM_COUNTER = {
    "DeepMetricLearner": "its partial_fit (one epoch) counts epochs over all fits in n_iter_",
}


def _online(cls):
    return make(cls, **ONE_CHUNK_PARAMS.get(cls.__name__, {}))


def _learned(estimator, X):
    """What the learner learned, as an array: W for a bilinear one, else the embedding of X."""
    if hasattr(estimator, "get_bilinear_matrix"):
        return np.asarray(estimator.get_bilinear_matrix())
    return np.asarray(estimator.transform(X))


def test_some_learners_are_online():
    assert {"ITML", "ITMLSupervised"} <= {cls.__name__ for cls in ONLINE}


@pytest.mark.parametrize("cls", ONLINE, ids=class_id)
def test_one_chunk_partial_fit_equals_fit(cls):
    X, y = labelled_points(n=60)
    batch, online = _online(cls), _online(cls)
    args = fit_args(batch, X, y)
    batch.fit(*args)
    online.partial_fit(*args)
    reference = _learned(batch, X)
    scale = np.abs(reference).max()
    np.testing.assert_allclose(_learned(online, X), reference, rtol=0, atol=1e-10 * scale)


@pytest.mark.parametrize("cls", ONLINE, ids=class_id)
def test_later_chunk_with_other_feature_count_is_refused(cls):
    X, y = labelled_points(n=60)
    learner = _online(cls)
    learner.partial_fit(*fit_args(learner, X, y))
    with pytest.raises(ValueError, match=r"3 features, but \w+ is expecting 4 features"):
        learner.partial_fit(*fit_args(learner, X[:, :3], y))


@pytest.mark.parametrize("cls", ONLINE, ids=class_id)
def test_partial_fit_counts_the_stream(cls):
    if cls.__name__ in NO_STREAM_COUNTER:
        pytest.skip(NO_STREAM_COUNTER[cls.__name__])
    X, y = labelled_points(n=60)
    learner = _online(cls)
    counts = []
    for seed in (0, 1):
        X, y = labelled_points(seed=seed, n=60)
        args = fit_args(learner, X, y)
        learner.partial_fit(*args)
        counts.append(len(args[0]))
        assert learner.n_iter_ >= 1
    seen = getattr(learner, "n_samples_seen_", getattr(learner, "n_tuples_seen_", None))
    assert seen == sum(counts)
