"""Tests for mlearn.deep: losses, miners, networks, samplers and the two estimators."""

import io
import pickle
import subprocess
import sys
from contextlib import redirect_stdout

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from mlearn.constraints import similar_dissimilar_pairs  # noqa: E402
from mlearn.deep import DeepMetricLearner, DeepPairsLearner  # noqa: E402
from mlearn.deep.losses import ContrastiveLoss, TripletLoss, pairs_from_triplets  # noqa: E402
from mlearn.deep.miners import mine_triplets  # noqa: E402
from mlearn.deep.networks import ConvNet, build_network  # noqa: E402
from mlearn.deep.samplers import class_balanced_batches  # noqa: E402

# Small nets on a shared 2-core machine: one thread is faster and reproducible.
torch.set_num_threads(1)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rng = np.random.default_rng(0)
    order = rng.permutation(X.shape[0])
    train, test = order[:1200], order[1200:]
    return X[train], y[train], X[test], y[test]


def _tensor(values):
    return torch.tensor(values, dtype=torch.float64)


def _ids(values):
    return torch.tensor(values, dtype=torch.long)


# --- optional dependency ---------------------------------------------------------


_WITHOUT_TORCH = """
import sys

class NoTorch:  # an import system on which torch is not installed
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoTorch())
import mlearn
assert "torch" not in sys.modules
try:
    import mlearn.deep
except ImportError as exc:
    print(exc)
"""


def test_import_without_torch_names_the_extra():
    out = subprocess.run(
        [sys.executable, "-c", _WITHOUT_TORCH], capture_output=True, text=True, check=True
    )
    assert "pip install mlearn[deep]" in out.stdout


# --- losses ----------------------------------------------------------------------


def test_contrastive_loss_matches_hand_computation():
    # Points on a line: D(0, 1) = 0.5, D(0, 2) = 3, D(1, 3) = 0.3.
    E = _tensor([[0.0], [0.5], [3.0], [0.8]])
    first, second, dissimilar = _ids([0, 0, 1]), _ids([1, 2, 3]), _ids([0, 1, 1])
    out = ContrastiveLoss(margin=1.0)(E, first, second, dissimilar)
    # similar: ½·0.5²; dissimilar beyond the margin: 0; dissimilar inside: ½·(1 − 0.3)².
    expected = (0.5 * 0.25 + 0.0 + 0.5 * 0.7**2) / 3
    assert float(out.loss) == pytest.approx(expected, rel=1e-12)
    assert out.active_fraction == pytest.approx(2 / 3)


def test_triplet_loss_matches_hand_computation():
    E = _tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0], [6.0, 8.0]])
    anchor, positive, negative = _ids([0, 0]), _ids([2, 1]), _ids([1, 2])
    out = TripletLoss(margin=0.5)(E, anchor, positive, negative)
    # (a, p, n) = (0, 2, 1): max(0, 1 − 5 + .5) = 0; (0, 1, 2): max(0, 5 − 1 + .5) = 4.5.
    assert float(out.loss) == pytest.approx(4.5 / 2, rel=1e-12)
    assert out.active_fraction == 0.5


def test_losses_have_finite_gradients_at_coincident_points():
    E = torch.zeros((3, 2), dtype=torch.float64, requires_grad=True)
    TripletLoss()(E, _ids([0]), _ids([1]), _ids([2])).loss.backward()
    ContrastiveLoss()(E, _ids([0, 0]), _ids([1, 2]), _ids([0, 1])).loss.backward()
    assert torch.all(torch.isfinite(E.grad))


def test_contrastive_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    E = torch.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    args = (_ids([0, 1, 2, 3]), _ids([1, 2, 3, 4]), _ids([0, 1, 1, 0]))
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
    first, second, dissimilar = pairs_from_triplets(
        _ids([0, 0, 1]), _ids([1, 1, 0]), _ids([2, 3, 2])
    )
    pairs = set(zip(first.tolist(), second.tolist(), dissimilar.tolist(), strict=True))
    assert pairs == {(0, 1, 0), (0, 2, 1), (0, 3, 1), (1, 0, 0), (1, 2, 1)}


# --- miners ----------------------------------------------------------------------

# A hand-made batch on a line: class 0 at 0 and 1, class 1 at 1.5 and 5.
BATCH = _tensor([[0.0], [1.0], [1.5], [5.0]])
LABELS = _ids([0, 0, 1, 1])


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


# --- networks and samplers -------------------------------------------------------


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


class _Bilinear(torch.nn.Module):
    def __init__(self, embedding_dim, scale=1.0):
        super().__init__()
        self.scale = scale
        self.linear = torch.nn.LazyLinear(embedding_dim)

    def forward(self, x):
        return self.scale * self.linear(x)


def test_build_network_passes_only_the_arguments_a_class_takes():
    net = build_network(_Bilinear, (4,), 3, {"scale": 2.0})
    assert net.scale == 2.0 and net(torch.zeros((1, 4))).shape == (1, 3)


def test_sampler_batches_hold_m_per_class_and_cover_the_epoch():
    labels = np.repeat(np.arange(5), [8, 9, 4, 3, 11])
    batches = class_balanced_batches(labels, 12, 4, np.random.default_rng(0))
    seen = np.concatenate(batches)
    assert set(seen) == set(range(labels.shape[0]))
    for batch in batches:
        assert batch.shape[0] <= 12
        counts = np.unique(labels[batch], return_counts=True)[1]
        # Groups have m = 4 members; only class 3 (3 samples) has a smaller one.
        assert np.all((counts % 4 == 0) | (counts == 3))


# --- DeepMetricLearner -----------------------------------------------------------


@parametrize_with_checks([DeepMetricLearner()])
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


def _fast(**params):
    return DeepMetricLearner(**{"max_epochs": 8, "random_state": 0, **params})


def test_training_lowers_the_loss(digits):
    X, y, _, _ = digits
    learner = _fast(loss="contrastive", miner="semihard").fit(X[:500], y[:500])
    assert learner.n_iter_ == 8 and len(learner.loss_curve_) == 8
    assert learner.loss_curve_[-1] < 0.6 * learner.loss_curve_[0]


def test_knn_on_embedding_reaches_euclidean_baseline(digits):
    X, y, X_test, y_test = digits
    baseline = KNeighborsClassifier(1).fit(X, y).score(X_test, y_test)
    learner = DeepMetricLearner(random_state=0).fit(X, y)
    knn = KNeighborsClassifier(1).fit(learner.transform(X), y)
    assert knn.score(learner.transform(X_test), y_test) >= baseline


def test_fit_is_deterministic_under_random_state_and_leaves_torch_rng_alone(digits):
    X, y, X_test, _ = digits
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first = _fast(miner="random", max_epochs=2).fit(X[:300], y[:300]).transform(X_test)
    assert torch.rand(1) == before
    second = _fast(miner="random", max_epochs=2).fit(X[:300], y[:300]).transform(X_test)
    other = _fast(miner="random", max_epochs=2, random_state=1).fit(X[:300], y[:300])
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other.transform(X_test))


def test_n_threads_holds_for_the_fit_only(digits):
    X, y, _, _ = digits
    _fast(max_epochs=1, n_threads=2).fit(X[:40], y[:40])
    assert torch.get_num_threads() == 1


def test_transform_keeps_float32_and_runs_in_eval_mode(digits):
    X, y, X_test, _ = digits
    learner = _fast(max_epochs=1).fit(X[:200].astype(np.float32), y[:200])
    assert not learner.network_.training
    Z = learner.transform(X_test.astype(np.float32))
    assert Z.dtype == np.float32 and Z.shape == (X_test.shape[0], 16)
    assert learner.transform(X_test).dtype == np.float64


def test_network_params_are_routed_cloned_and_set(digits):
    X, y, _, _ = digits
    learner = _fast(network__hidden_sizes=(20,), max_epochs=1)
    cloned = clone(learner)
    assert cloned.get_params()["network__hidden_sizes"] == (20,)
    cloned.set_params(network__hidden_sizes=(9, 7), embedding_dim=4).fit(X[:100], y[:100])
    widths = [m.out_features for m in cloned.network_.modules() if hasattr(m, "out_features")]
    assert widths == [9, 7, 4]
    with pytest.raises(TypeError, match="network__<name>"):
        DeepMetricLearner(hidden_sizes=(3,)).fit(X[:100], y[:100])


def test_pickle_and_persistent_state_round_trips(digits):
    X, y, X_test, _ = digits
    learner = _fast(max_epochs=1).fit(X[:200], y[:200])
    expected = learner.transform(X_test)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(learner)).transform(X_test), expected)
    state = learner._get_persistent_state()
    assert all(isinstance(v, np.ndarray) for v in state.values())
    restored = clone(learner)._set_persistent_state(state)
    np.testing.assert_array_equal(restored.transform(X_test), expected)
    np.testing.assert_array_equal(restored.classes_, learner.classes_)
    assert restored.input_shape_ == (64,) and restored.n_iter_ == 1


def test_cnn_learns_from_images_and_user_network_class(digits):
    X, y, X_test, _ = digits
    images = X[:300].reshape(-1, 1, 8, 8)
    learner = _fast(network="cnn", max_epochs=2, network__channels=(4, 8)).fit(images, y[:300])
    assert learner.transform(X_test.reshape(-1, 1, 8, 8)).shape == (X_test.shape[0], 16)
    with pytest.raises(ValueError, match="shape"):
        learner.transform(X_test.reshape(-1, 1, 4, 16))
    custom = _fast(network=_Bilinear, network__scale=3.0, max_epochs=1).fit(X[:100], y[:100])
    assert custom.network_.scale == 3.0


def test_verbose_prints_loss_and_active_fraction_per_epoch(digits):
    X, y, _, _ = digits
    out = io.StringIO()
    with redirect_stdout(out):
        _fast(max_epochs=3, verbose=1).fit(X[:100], y[:100])
    lines = out.getvalue().splitlines()
    assert "loss" in lines[0] and "active" in lines[0] and len(lines) == 4
    with redirect_stdout(out := io.StringIO()):
        _fast(max_epochs=1).fit(X[:100], y[:100])
    assert out.getvalue() == ""


def test_cuda_device_without_cuda_is_rejected(digits):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    X, y, _, _ = digits
    with pytest.raises(ValueError, match="CUDA"):
        _fast(device="cuda").fit(X[:50], y[:50])
    auto = _fast(device="auto", max_epochs=1).fit(X[:50], y[:50])
    assert next(auto.network_.parameters()).device.type == "cpu"


# --- DeepPairsLearner ------------------------------------------------------------


@pytest.fixture(scope="module")
def pairs_problem(digits):
    X, y, _, _ = digits
    X, y = X[:600], y[:600]
    pairs, labels = similar_dissimilar_pairs(y, 600, random_state=0)
    return X, pairs, labels


def test_pairs_learner_separates_similar_from_dissimilar_pairs(pairs_problem):
    X, pairs, labels = pairs_problem
    learner = DeepPairsLearner(preprocessor=X, max_epochs=10, random_state=0)
    learner.fit(pairs[:400], labels[:400])
    assert learner.loss_curve_[-1] < 0.5 * learner.loss_curve_[0]
    euclidean = np.linalg.norm(X[pairs[400:, 0]] - X[pairs[400:, 1]], axis=1)
    from sklearn.metrics import roc_auc_score

    assert learner.score(pairs[400:], labels[400:]) > roc_auc_score(labels[400:], -euclidean)
    distances = learner.pair_distance(pairs[400:])
    np.testing.assert_allclose(
        learner.decision_function(pairs[400:]), learner.threshold_ - distances
    )
    np.testing.assert_array_equal(
        learner.predict(pairs[400:]), np.where(distances <= learner.threshold_, 1, -1)
    )
    # The same pairs given as points give the same distances.
    np.testing.assert_allclose(learner.pair_distance(X[pairs[400:]]), distances, rtol=1e-12)


def test_pairs_learner_calibrates_threshold_for_recall(pairs_problem):
    X, pairs, labels = pairs_problem
    learner = DeepPairsLearner(preprocessor=X, max_epochs=2, random_state=0).fit(pairs, labels)
    learner.calibrate_threshold(pairs, labels, strategy="max_tpr", min_rate=0.5)
    predicted = learner.predict(pairs)
    assert np.mean(predicted[labels == -1] == -1) >= 0.5
    with pytest.raises(Exception, match="not fitted"):
        DeepPairsLearner(preprocessor=X).calibrate_threshold(pairs, labels)


def test_pairs_learner_cross_validates_and_grid_searches(pairs_problem):
    X, pairs, labels = pairs_problem
    learner = DeepPairsLearner(preprocessor=X, max_epochs=3, random_state=0)
    scores = cross_val_score(learner, pairs, labels, cv=KFold(3, shuffle=True, random_state=0))
    assert np.all(scores > 0.85), scores
    search = GridSearchCV(learner, {"margin": [0.5, 1.0]}, cv=2).fit(pairs, labels)
    assert search.best_params_["margin"] in (0.5, 1.0)


def test_pairs_learner_pickle_and_persistent_state_round_trips(pairs_problem):
    X, pairs, labels = pairs_problem
    learner = DeepPairsLearner(preprocessor=X, max_epochs=1, random_state=0).fit(pairs, labels)
    expected = learner.decision_function(pairs)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(learner)).decision_function(pairs), expected
    )
    restored = clone(learner)._set_persistent_state(learner._get_persistent_state())
    assert restored.threshold_ == learner.threshold_
    np.testing.assert_array_equal(restored.decision_function(pairs), expected)
    np.testing.assert_array_equal(restored.transform(X[:5]), learner.transform(X[:5]))


def test_persistent_state_keeps_feature_names_without_objects(digits):
    pd = pytest.importorskip("pandas")
    X, y, _, _ = digits
    frame = pd.DataFrame(X[:100], columns=[f"pixel{i}" for i in range(64)])
    learner = _fast(max_epochs=1, embedding_dim=3).fit(frame, y[:100])
    state = learner._get_persistent_state()
    assert all(v.dtype != object for v in state.values())
    restored = clone(learner)._set_persistent_state(state)
    np.testing.assert_array_equal(restored.feature_names_in_, learner.feature_names_in_)
    np.testing.assert_array_equal(restored.transform(frame), learner.transform(frame))
    assert list(restored.get_feature_names_out()) == [f"deepmetriclearner{i}" for i in range(3)]
