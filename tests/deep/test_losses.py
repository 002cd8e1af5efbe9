"""mlearn.deep.losses: the contrastive and triplet losses and pairs from triplets."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlearn.deep.losses import ContrastiveLoss, TripletLoss, pairs_from_triplets  # noqa: E402

from ._helpers import ids, tensor  # noqa: E402


def test_contrastive_loss_matches_hand_computation():
    # Points on a line: D(0, 1) = 0.5, D(0, 2) = 3, D(1, 3) = 0.3.
    E = tensor([[0.0], [0.5], [3.0], [0.8]])
    first, second, dissimilar = ids([0, 0, 1]), ids([1, 2, 3]), ids([0, 1, 1])
    out = ContrastiveLoss(margin=1.0)(E, first, second, dissimilar)
    # similar: ½·0.5²; dissimilar beyond the margin: 0; dissimilar inside: ½·(1 − 0.3)².
    expected = (0.5 * 0.25 + 0.0 + 0.5 * 0.7**2) / 3
    assert float(out.loss) == pytest.approx(expected, rel=1e-12)
    assert out.active_fraction == pytest.approx(2 / 3)


def test_triplet_loss_matches_hand_computation():
    E = tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0], [6.0, 8.0]])
    anchor, positive, negative = ids([0, 0]), ids([2, 1]), ids([1, 2])
    out = TripletLoss(margin=0.5)(E, anchor, positive, negative)
    # (a, p, n) = (0, 2, 1): max(0, 1 − 5 + .5) = 0; (0, 1, 2): max(0, 5 − 1 + .5) = 4.5.
    assert float(out.loss) == pytest.approx(4.5 / 2, rel=1e-12)
    assert out.active_fraction == 0.5


def test_losses_have_finite_gradients_at_coincident_points():
    E = torch.zeros((3, 2), dtype=torch.float64, requires_grad=True)
    TripletLoss()(E, ids([0]), ids([1]), ids([2])).loss.backward()
    ContrastiveLoss()(E, ids([0, 0]), ids([1, 2]), ids([0, 1])).loss.backward()
    assert torch.all(torch.isfinite(E.grad))


def test_contrastive_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    E = torch.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    args = (ids([0, 1, 2, 3]), ids([1, 2, 3, 4]), ids([0, 1, 1, 0]))
    loss = ContrastiveLoss(margin=2.0)
    loss(E, *args).loss.backward()
    numeric = np.zeros((5, 3))
    for i in range(5):
        for j in range(3):
            step = torch.zeros((5, 3), dtype=torch.float64)
            step[i, j] = 1e-6
            up, down = loss(E.detach() + step, *args).loss, loss(E.detach() - step, *args).loss
            numeric[i, j] = float(up - down) / 2e-6
    np.testing.assert_allclose(E.grad.numpy(), numeric, atol=1e-7)


def test_pairs_from_triplets_gives_distinct_similar_and_dissimilar_pairs():
    first, second, dissimilar = pairs_from_triplets(ids([0, 0, 1]), ids([1, 1, 0]), ids([2, 3, 2]))
    pairs = set(zip(first.tolist(), second.tolist(), dissimilar.tolist(), strict=True))
    assert pairs == {(0, 1, 0), (0, 2, 1), (0, 3, 1), (1, 0, 0), (1, 2, 1)}
