"""The evaluator protocol: how an evaluator's methods combine across shards.

An *evaluator* is the object a solver asks for everything that is a function of
the data: losses, gradients, scatter matrices, margins. It is built from the
points and the learner's index tuples (or from a block of rows), and the solver
never touches the points otherwise. The same class serves a fit in memory, where
it is one object over all the data, and a fit on a Dask array, where the Dask
layer (:mod:`mlearn._dask`) builds one per shard on the workers and wraps them.

For the wrapper to be exact, every method a solver may call on a sharded
evaluator declares how the shards' results combine, with :func:`across_shards`:

- ``'sum'``: the method returns a sum over the constraints (numbers, arrays, or
  tuples of them, added item by item in shard order);
- ``'concatenate'``: it returns one value per constraint (concatenated in
  constraint order);
- ``'any'``: it returns a bool, true if true on any shard;
- ``'nearest'``: it returns (distances, indices), each query's nearest points of
  the shard, nearest first, of shape (n_queries, k), indices counted over all the
  shards' points; they merge into the k nearest over all shards
  (:func:`mlearn._blocks.k_nearest`, equal distances by index);
- ``'update'``: it changes the evaluator in place and returns nothing (run on
  every shard, where it lives);
- ``'subset'``: it returns the evaluator of some of its constraints, given as
  sorted indices (a view of the shards, nothing moves).

``sliced`` names the arguments that are vectors over the constraints (the
method's last arguments): each shard receives its own slice. An attribute the
solver reads is declared in the class's ``shard_attributes``
(``{'name': 'sum' | 'same'}``). The wrapper refuses any method or attribute
that is not declared, so that a new method is never silently summed.
"""

import inspect

COMBINATIONS = ("sum", "concatenate", "any", "nearest", "update", "subset")
ATTRIBUTE_COMBINATIONS = ("sum", "same")


def across_shards(combine, *, sliced=()):
    """Declare how the decorated evaluator method combines across shards.

    Parameters
    ----------
    combine : {'sum', 'concatenate', 'any', 'nearest', 'update', 'subset'}
    sliced : tuple of str
        Names of the arguments that are vectors over the constraints.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn._evaluator import across_shards, declared_combination
    >>> class SquaredNorms:
    ...     def __init__(self, X, pairs):
    ...         self.diff = X[pairs[:, 0]] - X[pairs[:, 1]]
    ...
    ...     @across_shards("sum", sliced=("weights",))
    ...     def weighted_sum(self, weights):
    ...         return float(weights @ np.sum(self.diff**2, axis=1))
    >>> declared_combination(SquaredNorms, "weighted_sum")
    ('sum', ('weights',))
    """
    if combine not in COMBINATIONS:
        raise ValueError(f"combine must be one of {COMBINATIONS}, got {combine!r}.")

    def declare(method):
        parameters = list(inspect.signature(method).parameters)[1:]
        unknown = set(sliced) - set(parameters)
        if unknown:
            raise ValueError(f"{method.__qualname__} has no argument(s) {sorted(unknown)}.")
        if sliced and parameters[-len(sliced) :] != list(sliced):
            raise ValueError(f"The sliced arguments of {method.__qualname__} must be its last.")
        method.across_shards = (combine, tuple(sliced))
        return method

    return declare


def declared_combination(cls, name):
    """``(combine, sliced)`` declared for the method ``name`` of ``cls``, or AttributeError."""
    method = getattr(cls, name, None)
    declared = getattr(method, "across_shards", None)
    if declared is None:
        raise AttributeError(
            f"{cls.__name__}.{name} does not declare how it combines across shards "
            f"(mlearn._evaluator.across_shards), so it cannot run on a sharded evaluator."
        )
    return declared


def declared_attribute(cls, name):
    """How the attribute ``name`` of ``cls`` combines across shards, or AttributeError."""
    combine = getattr(cls, "shard_attributes", {}).get(name)
    if combine not in ATTRIBUTE_COMBINATIONS:
        raise AttributeError(
            f"{cls.__name__}.{name} is not declared in {cls.__name__}.shard_attributes, "
            f"so it cannot be read from a sharded evaluator."
        )
    return combine


def declared_methods(cls):
    """The names of the methods of ``cls`` that declare a combination."""
    return sorted(
        name
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if hasattr(member, "across_shards")
    )
