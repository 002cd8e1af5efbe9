"""LMNN fitted on a Dask array: the rows stay in blocks on the workers.

The rows of X are split into the shards s = 1..S of its row blocks (X_s, y_s).
Target neighbours and impostors are searched *within* each shard, so the
distributed fit minimises the sum of the shards' LMNN objectives

    ε_S(L) = Σ_s ε(L; X_s, y_s),
    ε(L; X_s, y_s) = (1 − μ) Σ_{j⇝i} D_ij + μ Σ_{j⇝i} Σ_{l: y_l ≠ y_i} [1 + D_ij − D_il]_+

where, in shard s, j ⇝ i ranges over the k nearest same-class points of x_i *in
that shard* and l over the points of that shard. With one row block this is
exactly the in-memory objective (and the fit is the in-memory fit); with
several it is LMNN on the union of the shards' neighbourhoods: each point is
pulled towards its k nearest same-class points among the n_s points of its own
block and pushed away from the other-class points of its block only. When the
rows are in random order each block is a uniform sample of the data, and the
neighbourhoods are those of a sample n / n_s times smaller (no pair of points in
two different blocks is ever compared: the exact search over all pairs of 10⁶
points is quadratic and is not attempted).

Each step of the solver is the in-memory one (:meth:`LMNN._minimize_over_active_sets`),
with the work done where the shards are:

- the target neighbours are found once per shard, on its worker, in the input
  space (:func:`mlearn.lmnn.target_neighbors`);
- ``init`` 'pca' and 'lda' take the d × d total and within-class scatter
  matrices, summed over the shards (two passes: class means, then the centred
  scatters); 'identity', 'random' and an array need no statistics;
- an impostor search broadcasts L and replaces every shard's active set on its
  worker (:func:`mlearn.lmnn.search_active_set`, with a budget of
  ``max_impostors · n_s / n`` pairs per shard);
- a loss-and-gradient evaluation broadcasts L; each shard returns its partial
  objective and its n_components × n_features gradient
  (:func:`mlearn.lmnn.lmnn_loss_and_grad`), summed on the driver in shard order.

Only L, the partial gradients, the class labels (one integer per row) and a
few numbers per shard travel; the rows never reach the driver.
"""

from functools import partial

import numpy as np
import scipy.linalg
from sklearn.utils import check_array, check_random_state

from ._dask import ShardedState, float_dtype, row_blocks
from .lmnn import _sq_row_norms, lmnn_loss_and_grad, search_active_set, target_neighbors


class _Shard:
    """One row block on its worker: points, labels, targets, and its active set."""

    def __init__(self, offset, X, y, targets, valid, pairs=None):
        self.offset, self.X, self.y = offset, X, y
        self.targets, self.valid, self.pairs = targets, valid, pairs


def _prepare_shard(offset, X_block, y_block, *, n_neighbors, dtype):
    X_block = check_array(X_block, dtype=dtype, input_name="X")
    y_block = np.asarray(y_block, dtype=np.intp)
    targets, valid = target_neighbors(X_block, y_block, n_neighbors)
    return _Shard(offset, X_block, y_block, targets, valid)


def _class_sums(shard, n_classes):
    counts = np.bincount(shard.y, minlength=n_classes).astype(np.float64)
    sums = np.zeros((n_classes, shard.X.shape[1]))
    np.add.at(sums, shard.y, shard.X)
    return counts, sums


def _centred_scatters(shard, mean, class_means):
    """Scatter about the grand mean and about the class means (both d × d, float64)."""
    X = shard.X.astype(np.float64)
    total, within = X - mean, X - class_means[shard.y]
    return total.T @ total, within.T @ within


def _target_distance_sum(shard, L):
    Z = shard.X @ L.T
    d_target = _sq_row_norms(Z[:, None, :] - Z[shard.targets])
    return float(np.sum(d_target[shard.valid], dtype=np.float64)), int(shard.valid.sum())


def _search_shard(shard, L, max_pairs, n_samples, seed):
    budget = None if max_pairs is None else max(1, round(max_pairs * shard.X.shape[0] / n_samples))
    # Each shard samples (when its impostors exceed its budget) with its own stream.
    rng = np.random.RandomState([seed, shard.offset])
    pairs = search_active_set(shard.X, shard.y, L, shard.targets, shard.valid, budget, rng)
    return _Shard(shard.offset, shard.X, shard.y, shard.targets, shard.valid, pairs)


def _active_set_size(shard):
    return shard.pairs.n_impostor_pairs, int(shard.pairs.sampled)


def _shard_loss_and_grad(shard, L, push_weight, hinge):
    return lmnn_loss_and_grad(L, shard.X, shard.pairs, push_weight, hinge)


class _ShardedActiveSet:
    """What the solver loop reads of the active sets that live on the workers."""

    def __init__(self, sizes):
        self.n_impostor_pairs = sum(size for size, _ in sizes)
        self.sampled = any(sampled for _, sampled in sizes)


def _initial_components(lmnn, shards, n_samples, n_features, dtype):
    """L from ``init``: 'pca' and 'lda' from scatter matrices summed over the shards."""
    init = lmnn._resolved_init(n_features, dtype)
    if isinstance(init, np.ndarray) or init in ("identity", "random"):
        return lmnn._initial_components(np.empty((0, n_features), dtype=dtype), None)
    n_components, n_classes = lmnn._n_output(n_features), len(lmnn.classes_)
    counts, sums = shards.sum(_class_sums, n_classes)
    mean = sums.sum(axis=0) / n_samples
    class_means = sums / np.maximum(counts, 1)[:, None]
    total, within = shards.sum(_centred_scatters, mean, class_means)
    if init == "pca":
        # The principal axes: the leading eigenvectors of the covariance.
        _, vectors = scipy.linalg.eigh(total / max(n_samples - 1, 1))
        return vectors[:, ::-1][:, :n_components].T
    # LDA's axes: generalised eigenvectors of the between-class scatter against the
    # within-class scatter / n, so scaled as scikit-learn's ``scalings_`` (the overall
    # scale is normalised below anyway); a relative ridge keeps a singular one solvable.
    between = (counts[:, None] * (class_means - mean)).T @ (class_means - mean)
    covariance = within / n_samples
    covariance += 1e-10 * np.trace(covariance) / n_features * np.eye(n_features)
    _, vectors = scipy.linalg.eigh(between, covariance)
    return vectors[:, ::-1][:, :n_components].T


def _check_shard_labels(lmnn, y, row_chunks):
    """The class-size checks of the in-memory fit, applied to every row block."""
    counts = np.bincount(y)
    bounds = np.cumsum((0,) + tuple(row_chunks))
    in_blocks = [np.bincount(y[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    in_blocks = np.concatenate([c[c > 0] for c in in_blocks])
    if len(row_chunks) == 1:
        lmnn._check_class_sizes(counts)
    else:
        lmnn._check_class_sizes(in_blocks, where=" within a row block of X")


def fit_on_shards(lmnn, X, y):
    """Fit ``lmnn`` (an :class:`~mlearn.LMNN`) on the dask array X; return L.

    Sets the fitted attributes other than ``components_`` as the in-memory
    fit does (``n_iter_``, ``n_loss_evals_``, ``n_impostor_pairs_`` summed over
    the shards, ``impostors_sampled_`` if any shard sampled).
    """
    y = lmnn._validate_supervised_dask(X, y)
    dtype = float_dtype(X)
    X = X.rechunk({1: -1})
    _check_shard_labels(lmnn, y, X.chunks[0])
    n_samples, n_features = X.shape
    prepare = partial(_prepare_shard, n_neighbors=lmnn.n_neighbors, dtype=dtype)
    shards = ShardedState(row_blocks(X, y), prepare)
    L = _initial_components(lmnn, shards, n_samples, n_features, dtype).astype(dtype, copy=False)
    if not isinstance(lmnn.init, np.ndarray):
        total, count = shards.sum(_target_distance_sum, L)
        mean = total / max(count, 1)
        if np.isfinite(mean) and mean > 0:
            L = (L / np.sqrt(mean)).astype(dtype, copy=False)
    rng = check_random_state(lmnn.random_state)

    def search(L):
        seed = rng.randint(np.iinfo(np.int32).max)
        shards.update(_search_shard, L, lmnn.max_impostors, n_samples, seed)
        return _ShardedActiveSet(shards.map(_active_set_size))

    def evaluate(L, pairs):
        return shards.sum(_shard_loss_and_grad, L, lmnn.push_weight, lmnn.hinge)

    return lmnn._minimize_over_active_sets(L, search, evaluate)
