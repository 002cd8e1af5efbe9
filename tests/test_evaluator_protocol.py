"""Every evaluator gives the same numbers sharded on a Dask array as in memory.

An evaluator is what a solver asks for everything that depends on the data (see
``mlearn/_evaluator.py``). For each one in the package, the same calls are made on the
evaluator built in memory and on the one the Dask layer builds per shard (uneven
shards, rows gathered from a chunked array); every declared method must agree to
rounding, including updates in place and views made by ``subset``. A new evaluator
class fails ``test_every_evaluator_has_a_protocol_case`` until it is given a case here.
"""

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

import mlearn  # noqa: E402
from mlearn._dask import shard_rows, shard_tuples  # noqa: E402
from mlearn._evaluator import declared_combination, declared_methods  # noqa: E402
from mlearn.constraints import knn_triplets, similar_dissimilar_pairs  # noqa: E402

RTOL = 1e-10


def _points(n=240, d=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, d)
    X[:, 0] += 1.5 * y
    return X, y, rng


def _psd(rng, d):
    A = rng.normal(size=(d, d))
    return A.T @ A / d + np.eye(d)


def _pair_sums_case():
    from mlearn.mmc._evaluator import PairSums

    X, y, rng = _points()
    pairs, labels = similar_dissimilar_pairs(y, 150, random_state=0)
    similar, dissimilar = pairs[labels == 1], pairs[labels == -1]
    d = X.shape[1]
    keep = np.array([True, True, False, True])
    calls = [
        ("squared_difference_sum", ("similar",)),
        ("squared_distance_sum", ("dissimilar", rng.normal(size=(2, d)))),
        ("scatter", ("similar",)),
        ("dissimilar_terms", (rng.uniform(0.5, 2.0, d),)),
        ("dissimilar_distance_sum", (rng.uniform(0.5, 2.0, d),)),
        ("rescale", (keep, rng.uniform(0.5, 2.0, d))),
        ("dissimilar_terms", (rng.uniform(0.5, 2.0, 3),)),
        ("project", (rng.normal(size=(3, 3)),)),
        ("dissimilar_sum_and_gradient", (_psd(rng, 3),)),
    ]
    return PairSums, "tuples", X, (similar, dissimilar), {}, calls


def _triplet_loss_case():
    from mlearn.farm._evaluator import _TripletLoss

    X, y, rng = _points(seed=1)
    triplets = knn_triplets(X, y, 2, 3)
    d = X.shape[1]
    M, w = _psd(rng, d), rng.uniform(0.5, 1.5, d)
    calls = [("sums", (M, w)), ("margins", (M, w)), ("n_triplets", None)]
    return _TripletLoss, "tuples", X, (triplets,), {}, calls


def _triplet_features_case():
    from mlearn.triplet_svm._features import TripletFeatures

    X, y, rng = _points(seed=2)
    triplets = knn_triplets(X, y, 2, 3)
    n, d = len(triplets), X.shape[1]
    a, dd = rng.normal(size=n), rng.uniform(0.1, 2.0, n)
    rows = np.sort(rng.choice(n, n // 3, replace=False))
    view_calls = [("matvec", (rng.normal(size=d),)), ("n_triplets", None)]
    calls = [
        ("n_triplets", None),
        ("n_features", None),
        ("any_nonzero", ()),
        ("matvec", (rng.normal(size=d),)),
        ("rmatvec", (a,)),
        ("weighted_gram", (1e-6, float(dd.max()), dd)),
        ("subset", (rows,), view_calls),
    ]
    return TripletFeatures, "tuples", X, (triplets,), {"P": None}, calls


def _triplet_terms_case():
    from mlearn.triplet_svm._terms import TripletTerms

    X, y, rng = _points(seed=3)
    triplets = knn_triplets(X, y, 2, 3)
    n, d = len(triplets), X.shape[1]
    P = np.linalg.qr(rng.normal(size=(d, 3)))[0]
    rows = np.sort(rng.choice(n, n // 2, replace=False))
    view_calls = [
        ("scatter", (rng.uniform(0, 1, len(rows)),)),
        ("margins", (rng.normal(size=(3, 3)),)),
    ]
    calls = [
        ("n_triplets", None),
        ("n_features", None),
        ("scatter", (rng.uniform(0, 1, n),)),
        ("margins", (rng.normal(size=(2, 3)),)),
        ("subset", (rows,), view_calls),
    ]
    return TripletTerms, "tuples", X, (triplets,), {"P": P}, calls


def _triplet_basis_terms_case():
    from mlearn.scml._evaluator import TripletBasisTerms

    X, y, rng = _points(seed=5)
    triplets = knn_triplets(X, y, 2, 3)
    B = rng.normal(size=(7, X.shape[1]))
    w = rng.uniform(0.0, 0.2, 7)
    M = (B.T * w) @ B
    rows = np.sort(rng.choice(len(triplets), len(triplets) // 4, replace=False))
    view_calls = [("basis_margins", ()), ("hinge_sum", (M,)), ("n_triplets", None)]
    calls = [
        ("n_triplets", None),
        ("basis_margins", ()),
        ("hinge_sum", (M,)),
        ("hinge_subgradient", (M,)),
        ("subset", (rows,), view_calls),
    ]
    return TripletBasisTerms, "tuples", X, (triplets,), {"basis": B}, calls


def _row_block_objective_case():
    from mlearn.lmnn._evaluator import RowBlockObjective

    X, y, rng = _points(seed=4)
    L = rng.normal(size=(3, X.shape[1]))
    mean = X.mean(axis=0)
    class_means = np.array([X[y == c].mean(axis=0) for c in range(3)])
    calls = [
        ("class_sums", (3,)),
        ("centred_scatters", (mean, class_means)),
        ("target_distance_sum", (L,)),
        ("search_active_set", (L, None, len(X))),
        ("active_set_size", ()),
        ("loss_and_grad", (L, 0.5, "hinge")),
        ("loss_and_grad", (L, 0.3, "squared_hinge")),
        ("select_targets", (L,)),
        ("target_changes", ()),
        ("search_active_set", (L, None, len(X))),
        ("loss_and_grad", (L, 0.5, "hinge")),
        ("nearest_rows", (rng.normal(size=(25, X.shape[1])), L, 4)),
    ]
    options = {"n_neighbors": 3, "dtype": np.float64, "random_state": 0}
    return RowBlockObjective.from_block, "rows", X, (y,), options, calls


def _pair_softmax_case():
    from mlearn._pair_softmax import PairSoftmax
    from mlearn.mlkr._objective import squared_error_row_loss

    X, y, rng = _points(seed=5)
    B = (y + X[:, 1]).reshape(-1, 1)
    L = rng.normal(size=(3, X.shape[1]))
    Z = X @ L.T
    V = rng.normal(size=Z.shape)
    calls = [
        ("embed", (L,)),
        ("all_targets", ()),
        ("loss_and_directions", (Z, B)),
        ("gradient", (V,)),
    ]
    options = {"row_loss": squared_error_row_loss, "tile_rows": 7}
    return PairSoftmax, "rows", X, (B,), options, calls


def _class_pair_softmax_case():
    from mlearn.nca._objective import ClassPairSoftmax, one_hot_classes

    X, y, rng = _points(seed=6)
    B = one_hot_classes(y, 3, X.dtype)
    L = rng.normal(size=(2, X.shape[1]))
    mean = X.mean(axis=0)
    class_means = np.array([X[y == c].mean(axis=0) for c in range(3)])
    calls = [
        ("class_sums", (3,)),
        ("centred_scatters", (mean, class_means)),
        ("embed", (L,)),
        ("all_targets", ()),
        ("loss_and_directions", (X @ L.T, B)),
        ("gradient", (rng.normal(size=(len(X), 2)),)),
    ]
    return ClassPairSoftmax, "rows", X, (B,), {"tile_rows": 9}, calls


def _chunk_statistics_case():
    from mlearn.rca._statistics import ChunkStatistics

    X, y, rng = _points(seed=5)
    chunks = np.where(rng.random(len(y)) < 0.2, -1, rng.integers(0, 40, len(y)))
    d = X.shape[1]
    calls = [
        ("chunk_sums", (40,)),
        ("centred_scatters", (rng.normal(size=d), rng.normal(size=(40, d)))),
    ]
    return ChunkStatistics, "rows", X, (chunks,), {}, calls


def _quadruplet_residuals_case():
    from mlearn.constraints import quadruplets_from_labels
    from mlearn.lsml._evaluator import QuadrupletResiduals

    X, y, rng = _points(seed=5)
    quadruplets = quadruplets_from_labels(y, 120, random_state=0)
    d = X.shape[1]
    weights = rng.uniform(0.5, 1.5, len(quadruplets))
    calls = [
        ("n_quadruplets", None),
        ("loss_and_gradient", (np.eye(d) + 0.3 * rng.normal(size=(d, d)), weights)),
        ("residuals", (rng.normal(size=(2, d)),)),
    ]
    return QuadrupletResiduals, "tuples", X, (quadruplets,), {}, calls


def _pair_difference_scatter_case():
    from mlearn.sdml._evaluator import PairDifferenceScatter

    X, y, rng = _points(seed=6)
    pairs, labels = similar_dissimilar_pairs(y, 150, random_state=0)
    calls = [("n_pairs", None), ("scatter", (labels.astype(np.float64),))]
    return PairDifferenceScatter, "tuples", X, (pairs,), {}, calls


CASES = {
    "mlearn._pair_softmax.PairSoftmax": _pair_softmax_case,
    "mlearn.nca._objective.ClassPairSoftmax": _class_pair_softmax_case,
    "mlearn.lmnn._evaluator.RowBlockObjective": _row_block_objective_case,
    "mlearn.mmc._evaluator.PairSums": _pair_sums_case,
    "mlearn.farm._evaluator._TripletLoss": _triplet_loss_case,
    "mlearn.triplet_svm._features.TripletFeatures": _triplet_features_case,
    "mlearn.triplet_svm._terms.TripletTerms": _triplet_terms_case,
    "mlearn.rca._statistics.ChunkStatistics": _chunk_statistics_case,
    "mlearn.lsml._evaluator.QuadrupletResiduals": _quadruplet_residuals_case,
    "mlearn.sdml._evaluator.PairDifferenceScatter": _pair_difference_scatter_case,
    "mlearn.scml._evaluator.TripletBasisTerms": _triplet_basis_terms_case,
}


def _evaluator_classes():
    """Every class in mlearn (mlearn.deep aside: it needs torch) that declares methods."""
    found = set()
    for info in pkgutil.walk_packages(mlearn.__path__, "mlearn."):
        if info.name.startswith("mlearn.deep"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == info.name and declared_methods(cls):
                found.add(f"{cls.__module__}.{cls.__qualname__}")
    return found


def test_every_evaluator_has_a_protocol_case():
    assert _evaluator_classes() == set(CASES)


def _assert_same(sharded, in_memory, what):
    if isinstance(in_memory, tuple):
        assert isinstance(sharded, tuple) and len(sharded) == len(in_memory), what
        for s, m in zip(sharded, in_memory, strict=True):
            _assert_same(s, m, what)
        return
    if isinstance(in_memory, bool | np.bool_):
        assert bool(sharded) is bool(in_memory), what
        return
    if in_memory is None:
        assert sharded is None, what
        return
    in_memory = np.asarray(in_memory, dtype=np.float64)
    scale = max(float(np.abs(in_memory).max(initial=0.0)), 1e-300)
    np.testing.assert_allclose(sharded, in_memory, rtol=RTOL, atol=RTOL * scale, err_msg=what)


class _Blocks:
    """The in-memory reference of a row-sharded evaluator: one evaluator per row block,
    each method's results combined as it declares (the blocks see their own rows only);
    a 'nearest' method's, the method of one evaluator of all the rows."""

    def __init__(self, build, X, arrays, bounds, options):
        self.cuts = list(zip(bounds[:-1], bounds[1:], strict=True))
        self.blocks = [build(a, X[a:b], *(v[a:b] for v in arrays), **options) for a, b in self.cuts]
        self.whole = build(0, X, *arrays, **options)

    def __getattr__(self, name):
        combine, sliced = declared_combination(type(self.blocks[0]), name)
        if combine == "nearest":
            return getattr(self.whole, name)

        def combined(*args):
            # Vectors over the rows (the sliced arguments, last) are cut along the blocks.
            n_whole = len(args) - len(sliced)
            results = [
                getattr(block, name)(*args[:n_whole], *(v[a:b] for v in args[n_whole:]))
                for block, (a, b) in zip(self.blocks, self.cuts, strict=True)
            ]
            if combine == "update":
                return None
            if combine == "sum":
                return _sum(results)
            return np.concatenate(results)

        return combined


def _sum(results):
    if isinstance(results[0], tuple):
        return tuple(_sum(list(column)) for column in zip(*results, strict=True))
    return sum(results[1:], results[0])


def _run(sharded, in_memory, calls):
    for call in calls:
        name, args = call[0], call[1]
        if args is None:  # a declared attribute
            _assert_same(getattr(sharded, name), getattr(in_memory, name), name)
            continue
        results = getattr(sharded, name)(*args), getattr(in_memory, name)(*args)
        if len(call) == 3:  # a subset: the same calls on both views
            _run(*results, call[2])
        else:
            _assert_same(*results, name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sharded_evaluator_equals_the_in_memory_one(name):
    build, by, X, arrays, options, calls = CASES[name]()
    lazy = da.from_array(X, chunks=(37, 2))
    if by == "rows":
        sharded = shard_rows(build, lazy, *arrays, **options)
        in_memory = _Blocks(build, X, arrays, sharded.bounds, options)
    else:
        sharded = shard_tuples(build, lazy, *arrays, n_shards=3, **options)
        in_memory = build(X, *arrays, **options)
    assert sharded.n_shards > 1
    _run(sharded, in_memory, calls)
