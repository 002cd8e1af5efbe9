"""Deep metric learning: siamese and triplet networks as scikit-learn estimators.

This subpackage needs PyTorch, the optional ``deep`` extra
(``pip install mlearn[deep]``); ``import mlearn`` works without it.

The pieces compose as in pytorch-metric-learning, each with one job:

- :mod:`mlearn.deep.networks`: the embedding networks ('mlp', 'cnn');
- :mod:`mlearn.deep.samplers`: batches with m examples per class;
- :mod:`mlearn.deep.miners`: index tuples (anchor, positive, negative) mined in a batch;
- :mod:`mlearn.deep.losses`: contrastive and triplet losses on mined tuples;
- :mod:`mlearn.deep.estimators`: :class:`DeepMetricLearner` (X, y) and
  :class:`DeepPairsLearner` (pairs labelled ±1).
"""

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "mlearn.deep needs PyTorch, the optional 'deep' extra: pip install mlearn[deep]"
    ) from exc

from ._training import EmbeddingCollapseWarning
from .estimators import DeepMetricLearner, DeepPairsLearner

__all__ = ["DeepMetricLearner", "DeepPairsLearner", "EmbeddingCollapseWarning"]
