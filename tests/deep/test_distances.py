"""mlearn.deep.distances and mlearn.deep.reducers against hand loops."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlearn.deep.distances import LpDistance  # noqa: E402

from ._reference import DISTANCES, REDUCERS, batch, hand_matrix, hand_reduce  # noqa: E402


@pytest.mark.parametrize("distance", DISTANCES, ids=repr)
def test_matrix_and_pairwise_values_match_a_hand_loop(distance):
    E, _ = batch()
    R = np.random.default_rng(1).normal(size=(5, 3))
    got = distance(torch.tensor(E), torch.tensor(R)).numpy()
    np.testing.assert_allclose(got, hand_matrix(distance, E, R), rtol=1e-9, atol=1e-6)
    paired = distance.pairwise(torch.tensor(E[:5]), torch.tensor(R)).numpy()
    np.testing.assert_allclose(paired, np.diag(hand_matrix(distance, E[:5], R)), rtol=1e-9)


@pytest.mark.parametrize("distance", DISTANCES, ids=repr)
def test_closest_farthest_and_margin_respect_the_direction(distance):
    values = torch.tensor([[0.1, 0.5, 0.9]])
    mask = torch.tensor([[True, True, False]])
    closest, farthest = distance.closest(values, mask)[1], distance.farthest(values, mask)[1]
    if distance.is_inverted:  # a similarity: larger is closer
        assert (int(closest), int(farthest)) == (1, 0)
        assert float(distance.margin(0.9, 0.1)) == pytest.approx(0.8)
    else:
        assert (int(closest), int(farthest)) == (0, 1)
        assert float(distance.margin(0.1, 0.9)) == pytest.approx(0.8)
    assert bool(distance.closer(torch.tensor(0.9), torch.tensor(0.1))) == distance.is_inverted


def test_lp_distance_has_finite_gradient_at_coincident_points():
    E = torch.zeros((3, 2), dtype=torch.float64, requires_grad=True)
    LpDistance(normalize_embeddings=False)(E).sum().backward()
    assert torch.all(torch.isfinite(E.grad))


@pytest.mark.parametrize("reducer", REDUCERS, ids=repr)
def test_reducers_match_a_hand_reduction(reducer):
    losses = torch.tensor([0.0, 0.02, 0.3, 0.0, 0.7, 1.4], dtype=torch.float64, requires_grad=True)
    got = reducer(losses)
    expected = hand_reduce(reducer, losses.detach().numpy())
    assert float(got.detach()) == pytest.approx(expected, rel=1e-12)
    got.backward()  # the reduction keeps the graph
    empty = reducer(torch.zeros(0, dtype=torch.float64, requires_grad=True))
    assert float(empty) == 0.0 and empty.requires_grad


def test_threshold_reducer_needs_a_bound():
    from mlearn.deep.reducers import ThresholdReducer

    with pytest.raises(ValueError, match="low, high"):
        ThresholdReducer()
