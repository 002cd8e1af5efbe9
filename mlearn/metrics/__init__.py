"""Retrieval and clustering scores of an embedding, for any learner, linear or deep.

The scores of Musgrave, Belongie and Lim, "A Metric Learning Reality Check" (ECCV 2020, §3.2
and its supplementary material), computed in blocks so that no n × n matrix is formed.

Every query x (a row of ``X``, label c) ranks the references (the rows of ``X_reference``,
or, when none are given, the other rows of ``X``) by their distance to x, nearest first. A
reference is *relevant* when its label is c, and R is the number of relevant references: all
points of class c but the query itself when the queries are the references. With rel(i) = 1
when the i-th nearest reference is relevant, else 0:

- ``precision_at_k``: P@k = (1/k) Σ_{i≤k} rel(i); P@1 is the accuracy of 1-NN retrieval;
- ``recall_at_k``: 1 when at least one of the k nearest is relevant, else 0 (Recall@k as the
  deep metric learning literature reports it, e.g. Oh Song et al., CVPR 2016);
- ``r_precision``: (1/R) Σ_{i≤R} rel(i), the precision at the R nearest;
- ``map_at_r``: MAP@R = (1/R) Σ_{i≤R} rel(i) P@i, the mean average precision over the R
  nearest, which rewards ranking every relevant reference first (1.0) and is not saturated by a
  good nearest neighbour as P@1 and Recall@k are.

Each score is the mean over the queries. Conventions:

- *The query itself* (the same row, when the queries are the references) is never its own
  neighbour; other rows equal to it are references like any other.
- *Ties*: references at equal distance are ranked by their row in the reference set, the
  earlier first, so every score is a deterministic function of its inputs.
- A query with no relevant reference (R = 0: a class of one point, or a label absent from the
  references) cannot be answered and is left out of every mean.
- ``metric="euclidean"`` ranks by ‖x − r‖, ``metric="cosine"`` by 1 − cos(x, r) (for
  embeddings trained on normalised distances); the ranking is computed in float64.

`kmeans_nmi` and `kmeans_ami` score the embedding as a clustering: k-means with one cluster per
class, then the normalised (adjusted) mutual information between clusters and classes.

`make_retrieval_scorer` turns any score into a scikit-learn scorer of a fitted transformer
(``scorer(estimator, X, y)`` scores ``estimator.transform(X)``, the held-out points queried
against each other), so that ``GridSearchCV`` can choose a learner by MAP@R.
"""

from ._clustering import kmeans_ami, kmeans_nmi
from ._ranking import METRICS, retrieval_scores
from ._retrieval import map_at_r, precision_at_k, r_precision, recall_at_k
from ._scorers import (
    RetrievalScorer,
    make_retrieval_scorer,
    map_at_r_scorer,
    precision_at_1_scorer,
)

__all__ = [
    "precision_at_k",
    "recall_at_k",
    "r_precision",
    "map_at_r",
    "retrieval_scores",
    "kmeans_nmi",
    "kmeans_ami",
    "make_retrieval_scorer",
    "RetrievalScorer",
    "METRICS",
    "map_at_r_scorer",
    "precision_at_1_scorer",
]
