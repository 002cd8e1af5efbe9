"""Pseudo-labels for unlabelled points (label −1) from their neighbours in the embedding.

Before each epoch (from the second one of a fit on), every unlabelled point u is
embedded with the current network and given the majority class c(u) of its k
nearest labelled points in the embedding, with the confidence

    conf(u) = |{j ∈ N_k(u) : y_j = c(u)}| / k,

the share of the k votes that agree. Points with conf(u) ≥ τ join the epoch's
batches with the label c(u); the others sit the epoch out. The labels are redrawn
every epoch, so a point can change class or drop out as the embedding improves.
This is pseudo-labelling (Lee, "Pseudo-label: the simple and efficient
semi-supervised learning method for deep neural networks", ICML workshop 2013) with
the labels read off the embedding's neighbourhoods instead of a classifier's
softmax, as Iscen et al. ("Label propagation for deep semi-supervised learning",
CVPR 2019) do with a graph over the embedding; their entropy weight is replaced by
the hard threshold τ, which a hand count can check.
"""

import numpy as np
from sklearn.neighbors import NearestNeighbors

from .._blocks import class_votes
from ..constraints import UNLABELLED

__all__ = ["UNLABELLED", "unlabelled_mask", "neighbour_pseudo_labels"]


def unlabelled_mask(y):
    """Boolean mask of the points labelled −1 (the constraints module's convention)."""
    y = np.asarray(y)
    if y.dtype.kind not in "biufO":  # strings are never −1
        return np.zeros(y.shape[0], dtype=bool)
    return np.asarray(y == UNLABELLED, dtype=bool).reshape(y.shape[0])


def neighbour_pseudo_labels(unlabelled, labelled, labels, n_neighbors, threshold):
    """Majority class of each unlabelled point's nearest labelled points, and its confidence.

    Parameters
    ----------
    unlabelled : ndarray of shape (n_unlabelled, k)
        Embeddings of the unlabelled points.
    labelled : ndarray of shape (n_labelled, k)
        Embeddings of the labelled points.
    labels : ndarray of shape (n_labelled,), int
        Their classes, encoded 0 .. n_classes − 1.
    n_neighbors : int
        k, the votes per point (at most n_labelled are used).
    threshold : float
        τ: a point keeps its pseudo-label when at least this share of its votes
        agree.

    Returns
    -------
    pseudo : ndarray of shape (n_unlabelled,), intp
        The majority class (ties to the smallest class), or −1 below the threshold.
    confidence : ndarray of shape (n_unlabelled,)
        The share of the votes for that class.
    """
    k = min(n_neighbors, labelled.shape[0])
    # Blocks of queries against the labelled points: no n_unlabelled × n_labelled matrix.
    index = NearestNeighbors(n_neighbors=k).fit(labelled)
    neighbours = index.kneighbors(unlabelled, return_distance=False)
    votes = class_votes(labels[neighbours], int(labels.max()) + 1)
    majority = votes.argmax(axis=1)
    confidence = votes[np.arange(votes.shape[0]), majority] / k
    pseudo = np.where(confidence >= threshold, majority, UNLABELLED).astype(np.intp)
    return pseudo, confidence
