"""Distances and similarities between embeddings, for miners and losses.

A distance object turns embeddings into the matrix of all query × reference
values and says which way is "closer":

- :class:`LpDistance`: D(x, y) = ‖x̂ − ŷ‖_p^power, x̂ = x / ‖x‖₂ when
  ``normalize_embeddings`` (the default: the embedding lives on the unit
  sphere, so distances are at most 2 and a margin means the same thing on
  every dataset and at every stage of training);
- :class:`CosineSimilarity`: S(x, y) = x̂ · ŷ, in [−1, 1];
- :class:`DotProductSimilarity`: S(x, y) = x · y.

Similarities are *inverted* (``is_inverted = True``): larger is closer. Losses
and miners never compare raw values; they ask the distance object, so one loss
works with either kind:

- :meth:`BaseDistance.margin` (x, y) is how much farther y is than x —
  y − x for a distance, x − y for a similarity; a triplet (a, p, n) violates the
  margin α when ``margin(D(a, p), D(a, n)) < α``;
- :meth:`BaseDistance.closest` / :meth:`BaseDistance.farthest` pick the
  extreme of a masked matrix along rows.

The design follows pytorch-metric-learning's ``distances`` module (Musgrave
et al., "PyTorch Metric Learning", arXiv:2008.09164, 2020).
"""

import torch

__all__ = ["BaseDistance", "LpDistance", "CosineSimilarity", "DotProductSimilarity"]

# Distances are (max(squared, eps))^(1/2): the gradient of the square root is infinite
# at 0, and coincident embeddings (an untrained network, duplicated samples) would give NaN.
_EPS = 1e-12


class BaseDistance:
    """A distance (``is_inverted=False``) or similarity (``True``) between embeddings.

    Parameters
    ----------
    normalize_embeddings : bool
        Divide each embedding by its Euclidean norm before comparing.
    power : float, default=1
        The value is raised to this power.
    """

    is_inverted = False

    def __init__(self, normalize_embeddings, power=1):
        self.normalize_embeddings = normalize_embeddings
        self.power = power

    def __repr__(self):
        return (
            f"{type(self).__name__}(normalize_embeddings={self.normalize_embeddings}, "
            f"power={self.power})"
        )

    def normalize(self, embeddings):
        """The embeddings as compared: unit rows when ``normalize_embeddings``."""
        if not self.normalize_embeddings:
            return embeddings
        return torch.nn.functional.normalize(embeddings, p=2, dim=1)

    def __call__(self, query, reference=None):
        """The (n_query, n_reference) matrix of values (``reference`` defaults to ``query``)."""
        query = self.normalize(query)
        reference = query if reference is None else self.normalize(reference)
        values = self.matrix(query, reference)
        return values if self.power == 1 else values**self.power

    def pairwise(self, first, second):
        """Values between the rows first[t] and second[t], shape (n,)."""
        values = self.paired(self.normalize(first), self.normalize(second))
        return values if self.power == 1 else values**self.power

    def margin(self, x, y):
        """How much farther y is than x: y − x for a distance, x − y for a similarity."""
        return x - y if self.is_inverted else y - x

    def closest(self, values, mask, dim=1):
        """(value, index) of the closest entry where ``mask`` holds, along ``dim``;
        rows with no such entry get the value +inf (−inf for a similarity)."""
        fill = -torch.inf if self.is_inverted else torch.inf
        masked = torch.where(mask, values, torch.full_like(values, fill))
        return masked.max(dim=dim) if self.is_inverted else masked.min(dim=dim)

    def farthest(self, values, mask, dim=1):
        """(value, index) of the farthest entry where ``mask`` holds, along ``dim``."""
        fill = torch.inf if self.is_inverted else -torch.inf
        masked = torch.where(mask, values, torch.full_like(values, fill))
        return masked.min(dim=dim) if self.is_inverted else masked.max(dim=dim)

    def closer(self, x, y):
        """Elementwise: is a value x closer than a value y?"""
        return x > y if self.is_inverted else x < y


class LpDistance(BaseDistance):
    """Minkowski distance ‖x − y‖_p between (by default unit-normalised) embeddings.

    Parameters
    ----------
    normalize_embeddings : bool, default=True
        Compare x / ‖x‖₂ and y / ‖y‖₂ (distances in [0, 2] for p = 2).
    p : float, default=2
        Order of the norm.
    power : float, default=1
        D is raised to this power (2 gives the squared Euclidean distance).
    """

    def __init__(self, normalize_embeddings=True, p=2, power=1):
        super().__init__(normalize_embeddings, power)
        self.p = p

    def __repr__(self):
        return f"{super().__repr__()[:-1]}, p={self.p})"

    def matrix(self, query, reference):
        if self.p == 2:
            squared = (
                (query * query).sum(1)[:, None]
                + (reference * reference).sum(1)[None, :]
                - 2.0 * query @ reference.T
            )
            return torch.sqrt(torch.clamp(squared, min=_EPS))
        return torch.cdist(query, reference, p=self.p)

    def paired(self, first, second):
        diff = first - second
        if self.p == 2:
            return torch.sqrt(torch.clamp((diff * diff).sum(1), min=_EPS))
        return torch.linalg.vector_norm(diff, ord=self.p, dim=1)


class CosineSimilarity(BaseDistance):
    """Cosine similarity x̂ · ŷ (embeddings always normalised; larger is closer).

    Parameters
    ----------
    power : float, default=1
    """

    is_inverted = True

    def __init__(self, power=1):
        super().__init__(True, power)

    def __repr__(self):
        return f"CosineSimilarity(power={self.power})"

    def matrix(self, query, reference):
        return query @ reference.T

    def paired(self, first, second):
        return (first * second).sum(1)


class DotProductSimilarity(BaseDistance):
    """Dot product x · y (larger is closer).

    Parameters
    ----------
    normalize_embeddings : bool, default=False
        With True this is :class:`CosineSimilarity`.
    power : float, default=1
    """

    is_inverted = True

    def __init__(self, normalize_embeddings=False, power=1):
        super().__init__(normalize_embeddings, power)

    def matrix(self, query, reference):
        return query @ reference.T

    def paired(self, first, second):
        return (first * second).sum(1)
