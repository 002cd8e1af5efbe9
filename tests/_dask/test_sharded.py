"""ShardedEvaluator: an evaluator's declared methods, run per shard and combined."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from mlearn._dask import ShardedEvaluator, shard_bounds, shard_rows, shard_tuples  # noqa: E402
from mlearn._evaluator import across_shards, declared_methods  # noqa: E402


class _PairDifferences:
    """A toy evaluator over index pairs: one of each kind of declared method."""

    shard_attributes = {"n_pairs": "sum", "n_features": "same"}

    def __init__(self, X, pairs, scale=1.0):
        self.diff = scale * (X[pairs[:, 0]] - X[pairs[:, 1]])
        self.n_pairs, self.n_features = len(pairs), X.shape[1]

    @across_shards("sum", sliced=("weights",))
    def weighted_scatter(self, L, weights):
        Z = self.diff @ L.T
        return (Z * weights[:, None]).T @ Z, float(weights.sum())

    @across_shards("concatenate")
    def squared_norms(self, L):
        return np.sum((self.diff @ L.T) ** 2, axis=1)

    @across_shards("any")
    def any_identical(self):
        return bool(np.any(np.all(self.diff == 0, axis=1)))

    @across_shards("update")
    def rescale(self, factor):
        self.diff = factor * self.diff

    @across_shards("subset")
    def subset(self, rows):
        view = object.__new__(_PairDifferences)
        view.diff, view.n_pairs, view.n_features = self.diff[rows], len(rows), self.n_features
        return view

    def undeclared_sum(self):
        return float(self.diff.sum())


def _data(seed=0, n=60, d=3, n_pairs=47):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    pairs = rng.integers(0, n, size=(n_pairs, 2))
    return X, pairs, rng.normal(size=(2, d))


def test_shard_bounds_cut_near_equal_contiguous_shards():
    np.testing.assert_array_equal(shard_bounds(10, 3), [0, 3, 7, 10])
    np.testing.assert_array_equal(shard_bounds(2, 5), [0, 1, 2])


def test_every_declared_method_equals_the_in_memory_evaluator():
    X, pairs, L = _data()
    weights = np.linspace(0.5, 2.0, len(pairs))
    in_memory = _PairDifferences(X, pairs, scale=2.0)
    sharded = shard_tuples(_PairDifferences, da.from_array(X, chunks=(13, 3)), pairs,
                           n_shards=4, scale=2.0)  # fmt: skip
    assert sharded.n_shards == 4
    assert sharded.n_pairs == len(pairs) and sharded.n_features == X.shape[1]
    S, total = sharded.weighted_scatter(L, weights)
    S_ref, total_ref = in_memory.weighted_scatter(L, weights)
    np.testing.assert_allclose(S, S_ref, rtol=1e-12)
    assert total == pytest.approx(total_ref, rel=1e-12)
    np.testing.assert_allclose(sharded.squared_norms(L), in_memory.squared_norms(L), rtol=1e-12)
    assert sharded.any_identical() is in_memory.any_identical()
    sharded.rescale(0.5)
    in_memory.rescale(0.5)
    np.testing.assert_allclose(sharded.squared_norms(L), in_memory.squared_norms(L), rtol=1e-12)


def test_a_subset_is_a_view_of_the_shards_and_can_be_subset_again():
    X, pairs, L = _data(1)
    in_memory = _PairDifferences(X, pairs)
    sharded = shard_tuples(_PairDifferences, da.from_array(X, chunks=(20, 3)), pairs, n_shards=3)
    rows = np.array([0, 2, 15, 16, 30, 46])
    view, reference = sharded.subset(rows), in_memory.subset(rows)
    assert isinstance(view, ShardedEvaluator) and view.n_pairs == len(rows)
    np.testing.assert_allclose(view.squared_norms(L), reference.squared_norms(L), rtol=1e-12)
    weights = np.arange(1.0, len(rows) + 1)
    np.testing.assert_allclose(
        view.weighted_scatter(L, weights)[0], reference.weighted_scatter(L, weights)[0], rtol=1e-12
    )
    again = np.array([1, 3, 5])
    np.testing.assert_allclose(
        view.subset(again).squared_norms(L), reference.subset(again).squared_norms(L), rtol=1e-12
    )
    with pytest.raises(TypeError, match="changes the shards"):
        view.rescale(2.0)


def test_an_undeclared_method_or_attribute_is_refused_not_summed():
    X, pairs, _ = _data(2)
    sharded = shard_tuples(_PairDifferences, da.from_array(X, chunks=(30, 3)), pairs, n_shards=2)
    with pytest.raises(AttributeError, match="does not declare how it combines"):
        sharded.undeclared_sum()
    with pytest.raises(AttributeError, match="shard_attributes"):
        _ = sharded.diff
    assert declared_methods(_PairDifferences) == [
        "any_identical",
        "rescale",
        "squared_norms",
        "subset",
        "weighted_scatter",
    ]


def test_a_declaration_names_existing_trailing_arguments():
    with pytest.raises(ValueError, match="no argument"):

        class _Wrong:
            @across_shards("sum", sliced=("missing",))
            def total(self, weights):
                return weights.sum()

    with pytest.raises(ValueError, match="must be its last"):

        class _Misordered:
            @across_shards("sum", sliced=("weights",))
            def total(self, weights, L):
                return weights.sum()

    with pytest.raises(ValueError, match="combine must be one of"):
        across_shards("mean")


def test_non_finite_rows_are_refused_by_the_seam_before_any_solver_runs():
    X, pairs, _ = _data(3)
    X[pairs[5, 0], 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity in the rows the tuples use"):
        shard_tuples(_PairDifferences, da.from_array(X, chunks=(30, 3)), pairs, n_shards=2)


class _RowBlock:
    """A toy row-block evaluator: per-block sums of the rows of each label."""

    def __init__(self, offset, X_block, y_block):
        self.offset, self.X, self.y = offset, X_block, np.asarray(y_block)

    @across_shards("sum")
    def label_sums(self, n_labels):
        sums = np.zeros((n_labels, self.X.shape[1]))
        np.add.at(sums, self.y, self.X)
        return sums, self.offset


def test_row_shards_see_their_block_and_its_offset():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(50, 2)), rng.integers(0, 3, 50)
    sharded = shard_rows(_RowBlock, da.from_array(X, chunks=(20, 1)), y)
    sums, offsets = sharded.label_sums(3)
    reference, _ = _RowBlock(0, X, y).label_sums(3)
    np.testing.assert_allclose(sums, reference, rtol=1e-12)
    assert offsets == 0 + 20 + 40
    np.testing.assert_array_equal(sharded.bounds, [0, 20, 40, 50])
