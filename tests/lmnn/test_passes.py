"""LMNN's passes: how many run, which is kept, and the held-out points that choose them."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.neighbors import KNeighborsClassifier

from mlearn import LMNN
from mlearn.lmnn import _passes
from mlearn.lmnn._passes import (
    fit_passes,
    held_out_rows,
    significantly_better,
)

from ._helpers import held_out_accuracy, two_blobs_per_class


class _Fit:
    """What :func:`fit_passes` reads of a pass's fit."""

    def __init__(self, components):
        self.components = components
        self.n_iter, self.n_loss_evals, self.n_searches = 1, 1, 1


class _Evaluator:
    """Targets that change by ``changes[pass]`` at each re-selection."""

    def __init__(self, changes, slots=100):
        self.changes, self.slots, self.selections = list(changes), slots, 0

    def select_targets(self, L):
        self.selections += 1

    def target_changes(self):
        return self.changes[self.selections - 1], self.slots

    def target_distance_sum(self, L):
        return 1.0, 1  # already at unit scale


class _Scores:
    """A held-out scorer that reads the score of a pass off its L (L[0, 0] is the pass):
    the first ``score × 1000`` of 1,000 held-out points right, so that a better pass gets
    right every point a worse one does."""

    n_neighbors = 3

    def __init__(self, scores):
        self.scores = scores

    def __call__(self, L):
        return np.arange(1000) < round(1000 * self.scores[int(L[0, 0]) - 1])


def _passes_with(scores, changes, max_passes=5):
    def one_pass(L, max_iter):
        return _Fit(np.full((1, 1), L[0, 0] + 1))

    return fit_passes(
        _Evaluator(changes),
        np.zeros((1, 1)),
        one_pass=one_pass,
        max_passes=max_passes,
        auto=True,
        max_iter=100,
        rescale_first=True,
        dtype=np.float64,
        held_out=None if scores is None else _Scores(scores),
        verbose=0,
    )


@pytest.mark.parametrize(
    ("scores", "kept", "run"),
    [
        # Stops at the first pass below the best so far; the best is clearly above pass 1.
        ([0.5, 0.7, 0.6, 0.9, 0.95], 2, 3),
        # Ties go on (no loss) and keep the earliest of the best, the simplest metric.
        ([0.5, 0.5, 0.5, 0.5, 0.5], 1, 5),
        # The best (pass 3) is 3 points of 1,000 above pass 1: within chance (2 sd: 3.5),
        # so pass 1 is kept.
        ([0.5, 0.502, 0.503, 0.501, 0.9], 1, 4),
        # Improving throughout: all passes, the last kept.
        ([0.1, 0.2, 0.3, 0.4, 0.5], 5, 5),
    ],
)
def test_held_out_scores_choose_the_pass_kept(scores, kept, run):
    # The targets' moves fall after the second pass: without held-out points that rule
    # would keep pass 1; with them, the scores decide.
    fitted, n_passes, seen = _passes_with(scores, changes=[40, 30, 50, 60])
    assert n_passes == kept
    assert fitted.components[0, 0] == kept
    assert seen == scores[:run]
    assert fitted.n_iter == run  # every pass run is counted


def test_without_held_out_points_the_targets_moves_decide():
    # 40 targets moved after pass 1, 30 after pass 2: pass 2 settled back, pass 1 is kept.
    fitted, n_passes, seen = _passes_with(None, changes=[40, 30, 50, 60])
    assert (n_passes, fitted.components[0, 0], seen) == (1, 1, [])
    # Settled targets (at most 1 % moved) end the passes with the last one, with or without.
    for scores in (None, [0.1, 0.2, 0.3]):
        fitted, n_passes, _ = _passes_with(scores, changes=[40, 1])
        assert (n_passes, fitted.components[0, 0]) == (2, 2)


def test_held_out_rows_are_stratified_bounded_and_leave_each_class_its_targets():
    rng = np.random.default_rng(0)
    sizes = np.array([45000, 15000, 300, 4])
    y = np.repeat(np.arange(4), sizes)
    mask = held_out_rows(y, n_neighbors=3, random_state=np.random.RandomState(0))
    counts = np.bincount(y[mask], minlength=4)
    # 10 % of 60,304 is above the cap of 5,000: each class gives the same smaller share.
    share = _passes.MAX_HELD_OUT / y.size
    np.testing.assert_array_equal(counts[:3], (share * sizes[:3]).astype(int))
    assert counts[3] == 0  # 4 points: all needed as a point and its 3 targets
    assert mask.sum() <= _passes.MAX_HELD_OUT
    again = held_out_rows(y, n_neighbors=3, random_state=np.random.RandomState(0))
    np.testing.assert_array_equal(mask, again)
    small = rng.integers(0, 3, 20000)
    fraction = held_out_rows(small, 3, np.random.RandomState(1)).mean()
    assert abs(fraction - _passes.HELD_OUT_FRACTION) < 1e-3


@pytest.mark.parametrize("n_neighbors", [1, 4, 5])
def test_held_out_accuracy_is_the_knn_accuracy_of_the_held_out_points(n_neighbors):
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(300, 4)), rng.integers(0, 3, 300)
    X[:, 0] += y
    L = rng.normal(size=(2, 4))
    correct = held_out_accuracy(X[:200], y[:200], X[200:], y[200:], n_neighbors)(L)
    # Ties of the vote (4 neighbours, two classes twice) go to the smallest label, as here.
    knn = KNeighborsClassifier(n_neighbors).fit(X[:200] @ L.T, y[:200])
    np.testing.assert_array_equal(correct, knn.predict(X[200:] @ L.T) == y[200:])


def test_a_gain_counts_when_it_beats_chance_on_the_points_classified_differently():
    best = np.zeros(1000, dtype=bool)
    best[:500] = True
    # 30 points won, 10 lost: 20 ≥ 2 √40 = 12.6.
    won = best.copy()
    won[500:530], won[:10] = True, False
    assert significantly_better(won, best)
    # 30 won, 20 lost: 10 < 2 √50 = 14.1; and a tie is no gain.
    close = best.copy()
    close[500:530], close[:20] = True, False
    assert not significantly_better(close, best)
    assert not significantly_better(best, best)


def test_large_in_memory_fits_choose_their_passes_on_held_out_points():
    X, y = two_blobs_per_class(12000, seed=3)
    model = LMNN(random_state=0, max_impostors=None).fit(X, y)
    scores = model.validation_scores_
    assert 1 <= scores.size <= _passes.HELD_OUT_PASSES
    # The pass kept is the best one scored; the passes stopped at the first that did not gain.
    # The passes ran while the held-out accuracy did not fall below the best so far, and
    # the pass kept is the best one (first of the best) or, without a clear gain, the first.
    best_so_far = np.maximum.accumulate(scores)
    assert np.all(scores[:-1] >= best_so_far[:-1])
    assert model.n_passes_ in (1, int(np.argmax(scores)) + 1)
    # Its metric is the one the same number of passes learns from the same points.
    held = held_out_rows(y, 3, np.random.RandomState(0))
    same = LMNN(random_state=0, max_impostors=None, n_passes=model.n_passes_)
    same.fit(X[~held], y[~held])
    np.testing.assert_allclose(model.components_, same.components_, rtol=1e-6, atol=1e-9)
    assert scores[model.n_passes_ - 1] == pytest.approx(
        held_out_accuracy(X[~held], y[~held], X[held], y[held], 3)(same.components_).mean()
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_small_data_and_explicit_passes_keep_every_point():
    X, y = load_iris(return_X_y=True)
    assert LMNN(random_state=0).fit(X, y).validation_scores_ is None
    X, y = two_blobs_per_class(12000, seed=4)
    assert LMNN(n_passes=2, random_state=0, max_iter=5).fit(X, y).validation_scores_ is None
