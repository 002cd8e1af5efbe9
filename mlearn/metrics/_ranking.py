"""Ranking of references by distance, in blocks, and the retrieval scores from one pass."""

import numbers

import numpy as np
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._blocks import rows_per_block
from .._validation import check_class_labels, check_points

METRICS = ("euclidean", "cosine")
"""The distances a ranking can use."""

_QUERY_CONSTRAINTS = {
    "X": ["array-like"],
    "y": ["array-like"],
    "X_reference": ["array-like", None],
    "y_reference": ["array-like", None],
    "metric": [StrOptions(set(METRICS))],
}
_K_CONSTRAINT = [Interval(numbers.Integral, 1, None, closed="left")]


class _Retrieval:
    """Validated queries and references, labels encoded together, and each query's R."""

    def __init__(self, X, y, X_reference, y_reference, metric):
        if (X_reference is None) != (y_reference is None):
            raise ValueError("X_reference and y_reference must be given together.")
        self.queries = check_points(X).astype(np.float64, copy=False)
        self.self_match = X_reference is None
        self.references = (
            self.queries
            if self.self_match
            else check_points(X_reference, name="X_reference").astype(np.float64, copy=False)
        )
        if self.references.shape[1] != self.queries.shape[1]:
            raise ValueError(
                f"X has {self.queries.shape[1]} features but X_reference has "
                f"{self.references.shape[1]}."
            )
        n_queries, n_references = self.queries.shape[0], self.references.shape[0]
        labels = np.concatenate([np.asarray(y), np.asarray(y if self.self_match else y_reference)])
        _, encoded = check_class_labels(labels, n_queries + n_references, min_classes=1)
        self.query_labels, self.reference_labels = encoded[:n_queries], encoded[n_queries:]
        if self.self_match:
            self.query_labels = self.reference_labels = encoded[:n_queries]
        counts = np.bincount(self.reference_labels, minlength=encoded.max() + 1)
        self.n_relevant = counts[self.query_labels] - int(self.self_match)
        self.n_candidates = n_references - int(self.self_match)
        if metric == "cosine":
            self.queries, self.references = _unit_rows(self.queries), _unit_rows(self.references)
            if self.self_match:
                self.references = self.queries
        self.metric = metric

    def check_k(self, k):
        if k > self.n_candidates:
            raise ValueError(
                f"k={k} but each query has only {self.n_candidates} reference(s) to rank."
            )

    def relevance_blocks(self, depth):
        """Yield (rel, n_relevant) per block of queries: rel[q, i] for the depth nearest."""
        n_references = self.references.shape[0]
        # A block holds, per query, the ranking keys (float64), argpartition's indices (int64)
        # and two boolean masks per reference, and about five depth-long arrays of scores.
        block = rows_per_block(n_references * 18 + depth * 40, self.queries.shape[0])
        distinct, copies = _distinct_rows(self.references)
        sq_norms = np.einsum("ij,ij->i", distinct, distinct)
        for rows in gen_batches(self.queries.shape[0], block):
            keys = self._ranking_keys(self.queries[rows], distinct, sq_norms)
            keys = keys if copies is None else keys[:, copies]
            if self.self_match:
                keys[np.arange(keys.shape[0]), np.arange(rows.start, rows.stop)] = np.inf
            nearest = _nearest_in_order(keys, depth)
            rel = self.reference_labels[nearest] == self.query_labels[rows, None]
            yield rel, self.n_relevant[rows]

    def _ranking_keys(self, queries, references, sq_norms):
        """Keys that order references as the distance does: smaller is nearer."""
        if self.metric == "cosine":
            return -(queries @ references.T)
        # ‖x − r‖² less the query's own ‖x‖², which is the same for all of its references.
        return sq_norms - 2.0 * (queries @ references.T)


def _distinct_rows(references):
    """The distinct reference rows and, when some repeat, the distinct row of each reference.

    A matrix product does not round every entry the same way (BLAS kernels sum the edges of
    a tile in another order), so two copies of one reference could get distances one unit in
    the last place apart and the tie between them would be broken by rounding, not by row.
    Ranking by the keys of one copy keeps copies exactly tied.
    """
    distinct, copies = np.unique(references, axis=0, return_inverse=True)
    if distinct.shape[0] == references.shape[0]:
        return references, None
    return distinct, copies.ravel()


def _unit_rows(X):
    """Rows divided by their norm; zero rows stay zero (cosine distance 1 to everything)."""
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


def _nearest_in_order(keys, depth):
    """Column indices of the ``depth`` smallest keys of each row, ordered by (key, column).

    argpartition finds the depth-th smallest key t of each row in linear time; every key
    below t is kept, and of the keys equal to t the leftmost ones, so that ties are broken by
    column exactly as a stable sort of the whole row would break them.
    """
    n_rows, n_columns = keys.shape
    if depth >= n_columns:
        return np.argsort(keys, axis=1, kind="stable")[:, :depth]
    row = np.arange(n_rows)[:, None]
    candidates = np.argpartition(keys, depth - 1, axis=1)[:, :depth]
    threshold = keys[row, candidates].max(axis=1, keepdims=True)
    chosen = keys < threshold
    at_threshold = keys == threshold
    missing = depth - chosen.sum(axis=1, keepdims=True)
    # Only rows with more keys equal to t than places left need the leftmost of them.
    straddling = at_threshold.sum(axis=1, keepdims=True) > missing
    if straddling.any():
        rows = straddling[:, 0]
        ties = at_threshold[rows]
        at_threshold[rows] = ties & (np.cumsum(ties, axis=1, dtype=np.int32) <= missing[rows])
    chosen |= at_threshold
    columns = np.nonzero(chosen)[1].reshape(n_rows, depth)
    order = np.argsort(keys[row, columns], axis=1, kind="stable")
    return columns[row, order]


def _per_query_scores(rel, n_relevant, ks):
    """Per-query P@k and Recall@k for each k, R-precision and MAP@R, of one block."""
    ranks = np.arange(1, rel.shape[1] + 1)
    within_r = ranks <= n_relevant[:, None]
    hits = np.cumsum(rel, axis=1)
    safe_r = np.maximum(n_relevant, 1)
    scores = {
        "r_precision": (rel & within_r).sum(axis=1) / safe_r,
        "map_at_r": np.where(rel & within_r, hits / ranks, 0.0).sum(axis=1) / safe_r,
    }
    for k in ks:
        scores[f"precision_at_{k}"] = hits[:, k - 1] / k
        scores[f"recall_at_{k}"] = (hits[:, k - 1] > 0).astype(np.float64)
    return scores


@validate_params(
    {**_QUERY_CONSTRAINTS, "k": ["array-like", *_K_CONSTRAINT]},
    prefer_skip_nested_validation=True,
)
def retrieval_scores(X, y, *, X_reference=None, y_reference=None, metric="euclidean", k=(1,)):
    """Every retrieval score of the module in one pass over the data.

    Parameters
    ----------
    X : array-like of shape (n_queries, n_features)
        The queries' embeddings.
    y : array-like of shape (n_queries,)
        The queries' labels.
    X_reference : array-like of shape (n_references, n_features), default=None
        The references; None ranks each query against the other queries.
    y_reference : array-like of shape (n_references,), default=None
        The references' labels, given with ``X_reference``.
    metric : {"euclidean", "cosine"}, default="euclidean"
        The distance that ranks the references.
    k : int or sequence of int, default=(1,)
        The depths of ``precision_at_k`` and ``recall_at_k``.

    Returns
    -------
    scores : dict of str to float
        ``"precision_at_<k>"`` and ``"recall_at_<k>"`` for each k, ``"r_precision"`` and
        ``"map_at_r"``, each the mean over the queries that have a relevant reference.

    Raises
    ------
    ValueError
        When no query has a relevant reference, or a k exceeds the references to rank.

    Examples
    --------
    >>> from mlearn.metrics import retrieval_scores
    >>> X = [[0.0], [0.1], [1.0], [1.2], [0.15]]
    >>> scores = retrieval_scores(X, [0, 0, 1, 1, 1], k=(1, 2))
    >>> {name: round(value, 4) for name, value in scores.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'r_precision': 0.6, 'map_at_r': 0.6, 'precision_at_1': 0.6, 'recall_at_1': 0.6,
     'precision_at_2': 0.6, 'recall_at_2': 0.8}
    """
    ks = sorted({int(value) for value in np.atleast_1d(k)})
    if not ks or ks[0] < 1:
        raise ValueError(f"k must be positive integers, got {k!r}")
    retrieval = _Retrieval(X, y, X_reference, y_reference, metric)
    retrieval.check_k(ks[-1])
    answerable = retrieval.n_relevant > 0
    if not answerable.any():
        raise ValueError("No query has a relevant reference (a reference with its label).")
    depth = max(ks[-1], int(retrieval.n_relevant.max()))
    totals = {}
    for rel, n_relevant in retrieval.relevance_blocks(depth):
        for name, values in _per_query_scores(rel, n_relevant, ks).items():
            totals[name] = totals.get(name, 0.0) + values[n_relevant > 0].sum()
    return {name: float(total / answerable.sum()) for name, total in totals.items()}
