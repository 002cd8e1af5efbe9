"""mlearn.deep.networks: the built-in MLP and CNN and build_network's argument routing."""

import pytest

torch = pytest.importorskip("torch")

from mlearn.deep.networks import ConvNet, build_network  # noqa: E402

from ._helpers import Bilinear  # noqa: E402


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 8, 8)])
def test_cnn_embeds_images_of_digit_sizes(shape):
    net = build_network("cnn", shape, 5, {})
    assert net(torch.zeros((2, *shape))).shape == (2, 5)


def test_cnn_accepts_flat_square_images_and_rejects_other_widths():
    net = build_network("cnn", (64,), 3, {"channels": (4, 8)})
    assert isinstance(net, ConvNet) and net.features[0].out_channels == 4
    assert net(torch.zeros((2, 64))).shape == (2, 3)
    with pytest.raises(ValueError, match="square number"):
        build_network("cnn", (10,), 3, {})


def test_mlp_hidden_sizes_route_to_layers():
    net = build_network("mlp", (6,), 2, {"hidden_sizes": (7, 5)})
    widths = [m.out_features for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [7, 5, 2]


def test_build_network_passes_only_the_arguments_a_class_takes():
    net = build_network(Bilinear, (4,), 3, {"scale": 2.0})
    assert net.scale == 2.0 and net(torch.zeros((1, 4))).shape == (1, 3)
