"""Reducers: how a loss's per-tuple values become the one number that is minimised.

A loss computes one value ℓ_t per tuple t (a pair, a triplet, an anchor or a
sample, depending on the loss) and hands the vector to its reducer:

- :class:`MeanReducer`: (1/T) Σ_t ℓ_t;
- :class:`AvgNonZeroReducer`: the mean over the tuples with ℓ_t > 0 (0 when
  none is). Mined tuples that already satisfy the margin then do not dilute
  the gradient as training progresses (the "batch all" average of Hermans et
  al., "In defense of the triplet loss", 2017, section 3);
- :class:`ThresholdReducer`: the mean over the tuples with
  ``low < ℓ_t < high`` (either bound optional).

A loss made of several parts (the positive and negative pairs of the
contrastive loss) reduces each part on its own and adds them, as
pytorch-metric-learning's reducers do.
"""

import torch

__all__ = ["BaseReducer", "MeanReducer", "AvgNonZeroReducer", "ThresholdReducer"]


def _zero(losses):
    # A zero that still depends on the parameters: backward() is then a no-op, not an error.
    return losses.sum() * 0.0


class BaseReducer:
    """Turns a vector of per-tuple losses into a scalar (``__call__``)."""

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __call__(self, losses):
        """The reduced loss of the 1-D tensor ``losses`` (a zero tensor when it is empty)."""
        if losses.numel() == 0:
            return _zero(losses)
        return self.reduce(losses)


class MeanReducer(BaseReducer):
    """The mean of the per-tuple losses."""

    def reduce(self, losses):
        return losses.mean()


class AvgNonZeroReducer(BaseReducer):
    """The mean of the per-tuple losses that are greater than zero."""

    def reduce(self, losses):
        positive = losses > 0
        count = positive.sum()
        if count == 0:
            return _zero(losses)
        return torch.where(positive, losses, torch.zeros_like(losses)).sum() / count


class ThresholdReducer(BaseReducer):
    """The mean of the per-tuple losses strictly between ``low`` and ``high``.

    Parameters
    ----------
    low : float or None, default=None
        Losses at or below it are left out (None: no lower bound).
    high : float or None, default=None
        Losses at or above it are left out (None: no upper bound).
    """

    def __init__(self, low=None, high=None):
        if low is None and high is None:
            raise ValueError("ThresholdReducer needs low, high or both.")
        self.low = low
        self.high = high

    def __repr__(self):
        return f"ThresholdReducer(low={self.low}, high={self.high})"

    def reduce(self, losses):
        keep = torch.ones_like(losses, dtype=torch.bool)
        if self.low is not None:
            keep &= losses > self.low
        if self.high is not None:
            keep &= losses < self.high
        count = keep.sum()
        if count == 0:
            return _zero(losses)
        return torch.where(keep, losses, torch.zeros_like(losses)).sum() / count
