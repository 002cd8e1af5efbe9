"""A brute-force reference for the retrieval scores: plain loops over every query."""

import numpy as np


def _distance(q, r, metric):
    if metric == "euclidean":
        return float(np.sqrt(np.sum((q - r) ** 2)))
    norms = np.linalg.norm(q) * np.linalg.norm(r)
    return 1.0 - (float(q @ r) / norms if norms > 0 else 0.0)


def ranked_relevance(X, y, X_reference=None, y_reference=None, metric="euclidean"):
    """For every query, the list of rel(i) over all its references, nearest first.

    The references are sorted by (distance, row), the query's own row left out when the
    queries are the references; queries with no relevant reference are dropped.
    """
    X = np.asarray(X, dtype=np.float64)
    self_match = X_reference is None
    R = X if self_match else np.asarray(X_reference, dtype=np.float64)
    y_ref = np.asarray(y if self_match else y_reference)
    rankings = []
    for i, (q, label) in enumerate(zip(X, np.asarray(y), strict=True)):
        rows = [j for j in range(len(R)) if not (self_match and j == i)]
        rows.sort(key=lambda j: (_distance(q, R[j], metric), j))
        rel = [bool(y_ref[j] == label) for j in rows]
        if any(rel):
            rankings.append(rel)
    return rankings


def reference_scores(X, y, X_reference=None, y_reference=None, metric="euclidean", ks=(1,)):
    """P@k, Recall@k, R-precision and MAP@R by their definitions, one query at a time."""
    rankings = ranked_relevance(X, y, X_reference, y_reference, metric)
    per_query = {"r_precision": [], "map_at_r": []}
    for k in ks:
        per_query[f"precision_at_{k}"] = [sum(rel[:k]) / k for rel in rankings]
        per_query[f"recall_at_{k}"] = [float(any(rel[:k])) for rel in rankings]
    for rel in rankings:
        R = sum(rel)
        per_query["r_precision"].append(sum(rel[:R]) / R)
        precision_at = [sum(rel[: i + 1]) / (i + 1) for i in range(R)]
        per_query["map_at_r"].append(
            sum(p for p, hit in zip(precision_at, rel[:R], strict=True) if hit) / R
        )
    return {name: sum(values) / len(values) for name, values in per_query.items()}
