"""LMNN's impostor search: the pairs of different classes inside given radii.

A search looks for the pairs (i, l), y_l ≠ y_i, with ‖z_i − z_l‖² < r_i in an
embedding Z. Distances come in tiles G = Z_R Z_Cᵀ (single-precision GEMM) as
‖z_i‖² + ‖z_l‖² − 2 G_il; one compiled pass per tile counts the pairs of each
row, a second writes them at offsets known from the counts, so that a tile's
output is allocated once, at its exact size, and no n_rows × n_cols boolean or
index temporaries are formed (:mod:`mlearn.lmnn._kernels`).
"""

import numpy as np
from sklearn.utils import check_random_state, gen_batches

from .._blocks import rows_per_block

# Columns per tile: a tile of G (rows × 4096 float32) stays in the outer caches.
_TILE_COLUMNS = 4096


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
    # Imported here: the kernels import numba, which ``import mlearn`` does not.
    from ._kernels import count_tile, fill_tile

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
            count_tile(G, sq[r], sq_c, r_r, r_c, counts)
            total = int(counts.sum())
            if total == 0:
                continue
            start = np.zeros(r.shape[0], dtype=np.intp)
            np.cumsum(counts[:-1], out=start[1:])
            anchors = np.empty(total, dtype=np.intp)
            others = np.empty(total, dtype=np.intp)
            fill_tile(G, sq[r], sq_c, r_r, r_c, r, c, start, anchors, others)
            yield anchors, others


def find_impostors(Z, y, radii, *, max_pairs=None, random_state=None):
    """Pairs (i, l), y_l ≠ y_i, with ‖z_i − z_l‖² < radii[i], searched blockwise.

    Each class is compared with the classes after it only, and each distance
    is tested against the radii of both of its points, so every distance is
    computed once. Distances come in single-precision tiles (rows sized by
    scikit-learn's ``working_memory``, at most 1024 × 4096) from which compiled
    passes count, then write, the pairs inside; no n × n matrix is formed.

    With ``max_pairs``, at most that many pairs are returned: a uniform random
    sample of all pairs found, drawn as the ``max_pairs`` smallest of i.i.d.
    uniform keys, so that memory stays bounded by about twice ``max_pairs``
    while searching.

    Returns
    -------
    anchors, impostors : ndarray of shape (n_pairs,), intp
    n_found : int
        Number of pairs inside the radii (more than returned when sampled).
    """
    rng = check_random_state(random_state)
    # Pairs kept so far, as lists of per-tile arrays (anchors, impostors, keys).
    kept, n_kept, n_found, threshold = ([], [], []), 0, 0, 1.0
    # Single precision is ample to find pairs within radii that carry a 30% slack,
    # and halves the cost of the distance tiles.
    Z, sq = search_embedding(Z)
    radii = np.asarray(radii)
    for c in np.unique(y)[:-1]:
        rows, cols = np.flatnonzero(y == c), np.flatnonzero(y > c)
        for new_a, new_b in pairs_within_radii(Z, sq, rows, cols, radii, symmetric=True):
            n_found += new_a.shape[0]
            keys = rng.random(new_a.shape[0]) if max_pairs is not None else new_a[:0]
            if threshold < 1:
                # No key above the current sample's largest can enter the final sample.
                keep = keys < threshold
                new_a, new_b, keys = new_a[keep], new_b[keep], keys[keep]
            for part, new in zip(kept, (new_a, new_b, keys), strict=True):
                part.append(new)
            n_kept += new_a.shape[0]
            if max_pairs is not None and n_kept > 2 * max_pairs:
                kept = _smallest_keys(kept, max_pairs)
                n_kept, threshold = max_pairs, kept[2][0].max()
    if max_pairs is not None and n_kept > max_pairs:
        kept = _smallest_keys(kept, max_pairs)
    anchors, impostors = (np.concatenate(part + [np.zeros(0, np.intp)]) for part in kept[:2])
    return anchors, impostors, n_found


def _smallest_keys(kept, size):
    """The ``size`` pairs with the smallest keys, in their order, as one-array lists."""
    keys = np.concatenate(kept[2])
    chosen = np.sort(np.argpartition(keys, size - 1)[:size])
    return tuple([np.concatenate(part)[chosen]] for part in kept)
