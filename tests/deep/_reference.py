"""Hand-loop references for the mlearn.deep tests: distances, reducers and per-tuple
losses written out with Python loops over numpy arrays, independent of the library."""

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlearn.deep.distances import (  # noqa: E402
    CosineSimilarity,
    DotProductSimilarity,
    LpDistance,
)
from mlearn.deep.reducers import AvgNonZeroReducer, MeanReducer, ThresholdReducer  # noqa: E402

DISTANCES = [
    LpDistance(),
    LpDistance(normalize_embeddings=False),
    LpDistance(normalize_embeddings=False, p=1),
    LpDistance(power=2),
    CosineSimilarity(),
    DotProductSimilarity(),
]
REDUCERS = [
    MeanReducer(),
    AvgNonZeroReducer(),
    ThresholdReducer(low=0.05),
    ThresholdReducer(high=0.5),
]


def batch(seed=0, n=8, k=3):
    rng = np.random.default_rng(seed)
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2])[:n]
    return rng.normal(size=(n, k)), labels


def hand_value(distance, x, y):
    if distance.normalize_embeddings:
        x, y = x / np.linalg.norm(x), y / np.linalg.norm(y)
    if isinstance(distance, LpDistance):
        value = np.sum(np.abs(x - y) ** distance.p) ** (1 / distance.p)
    else:
        value = float(x @ y)
    return value**distance.power


def hand_matrix(distance, E, R=None):
    R = E if R is None else R
    return np.array([[hand_value(distance, x, y) for y in R] for x in E])


def farther(distance, x, y):
    """How much farther a value y is than x."""
    return x - y if distance.is_inverted else y - x


def hand_reduce(reducer, losses):
    losses = [float(v) for v in losses]
    if isinstance(reducer, MeanReducer):
        kept = losses
    elif isinstance(reducer, AvgNonZeroReducer):
        kept = [v for v in losses if v > 0]
    else:
        low = -np.inf if reducer.low is None else reducer.low
        high = np.inf if reducer.high is None else reducer.high
        kept = [v for v in losses if low < v < high]
    return sum(kept) / len(kept) if kept else 0.0


def triplets(labels):
    n = len(labels)
    for a, p, q in itertools.product(range(n), repeat=3):
        if a != p and labels[a] == labels[p] and labels[q] != labels[a]:
            yield a, p, q


def positive_pairs(labels):
    return [(a, p) for a in range(len(labels)) for p in range(len(labels))
            if a != p and labels[a] == labels[p]]  # fmt: skip


def negative_pairs(labels):
    return [
        (a, q) for a in range(len(labels)) for q in range(len(labels)) if labels[a] != labels[q]
    ]


def as_set(tuples):
    return set(zip(*(t.tolist() for t in tuples), strict=True))
