"""mlearn.deep.miners: every miner against a hand loop, under every distance."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlearn.deep.distances import LpDistance  # noqa: E402
from mlearn.deep.miners import (  # noqa: E402
    AllTripletsMiner,
    BatchEasyHardMiner,
    BatchHardMiner,
    DistanceWeightedMiner,
    HardNegativeMiner,
    MultiSimilarityMiner,
    PairMarginMiner,
    RandomNegativeMiner,
    SemiHardMiner,
    make_miner,
)

from ._reference import (  # noqa: E402
    DISTANCES,
    as_set,
    batch,
    farther,
    hand_matrix,
    negative_pairs,
    positive_pairs,
    triplets,
)


def _mine(miner, seed=0):
    E, labels = batch(seed)
    E_t = torch.tensor(E, requires_grad=True)
    out = miner(E_t, torch.tensor(labels), torch.Generator().manual_seed(0))
    assert all(t.dtype == torch.long and not t.requires_grad for t in out)
    return out, hand_matrix(miner.distance, E), labels


def _extreme(distance, values, candidates, closest):
    key = (lambda j: values[j]) if distance.is_inverted == closest else (lambda j: -values[j])
    return max(candidates, key=key)


@pytest.mark.parametrize("distance", DISTANCES, ids=repr)
@pytest.mark.parametrize("kind", ["all", "hard", "semihard", "easy"])
def test_semihard_miner_keeps_triplets_by_their_margin(distance, kind):
    margin = 0.3 if distance.power == 1 else 0.6
    out, D, labels = _mine(SemiHardMiner(margin, kind, distance=distance))
    expected = set()
    for a, p, n in triplets(labels):
        delta = farther(distance, D[a, p], D[a, n])
        keep = {"all": delta <= margin, "hard": delta <= 0, "semihard": 0 < delta <= margin,
                "easy": delta > margin}[kind]  # fmt: skip
        if keep:
            expected.add((a, p, n))
    assert as_set(out) == expected


@pytest.mark.parametrize("distance", DISTANCES, ids=repr)
def test_all_batch_hard_and_hard_negative_miners(distance):
    out, D, labels = _mine(AllTripletsMiner(distance=distance))
    assert as_set(out) == set(triplets(labels))
    n = len(labels)
    negatives = [[q for q in range(n) if labels[q] != labels[a]] for a in range(n)]
    positives = [[p for p in range(n) if p != a and labels[p] == labels[a]] for a in range(n)]
    out, _, _ = _mine(BatchHardMiner(distance=distance))
    expected = {(a, _extreme(distance, D[a], positives[a], False),
                 _extreme(distance, D[a], negatives[a], True)) for a in range(n)}  # fmt: skip
    assert as_set(out) == expected
    out, _, _ = _mine(HardNegativeMiner(distance=distance))
    expected = {
        (a, p, _extreme(distance, D[a], negatives[a], True)) for a, p in positive_pairs(labels)
    }
    assert as_set(out) == expected


@pytest.mark.parametrize("distance", DISTANCES, ids=repr)
@pytest.mark.parametrize("pos_strategy", ["easy", "hard"])
@pytest.mark.parametrize("neg_strategy", ["easy", "semihard", "hard"])
def test_batch_easy_hard_miner(distance, pos_strategy, neg_strategy):
    out, D, labels = _mine(BatchEasyHardMiner(pos_strategy, neg_strategy, distance=distance))
    n, expected = len(labels), set()
    for a in range(n):
        positives = [p for p in range(n) if p != a and labels[p] == labels[a]]
        p = _extreme(distance, D[a], positives, pos_strategy == "easy")
        negatives = [q for q in range(n) if labels[q] != labels[a]]
        if neg_strategy == "semihard":
            negatives = [q for q in negatives if farther(distance, D[a, p], D[a, q]) > 0]
        if negatives:
            expected.add((a, p, _extreme(distance, D[a], negatives, neg_strategy != "easy")))
    assert as_set(out) == expected


@pytest.mark.parametrize("distance", DISTANCES, ids=repr)
def test_pair_margin_and_multi_similarity_miners(distance):
    out, D, labels = _mine(PairMarginMiner(0.5, 0.9, distance=distance))
    pos = {(a, p) for a, p in positive_pairs(labels) if farther(distance, 0.5, D[a, p]) > 0}
    neg = {(a, q) for a, q in negative_pairs(labels) if farther(distance, D[a, q], 0.9) > 0}
    assert as_set(out[:2]) == pos and as_set(out[2:]) == neg
    out, D, labels = _mine(MultiSimilarityMiner(0.1, distance=distance))
    n = len(labels)
    positives = [[p for p in range(n) if p != a and labels[p] == labels[a]] for a in range(n)]
    negatives = [[q for q in range(n) if labels[q] != labels[a]] for a in range(n)]
    hardest_pos = [D[a, _extreme(distance, D[a], positives[a], False)] for a in range(n)]
    hardest_neg = [D[a, _extreme(distance, D[a], negatives[a], True)] for a in range(n)]
    pos = {
        (a, p)
        for a, p in positive_pairs(labels)
        if farther(distance, D[a, p], hardest_neg[a]) < 0.1
    }
    neg = {
        (a, q)
        for a, q in negative_pairs(labels)
        if farther(distance, hardest_pos[a], D[a, q]) < 0.1
    }
    assert as_set(out[:2]) == pos and as_set(out[2:]) == neg


@pytest.mark.parametrize("miner_class", [RandomNegativeMiner, DistanceWeightedMiner])
def test_drawing_miners_give_valid_reproducible_triplets(miner_class):
    miner = miner_class()
    first, _, labels = _mine(miner)
    again, _, _ = _mine(miner)
    assert as_set(first) == as_set(again)
    assert {(a, p) for a, p, _ in as_set(first)} == set(positive_pairs(labels))
    assert all(labels[a] != labels[q] for a, _, q in as_set(first))


def test_distance_weighted_miner_prefers_rare_distances():
    # Two negatives per anchor in 8 dimensions: one near (d = 0.6, q(d) small), one at
    # d ≈ √2 where the sphere's distances crowd; the near one must be drawn far more often.
    k = 8
    anchor = np.eye(k)[0]
    near = np.cos(0.6) * anchor + np.sin(0.6) * np.eye(k)[1]
    crowd = np.eye(k)[2] + 0.01 * np.eye(k)[0]
    E = torch.tensor(np.stack([anchor, anchor, near, crowd]))
    labels = torch.tensor([0, 0, 1, 2])
    miner = DistanceWeightedMiner(cutoff=0.1, nonzero_loss_cutoff=1.45)
    generator = torch.Generator().manual_seed(0)
    drawn = [int(miner(E, labels, generator)[2][0]) for _ in range(200)]
    assert drawn.count(2) > 150
    with pytest.raises(ValueError, match="normalize"):
        DistanceWeightedMiner(distance=LpDistance(normalize_embeddings=False))


def test_make_miner_builds_names_and_passes_instances():
    distance = LpDistance(normalize_embeddings=False)
    assert make_miner("semihard", distance, 0.7).margin == 0.7
    assert make_miner("batch_hard", distance).distance is distance
    instance = HardNegativeMiner()
    assert make_miner(instance, distance) is instance and make_miner(None, distance) is None
    with pytest.raises(ValueError, match="miner must be one of"):
        make_miner("easiest", distance)
