"""mlearn.deep._semi_supervised: points labelled −1 in DeepMetricLearner.fit."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.model_selection import train_test_split  # noqa: E402

from mlearn.datasets import load_mnist_digits  # noqa: E402
from mlearn.deep import DeepMetricLearner  # noqa: E402
from mlearn.deep._semi_supervised import neighbour_pseudo_labels, unlabelled_mask  # noqa: E402
from mlearn.metrics import map_at_r  # noqa: E402


def _hide(y, share, seed=0):
    kept, _ = train_test_split(np.arange(len(y)), train_size=share, stratify=y, random_state=seed)
    partial = np.full_like(y, -1)
    partial[kept] = y[kept]
    return partial


def test_pseudo_labels_match_a_hand_count():
    # Labelled points on a line: class 0 at 0, 1, 2; class 1 at 10, 11; class 2 at 20.
    labelled = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [20.0]])
    labels = np.array([0, 0, 0, 1, 1, 2])
    unlabelled = np.array([[0.5], [9.0], [16.0], [5.8]])
    # k = 3 nearest labelled points:
    #   0.5  -> 0, 1, 2 (0, 0, 0)      : class 0, 3/3
    #   9.0  -> 10, 11, 2 (1, 1, 0)    : class 1, 2/3
    #   16.0 -> 20, 11, 10 (2, 1, 1)   : class 1, 2/3
    #   5.8  -> 2, 10, 1 (0, 1, 0)     : class 0, 2/3
    pseudo, confidence = neighbour_pseudo_labels(unlabelled, labelled, labels, 3, 0.6)
    np.testing.assert_array_equal(pseudo, [0, 1, 1, 0])
    np.testing.assert_allclose(confidence, [1, 2 / 3, 2 / 3, 2 / 3])
    pseudo, _ = neighbour_pseudo_labels(unlabelled, labelled, labels, 3, 1.0)
    np.testing.assert_array_equal(pseudo, [0, -1, -1, -1])
    # A tie goes to the smaller class; k above the labelled count uses them all.
    pseudo, confidence = neighbour_pseudo_labels(np.array([[6.0]]), labelled, labels, 2, 0.5)
    np.testing.assert_array_equal(pseudo, [0])  # 2 (class 0) and 10 (class 1) tie, at 4
    pseudo, confidence = neighbour_pseudo_labels(np.array([[6.0]]), labelled, labels, 50, 0.5)
    np.testing.assert_array_equal(pseudo, [0])
    np.testing.assert_allclose(confidence, [3 / 6])


def test_unlabelled_mask_follows_the_constraints_convention():
    np.testing.assert_array_equal(unlabelled_mask([0, -1, 2, -1]), [False, True, False, True])
    np.testing.assert_array_equal(unlabelled_mask(np.array(["-1", "a"])), [False, False])
    np.testing.assert_array_equal(unlabelled_mask(np.array([-1.0, 1.0])), [True, False])


def test_minus_one_labels_are_accepted_in_both_modes(digits):
    X, y, X_test, _ = digits
    X, y = X[:300], y[:300]
    partial = _hide(y, 0.3)
    fast = dict(max_epochs=6, random_state=0)
    semi = DeepMetricLearner(**fast).fit(X, partial)
    assert semi.classes_.tolist() == list(range(10))  # −1 is not a class
    assert len(semi.pseudo_label_fraction_) == 5  # from the second epoch on
    assert semi.pseudo_labels_.shape == ((partial == -1).sum(),)
    assert set(np.unique(semi.pseudo_labels_)) <= set(range(-1, 10))
    assert 0 < semi.pseudo_label_fraction_[-1] <= 1
    # 'ignore' is the fit on the labelled points alone, to the last bit.
    ignored = DeepMetricLearner(**fast, unlabelled="ignore").fit(X, partial)
    alone = DeepMetricLearner(**fast).fit(X[partial != -1], partial[partial != -1])
    np.testing.assert_array_equal(ignored.transform(X_test), alone.transform(X_test))
    assert not hasattr(ignored, "pseudo_labels_")
    # Without −1 labels both modes are the same fit.
    np.testing.assert_array_equal(
        DeepMetricLearner(**fast, unlabelled="ignore").fit(X, y).transform(X_test),
        DeepMetricLearner(**fast).fit(X, y).transform(X_test),
    )


def test_unlabelled_points_with_partial_fit_and_early_stopping(digits):
    X, y, _, _ = digits
    X, y = X[:300], y[:300]
    partial = _hide(y, 0.3)
    learner = DeepMetricLearner(random_state=0).partial_fit(X, partial)
    assert not hasattr(learner, "pseudo_labels_") or learner.n_iter_ == 1
    learner.partial_fit(X, partial)  # the second call has a network to vote with
    assert len(learner.pseudo_label_fraction_) == 1 and learner.n_iter_ == 2
    stopped = DeepMetricLearner(
        max_epochs=3, early_stopping=True, validation_fraction=0.2, random_state=0
    ).fit(X, partial)
    assert len(stopped.validation_scores_) == 3
    assert stopped.pseudo_labels_.shape == ((partial == -1).sum(),)


@pytest.mark.parametrize("unlabelled", ["pseudo_label", "ignore"])
def test_labels_that_leave_too_little_are_rejected(digits, unlabelled):
    X, y, _, _ = digits
    learner = DeepMetricLearner(max_epochs=1, unlabelled=unlabelled)
    with pytest.raises(ValueError, match="every label of y is -1"):
        learner.fit(X[:20], np.full(20, -1))
    one_class = np.where(np.arange(20) < 5, 3, -1)
    with pytest.raises(ValueError, match="at least 2 classes"):
        learner.fit(X[:20], one_class)
    with pytest.raises(ValueError, match="pseudo_label_threshold"):
        DeepMetricLearner(pseudo_label_threshold=0.0).fit(X[:20], y[:20])


def test_unlabelled_mnist_digits_raise_retrieval_over_the_labelled_ones_alone():
    X, y = load_mnist_digits()
    X = (X / 255.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=1500, test_size=500, stratify=y, random_state=0
    )
    partial = _hide(y_train, 0.1)  # 150 labels
    scores = {}
    for mode in ("ignore", "pseudo_label"):
        learner = DeepMetricLearner(max_epochs=10, unlabelled=mode, random_state=0)
        learner.fit(X_train, partial)
        scores[mode] = map_at_r(learner.transform(X_test), y_test)
    # Measured here: MAP@R 0.55 on the 150 labelled digits alone, 0.72 with the 1,350
    # unlabelled ones pseudo-labelled.
    assert scores["pseudo_label"] > scores["ignore"] + 0.04, scores
