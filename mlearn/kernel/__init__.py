"""Kernelised metric learners.

- :class:`KernelMetricLearner`: the KPCA trick around any linear learner;
- :class:`KernelLMNN`, :class:`KernelITML`: native kernel learners through the
  representer theorem.
"""

from .kernel_itml import KernelITML
from .kernel_lmnn import KernelLMNN
from .kpca_trick import KernelMetricLearner

__all__ = ["KernelITML", "KernelLMNN", "KernelMetricLearner"]
