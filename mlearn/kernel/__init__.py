"""Kernelised metric learners.

- :class:`KernelMetricLearner`: the KPCA trick around any linear learner.
"""

from .kpca_trick import KernelMetricLearner

__all__ = ["KernelMetricLearner"]
