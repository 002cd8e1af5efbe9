"""The one network every method of ``deep_retrieval.py`` trains, in both interpreters.

Imported by ``deep_retrieval.py`` (handed to mlearn's ``DeepMetricLearner`` as its ``network``
class) and by ``pml_worker.py`` (trained by pytorch-metric-learning), so both libraries train
the very same architecture from the same kind of initialisation. It needs only torch, which
both interpreters have. The layers are those of mlearn's ``ConvNet`` at its defaults (two 3 × 3
convolution + ReLU + 2 × 2 max-pool blocks of 16 and 32 channels, a hidden layer of 128 ReLU
units, a linear embedding): a small LeNet-like net (LeCun et al. 1998).
"""

import math

from torch import nn


class SmallCNN(nn.Module):
    """Embedding network for square one-channel images given as flat rows (n, side²).

    Parameters
    ----------
    input_shape : tuple of int
        (side²,) or (side, side) or (1, side, side): the shape of one sample.
    embedding_dim : int
    """

    def __init__(self, input_shape, embedding_dim):
        super().__init__()
        side = math.isqrt(math.prod(input_shape))
        if side * side != math.prod(input_shape):
            raise ValueError(f"SmallCNN needs square images, got samples of shape {input_shape}")
        self.side = side
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.head = nn.Sequential(
            nn.Linear(32 * (side // 4) ** 2, 128), nn.ReLU(), nn.Linear(128, embedding_dim)
        )

    def forward(self, x):
        return self.head(self.features(x.reshape(-1, 1, self.side, self.side)))
