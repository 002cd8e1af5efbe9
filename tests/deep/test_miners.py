"""mlearn.deep.miners: the triplet mining strategies on a hand-made batch."""

import pytest

torch = pytest.importorskip("torch")

from mlearn.deep.miners import mine_triplets  # noqa: E402

from ._helpers import ids, tensor  # noqa: E402

# A hand-made batch on a line: class 0 at 0 and 1, class 1 at 1.5 and 5.
BATCH = tensor([[0.0], [1.0], [1.5], [5.0]])
LABELS = ids([0, 0, 1, 1])


def _mined(strategy, margin=1.0, generator=None):
    a, p, n = mine_triplets(BATCH, LABELS, strategy, margin=margin, generator=generator)
    return set(zip(a.tolist(), p.tolist(), n.tolist(), strict=True))


def test_all_miner_returns_every_valid_triplet():
    expected = {(0, 1, 2), (0, 1, 3), (1, 0, 2), (1, 0, 3)}
    expected |= {(2, 3, 0), (2, 3, 1), (3, 2, 0), (3, 2, 1)}
    assert _mined("all") == expected


def test_hard_miner_returns_the_closest_negative_of_each_positive_pair():
    # Closest other-class point: 0 → 2 (1.5), 1 → 2 (0.5), 2 → 1 (0.5), 3 → 1 (4).
    assert _mined("hard") == {(0, 1, 2), (1, 0, 2), (2, 3, 1), (3, 2, 1)}


def test_semihard_miner_returns_negatives_inside_the_margin_beyond_the_positive():
    # D(a,p) < D(a,n) < D(a,p) + 1: (0,1,·): 1 < 1.5 < 2 → n=2 only; (1,0,·): 0.5, 4 not > 1;
    # (2,3,·): D=3.5, negatives at 1.5 and 0.5 are closer; (3,2,·): D=3.5, 4 and 5 → n=1 only.
    assert _mined("semihard") == {(0, 1, 2), (3, 2, 1)}
    # A wider margin admits (3, 2, 0) too (5 < 3.5 + 2).
    assert _mined("semihard", margin=2.0) == {(0, 1, 2), (3, 2, 1), (3, 2, 0)}


def test_batch_hard_miner_returns_hardest_positive_and_negative_per_anchor():
    assert _mined("batch_hard") == {(0, 1, 2), (1, 0, 2), (2, 3, 1), (3, 2, 1)}


def test_random_miner_draws_valid_negatives_reproducibly():
    runs = [_mined("random", generator=torch.Generator().manual_seed(s)) for s in (0, 0, 1)]
    assert runs[0] == runs[1]
    assert {(a, p) for a, p, _ in runs[0]} == {(0, 1), (1, 0), (2, 3), (3, 2)}
    for a, _, n in runs[0] | runs[2]:
        assert LABELS[a] != LABELS[n]


def test_miner_rejects_unknown_strategy():
    with pytest.raises(ValueError, match="miner must be one of"):
        mine_triplets(BATCH, LABELS, "easiest")
