"""LMNN's compiled passes: distance tiles of the searches, and the passes over the pairs.

The tile passes turn a tile G = Z_R Z_Cᵀ into squared distances
‖z_i‖² + ‖z_l‖² − 2 G_il on the fly: one pass counts the pairs inside the radii,
a second writes them at offsets known from the counts, so that a tile's output
is allocated once, at its exact size. The pair passes are fused gather-and-reduce
loops that read rows of Z (n × n_components, in cache) instead of writing
n_pairs × n_components difference matrices, and skip the pairs of zero weight
(most impostor pairs, once the metric is learned).

Importing this module imports numba (about half a second): the modules of the
package import it inside the functions that call a kernel, so that
``import mlearn`` does not. The kernels are compiled on first use and cached on
disk (:mod:`mlearn._jit`).
"""

from .._jit import jit


@jit
def count_tile(G, sq_rows, sq_cols, radii_rows, radii_cols, counts):
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


@jit
def fill_tile(G, sq_rows, sq_cols, radii_rows, radii_cols, rows, cols, start, anchors, others):
    # Writes the pairs counted by count_tile, row i's from start[i] on.
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


@jit
def insert_sorted(best_d, best_i, r, d, index):
    # Inserts (d, index) into row r's sorted k smallest, dropping the largest;
    # among equal distances the earlier entry stays first.
    m = best_d.shape[1] - 1
    while m > 0 and best_d[r, m - 1] > d:
        best_d[r, m] = best_d[r, m - 1]
        best_i[r, m] = best_i[r, m - 1]
        m -= 1
    best_d[r, m] = d
    best_i[r, m] = index


@jit
def merge_nearest(G, sq_rows, sq_cols, row_ids, col_ids, row_d, row_i, col_d, col_i, both):
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
                insert_sorted(row_d, row_i, i, d, col_ids[j])
                worst = row_d[i, k - 1]
            if both and d < col_worst[j]:
                insert_sorted(col_d, col_i, j, d, row_ids[i])
                col_worst[j] = col_d[j, k - 1]


@jit
def squared_distances(Z, first, second, out):
    for p in range(first.shape[0]):
        a, b, total = first[p], second[p], 0.0
        for c in range(Z.shape[1]):
            t = Z[a, c] - Z[b, c]
            total += t * t
        out[p] = total


@jit
def push_weights(d_target, valid, anchors, d_impostor, pair_w, squared, target_w, impostor_w):
    # For impostor pair p = (i, l), of weight ω_p, and target j_m of i, the margin
    # violation t = 1 + D(i, j_m) − D(i, l); returns Σ ω_p h(t) and adds ω_p h'(t)
    # to the weights of both pairs (+ on (i, j_m), − on (i, l)).
    total = 0.0
    for p in range(anchors.shape[0]):
        i, slope_sum = anchors[p], 0.0
        for m in range(d_target.shape[1]):
            t = 1.0 + d_target[i, m] - d_impostor[p]
            if valid[i, m] and t > 0:
                slope = 2.0 * t if squared else 1.0
                total += pair_w[p] * (t * t if squared else t)
                target_w[i, m] += pair_w[p] * slope
                slope_sum += slope
        impostor_w[p] = -pair_w[p] * slope_sum
    return total


@jit
def weighted_differences(Z, first, second, weights, out):
    # out[a] += w (z_a − z_b), out[b] −= w (z_a − z_b): the rows of Lap(W) Z.
    for p in range(first.shape[0]):
        w = weights[p]
        if w == 0:
            continue
        a, b = first[p], second[p]
        for c in range(Z.shape[1]):
            t = w * (Z[a, c] - Z[b, c])
            out[a, c] += t
            out[b, c] -= t
