"""LMNN's impostor search: compiled block passes, and an unbiased sampled search.

A search looks for the pairs (i, l), y_l ≠ y_i, with ‖z_i − z_l‖² < r_i in an
embedding Z. Distances come in tiles G = Z_R Z_Cᵀ (single-precision GEMM) as
‖z_i‖² + ‖z_l‖² − 2 G_il; one compiled pass per tile counts the pairs of each
row, a second writes them at offsets known from the counts, so that a tile's
output is allocated once, at its exact size, and no n_rows × n_cols boolean or
index temporaries are formed.

When far more pairs lie inside the radii than the active set may hold (the
start of a fit on large data, where under the initial metric almost every
point of another class is inside the margin), enumerating them all only to
keep a sample wastes most of the work. :func:`sample_impostor_pairs` instead
compares each block of anchors of class c with a uniform random subset of
q_c of the n_c' points of the other classes (a fresh subset per block), and
gives every pair found the weight n_c'/q_c. Each candidate pair is then drawn
with probability q_c/n_c', independently of L, so that for every L the
weighted push term over the sample,

    Σ_(i,l) sampled  (n_c'/q_c) Σ_{j⇝i} h(1 + D_ij − D_il),

is an unbiased (Horvitz–Thompson) estimate of the push term over all pairs
inside the radii at the search iterate — the same restriction as the exact
active set. The rate q_c/n_c' is chosen from :func:`estimate_pair_count`, the
fraction of uniformly drawn pairs of different classes that lie inside the
radii.

Candidates, not anchors, are sampled: at the Euclidean start of a
100,000-point, 10-class problem each anchor has about 90,000 candidates
inside its radius, so a budget of 500,000 pairs would hold about six whole
anchors, and the push gradient would come from six points; sampling
candidates keeps every anchor, each with a few of its candidates. The rate is
fixed before the draw, so the estimate is exactly unbiased (a rule that stops
once the budget is reached makes the sample's size depend on the draws).

:func:`nearest_in_set` (target neighbours) uses the same tiling in the input
space, with exact k-smallest selection.

Importing this module imports numba; the kernels are compiled on first use and
cached on disk.
"""

import numba
import numpy as np
from sklearn.utils import gen_batches

from .base import rows_per_block

_JIT = {"cache": True, "nogil": True, "fastmath": {"reassoc", "contract"}}
# Columns per tile: a tile of G (rows × 4096 float32) stays in the outer caches.
_TILE_COLUMNS = 4096
# Side of the square tiles of the target-neighbour search (a 512 × 512 float64 tile is 2 MB).
_NEAREST_TILE = 512


@numba.njit(**_JIT)
def _count_tile(G, sq_rows, sq_cols, radii_rows, radii_cols, counts):
    # counts[i]: entries of row i inside row i's radius, plus (when radii_cols
    # is not empty) entries inside their column's radius.
    symmetric = radii_cols.shape[0] > 0
    for i in range(G.shape[0]):
        found, s, r = 0, sq_rows[i], radii_rows[i]
        for j in range(G.shape[1]):
            d = s + sq_cols[j] - 2 * G[i, j]
            found += d < r
            if symmetric:
                found += d < radii_cols[j]
        counts[i] = found


@numba.njit(**_JIT)
def _fill_tile(G, sq_rows, sq_cols, radii_rows, radii_cols, rows, cols, start, anchors, others):
    # Writes the pairs counted by _count_tile, row i's from start[i] on.
    symmetric = radii_cols.shape[0] > 0
    for i in range(G.shape[0]):
        p, s, r = start[i], sq_rows[i], radii_rows[i]
        for j in range(G.shape[1]):
            d = s + sq_cols[j] - 2 * G[i, j]
            if d < r:
                anchors[p], others[p] = rows[i], cols[j]
                p += 1
            if symmetric and d < radii_cols[j]:
                anchors[p], others[p] = cols[j], rows[i]
                p += 1


def search_embedding(Z):
    """Z centred in single precision, and its squared row norms.

    Centring leaves distances unchanged and keeps ‖z‖² small, so that the
    expansion ‖z_i‖² + ‖z_l‖² − 2 z_i·z_l loses little to cancellation.
    """
    Z = np.asarray(Z, dtype=np.float32)
    Z = np.ascontiguousarray(Z - Z.mean(axis=0, dtype=np.float64).astype(np.float32))
    return Z, np.einsum("ij,ij->i", Z, Z)


def pairs_within_radii(Z, sq, rows, cols, radii, *, symmetric):
    """The pairs between ``rows`` and ``cols`` inside the radii, tile by tile.

    Yields ``(anchors, others)`` per tile: (i, l) with i in ``rows`` and
    D_il < radii[i], and, when ``symmetric``, also (l, i) with D_il < radii[l].
    Rows come in blocks sized by ``working_memory``.
    """
    empty = np.zeros(0, dtype=np.float32)
    tile = min(_TILE_COLUMNS, max(cols.shape[0], 1))
    step = rows_per_block(4 * tile * 2, rows.shape[0])
    step = min(step, 1024)
    buffer = np.empty((step, tile), dtype=np.float32)
    for col_block in gen_batches(cols.shape[0], tile):
        c = cols[col_block]
        Zc_t = np.ascontiguousarray(Z[c].T)
        sq_c, r_c = sq[c], radii[c].astype(np.float32) if symmetric else empty
        for row_block in gen_batches(rows.shape[0], step):
            r = rows[row_block]
            G = np.matmul(Z[r], Zc_t, out=buffer[: r.shape[0], : c.shape[0]])
            r_r = radii[r].astype(np.float32)
            counts = np.empty(r.shape[0], dtype=np.intp)
            _count_tile(G, sq[r], sq_c, r_r, r_c, counts)
            total = int(counts.sum())
            if total == 0:
                continue
            start = np.zeros(r.shape[0], dtype=np.intp)
            np.cumsum(counts[:-1], out=start[1:])
            anchors = np.empty(total, dtype=np.intp)
            others = np.empty(total, dtype=np.intp)
            _fill_tile(G, sq[r], sq_c, r_r, r_c, r, c, start, anchors, others)
            yield anchors, others


def other_class_pairs(y):
    """Number of ordered pairs (i, l) with y_i ≠ y_l (y encoded as 0..n_classes−1)."""
    counts = np.bincount(y).astype(np.float64)
    return float(counts.sum() ** 2 - np.sum(counts**2))


def estimate_pair_count(Z, y, radii, n_draws, rng):
    """Estimated number of pairs of different classes inside the radii.

    Draws ``n_draws`` ordered pairs uniformly among all pairs of different
    classes (by rejection) and scales the fraction inside by their number.
    """
    n = y.shape[0]
    first = rng.randint(0, n, size=2 * n_draws)
    second = rng.randint(0, n, size=2 * n_draws)
    keep = y[first] != y[second]
    first, second = first[keep][:n_draws], second[keep][:n_draws]
    if first.shape[0] == 0:
        return 0.0
    from .lmnn import _pair_kernels

    squared_distances = _pair_kernels()[0]
    dist = np.empty(first.shape[0], dtype=np.float32)
    squared_distances(Z, first, second, dist)
    fraction = np.count_nonzero(dist < radii[first]) / first.shape[0]
    return fraction * other_class_pairs(y)


def sample_impostor_pairs(Z, sq, y, radii, rate, rng):
    """Impostor pairs from a random subset of candidates, with their weights.

    Each block of anchors of class c (rows sized by ``working_memory``) is
    compared with q_c = ⌈rate · n_c'⌉ points drawn uniformly without
    replacement among the n_c' points of the other classes; a pair found gets
    the weight n_c'/q_c (see the module docstring: an unbiased estimate).

    Returns
    -------
    anchors, impostors : ndarray of shape (n_pairs,), intp
    weights : ndarray of shape (n_pairs,), float64
    """
    parts, weights = [], []
    for c in np.unique(y):
        rows, others = np.flatnonzero(y == c), np.flatnonzero(y != c)
        q = min(others.shape[0], max(1, int(np.ceil(rate * others.shape[0]))))
        step = rows_per_block(4 * q * 2, rows.shape[0])
        step = min(step, 1024)
        for block in gen_batches(rows.shape[0], step):
            subset = np.sort(others[rng.choice(others.shape[0], q, replace=False)])
            for anchors, impostors in pairs_within_radii(
                Z, sq, rows[block], subset, radii, symmetric=False
            ):
                parts.append((anchors, impostors))
                weights.append(np.full(anchors.shape[0], others.shape[0] / q))
    if not parts:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, np.zeros(0)
    anchors = np.concatenate([p[0] for p in parts])
    impostors = np.concatenate([p[1] for p in parts])
    return anchors, impostors, np.concatenate(weights)


@numba.njit(**_JIT)
def _insert_sorted(best_d, best_i, r, d, index):
    # Inserts (d, index) into row r's sorted k smallest, dropping the largest;
    # among equal distances the earlier entry stays first.
    m = best_d.shape[1] - 1
    while m > 0 and best_d[r, m - 1] > d:
        best_d[r, m] = best_d[r, m - 1]
        best_i[r, m] = best_i[r, m - 1]
        m -= 1
    best_d[r, m] = d
    best_i[r, m] = index


@numba.njit(**_JIT)
def _merge_nearest(G, sq_rows, sq_cols, row_ids, col_ids, row_d, row_i, col_d, col_i, both):
    # Merges the tile's distances into each row's k smallest and, when ``both``
    # (a tile off the diagonal), each column's; a point's own entry is skipped.
    k = row_d.shape[1]
    col_worst = col_d[:, k - 1].copy()
    for i in range(G.shape[0]):
        s, worst = sq_rows[i], row_d[i, k - 1]
        for j in range(G.shape[1]):
            d = s + sq_cols[j] - 2 * G[i, j]
            # Few entries pass either test, and a row's own point passes the first.
            if d < worst and col_ids[j] != row_ids[i]:
                _insert_sorted(row_d, row_i, i, d, col_ids[j])
                worst = row_d[i, k - 1]
            if both and d < col_worst[j]:
                _insert_sorted(col_d, col_i, j, d, row_ids[i])
                col_worst[j] = col_d[j, k - 1]


def nearest_in_set(X, k):
    """Indices of the k nearest other rows of X (squared Euclidean), sorted by distance.

    Square tiles of X Xᵀ in X's precision, upper triangle only: one compiled pass
    merges each tile into the k smallest of its rows and of its columns, so every
    distance is computed once and no n × n matrix is formed.
    """
    n = X.shape[0]
    X = X - X.mean(axis=0)
    sq = np.einsum("ij,ij->i", X, X)
    ids = np.arange(n, dtype=np.intp)
    best_d = np.full((n, k), np.inf, dtype=X.dtype)
    best_i = np.zeros((n, k), dtype=np.intp)
    blocks = list(gen_batches(n, _NEAREST_TILE))
    for a, rows in enumerate(blocks):
        for cols in blocks[a:]:
            _merge_nearest(
                X[rows] @ X[cols].T,
                sq[rows],
                sq[cols],
                ids[rows],
                ids[cols],
                best_d[rows],
                best_i[rows],
                best_d[cols],
                best_i[cols],
                cols != rows,
            )
    return best_i
