"""Deep metric learning: networks trained so that embedding distances separate classes.

A network f: x ↦ f(x) ∈ ℝᵏ is trained so that a distance D(f(x), f(x')) (by
default ‖f̂(x) − f̂(x')‖ of unit-normalised embeddings) is small within a class
and large across classes. Each step takes a batch B (m examples of each of its
classes), mines index tuples T(B) from it and minimises

    L(B) = reduce_{t ∈ T(B)} ℓ(t),

e.g. for the default triplet loss (Schroff et al., "FaceNet", CVPR 2015, eq. 2, on
distances) over semi-hard triplets, ℓ(a, p, n) = [D(a, p) − D(a, n) + α]₊ averaged
over the non-zero ones.

This subpackage needs PyTorch, the optional ``deep`` extra
(``pip install "mlearn-metric[deep]"``); ``import mlearn`` works without it.

The pieces compose as in pytorch-metric-learning, each with one job:

- :mod:`mlearn.deep.distances`: how embeddings compare (D, or a similarity S);
- :mod:`mlearn.deep.miners`: index tuples of a batch, picked by that distance;
- :mod:`mlearn.deep.losses`: per-tuple losses ℓ (contrastive, triplet, margin,
  multi-similarity, NT-Xent, SupCon, ProxyAnchor, ArcFace, LMNN);
- :mod:`mlearn.deep.reducers`: ``reduce`` (mean, mean of the non-zero, thresholded);
- :mod:`mlearn.deep.networks`: the embedding networks ('mlp', 'cnn');
- :mod:`mlearn.deep.samplers`: batches with m examples per class;
- :mod:`mlearn.deep.estimators`: :class:`DeepMetricLearner` (X, y) and
  :class:`DeepPairsLearner` (pairs labelled ±1).
"""

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "mlearn.deep needs PyTorch, the optional 'deep' extra: pip install \"mlearn-metric[deep]\""
    ) from exc

from ._training import EmbeddingCollapseWarning
from .estimators import DeepMetricLearner, DeepPairsLearner

__all__ = ["DeepMetricLearner", "DeepPairsLearner", "EmbeddingCollapseWarning"]
