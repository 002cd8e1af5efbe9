"""mlearn.deep.estimators: DeepMetricLearner and DeepPairsLearner, and the torch extra."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from mlearn.deep import DeepMetricLearner, DeepPairsLearner  # noqa: E402
from mlearn.deep.losses import ContrastiveLoss  # noqa: E402
from mlearn.deep.reducers import MeanReducer  # noqa: E402

from ._helpers import Bilinear  # noqa: E402

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
    assert 'pip install "mlearn-metric[deep]"' in out.stdout


# --- DeepMetricLearner -----------------------------------------------------------


@parametrize_with_checks([DeepMetricLearner()])
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


def _fast(**params):
    return DeepMetricLearner(**{"max_epochs": 8, "random_state": 0, **params})


def test_training_lowers_the_loss(digits):
    X, y, _, _ = digits
    # The mean over every pair: it falls as training separates the classes (the default
    # average over non-zero pairs falls less, as satisfied pairs leave it).
    loss = ContrastiveLoss(reducer=MeanReducer())
    learner = _fast(loss=loss, miner=None).fit(X[:500], y[:500])
    assert learner.n_iter_ == 8 and len(learner.loss_curve_) == 8
    assert learner.loss_curve_[-1] < 0.7 * learner.loss_curve_[0]


def test_knn_on_embedding_reaches_euclidean_baseline(digits):
    X, y, X_test, y_test = digits
    baseline = KNeighborsClassifier(1).fit(X, y).score(X_test, y_test)
    learner = DeepMetricLearner(random_state=0).fit(X, y)
    knn = KNeighborsClassifier(1).fit(learner.transform(X), y)
    # 1-NN on the 8×8 pixels is already 0.988 here; at the defaults, seeds 0, 1, 2 give
    # 0.987, 0.988, 0.987 (one test point below or level). A collapse gives 0.1.
    assert knn.score(learner.transform(X_test), y_test) >= baseline - 2.0 / len(y_test)


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
    assert Z.dtype == np.float32 and Z.shape == (X_test.shape[0], 32)
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
    assert learner.transform(X_test.reshape(-1, 1, 8, 8)).shape == (X_test.shape[0], 32)
    with pytest.raises(ValueError, match="shape"):
        learner.transform(X_test.reshape(-1, 1, 4, 16))
    custom = _fast(network=Bilinear, network__scale=3.0, max_epochs=1).fit(X[:100], y[:100])
    assert custom.network_.scale == 3.0


def test_verbose_shows_a_progress_bar_with_loss_and_active_fraction(digits, capsys):
    X, y, _, _ = digits
    _fast(max_epochs=3, verbose=1).fit(X[:100], y[:100])
    shown = capsys.readouterr()
    bar = shown.err + shown.out
    assert "loss=" in bar and "active=" in bar and "3/3" in bar
    _fast(max_epochs=1).fit(X[:100], y[:100])
    shown = capsys.readouterr()
    assert shown.out == "" and shown.err == ""


def test_cuda_device_without_cuda_is_rejected(digits):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    X, y, _, _ = digits
    with pytest.raises(ValueError, match="CUDA"):
        _fast(device="cuda").fit(X[:50], y[:50])
    auto = _fast(device="auto", max_epochs=1).fit(X[:50], y[:50])
    assert next(auto.network_.parameters()).device.type == "cpu"


# --- DeepPairsLearner ------------------------------------------------------------


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
