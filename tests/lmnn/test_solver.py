import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning

from mlearn import LMNN
from mlearn.lmnn import _active_set, _lmnn, _passes, _solver
from mlearn.lmnn._active_set import ActivePairs
from mlearn.lmnn._loss import lmnn_loss_and_grad
from mlearn.lmnn._search import find_impostors
from mlearn.lmnn._targets import target_neighbors

from ._helpers import all_impostor_pairs, knn_accuracy, noisy_problem, small_problem


def test_sampled_start_falls_back_to_an_exact_verified_search(monkeypatch):
    # At the identity start 26,436 pairs lie inside the radii, above twice
    # the budget of 7,000: the first search samples. The learned metric has about
    # 6,000, which fit: the fit must end on an exact search.
    monkeypatch.setattr(_active_set, "_EXACT_SEARCH_FACTOR", 1)
    sampled = []
    sample = _active_set.sample_impostor_pairs

    def counted(*args):
        sampled.append(True)
        return sample(*args)

    monkeypatch.setattr(_active_set, "sample_impostor_pairs", counted)
    X_train, X_test, y_train, y_test = noisy_problem()
    model = LMNN(init="identity", n_passes=1, push_weight=0.5, max_impostors=7000, random_state=0)
    model.fit(X_train, y_train)
    assert sampled
    assert not model.impostors_sampled_
    L = model.components_
    targets, valid = target_neighbors(X_train, y_train, 3)
    Z = X_train @ L.T
    radii = _active_set.margin_radii(Z, targets, valid, _active_set._SEARCH_SLACK)
    assert model.n_impostor_pairs_ == find_impostors(Z, y_train, radii)[2] <= 7000
    euclidean = knn_accuracy(X_train, X_test, y_train, y_test)
    learned = knn_accuracy(model.transform(X_train), model.transform(X_test), y_train, y_test)
    assert learned > euclidean + 0.15


def test_fit_ends_at_a_local_minimum_of_the_full_objective():
    X, y = small_problem(seed=7, n=60, d=5)
    model = LMNN(
        n_neighbors=3,
        init="identity",
        n_passes=1,
        push_weight=0.5,
        hinge="squared_hinge",
        tol=1e-10,
        max_iter=500,
    ).fit(X, y)
    targets, valid = target_neighbors(X, y, 3)
    pairs = ActivePairs(targets, valid, *all_impostor_pairs(y))
    start, _ = lmnn_loss_and_grad(np.eye(5), X, pairs, 0.5, "squared_hinge")
    L = model.components_
    end, _ = lmnn_loss_and_grad(L, X, pairs, 0.5, "squared_hinge")
    assert end < 0.9 * start
    rng = np.random.default_rng(0)
    for _ in range(10):
        step = 1e-3 * np.linalg.norm(L) * rng.normal(size=L.shape)
        nearby, _ = lmnn_loss_and_grad(L + step, X, pairs, 0.5, "squared_hinge")
        assert nearby >= end * (1 - 1e-9)


def test_max_iter_warns_and_counts_iterations():
    X_train, _, y_train, _ = noisy_problem()
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        model = LMNN(max_iter=3).fit(X_train, y_train)
    assert model.n_iter_ == 3
    assert model.n_loss_evals_ >= 4


def test_converged_fit_reports_no_warning():
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = LMNN(n_neighbors=3, max_iter=500).fit(X, y)
    assert 0 < model.n_iter_ < 500


def test_a_converged_sample_is_compared_on_a_fresh_larger_sample(monkeypatch):
    # With a budget of 300 pairs every search samples; the fit must not accept the
    # first sample's optimum but re-search and grow the sample while L-BFGS slows.
    growths = []
    original = _solver.searches_and_evaluations

    def spied(*args, **kwargs):
        search, evaluate = original(*args, **kwargs)

        def recorded(L, growth=1):
            growths.append(growth)
            return search(L, growth)

        return recorded, evaluate

    monkeypatch.setattr(_lmnn, "searches_and_evaluations", spied)
    X_train, _, y_train, _ = noisy_problem()
    model = LMNN(n_passes=1, max_impostors=300, random_state=0).fit(X_train, y_train)
    assert model.impostors_sampled_
    assert growths[0] == 1 and growths == sorted(growths)
    assert growths[-1] > 1
    assert model.n_searches_ == len(growths) >= 3
    assert model.n_impostor_pairs_ > 1.5 * 300


def test_verbose_prints_one_table_with_a_running_iteration_counter(capsys):
    X, y = load_iris(return_X_y=True)
    model = LMNN(n_neighbors=3, n_passes=1, max_iter=500, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    head = ["[LMNN]", "iter", "step", "objective", "change", "threshold", "impostors"]
    assert lines[0].split()[:7] == head
    assert sum("objective" in line for line in lines) == 1
    rows = [line.split() for line in lines[1:]]
    assert all(len(row) == 9 and row[0] == "[LMNN]" for row in rows)
    iterations = [int(row[1]) for row in rows]
    assert iterations == sorted(iterations) and iterations[-1] == model.n_iter_
    lbfgs = [int(row[1]) for row in rows if row[2] == "lbfgs"]
    assert lbfgs == list(range(1, model.n_iter_ + 1))
    searches = [row for row in rows if row[2] == "search"]
    assert len(searches) == model.n_searches_ - 1
    # The last row shows the stopping test met: the fresh search's gap below its threshold.
    assert float(searches[-1][4]) <= float(searches[-1][5])


def test_second_pass_minimises_over_the_targets_of_the_first_passes_metric():
    X, y = small_problem(seed=7, n=60, d=5)
    options = dict(
        n_neighbors=3, init="identity", push_weight=0.5, hinge="squared_hinge", tol=1e-10
    )
    first = LMNN(n_passes=1, max_iter=500, **options).fit(X, y)
    second = LMNN(n_passes=2, max_iter=1000, **options).fit(X, y)
    assert (first.n_passes_, second.n_passes_) == (1, 2)
    # The second pass's targets: the 3 nearest same-class points under the first's L.
    targets, valid = target_neighbors(X @ first.components_.T, y, 3)
    assert not np.array_equal(targets, target_neighbors(X, y, 3)[0])
    pairs = ActivePairs(targets, valid, *all_impostor_pairs(y))
    L = second.components_
    end, _ = lmnn_loss_and_grad(L, X, pairs, 0.5, "squared_hinge")
    rng = np.random.default_rng(1)
    for _ in range(10):
        step = 1e-3 * np.linalg.norm(L) * rng.normal(size=L.shape)
        nearby, _ = lmnn_loss_and_grad(L + step, X, pairs, 0.5, "squared_hinge")
        assert nearby >= end * (1 - 1e-9)


def test_passes_stop_once_the_targets_settle(monkeypatch):
    X, y = small_problem(seed=7, n=60, d=5)
    monkeypatch.setattr(_passes, "SETTLED_TARGETS", 1.0)
    model = LMNN(n_passes=5, init="identity").fit(X, y)
    assert model.n_passes_ == 1
    assert model.n_iter_ == LMNN(n_passes=1, init="identity").fit(X, y).n_iter_
