"""Tensors and a user network class shared by the mlearn.deep tests (imported after torch is
known to be installed; without it, pytest's doctest collection of this module skips it)."""

import pytest

torch = pytest.importorskip("torch")

# Small nets on a shared 2-core machine: one thread is faster and reproducible.
torch.set_num_threads(1)


def tensor(values):
    return torch.tensor(values, dtype=torch.float64)


def ids(values):
    return torch.tensor(values, dtype=torch.long)


class Bilinear(torch.nn.Module):
    def __init__(self, embedding_dim, scale=1.0):
        super().__init__()
        self.scale = scale
        self.linear = torch.nn.LazyLinear(embedding_dim)

    def forward(self, x):
        return self.scale * self.linear(x)
