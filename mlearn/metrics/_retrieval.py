"""The retrieval scores one at a time: P@k, Recall@k, R-precision, MAP@R."""

from sklearn.utils._param_validation import validate_params

from ._ranking import _K_CONSTRAINT, _QUERY_CONSTRAINTS, retrieval_scores


def _single_score(name, X, y, X_reference, y_reference, metric, k=1):
    return retrieval_scores(
        X, y, X_reference=X_reference, y_reference=y_reference, metric=metric, k=k
    )[name]


@validate_params({**_QUERY_CONSTRAINTS, "k": _K_CONSTRAINT}, prefer_skip_nested_validation=True)
def precision_at_k(X, y, k=1, *, X_reference=None, y_reference=None, metric="euclidean"):
    """Mean fraction of each query's k nearest references that share its label (P@k).

    See the module docstring for the query/reference, self-match and tie conventions.

    Parameters
    ----------
    X : array-like of shape (n_queries, n_features)
        The queries' embeddings.
    y : array-like of shape (n_queries,)
        The queries' labels.
    k : int, default=1
        How many nearest references are looked at.
    X_reference : array-like of shape (n_references, n_features), default=None
        The references; None ranks each query against the other queries.
    y_reference : array-like of shape (n_references,), default=None
        The references' labels, given with ``X_reference``.
    metric : {"euclidean", "cosine"}, default="euclidean"
        The distance that ranks the references.

    Returns
    -------
    score : float
        In [0, 1].

    Examples
    --------
    >>> from mlearn.metrics import precision_at_k
    >>> precision_at_k([[0.0], [0.1], [1.0], [1.2]], [0, 0, 1, 1])
    1.0
    """
    return _single_score(f"precision_at_{k}", X, y, X_reference, y_reference, metric, k)


@validate_params({**_QUERY_CONSTRAINTS, "k": _K_CONSTRAINT}, prefer_skip_nested_validation=True)
def recall_at_k(X, y, k=1, *, X_reference=None, y_reference=None, metric="euclidean"):
    """Fraction of the queries with at least one reference of their label among the k nearest.

    Recall@k as deep metric learning papers report it; see the module docstring for the
    query/reference, self-match and tie conventions.

    Parameters
    ----------
    X : array-like of shape (n_queries, n_features)
        The queries' embeddings.
    y : array-like of shape (n_queries,)
        The queries' labels.
    k : int, default=1
        How many nearest references are looked at.
    X_reference : array-like of shape (n_references, n_features), default=None
        The references; None ranks each query against the other queries.
    y_reference : array-like of shape (n_references,), default=None
        The references' labels, given with ``X_reference``.
    metric : {"euclidean", "cosine"}, default="euclidean"
        The distance that ranks the references.

    Returns
    -------
    score : float
        In [0, 1]; equal to ``precision_at_k`` for k = 1.

    Examples
    --------
    >>> from mlearn.metrics import recall_at_k
    >>> recall_at_k([[0.0], [0.6], [1.0], [1.5]], [0, 1, 0, 1], k=2)
    0.5
    """
    return _single_score(f"recall_at_{k}", X, y, X_reference, y_reference, metric, k)


@validate_params(_QUERY_CONSTRAINTS, prefer_skip_nested_validation=True)
def r_precision(X, y, *, X_reference=None, y_reference=None, metric="euclidean"):
    """Mean precision at R, R being the number of references that share the query's label.

    See the module docstring for the query/reference, self-match and tie conventions.

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

    Returns
    -------
    score : float
        In [0, 1].

    Examples
    --------
    >>> from mlearn.metrics import r_precision
    >>> round(r_precision([[0.0], [0.1], [0.2], [1.0], [0.15]], [0, 0, 0, 1, 1]), 4)
    0.3
    """
    return _single_score("r_precision", X, y, X_reference, y_reference, metric)


@validate_params(_QUERY_CONSTRAINTS, prefer_skip_nested_validation=True)
def map_at_r(X, y, *, X_reference=None, y_reference=None, metric="euclidean"):
    """Mean average precision at R (MAP@R, Musgrave et al. 2020).

    For a query with R relevant references, (1/R) Σ_{i≤R} rel(i) P@i, where rel(i) is 1 when
    the i-th nearest reference shares the query's label and P@i is the precision at i; the
    mean over the queries. See the module docstring for the conventions.

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

    Returns
    -------
    score : float
        In [0, 1]; 1 when every query's R nearest references are exactly its class.

    References
    ----------
    K. Musgrave, S. Belongie and S.-N. Lim, "A Metric Learning Reality Check", ECCV 2020.

    Examples
    --------
    >>> from mlearn.metrics import map_at_r
    >>> map_at_r([[0.0], [0.1], [1.0], [1.2]], [0, 0, 1, 1])
    1.0
    >>> round(map_at_r([[0.0], [0.1], [0.2], [1.0], [0.15]], [0, 0, 0, 1, 1]), 4)
    0.2
    """
    return _single_score("map_at_r", X, y, X_reference, y_reference, metric)
