"""scikit-learn scorers of an embedding, for GridSearchCV and cross_validate."""

from sklearn.utils._param_validation import StrOptions, validate_params

from ._clustering import kmeans_ami, kmeans_nmi
from ._ranking import METRICS
from ._retrieval import map_at_r, precision_at_k, r_precision, recall_at_k

_SCORES = {
    "precision_at_k": precision_at_k,
    "recall_at_k": recall_at_k,
    "r_precision": r_precision,
    "map_at_r": map_at_r,
    "kmeans_nmi": kmeans_nmi,
    "kmeans_ami": kmeans_ami,
}


class RetrievalScorer:
    """A scikit-learn scorer: a score of ``estimator.transform(X)`` against the labels y.

    Made by `make_retrieval_scorer`. Called as ``scorer(estimator, X, y)``, as
    ``GridSearchCV``, ``cross_val_score`` and ``cross_validate`` call a scorer. The held-out
    points are queried against each other (each point against the rest of the fold).
    A Pipeline whose last step has no ``transform`` (a classifier after the learner) is scored
    on the embedding of the steps before it.

    Parameters
    ----------
    score : str
        The name of the score, one of ``make_retrieval_scorer``'s ``score`` options.
    kwargs : dict
        The keyword arguments the score is called with.

    Examples
    --------
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from mlearn.metrics import RetrievalScorer
    >>> scorer = RetrievalScorer("precision_at_k", {"k": 1})
    >>> scorer(FunctionTransformer(), [[0.0], [0.1], [1.0], [1.2]], [0, 0, 1, 1])
    1.0
    """

    def __init__(self, score, kwargs):
        self.score = score
        self.kwargs = kwargs

    def __call__(self, estimator, X, y):
        return _SCORES[self.score](_embedding(estimator, X), y, **self.kwargs)

    def __repr__(self):
        arguments = "".join(f", {name}={value!r}" for name, value in self.kwargs.items())
        return f"make_retrieval_scorer({self.score!r}{arguments})"


def _embedding(estimator, X):
    if hasattr(estimator, "transform"):
        return estimator.transform(X)
    steps = getattr(estimator, "steps", None)
    if steps and len(steps) > 1:
        return estimator[:-1].transform(X)
    raise TypeError(
        f"{type(estimator).__name__} has no transform: a retrieval scorer scores an embedding."
    )


@validate_params(
    {"score": [StrOptions(set(_SCORES))], "metric": [StrOptions(set(METRICS))]},
    prefer_skip_nested_validation=True,
)
def make_retrieval_scorer(score="map_at_r", *, metric="euclidean", **kwargs):
    """A scorer for ``GridSearchCV``: a retrieval or clustering score of the embedding.

    Parameters
    ----------
    score : {"map_at_r", "r_precision", "precision_at_k", "recall_at_k", "kmeans_nmi", \
"kmeans_ami"}, default="map_at_r"
        The score of this module that the scorer computes on ``estimator.transform(X)``.
    metric : {"euclidean", "cosine"}, default="euclidean"
        The distance that ranks the references (ignored by the k-means scores).
    **kwargs
        Further arguments of the score, e.g. ``k=5`` for ``precision_at_k``.

    Returns
    -------
    scorer : RetrievalScorer
        ``scorer(estimator, X, y)`` returns the score (greater is better).

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from mlearn import Covariance
    >>> from mlearn.datasets import load_dataset
    >>> from mlearn.metrics import make_retrieval_scorer
    >>> X, y = load_dataset("wine")
    >>> search = GridSearchCV(
    ...     Covariance(), {}, scoring=make_retrieval_scorer("map_at_r"), cv=3
    ... ).fit(X, y)
    >>> bool(search.best_score_ > make_retrieval_scorer()(FunctionTransformer(), X, y))
    True
    """
    if score.startswith("kmeans"):
        kwargs.setdefault("random_state", 0)
    else:
        kwargs["metric"] = metric
    return RetrievalScorer(score, kwargs)


map_at_r_scorer = make_retrieval_scorer("map_at_r")
"""MAP@R of the embedding, Euclidean distance: ``GridSearchCV(..., scoring=map_at_r_scorer)``."""

precision_at_1_scorer = make_retrieval_scorer("precision_at_k", k=1)
"""P@1 (1-NN retrieval accuracy) of the embedding, Euclidean distance."""
