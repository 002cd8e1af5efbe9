"""The compiled passive-aggressive passes of OASIS, for dense and CSR points.

Imported from inside :func:`mlearn.oasis._solver.passive_aggressive`, so that ``import
mlearn`` does not import numba. One step on the triplet (a, p, n), u = p − n
(Chechik et al. 2010, the PA-I step of Crammer et al. 2006):

    l = max(0, 1 − aᵀ W u),   τ = min(C, l / (‖a‖² ‖u‖²)),   W ← W + τ a uᵀ,

since V = a uᵀ has ‖V‖²_F = ‖a‖² ‖u‖². Only the rows of W where a is non-zero and
the columns where u is non-zero are read or written: O(nnz(a) · nnz(u)) per step.
"""

import numpy as np

from .._jit import jit


def margin_slack(dtype):
    """Hinges up to this are taken as zero: a step aimed at the margin lands on it only up
    to rounding (1 − s ≈ 1e-16 in float64, 1e-7 in float32), and separable triplets must
    end with no step left to take. √eps of the points' dtype."""
    return float(np.sqrt(np.finfo(dtype).eps))


@jit
def dense_pass(X, triplets, order, W, C, slack, hinges):
    """One PA step per triplet ``triplets[order[s]]``, in that order, on W in place.

    ``hinges[s]`` receives the hinge l of step s before its update (0 when at most
    ``slack``, :func:`margin_slack`). Returns the number of updates (steps with l > 0
    and V ≠ 0).
    """
    d = X.shape[1]
    u = np.empty(d)
    rows = np.empty(d, dtype=np.intp)
    n_updates = 0
    for s in range(order.shape[0]):
        a, p, n = triplets[order[s], 0], triplets[order[s], 1], triplets[order[s], 2]
        n_rows = 0
        a_norm = 0.0
        for i in range(d):
            if X[a, i] != 0.0:
                rows[n_rows] = i
                n_rows += 1
                a_norm += X[a, i] * X[a, i]
        u_norm = 0.0
        for j in range(d):
            u[j] = X[p, j] - X[n, j]
            u_norm += u[j] * u[j]
        score = 0.0
        for r in range(n_rows):
            i = rows[r]
            row = 0.0
            for j in range(d):
                row += W[i, j] * u[j]
            score += X[a, i] * row
        hinge = 1.0 - score if 1.0 - score > slack else 0.0
        hinges[s] = hinge
        squared_norm = a_norm * u_norm
        if hinge > 0.0 and squared_norm > 0.0:
            tau = min(C, hinge / squared_norm)
            for r in range(n_rows):
                i = rows[r]
                step = tau * X[a, i]
                for j in range(d):
                    W[i, j] += step * u[j]
            n_updates += 1
    return n_updates


@jit
def _difference_of_rows(indptr, indices, data, p, n, u, seen, columns):
    """Scatter u = X[p] − X[n] (CSR rows) into the dense scratch u; list its columns.

    Returns (number of columns, ‖u‖²). ``seen`` marks the columns listed.
    """
    n_columns = 0
    for k in range(indptr[p], indptr[p + 1]):
        j = indices[k]
        if not seen[j]:
            seen[j] = True
            columns[n_columns] = j
            n_columns += 1
        u[j] += data[k]
    for k in range(indptr[n], indptr[n + 1]):
        j = indices[k]
        if not seen[j]:
            seen[j] = True
            columns[n_columns] = j
            n_columns += 1
        u[j] -= data[k]
    u_norm = 0.0
    for c in range(n_columns):
        u_norm += u[columns[c]] * u[columns[c]]
    return n_columns, u_norm


@jit
def sparse_pass(indptr, indices, data, n_features, triplets, order, W, C, slack, hinges):
    """:func:`dense_pass` for points in CSR form (``indptr``, ``indices``, ``data``).

    X is never densified: each step touches the rows of W where a is non-zero and
    the columns where p − n is non-zero.
    """
    u = np.zeros(n_features)
    seen = np.zeros(n_features, dtype=np.bool_)
    columns = np.empty(n_features, dtype=np.intp)
    n_updates = 0
    for s in range(order.shape[0]):
        a, p, n = triplets[order[s], 0], triplets[order[s], 1], triplets[order[s], 2]
        n_columns, u_norm = _difference_of_rows(indptr, indices, data, p, n, u, seen, columns)
        a_norm = 0.0
        score = 0.0
        for k in range(indptr[a], indptr[a + 1]):
            i = indices[k]
            a_norm += data[k] * data[k]
            row = 0.0
            for c in range(n_columns):
                row += W[i, columns[c]] * u[columns[c]]
            score += data[k] * row
        hinge = 1.0 - score if 1.0 - score > slack else 0.0
        hinges[s] = hinge
        squared_norm = a_norm * u_norm
        if hinge > 0.0 and squared_norm > 0.0:
            tau = min(C, hinge / squared_norm)
            for k in range(indptr[a], indptr[a + 1]):
                step = tau * data[k]
                for c in range(n_columns):
                    W[indices[k], columns[c]] += step * u[columns[c]]
            n_updates += 1
        for c in range(n_columns):
            u[columns[c]] = 0.0
            seen[columns[c]] = False
    return n_updates


@jit
def dense_scores(X, triplets, W, out):
    """out_t = aᵀ W (p − n) for each triplet (a, p, n): the margins, W left alone."""
    d = X.shape[1]
    u = np.empty(d)
    for t in range(triplets.shape[0]):
        a, p, n = triplets[t, 0], triplets[t, 1], triplets[t, 2]
        for j in range(d):
            u[j] = X[p, j] - X[n, j]
        score = 0.0
        for i in range(d):
            if X[a, i] != 0.0:
                row = 0.0
                for j in range(d):
                    row += W[i, j] * u[j]
                score += X[a, i] * row
        out[t] = score


@jit
def sparse_scores(indptr, indices, data, n_features, triplets, W, out):
    """:func:`dense_scores` for points in CSR form: O(nnz(a) · nnz(p − n)) per triplet."""
    u = np.zeros(n_features)
    seen = np.zeros(n_features, dtype=np.bool_)
    columns = np.empty(n_features, dtype=np.intp)
    for t in range(triplets.shape[0]):
        a, p, n = triplets[t, 0], triplets[t, 1], triplets[t, 2]
        n_columns, _ = _difference_of_rows(indptr, indices, data, p, n, u, seen, columns)
        score = 0.0
        for k in range(indptr[a], indptr[a + 1]):
            row = 0.0
            for c in range(n_columns):
                row += W[indices[k], columns[c]] * u[columns[c]]
            score += data[k] * row
        out[t] = score
        for c in range(n_columns):
            u[columns[c]] = 0.0
            seen[columns[c]] = False
