"""LMNN fitted on a dask array: sharded objective, cluster runs, lost workers, failing tasks."""

import threading
import time
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from sklearn.datasets import load_iris, make_classification  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from mlearn import LMNN  # noqa: E402
from mlearn._dask import ShardedState, current_client  # noqa: E402
from mlearn.lmnn import _lmnn  # noqa: E402
from mlearn.lmnn._active_set import ActivePairs, search_active_set  # noqa: E402
from mlearn.lmnn._evaluator import RowBlockObjective  # noqa: E402
from mlearn.lmnn._loss import lmnn_loss_and_grad  # noqa: E402
from mlearn.lmnn._passes import held_out_rows  # noqa: E402
from mlearn.lmnn._solver import minimize_over_active_sets  # noqa: E402
from mlearn.lmnn._targets import target_neighbors  # noqa: E402

from ._helpers import held_out_accuracy, two_blobs_per_class  # noqa: E402


def _noisy_problem(n=600, seed=0):
    """Three informative features hidden among seven noisy ones, in random row order."""
    X, y = make_classification(
        n_samples=2 * n,
        n_features=10,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        class_sep=1.5,
        shuffle=False,
        random_state=seed,
    )
    X[:, 3:] *= 3
    order = np.random.default_rng(seed).permutation(2 * n)
    X, y = X[order], y[order]
    return X[:n], y[:n], X[n:], y[n:]


def _same_fit(a, b):
    np.testing.assert_array_equal(a.components_, b.components_)
    assert (a.n_iter_, a.n_loss_evals_, a.n_impostor_pairs_) == (
        b.n_iter_,
        b.n_loss_evals_,
        b.n_impostor_pairs_,
    )


class _BlockPairs:
    def __init__(self, pairs):
        self.pairs = pairs
        self.n_impostor_pairs = sum(p.n_impostor_pairs for p in pairs)
        self.sampled = False


def _per_block_reference(model, X, y, bounds):
    """LMNN's solver run in memory on Σ_blocks ε(L; X_b, y_b), from the identity."""
    blocks = [(X[a:b], y[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    found = [target_neighbors(Xb, yb, model.n_neighbors) for Xb, yb in blocks]
    rng = np.random.RandomState(0)

    def search(L, growth=1):
        return _BlockPairs(
            [
                search_active_set(Xb, yb, L, t, v, None, rng)
                for (Xb, yb), (t, v) in zip(blocks, found, strict=True)
            ]
        )

    def evaluate(L, pairs):
        parts = [
            lmnn_loss_and_grad(L, Xb, p, model.push_weight, model.hinge)
            for (Xb, _), p in zip(blocks, pairs.pairs, strict=True)
        ]
        return sum(p[0] for p in parts), sum(p[1] for p in parts)

    L0 = np.eye(X.shape[1])
    Z = [Xb @ L0.T for Xb, _ in blocks]
    d = np.concatenate(
        [((z[:, None, :] - z[t]) ** 2).sum(-1)[v] for z, (t, v) in zip(Z, found, strict=True)]
    )
    fitted = minimize_over_active_sets(
        L0 / np.sqrt(d.mean()), search, evaluate, max_iter=model.max_iter, tol=model.tol
    )
    return fitted.components, blocks


# Without a client: dask's local scheduler, shards held in this process. These run before
# the cluster fixture below is created (a client, once made, is found by every fit).


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_block_fit_equals_the_in_memory_fit(dtype):
    assert current_client() is None
    X, y = load_iris(return_X_y=True)
    X = X.astype(dtype)
    for init in ["identity", np.random.default_rng(0).normal(size=(2, 4))]:
        in_memory = LMNN(init=init, random_state=0).fit(X, y)
        on_dask = LMNN(init=init, random_state=0).fit(da.from_array(X, chunks=(150, 2)), y)
        _same_fit(in_memory, on_dask)
        assert on_dask.components_.dtype == dtype


def test_auto_start_on_features_in_different_units_is_the_in_memory_one():
    from mlearn.datasets import make_badly_scaled

    assert current_client() is None
    X, y = make_badly_scaled(n_samples=120, random_state=0)
    for n_components in (None, 2, 4):
        in_memory = LMNN(n_components=n_components, random_state=0).fit(X, y)
        on_dask = LMNN(n_components=n_components, random_state=0).fit(
            da.from_array(X, chunks=(120, 3)), y
        )
        # The LDA and PCA axes come from block scatters there (a ridge of 1e-10 relative
        # on the within-class scatter, and axes' signs of their own), from scikit-learn's
        # solvers here: the metrics agree.
        M = in_memory.get_mahalanobis_matrix()
        np.testing.assert_allclose(on_dask.get_mahalanobis_matrix(), M, rtol=1e-6, atol=1e-9)


def test_several_blocks_minimise_the_sum_of_the_blocks_objectives():
    X, y, _, _ = _noisy_problem()
    model = LMNN(init="identity", n_passes=1, random_state=0)
    on_dask = model.fit(da.from_array(X, chunks=(200, 5)), da.from_array(y, chunks=100))
    reference, blocks = _per_block_reference(
        LMNN(init="identity", n_passes=1), X, y, np.array([0, 200, 400, 600])
    )
    np.testing.assert_allclose(on_dask.components_, reference, rtol=1e-10, atol=1e-12)
    # The verified optimum: at L, the active sets hold every margin violation, so the
    # objective over all other-class pairs of each block is the one L-BFGS minimised.
    L = on_dask.components_
    full = lmnn_loss_and_grad
    exact = 0.0
    for Xb, yb in blocks:
        t, v = target_neighbors(Xb, yb, 3)
        anchors, impostors = np.nonzero(yb[:, None] != yb[None, :])
        exact += full(L, Xb, ActivePairs(t, v, anchors, impostors), 0.5)[0]
    active = sum(
        full(L, Xb, search_active_set(Xb, yb, L, *target_neighbors(Xb, yb, 3), None, None), 0.5)[0]
        for Xb, yb in blocks
    )
    np.testing.assert_allclose(active, exact, rtol=1e-12)


def test_several_blocks_improve_knn_as_the_in_memory_fit_does():
    X, y, X_test, y_test = _noisy_problem()

    def knn_accuracy(Z, Z_test):
        return KNeighborsClassifier(3).fit(Z, y).score(Z_test, y_test)

    euclidean = knn_accuracy(X, X_test)
    in_memory = LMNN(random_state=0).fit(X, y)
    on_dask = LMNN(random_state=0).fit(da.from_array(X, chunks=(150, 10)), y)
    acc_memory = knn_accuracy(in_memory.transform(X), in_memory.transform(X_test))
    acc_dask = knn_accuracy(on_dask.transform(X), on_dask.transform(X_test))
    assert acc_memory > euclidean + 0.05
    assert acc_dask > euclidean + 0.05
    assert acc_dask > acc_memory - 0.02


def test_pca_and_lda_starts_equal_scikit_learns_from_summed_block_statistics():
    X, y, _, _ = _noisy_problem()
    lazy_X = da.from_array(X, chunks=(130, 4))
    model = LMNN(n_components=2)
    model.classes_ = np.unique(y)
    blocks = model._evaluator(
        RowBlockObjective.from_block,
        lazy_X,
        y,
        by="rows",
        n_neighbors=3,
        dtype=np.float64,
        random_state=None,
    )
    for init, expected in [
        ("pca", PCA(2).fit(X).components_),
        ("lda", LinearDiscriminantAnalysis(n_components=2).fit(X, y).scalings_.T[:2]),
    ]:
        model.init = init
        L = model._initial_components(blocks, lazy_X, y, np.float64)
        # Rows are defined up to sign (which changes neither M = LᵀL nor the fit).
        signs = np.sign(np.sum(L * expected, axis=1))[:, None]
        np.testing.assert_allclose(signs * L, expected, rtol=1e-8, atol=1e-10)


def test_sampled_blocks_are_seeded_by_random_state():
    # Each block samples its impostors with its own stream, derived from random_state.
    X, y, _, _ = _noisy_problem()
    fits = [
        LMNN(max_impostors=300, random_state=0).fit(da.from_array(X, chunks=(200, 10)), y)
        for _ in range(2)
    ]
    assert fits[0].impostors_sampled_
    _same_fit(*fits)
    one_block = LMNN(max_impostors=300, random_state=0).fit(da.from_array(X, chunks=600), y)
    _same_fit(one_block, LMNN(max_impostors=300, random_state=0).fit(X, y))


def test_bad_input_fails_with_the_named_problem_without_a_cluster():
    X, y = load_iris(return_X_y=True)
    bad = X.copy()
    bad[120, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LMNN().fit(da.from_array(bad, chunks=50), y)
    with pytest.raises(ValueError, match="rows but y has"):
        LMNN().fit(da.from_array(X, chunks=50), y[:-1])
    with pytest.warns(UserWarning, match="within a row block"):
        LMNN(max_iter=3).fit(da.from_array(X[::3], chunks=5), y[::3])


@pytest.fixture
def held_out_from_1000(monkeypatch):
    """n_passes='auto' chooses on held-out points from 1,000 points (100 held out), not 10,000."""
    monkeypatch.setattr(_lmnn, "MIN_HELD_OUT", 100)


def _same_passes(a, b):
    _same_fit(a, b)
    assert a.n_passes_ == b.n_passes_
    np.testing.assert_array_equal(a.validation_scores_, b.validation_scores_)


def test_one_block_chooses_its_passes_on_the_held_out_points_as_in_memory(held_out_from_1000):
    X, y = two_blobs_per_class(2000, seed=3)
    in_memory = LMNN(random_state=0).fit(X, y)
    assert in_memory.validation_scores_.size > 1  # the held-out points chose
    _same_passes(LMNN(random_state=0).fit(da.from_array(X, chunks=(2000, 5)), y), in_memory)


def _blocks_without(X, held, rows):
    """X without its ``held`` rows, each block of ``rows`` rows keeping its other rows."""
    starts = range(0, X.shape[0], rows)
    return da.concatenate([da.from_array(X[a : a + rows][~held[a : a + rows]]) for a in starts])


def test_held_out_rows_of_a_dask_x_stay_out_of_its_blocks_fit(held_out_from_1000):
    X, y = two_blobs_per_class(2000, seed=3)
    model = LMNN(random_state=0, max_impostors=None).fit(da.from_array(X, chunks=(500, 5)), y)
    scores = model.validation_scores_
    assert scores.size > 1 and model.n_passes_ in (1, int(np.argmax(scores)) + 1)
    # The rows held out are those held out in memory (drawn from y alone); the fit is the
    # one of the same blocks without them, with the number of passes chosen.
    held = held_out_rows(y, 3, np.random.RandomState(0))
    same = LMNN(random_state=0, max_impostors=None, n_passes=model.n_passes_)
    same.fit(_blocks_without(X, held, 500), y[~held])
    np.testing.assert_allclose(model.components_, same.components_, rtol=1e-6, atol=1e-9)
    # Its held-out score: the kNN of the held-out points among all the fitted rows,
    # though each block searched its own.
    assert scores[model.n_passes_ - 1] == pytest.approx(
        held_out_accuracy(X[~held], y[~held], X[held], y[held], 3)(same.components_).mean()
    )


def test_a_dask_x_below_the_held_out_threshold_fits_every_point():
    X, y = two_blobs_per_class(2000, seed=3)
    model = LMNN(random_state=0, max_iter=20).fit(da.from_array(X, chunks=(500, 5)), y)
    assert model.validation_scores_ is None


# On a two-worker cluster of processes.


def test_cluster_fit_equals_the_in_memory_fit_of_the_same_objective(client):
    X, y, _, _ = _noisy_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LMNN(init="identity", n_passes=1, max_iter=30)
        on_cluster = model.fit(da.from_array(X, chunks=(200, 10)), y)
        blocks = np.array([0, 200, 400, 600])
        reference, _ = _per_block_reference(LMNN(n_passes=1, max_iter=30), X, y, blocks)
    np.testing.assert_allclose(on_cluster.components_, reference, rtol=1e-10, atol=1e-12)
    iris_X, iris_y = load_iris(return_X_y=True)
    one_block = LMNN(init="identity").fit(da.from_array(iris_X, chunks=150), iris_y)
    _same_fit(one_block, LMNN(init="identity").fit(iris_X, iris_y))


def test_cluster_fit_chooses_its_passes_as_in_memory(client, held_out_from_1000):
    X, y = two_blobs_per_class(2000, seed=3)
    on_cluster = LMNN(random_state=0).fit(da.from_array(X, chunks=(2000, 5)), y)
    _same_passes(on_cluster, LMNN(random_state=0).fit(X, y))


# The maps over the blocks that the old sum over shards counted: the unit-scale sum, then
# one per loss-and-gradient evaluation.
_COUNTED = ("target_distance_sum", "loss_and_grad")


def _restarting_sum(client, at_call, in_flight=False):
    """ShardedState.map that restarts one of the two workers on its ``at_call``-th sum."""
    original, calls, threads = ShardedState.map, [], []

    def restart():
        client.restart_workers(sorted(client.scheduler_info()["workers"])[:1])

    def patched(self, function, *args, per_shard=None):
        if args and args[0] in _COUNTED:
            calls.append(args[0])
            if len(calls) == at_call:
                if in_flight:
                    thread = threading.Thread(target=lambda: (time.sleep(0.01), restart()))
                    thread.start()
                    threads.append(thread)
                else:
                    restart()
        return original(self, function, *args, per_shard=per_shard)

    return patched, calls, threads


def _short_fit(X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LMNN(max_iter=12, random_state=0).fit(X, y)


def test_workers_restarted_mid_fit_give_the_same_answer(client, monkeypatch):
    X, y, _, _ = _noisy_problem()
    lazy_X = da.from_array(X, chunks=(200, 10))
    undisturbed = _short_fit(lazy_X, y)
    before = set(client.scheduler_info()["workers"])
    # Between two evaluations, after several L-BFGS iterations and an impostor search:
    # the shards, their targets and active sets are recomputed on the new workers
    # (by the scheduler, from the tasks it holds, or by ShardedState's replay).
    patched, calls, _ = _restarting_sum(client, at_call=8)
    monkeypatch.setattr(ShardedState, "map", patched)
    restarted = _short_fit(lazy_X, y)
    assert len(calls) > 8
    assert len(before & set(client.scheduler_info()["workers"])) == 1
    _same_fit(restarted, undisturbed)


def test_workers_lost_while_a_step_runs_recover_or_fail_clearly(client, monkeypatch):
    X, y, _, _ = _noisy_problem()
    lazy_X = da.from_array(X, chunks=(200, 10))
    undisturbed = _short_fit(lazy_X, y)
    before = set(client.scheduler_info()["workers"])
    patched, _, threads = _restarting_sum(client, at_call=5, in_flight=True)
    monkeypatch.setattr(ShardedState, "map", patched)
    try:
        restarted = _short_fit(lazy_X, y)
    except RuntimeError as error:
        assert "failed on the cluster" in str(error)
    else:
        _same_fit(restarted, undisturbed)
    threads[0].join()
    assert len(before & set(client.scheduler_info()["workers"])) == 1


def _break_block_objectives():
    from mlearn.lmnn._evaluator import RowBlockObjective

    original = RowBlockObjective.loss_and_grad
    calls = []

    def failing(self, L, push_weight, hinge):
        calls.append(1)
        if len(calls) > 2:
            raise FloatingPointError("worker broke")
        return original(self, L, push_weight, hinge)

    RowBlockObjective._original = original
    RowBlockObjective.loss_and_grad = failing


def _repair_block_objectives():
    from mlearn.lmnn._evaluator import RowBlockObjective

    if hasattr(RowBlockObjective, "_original"):
        RowBlockObjective.loss_and_grad = RowBlockObjective._original
        del RowBlockObjective._original


def test_a_task_that_raises_stops_the_fit_with_a_clear_error(client):
    X, y = load_iris(return_X_y=True)
    bad = X.copy()
    bad[120, 0] = np.inf
    # Non-finite rows are found when the blocks are built, before any step.
    with pytest.raises(ValueError, match="NaN or infinity"):
        LMNN().fit(da.from_array(bad, chunks=50), y)
    client.run(_break_block_objectives)
    try:
        with pytest.raises(RuntimeError, match="failed on the cluster.*worker broke"):
            LMNN().fit(da.from_array(X, chunks=50), y)
    finally:
        client.run(_repair_block_objectives)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # A fit after the failure runs as usual on the same cluster.
        LMNN(max_iter=2).fit(da.from_array(X, chunks=50), y)


def test_many_features_are_fitted_within_the_principal_subspace_on_the_blocks():
    # The subspace's mean and scatter are computed on the cluster; the fit then runs on
    # the projected blocks (one block here, which is the in-memory fit).
    rng = np.random.default_rng(0)
    X = np.hstack([rng.normal(size=(240, 5)), 0.015 * rng.normal(size=(240, 295))])
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        in_memory = LMNN(max_iter=3, random_state=0).fit(X, y)
        on_blocks = LMNN(max_iter=3, random_state=0).fit(da.from_array(X, chunks=240), y)
    assert on_blocks.components_.shape == in_memory.components_.shape == (300, 300)
    # Rows of the subspace are defined up to sign; M = LᵀL is not.
    np.testing.assert_allclose(
        on_blocks.components_.T @ on_blocks.components_,
        in_memory.components_.T @ in_memory.components_,
        rtol=1e-6,
        atol=1e-8,
    )
