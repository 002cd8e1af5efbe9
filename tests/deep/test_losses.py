"""mlearn.deep.losses: every loss against a hand loop on a hand-made batch."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlearn.deep.distances import CosineSimilarity, LpDistance  # noqa: E402
from mlearn.deep.losses import (  # noqa: E402
    ArcFaceLoss,
    ContrastiveLoss,
    LMNNLoss,
    MarginLoss,
    MultiSimilarityLoss,
    NTXentLoss,
    ProxyAnchorLoss,
    SupConLoss,
    TripletMarginLoss,
    make_loss,
)
from mlearn.deep.miners import BatchHardMiner, MultiSimilarityMiner  # noqa: E402
from mlearn.deep.reducers import MeanReducer  # noqa: E402

from ._reference import (  # noqa: E402
    DISTANCES,
    REDUCERS,
    batch,
    farther,
    hand_matrix,
    hand_reduce,
    negative_pairs,
    positive_pairs,
    triplets,
)


def _relu(v):
    return max(v, 0.0)


def _call(loss, seed=0, tuples=None):
    E, labels = batch(seed)
    E_t = torch.tensor(E, requires_grad=True)
    value = loss(E_t, torch.tensor(labels), tuples)
    value.backward()
    assert torch.all(torch.isfinite(E_t.grad))
    return float(value.detach()), hand_matrix(loss.distance, E), labels, E


@pytest.mark.parametrize("distance", DISTANCES, ids=repr)
@pytest.mark.parametrize("reducer", REDUCERS, ids=repr)
def test_contrastive_triplet_and_margin_losses_under_every_distance_and_reducer(distance, reducer):
    got, D, labels, _ = _call(ContrastiveLoss(0.3, 0.8, distance=distance, reducer=reducer))
    pos = [_relu(farther(distance, 0.3, D[a, p])) for a, p in positive_pairs(labels)]
    neg = [_relu(farther(distance, D[a, q], 0.8)) for a, q in negative_pairs(labels)]
    assert got == pytest.approx(hand_reduce(reducer, pos) + hand_reduce(reducer, neg), abs=1e-10)

    got, D, labels, _ = _call(TripletMarginLoss(0.4, distance=distance, reducer=reducer))
    losses = [_relu(0.4 - farther(distance, D[a, p], D[a, q])) for a, p, q in triplets(labels)]
    assert got == pytest.approx(hand_reduce(reducer, losses), abs=1e-10)

    got, D, labels, _ = _call(MarginLoss(0.2, beta=0.75, distance=distance, reducer=reducer))
    pos = [_relu(0.2 + farther(distance, 0.75, D[a, p])) for a, p in positive_pairs(labels)]
    neg = [_relu(0.2 + farther(distance, D[a, q], 0.75)) for a, q in negative_pairs(labels)]
    assert got == pytest.approx(hand_reduce(reducer, pos) + hand_reduce(reducer, neg), abs=1e-10)


def test_a_miners_tuples_restrict_the_loss_to_them():
    E, labels = batch()
    miner = BatchHardMiner()
    tuples = miner(torch.tensor(E), torch.tensor(labels))
    got, D, _, _ = _call(TripletMarginLoss(0.5, reducer=MeanReducer()), tuples=tuples)
    losses = [
        _relu(0.5 + D[a, p] - D[a, q])
        for a, p, q in zip(*(t.tolist() for t in tuples), strict=True)
    ]
    assert got == pytest.approx(np.mean(losses), abs=1e-12)
    # Pairs from a pair miner reach a triplet loss combined on their anchors, and back.
    pairs = MultiSimilarityMiner()(torch.tensor(E), torch.tensor(labels))
    _call(TripletMarginLoss(), tuples=pairs)
    _call(ContrastiveLoss(), tuples=tuples)


def test_triplet_swap_and_smooth_variants():
    got, D, labels, _ = _call(
        TripletMarginLoss(0.3, swap=True, smooth_loss=True, reducer=MeanReducer())
    )
    losses = [
        math.log1p(math.exp(0.3 + D[a, p] - min(D[a, q], D[p, q]))) for a, p, q in triplets(labels)
    ]
    assert got == pytest.approx(np.mean(losses), rel=1e-10)


def _hand_logsumexp_one(values):
    return math.log(1.0 + sum(math.exp(v) for v in values))


@pytest.mark.parametrize("distance", [CosineSimilarity(), LpDistance()], ids=repr)
def test_multi_similarity_loss(distance):
    alpha, beta, base = 2.0, 10.0, 0.5
    got, S, labels, _ = _call(MultiSimilarityLoss(alpha, beta, base, distance=distance))
    per_anchor = []
    for a in range(len(labels)):
        pos = [
            alpha * farther(distance, base, S[a, p]) for x, p in positive_pairs(labels) if x == a
        ]
        neg = [beta * farther(distance, S[a, q], base) for x, q in negative_pairs(labels) if x == a]
        per_anchor.append(_hand_logsumexp_one(pos) / alpha + _hand_logsumexp_one(neg) / beta)
    assert got == pytest.approx(np.mean(per_anchor), rel=1e-10)


@pytest.mark.parametrize("distance", [CosineSimilarity(), LpDistance()], ids=repr)
def test_ntxent_and_supcon_losses(distance):
    tau = 0.5
    sign = 1.0 if distance.is_inverted else -1.0
    got, S, labels, _ = _call(NTXentLoss(tau, distance=distance))
    losses = []
    for a, p in positive_pairs(labels):
        negs = [math.exp(sign * S[a, q] / tau) for x, q in negative_pairs(labels) if x == a]
        top = math.exp(sign * S[a, p] / tau)
        losses.append(-math.log(top / (top + sum(negs))))
    assert got == pytest.approx(np.mean(losses), rel=1e-10)

    got, S, labels, _ = _call(SupConLoss(tau, distance=distance))
    n, per_anchor = len(labels), []
    for i in range(n):
        denominator = sum(math.exp(sign * S[i, k] / tau) for k in range(n) if k != i)
        positives = [p for p in range(n) if p != i and labels[p] == labels[i]]
        logs = [math.log(math.exp(sign * S[i, p] / tau) / denominator) for p in positives]
        per_anchor.append(-np.mean(logs))
    assert got == pytest.approx(np.mean(per_anchor), rel=1e-10)


def test_proxy_anchor_loss_against_a_hand_loop_and_its_proxies_learn():
    loss = ProxyAnchorLoss(num_classes=4, embedding_dim=3, margin=0.1, alpha=8.0).double()
    E, labels = batch()
    P = loss.proxies.detach().numpy()
    unit = lambda v: v / np.linalg.norm(v)  # noqa: E731
    S = np.array([[unit(x) @ unit(p) for p in P] for x in E])  # (n, classes)
    pos_terms, neg_terms = [], []
    for c in range(4):
        own = [i for i in range(len(labels)) if labels[i] == c]
        other = [i for i in range(len(labels)) if labels[i] != c]
        if own:  # class 3 has no sample in the batch: no positive term
            pos_terms.append(_hand_logsumexp_one([-8.0 * (S[i, c] - 0.1) for i in own]))
        neg_terms.append(_hand_logsumexp_one([8.0 * (S[i, c] + 0.1) for i in other]))
    got, _, _, _ = _call(loss)
    assert got == pytest.approx(np.mean(pos_terms) + np.mean(neg_terms), rel=1e-10)
    assert loss.proxies.grad is not None and torch.any(loss.proxies.grad != 0)


def test_arcface_loss_against_a_hand_loop():
    torch.manual_seed(0)  # a fixed draw of the weights: some unseeded draws missed rel=1e-10
    loss = ArcFaceLoss(num_classes=3, embedding_dim=3, margin=0.3, scale=4.0).double()
    E, labels = batch()
    W = loss.weight.detach().numpy()
    unit = lambda v: v / np.linalg.norm(v)  # noqa: E731
    losses = []
    for x, y in zip(E, labels, strict=True):
        cosines = [unit(x) @ unit(w) for w in W]
        logits = [4.0 * c for c in cosines]
        logits[y] = 4.0 * math.cos(math.acos(cosines[y]) + 0.3)
        losses.append(-logits[y] + math.log(sum(math.exp(v) for v in logits)))
    got, _, _, _ = _call(loss)
    assert got == pytest.approx(np.mean(losses), rel=1e-10)
    assert torch.any(loss.weight.grad != 0)


def _hand_lmnn(D, labels, refs_labels, k, margin, mu, n):
    pulls, pushes = [], []
    for i in range(n):
        same = [j for j in range(len(refs_labels)) if j != i and refs_labels[j] == labels[i]]
        for j in sorted(same, key=lambda j: D[i, j])[:k]:
            pulls.append((1 - mu) * D[i, j])
            for q in range(len(refs_labels)):
                if refs_labels[q] != labels[i]:
                    pushes.append(mu * _relu(margin + D[i, j] - D[i, q]))
    return pulls, pushes


def test_lmnn_loss_in_the_batch_and_over_a_cross_batch_memory():
    loss = LMNNLoss(k=2, margin=0.5, push_weight=0.3)
    got, D, labels, _ = _call(loss)
    pulls, pushes = _hand_lmnn(D, labels, labels, 2, 0.5, 0.3, len(labels))
    assert got == pytest.approx(
        hand_reduce(loss.reducer, pulls) + hand_reduce(loss.reducer, pushes)
    )

    memory_loss = LMNNLoss(k=2, margin=0.5, push_weight=0.3, memory_size=8)
    _call(memory_loss, seed=1)  # fills the memory with batch 1
    E1, labels1 = batch(1)
    got, _, labels0, E0 = _call(memory_loss, seed=0)
    refs = np.concatenate([E0, E1])
    D = hand_matrix(memory_loss.distance, E0, refs)
    pulls, pushes = _hand_lmnn(D, labels0, np.concatenate([labels0, labels1]), 2, 0.5, 0.3, 8)
    expected = hand_reduce(memory_loss.reducer, pulls) + hand_reduce(memory_loss.reducer, pushes)
    assert got == pytest.approx(expected)
    with pytest.raises(ValueError, match="similarity"):
        LMNNLoss(distance=CosineSimilarity())


def test_contrastive_gradient_matches_finite_differences():
    E, labels = batch()
    loss = ContrastiveLoss(0.2, 1.5, distance=LpDistance(normalize_embeddings=False))
    labels = torch.tensor(labels)
    E_t = torch.tensor(E, requires_grad=True)
    assert torch.autograd.gradcheck(lambda e: loss(e, labels), (E_t,), eps=1e-6, atol=1e-6)


def test_make_loss_builds_names_with_the_estimators_margin_and_classes():
    distance = LpDistance(normalize_embeddings=False)
    built = make_loss("triplet", distance=distance, margin=0.7, n_classes=3, embedding_dim=4)
    assert built.margin == 0.7 and built.distance is distance
    assert (
        make_loss(
            "contrastive", distance=distance, margin=0.9, n_classes=3, embedding_dim=4
        ).neg_margin
        == 0.9
    )
    proxy = make_loss("proxy_anchor", distance=distance, margin=None, n_classes=5, embedding_dim=4)
    assert proxy.proxies.shape == (5, 4)
    lmnn = make_loss("lmnn", distance=distance, margin=None, n_classes=3, embedding_dim=4)
    assert lmnn.distance.power == 2 and not lmnn.distance.normalize_embeddings
    with pytest.raises(ValueError, match="loss must be one of"):
        make_loss("hinge", distance=distance, margin=None, n_classes=3, embedding_dim=4)
