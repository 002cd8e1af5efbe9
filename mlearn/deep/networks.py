"""Embedding networks: x ↦ f(x) ∈ ℝᵏ, with k = ``embedding_dim``.

- :class:`MLP`: flatten, then fully connected layers with ReLU; the last layer
  is linear. For feature vectors (n, d).
- :class:`ConvNet`: two 3×3 convolution + ReLU + 2×2 max-pool blocks, a
  hidden fully connected layer and a linear embedding layer — a small LeNet-like
  net (LeCun et al. 1998, the architecture family of Hadsell et al. 2006) that
  fits 8×8 (sklearn digits) and 28×28 (MNIST) single- or multi-channel images.

Every network is built as ``Network(input_shape, embedding_dim, **kwargs)``,
with ``input_shape`` the shape of one sample. :func:`build_network` also
builds a user's ``nn.Module`` class, passing ``input_shape`` and
``embedding_dim`` only where its constructor takes them.
"""

import inspect
import math

from torch import nn

__all__ = ["MLP", "ConvNet", "NETWORKS", "build_network", "image_shape"]


class MLP(nn.Module):
    """Fully connected embedding network.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample; it is flattened.
    embedding_dim : int
    hidden_sizes : tuple of int, default=(128,)
        Widths of the hidden ReLU layers.
    """

    def __init__(self, input_shape, embedding_dim, hidden_sizes=(128,)):
        super().__init__()
        widths = [math.prod(input_shape), *hidden_sizes]
        layers = [nn.Flatten()]
        for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        layers.append(nn.Linear(widths[-1], embedding_dim))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class ConvNet(nn.Module):
    """Small convolutional embedding network for images of shape (C, H, W).

    Parameters
    ----------
    input_shape : tuple of int
        (C, H, W), or (H, W) for one channel; H and W at least 4.
    embedding_dim : int
    channels : tuple of two int, default=(16, 32)
        Output channels of the two convolution blocks.
    hidden_size : int, default=128
        Width of the fully connected layer before the embedding.
    """

    def __init__(self, input_shape, embedding_dim, channels=(16, 32), hidden_size=128):
        super().__init__()
        c, h, w = input_shape if len(input_shape) == 3 else (1, *input_shape)
        if min(h, w) < 4:
            raise ValueError(f"ConvNet needs images of at least 4×4, got {h}×{w}.")
        c1, c2 = channels
        self.image_shape = (c, h, w)
        self.features = nn.Sequential(
            nn.Conv2d(c, c1, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        flat = c2 * (h // 4) * (w // 4)
        self.head = nn.Sequential(
            nn.Linear(flat, hidden_size), nn.ReLU(), nn.Linear(hidden_size, embedding_dim)
        )

    def forward(self, x):
        return self.head(self.features(x.reshape(-1, *self.image_shape)))


NETWORKS = {"mlp": MLP, "cnn": ConvNet}


def image_shape(sample_shape):
    """(C, H, W) of one sample for the CNN: (d,) with d a square, (H, W) or (C, H, W)."""
    if len(sample_shape) == 1:
        side = math.isqrt(sample_shape[0])
        if side * side != sample_shape[0]:
            raise ValueError(
                f"network='cnn' needs images: X of shape (n, C, H, W), (n, H, W), or (n, d) "
                f"with d a square number of pixels; got d={sample_shape[0]}."
            )
        return (1, side, side)
    if len(sample_shape) == 2:
        return (1, *sample_shape)
    if len(sample_shape) == 3:
        return tuple(sample_shape)
    raise ValueError(f"network='cnn' needs images; got samples of shape {sample_shape}.")


def build_network(network, input_shape, embedding_dim, kwargs):
    """Instantiate ``network`` ('mlp', 'cnn' or an ``nn.Module`` class) for one sample shape."""
    if isinstance(network, str):
        if network == "cnn":
            input_shape = image_shape(input_shape)
        return NETWORKS[network](input_shape, embedding_dim, **kwargs)
    accepted = inspect.signature(network).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
    given = dict(kwargs)
    for name, value in (("input_shape", tuple(input_shape)), ("embedding_dim", embedding_dim)):
        if takes_any or name in accepted:
            given.setdefault(name, value)
    module = network(**given)
    if not isinstance(module, nn.Module):
        raise TypeError(f"network must build a torch.nn.Module, got {type(module).__name__}.")
    return module
