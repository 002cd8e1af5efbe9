"""The deep learners: :class:`DeepMetricLearner` (points and class labels) and
:class:`DeepPairsLearner` (pairs labelled ±1), both a network f trained so that
‖f(x) − f(x')‖ is a good distance."""

from ._metric_learner import DeepMetricLearner
from ._pairs_learner import DeepPairsLearner

__all__ = ["DeepMetricLearner", "DeepPairsLearner"]
