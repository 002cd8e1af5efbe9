"""Compiled row passes of the pair-softmax core (:mod:`mlearn._pair_softmax`).

A tile of rows I against all n points goes through compiled passes that each
read a row of the tile once while it is in cache, where numpy needed a dozen
passes over the whole tile: the squared distances (:func:`squared_distances`),
their shift by the row's nearest distance (:func:`shifted_exponent_arguments`;
the row minimum between them is numpy's, which is vectorised), and the pair
weights w_ij, normalised, with their row and column sums (:func:`pair_weights`; for
NCA's one-hot classes :func:`own_class_weights`, which needs no mix product).
Between the last two run numpy's exponential, which is vectorised (numba's calls
the scalar libm one, ten times slower), and the targets' mix s_i, a product with
B. :func:`symmetrise` turns W into W + Wᵀ in place, in cache-sized blocks, and
:func:`mirror_lower` copies a lower triangle to the upper one (the symmetric
product Z Zᵀ writes one triangle). The ``lower_*`` passes and their helpers are NCA's
whole-matrix form, which works on one triangle only (see the comment above them).

The targets are read as Bᵀ, so that every inner loop runs along a contiguous row
(one pass over the row per target column that u_i does not zero, while the row
is in cache): a gather of u_i at each column's class, the obvious form for
NCA's one-hot targets, does not vectorise.
"""

import numpy as np

from ._jit import jit

# Rows and columns of the square blocks that symmetrise swaps: two 64 × 64 float64
# blocks stay in L1.
_SYMMETRISE_BLOCK = 64


@jit
def squared_distances(G, row_norms, norms, first):
    """Turn G = Z_I Zᵀ into d_ij = ‖z_i‖² + ‖z_j‖² − 2 G_ij, in place, row by row.

    d_ij is not clamped at 0 here (:func:`shifted_exponent_arguments` clamps it); the
    point itself (column ``first + a`` of row a) gets +inf, so that a row's minimum
    (numpy's, which is vectorised where a compiled minimum is not) leaves it out.
    """
    n_rows, n = G.shape
    for a in range(n_rows):
        row = G[a]
        base = row_norms[a]
        # row[j] + row[j], not 2.0 * row[j]: a float64 literal would widen float32 rows.
        for j in range(n):
            row[j] = base + norms[j] - (row[j] + row[j])
        row[first + a] = np.inf


@jit
def shifted_exponent_arguments(D, nearest, points, floor):
    """Turn distances D into −min(max(d_ij, 0) − m_i, floor), in place, row by row.

    Row a holds the distances of point ``points[a]`` (a tile's consecutive points, or any
    rows gathered whole). ``nearest`` holds m_i = max(min_{j≠i} d_ij, 0), the nearest
    distance clamped at 0 (so that max(d_ij, m_i) − m_i = max(d_ij, 0) − m_i); the point
    itself gets −inf, whose exponential is exactly 0 (p_ii = 0).
    """
    n_rows, n = D.shape
    for a in range(n_rows):
        row = D[a]
        m = nearest[a]
        for j in range(n):
            row[j] = -min(max(row[j], m) - m, floor)
        row[points[a]] = -np.inf


@jit
def pair_weights(E, U, S, Bt, inverse_sums, factor, row_sums, column_sums, flush):
    """E → W in place, w_aj = p_aj (⟨u_a, s_a⟩ − ⟨u_a, b_j⟩); row sums out, column sums added.

    E holds the unnormalised exponentials, p_aj = e_aj · ``inverse_sums[a]``;
    ``factor`` is a scratch row of n entries (the bracket of each pair of the row).
    A weight smaller in magnitude than ``flush`` is set to 0: the products that read
    W run several times slower on the subnormal numbers such weights would become
    (:data:`mlearn._pair_softmax.FLUSH_BELOW`).
    """
    n_rows, n = E.shape
    # 0 in E's dtype (flush > 0): a float64 0.0 would widen a float32 row's loops (2.5 times
    # slower).
    zero = flush - flush
    for a in range(n_rows):
        row = E[a]
        scale = inverse_sums[a]
        own = zero
        for c in range(Bt.shape[0]):
            own += U[a, c] * S[a, c]
        factor[:] = own
        for c in range(Bt.shape[0]):
            u, targets = U[a, c], Bt[c]
            if u == 0.0:  # one-hot targets (NCA): u_a has one entry that is not 0
                continue
            for j in range(n):
                factor[j] -= u * targets[j]
        total = zero
        for j in range(n):
            w = row[j] * factor[j] * scale
            w = w if abs(w) >= flush else zero
            row[j] = w
            total += w
            column_sums[j] += w
        row_sums[a] = total


@jit
def own_class_weights(E, labels, points, row_sums, column_sums, flush):
    """E → W in place for one-hot class targets and f_a = −p_a (NCA); returns Σ_a p_a.

    Row a is point ``points[a]``'s, as in :func:`shifted_exponent_arguments`.

    p_a = Σ_{j: y_j = y_a} e_aj / Σ_j e_aj is the mass of a's own class, and the pair
    weights w_aj = (e_aj / Σ_l e_al)([y_j = y_a] − p_a) are :func:`pair_weights`' for these
    targets, computed from the labels in two passes over the row (the class mass by a
    masked sum, which vectorises), without the product with B. Row sums out, column sums
    added, weights below ``flush`` set to 0 as there.
    """
    n_rows, n = E.shape
    # 0 and 1 in E's dtype (flush > 0): a float64 literal would widen the float32 loops.
    zero = flush - flush
    one = flush / flush
    mass = 0.0
    for a in range(n_rows):
        row = E[a]
        own_label = labels[points[a]]
        total, own = zero, zero
        for j in range(n):
            e = row[j]
            total += e
            own += e if labels[j] == own_label else zero
        scale = one / total
        p = own * scale
        mass += p
        row_total = zero
        for j in range(n):
            bracket = (one if labels[j] == own_label else zero) - p
            w = row[j] * scale * bracket
            w = w if abs(w) >= flush else zero
            row[j] = w
            row_total += w
            column_sums[j] += w
        row_sums[a] = row_total
    return mass


@jit
def symmetrise(W):
    """W ← W + Wᵀ in place (W square), swapping square blocks so both stay in cache."""
    n = W.shape[0]
    size = _SYMMETRISE_BLOCK
    for start_i in range(0, n, size):
        stop_i = min(start_i + size, n)
        for start_j in range(start_i, n, size):
            stop_j = min(start_j + size, n)
            for i in range(start_i, stop_i):
                for j in range(max(start_j, i), stop_j):
                    both = W[i, j] + W[j, i]
                    W[i, j] = both
                    W[j, i] = both


@jit
def mirror_lower(W):
    """W[i, j] ← W[j, i] for j > i (W square), in square blocks that stay in cache."""
    n = W.shape[0]
    size = _SYMMETRISE_BLOCK
    for start_i in range(0, n, size):
        stop_i = min(start_i + size, n)
        for start_j in range(start_i, n, size):
            stop_j = min(start_j + size, n)
            for i in range(start_i, stop_i):
                for j in range(max(start_j, i + 1), stop_j):
                    W[i, j] = W[j, i]


# The passes of NCA's symmetric whole-matrix evaluation (mlearn._pair_softmax's
# _symmetric_class_terms) over the square matrix W: each reads or writes only its strict lower
# triangle (j < i), one entry per pair, row by row. W is cut into blocks of ``block_rows``
# rows for numpy's exponential, which runs on the block's rows up to its last one (columns
# j < first + block_rows); the passes set the entries of that rectangle on and above the
# diagonal to what the next pass needs.


@jit
def lower_distances(W, norms, column_minima):
    """Turn the lower triangle of W = Z Zᵀ into squared distances, in place.

    d_ij = ‖z_i‖² + ‖z_j‖² − 2 w_ij for j < i; ``column_minima[j]`` becomes the minimum of
    d_ij over i > j: each point's nearest distance among the points after it, an upper
    bound of its nearest distance.
    """
    for i in range(W.shape[0]):
        row = W[i]
        base = norms[i]
        for j in range(i):
            d = base + norms[j] - (row[j] + row[j])
            row[j] = d
            column_minima[j] = min(column_minima[j], d)


@jit
def isolated_points(D, nearest, limit, isolated):
    """Mark in ``isolated`` the points with no other within squared distance ``limit``, from
    the lower triangle of distances D and :func:`lower_distances`' bounds ``nearest`` (the
    points before a point are read only where its bound exceeds the limit); return their
    number."""
    count = 0
    for i in range(D.shape[0]):
        if nearest[i] <= limit:
            continue
        row = D[i]
        alone = True
        for j in range(i):
            if row[j] <= limit:
                alone = False
                break
        isolated[i] = alone
        count += alone
    return count


@jit
def symmetric_rows(D, rows, out):
    """``out[a]`` = row ``rows[a]`` of the symmetric matrix whose lower triangle D holds
    (its diagonal entry +inf: the point is not its own neighbour)."""
    n = D.shape[0]
    for a in range(rows.shape[0]):
        i = rows[a]
        target = out[a]
        for j in range(i):
            target[j] = D[i, j]
        target[i] = np.inf
        for j in range(i + 1, n):
            target[j] = D[j, i]


@jit
def add_symmetric_rows(A, rows, weights):
    """Add ``weights[a]`` to row ``rows[a]`` of the symmetric matrix whose lower triangle A
    holds (each pair's entry once)."""
    n = A.shape[0]
    for a in range(rows.shape[0]):
        i = rows[a]
        source = weights[a]
        for j in range(i):
            A[i, j] += source[j]
        for j in range(i + 1, n):
            A[j, i] += source[j]


@jit
def lower_exponent_arguments(D, block_rows, floor):
    """Turn the lower triangle of distances D into the arguments −d_ij, in place; −inf
    beyond −floor, and on and above the diagonal in each block (exp gives exactly 0)."""
    n = D.shape[0]
    for i in range(n):
        row = D[i]
        for j in range(i):
            # not (d > floor) rather than d <= floor: a NaN distance stays NaN (and so the loss).
            row[j] = -row[j] if not row[j] > floor else -np.inf
        for j in range(i, min(n, (i // block_rows + 1) * block_rows)):
            row[j] = -np.inf


@jit
def lower_class_sums(E, labels, sums, own):
    """Each point's sum of e_ij over all j (and over j of its own class), into ``sums``
    (``own``), from the lower triangle of the symmetric matrix E (row i and column i)."""
    zero = sums[0] - sums[0]  # 0 in the sums' dtype (a float64 literal would widen float32 loops)
    for i in range(E.shape[0]):
        row = E[i]
        label = labels[i]
        total, same = zero, zero
        for j in range(i):
            e = row[j]
            total += e
            sums[j] += e
            e = e if labels[j] == label else zero
            same += e
            own[j] += e
        sums[i] += total
        own[i] += same


@jit
def lower_pair_weights(E, labels, scale, mass_scale, row_sums, flush):
    """Turn the lower triangle of E into a_ij = w_ij + w_ji, in place, and 0 on the diagonal.

    With p_ij = e_ij · ``scale[i]`` and ``mass_scale[i]`` = p_i · ``scale[i]``,
    a_ij = e_ij ([y_i = y_j] (scale_i + scale_j) − (mass_scale_i + mass_scale_j)) for
    j < i; weights below ``flush`` are set to 0 (as in :func:`pair_weights`). Each point's
    row sum of the symmetric matrix goes to ``row_sums``.
    """
    zero = flush - flush  # as in pair_weights
    for i in range(E.shape[0]):
        row = E[i]
        label = labels[i]
        own_scale, own_mass = scale[i], mass_scale[i]
        total = zero
        for j in range(i):
            same = own_scale + scale[j] if labels[j] == label else zero
            w = row[j] * (same - (own_mass + mass_scale[j]))
            w = w if abs(w) >= flush else zero
            row[j] = w
            total += w
            row_sums[j] += w
        row_sums[i] += total
        row[i] = zero
