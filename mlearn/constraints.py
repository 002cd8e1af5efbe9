"""Constraints built from class labels, as index arrays into X.

Every generator returns integer indices, never copies of points: a solver
takes (X, indices) and gathers what it needs. A label of −1 means
"unlabelled": such points appear in no constraint. Random generators are seeded
by ``random_state``; all of them use memory proportional to the number of
points plus the number of constraints asked for (never to all pairs), so they
work for 10⁶ points. When fewer constraints exist than were asked for, they
return all that exist and warn.

- :func:`similar_dissimilar_pairs`: balanced similar (+1) / dissimilar (−1) pairs;
- :func:`knn_triplets`: (i, j, l) with j among the k nearest same-class points
  of i (target neighbours) and l among the nearest other-class points
  (impostors);
- :func:`random_triplets`: (a, p, n) with p in a's class and n outside it;
- :func:`quadruplets_from_labels`: (a, b, c, d) with (a, b) similar and (c, d)
  dissimilar;
- :func:`chunks_from_labels`: disjoint groups of same-class points.

:class:`Constraints` wraps them in metric-learn's interface (``Constraints(y)``
with ``positive_negative_pairs``, ``generate_knntriplets`` and ``chunks``),
returning what metric-learn 0.7.0 returns, for code written against it.
"""

import warnings

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state

from ._dask import class_neighbours
from ._validation import check_points, check_positive_int, is_dask_array

__all__ = [
    "Constraints",
    "similar_dissimilar_pairs",
    "knn_triplets",
    "random_triplets",
    "quadruplets_from_labels",
    "chunks_from_labels",
]

UNLABELLED = -1


def _labelled_groups(y):
    """Indices of labelled points, grouped by class (classes sorted)."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"Labels y must be 1-D, got shape {y.shape}.")
    if y.shape[0] == 0:
        raise ValueError("Labels y are empty.")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError("Labels y contain NaN or infinity.")
    # Object arrays (e.g. a pandas column) compare elementwise too; strings never equal −1.
    if y.dtype.kind in "biufO":
        labelled = np.flatnonzero(y != UNLABELLED)
    else:
        labelled = np.arange(len(y))
    classes, inverse = np.unique(y[labelled], return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(classes) + 1))
    return [labelled[order[bounds[c] : bounds[c + 1]]] for c in range(len(classes))]


def _two_or_more_classes(y, kind):
    """Labelled points grouped by class; raise unless there are at least two classes."""
    groups = _labelled_groups(y)
    if len(groups) < 2:
        raise ValueError(
            f"Labels have {len(groups)} labelled class(es); {kind} need at least 2 classes."
        )
    return groups


def _seeded_groups(y, count, count_name, kind, random_state):
    """Validate a request for ``count`` constraints of ``kind`` and seed its generator.

    Returns the count, a numpy Generator drawn from ``random_state``, and the
    labelled points grouped by class (at least two classes).
    """
    count = check_positive_int(count, count_name)
    rng = np.random.default_rng(check_random_state(random_state).randint(2**31))
    return count, rng, _two_or_more_classes(y, kind)


def _warn_fewer(kind, found, asked):
    warnings.warn(
        f"Only {found} {kind} exist in these labels, fewer than the {asked} asked for; "
        f"returning all {found}.",
        UserWarning,
        stacklevel=3,
    )


def _unique_rows(rows):
    """``np.unique(rows, axis=0)`` of non-negative integer rows, by one integer key per row.

    np.unique with ``axis`` sorts the rows as structured records, some 20 times slower
    than sorting one int64 per row; the key r₀·bᵏ⁻¹ + … + rₖ₋₁ (b = max + 1) sorts in
    the same, lexicographic, order, so the result is the same array.
    """
    base = int(rows.max()) + 1 if rows.size else 1
    if float(base) ** rows.shape[1] >= 2.0**62:
        return np.unique(rows, axis=0)
    keys = rows[:, 0].astype(np.int64)
    for column in range(1, rows.shape[1]):
        keys = keys * base + rows[:, column]
    keys.sort()
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    out = np.empty((keys.shape[0], rows.shape[1]), dtype=np.intp)
    for column in range(rows.shape[1] - 1, -1, -1):
        keys, out[:, column] = np.divmod(keys, base)
    return out


def _sample_unique_rows(draw, n_wanted, rng, n_cols):
    """Draw rows with ``draw(rng, size)`` until ``n_wanted`` distinct rows are found.

    Callers use this only when at least twice as many distinct rows exist as are
    wanted, so each round keeps at least half of its draws on average.
    """
    found = np.empty((0, n_cols), dtype=np.intp)
    while found.shape[0] < n_wanted:
        batch = draw(rng, 2 * (n_wanted - found.shape[0]) + 16)
        found = _unique_rows(np.vstack([found, batch]))
    # np.unique sorts; a random subset keeps the sample uniform.
    return found[rng.choice(found.shape[0], n_wanted, replace=False)]


def _all_similar_pairs(groups):
    pairs = []
    for members in groups:
        i, j = np.triu_indices(len(members), k=1)
        pairs.append(np.column_stack([members[i], members[j]]))
    return np.vstack(pairs) if pairs else np.empty((0, 2), dtype=np.intp)


def _all_dissimilar_pairs(groups):
    pairs = [
        np.array(np.meshgrid(a, b, indexing="ij")).reshape(2, -1).T
        for k, a in enumerate(groups)
        for b in groups[k + 1 :]
    ]
    # Sorted within each pair, like the sampled pairs.
    return np.sort(np.vstack(pairs), axis=1) if pairs else np.empty((0, 2), dtype=np.intp)


def _draw_similar(groups):
    sizes = np.array([len(g) for g in groups])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    points = np.concatenate(groups)
    weights = sizes * (sizes - 1) / 2.0
    weights = weights / weights.sum()

    def draw(rng, size):
        cls = rng.choice(len(groups), size=size, p=weights)
        n = sizes[cls]
        first = rng.integers(0, n)
        # A uniform other member: shift by 1..n-1 positions around the class.
        second = (first + rng.integers(1, n)) % n
        a, b = points[starts[cls] + first], points[starts[cls] + second]
        return np.column_stack([np.minimum(a, b), np.maximum(a, b)])  # sorted within each pair

    return draw


def _draw_dissimilar(groups):
    points = np.concatenate(groups)
    labels = np.concatenate([np.full(len(g), c) for c, g in enumerate(groups)])

    def draw(rng, size):
        i = rng.integers(0, len(points), size=size)
        j = rng.integers(0, len(points), size=size)
        keep = labels[i] != labels[j]
        a, b = points[i[keep]], points[j[keep]]
        return np.column_stack([np.minimum(a, b), np.maximum(a, b)])  # sorted within each pair

    return draw


def _pairs_of_kind(groups, n_wanted, rng, kind):
    sizes = np.array([len(g) for g in groups], dtype=np.float64)
    if kind == "similar":
        available = int(np.sum(sizes * (sizes - 1) / 2))
        enumerate_all, draw = _all_similar_pairs, _draw_similar
    else:
        available = int((sizes.sum() ** 2 - np.sum(sizes**2)) / 2)
        enumerate_all, draw = _all_dissimilar_pairs, _draw_dissimilar
    if n_wanted == 0:
        return np.empty((0, 2), dtype=np.intp)
    if available < n_wanted:
        _warn_fewer(f"{kind} pairs", available, n_wanted)
        n_wanted = available
    if available <= 2 * n_wanted:
        # Few enough to list: memory is bounded by twice the request.
        every = enumerate_all(groups).astype(np.intp)
        return every[rng.choice(every.shape[0], n_wanted, replace=False)]
    return _sample_unique_rows(draw(groups), n_wanted, rng, 2)


def similar_dissimilar_pairs(y, n_pairs, *, random_state=None):
    """Balanced, distinct similar and dissimilar pairs drawn from class labels.

    Half of the pairs (rounded up) join two points of the same class (label
    +1), half join points of different classes (label −1), each kind drawn
    uniformly without repetition; a pair is never a point with itself. Points
    labelled −1 are unlabelled and left out.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels; −1 marks unlabelled points.
    n_pairs : int
        Number of pairs wanted.
    random_state : int, RandomState instance or None

    Returns
    -------
    pairs : ndarray of shape (n_pairs, 2), intp
        Indices into X, in random order.
    pair_labels : ndarray of shape (n_pairs,), int8
        +1 for similar, −1 for dissimilar.

    Examples
    --------
    >>> from mlearn.constraints import similar_dissimilar_pairs
    >>> pairs, labels = similar_dissimilar_pairs([0, 0, 1, 1, 1], 4, random_state=0)
    >>> pairs.shape, sorted(labels.tolist())
    ((4, 2), [-1, -1, 1, 1])
    """
    n_pairs, rng, groups = _seeded_groups(y, n_pairs, "n_pairs", "dissimilar pairs", random_state)
    n_similar = (n_pairs + 1) // 2
    similar = _pairs_of_kind(groups, n_similar, rng, "similar")
    dissimilar = _pairs_of_kind(groups, n_pairs - n_similar, rng, "dissimilar")
    pairs = np.vstack([similar, dissimilar]).astype(np.intp)
    labels = np.concatenate(
        [np.ones(len(similar), dtype=np.int8), -np.ones(len(dissimilar), dtype=np.int8)]
    )
    order = rng.permutation(len(labels))
    return pairs[order], labels[order]


def knn_triplets(X, y, k_genuine=3, k_impostor=10):
    """Triplets (i, j, l) from each point's nearest same-class and other-class points.

    For every labelled point i, j runs over its ``k_genuine`` nearest
    neighbours in its own class (target neighbours) and l over its
    ``k_impostor`` nearest points of other classes (the impostors most likely
    to invade the margin); all combinations are returned, so there are at most
    n·k_genuine·k_impostor triplets, each saying "i is closer to j than to l".
    Neighbour search is scikit-learn's (trees or blockwise brute force), so
    memory stays linear in n.

    Parameters
    ----------
    X : array-like or dask array of shape (n_samples, n_features)
        A dask array stays on the cluster: the neighbours are searched there,
        block against block, and only their indices come back.
    y : array-like of shape (n_samples,)
        Class labels; −1 marks unlabelled points (never used).
    k_genuine : int, default=3
    k_impostor : int, default=10

    Returns
    -------
    triplets : ndarray of shape (n_triplets, 3), intp
        Rows (anchor, positive, negative), deterministic for given data.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.constraints import knn_triplets
    >>> X = np.array([[0.0], [0.1], [1.0], [1.1]])
    >>> knn_triplets(X, [0, 0, 1, 1], k_genuine=1, k_impostor=1)
    array([[0, 1, 2],
           [1, 0, 2],
           [2, 3, 1],
           [3, 2, 1]])
    """
    on_cluster = is_dask_array(X)
    X = X if on_cluster else check_points(X)
    k_genuine = check_positive_int(k_genuine, "k_genuine")
    k_impostor = check_positive_int(k_impostor, "k_impostor")
    if np.shape(y)[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but y has {np.shape(y)[0]} labels.")
    groups = _two_or_more_classes(y, "triplets")
    if on_cluster:
        return _knn_triplets_on_cluster(X, np.asarray(y), groups, k_genuine, k_impostor)
    labelled = np.concatenate(groups)
    triplets = []
    for members, kg, ki in _neighbour_counts(groups, k_genuine, k_impostor):
        # kneighbors() without a query excludes each point from its own neighbours.
        same = NearestNeighbors(n_neighbors=kg).fit(X[members]).kneighbors(return_distance=False)
        others = np.setdiff1d(labelled, members, assume_unique=True)
        impostors = (
            NearestNeighbors(n_neighbors=ki)
            .fit(X[others])
            .kneighbors(X[members], return_distance=False)
        )
        triplets.append(triplets_from_neighbours(members, members[same], others[impostors]))
    return _stacked_triplets(triplets)


def _knn_triplets_on_cluster(X, y, groups, k_genuine, k_impostor):
    """:func:`knn_triplets` of a dask X: the neighbours searched blockwise on the cluster
    (exact, as in memory; only n × k indices come back), the triplets assembled here in
    the in-memory order. ``y`` holds labels encoded 0..n_classes − 1."""
    counts = _neighbour_counts(groups, k_genuine, k_impostor)
    genuine, impostors = class_neighbours(X, y, k_genuine, k_impostor)
    return _stacked_triplets(
        [
            triplets_from_neighbours(members, genuine[members, :kg], impostors[members, :ki])
            for members, kg, ki in counts
        ]
    )


def _neighbour_counts(groups, k_genuine, k_impostor):
    """(members, k_genuine, k_impostor) for each class with two points, warning for small ones."""
    smallest = min(len(g) for g in groups)
    if smallest <= k_genuine:
        warnings.warn(
            f"The smallest class has {smallest} points, too few for k_genuine={k_genuine} "
            f"neighbours; its points use {smallest - 1}.",
            UserWarning,
            stacklevel=3,
        )
    n_labelled = sum(len(g) for g in groups)
    largest = max(len(g) for g in groups)
    if n_labelled - largest < k_impostor:
        warnings.warn(
            f"The largest class has only {n_labelled - largest} points of other classes, "
            f"too few for k_impostor={k_impostor} impostors; its points use "
            f"{n_labelled - largest}.",
            UserWarning,
            stacklevel=3,
        )
    counts = []
    for members in groups:
        kg = min(k_genuine, len(members) - 1)
        if kg > 0:
            counts.append((members, kg, min(k_impostor, n_labelled - len(members))))
    return counts


def triplets_from_neighbours(anchors, genuine, impostors):
    """Every (anchor, genuine neighbour, impostor) of each anchor, anchor by anchor."""
    kg, ki = genuine.shape[1], impostors.shape[1]
    anchor = np.repeat(anchors, kg * ki)
    positive = np.repeat(genuine, ki, axis=1).ravel()
    negative = np.tile(impostors, (1, kg)).ravel()
    return np.column_stack([anchor, positive, negative])


def _stacked_triplets(triplets):
    if not triplets:
        raise ValueError("No class has two points: no triplet can be formed.")
    return np.vstack(triplets).astype(np.intp)


def random_triplets(y, n_triplets, *, random_state=None):
    """Distinct random triplets (a, p, n): p in a's class, n in another class.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels; −1 marks unlabelled points.
    n_triplets : int
    random_state : int, RandomState instance or None

    Returns
    -------
    triplets : ndarray of shape (n_triplets, 3), intp

    Examples
    --------
    >>> from mlearn.constraints import random_triplets
    >>> y = [0, 0, 0, 1, 1, 1]
    >>> triplets = random_triplets(y, 5, random_state=0)
    >>> triplets.shape
    (5, 3)
    >>> all(y[a] == y[p] != y[n] for a, p, n in triplets)
    True
    """
    n_triplets, rng, groups = _seeded_groups(y, n_triplets, "n_triplets", "triplets", random_state)
    sizes = np.array([len(g) for g in groups], dtype=np.float64)
    total = sizes.sum()
    available = int(np.sum(sizes * (sizes - 1) * (total - sizes)))
    if available == 0:
        raise ValueError("No class has two points: no triplet can be formed.")
    if available < n_triplets:
        _warn_fewer("triplets", available, n_triplets)
        n_triplets = available
    if available <= 2 * n_triplets:
        every = _all_triplets(groups)
        return every[rng.choice(every.shape[0], n_triplets, replace=False)]
    similar = _draw_similar(groups)
    points = np.concatenate(groups)
    labels = np.concatenate([np.full(len(g), c) for c, g in enumerate(groups)])
    position = np.empty(int(points.max()) + 1, dtype=np.intp)
    position[points] = np.arange(len(points))

    def draw(rng, size):
        pairs = similar(rng, size)
        # Either member may be the anchor.
        flip = rng.random(size) < 0.5
        pairs[flip] = pairs[flip, ::-1]
        negative = points[rng.integers(0, len(points), size=size)]
        keep = labels[position[negative]] != labels[position[pairs[:, 0]]]
        return np.column_stack([pairs[keep], negative[keep]])

    return _sample_unique_rows(draw, n_triplets, rng, 3)


def _all_triplets(groups):
    labelled = np.concatenate(groups)
    out = []
    for members in groups:
        a, p = np.nonzero(~np.eye(len(members), dtype=bool))
        others = np.setdiff1d(labelled, members, assume_unique=True)
        ap = np.repeat(np.column_stack([members[a], members[p]]), len(others), axis=0)
        out.append(np.column_stack([ap, np.tile(others, len(a))]))
    return np.vstack(out).astype(np.intp)


def quadruplets_from_labels(y, n_quadruplets, *, random_state=None):
    """Quadruplets (a, b, c, d): (a, b) a similar pair, (c, d) a dissimilar pair.

    Each states d(a, b) < d(c, d). The similar pairs are distinct, and so are
    the dissimilar ones.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels; −1 marks unlabelled points.
    n_quadruplets : int
    random_state : int, RandomState instance or None

    Returns
    -------
    quadruplets : ndarray of shape (n_quadruplets, 4), intp

    Examples
    --------
    >>> from mlearn.constraints import quadruplets_from_labels
    >>> y = [0, 0, 0, 1, 1, 1]
    >>> quadruplets = quadruplets_from_labels(y, 4, random_state=0)
    >>> all(y[a] == y[b] and y[c] != y[d] for a, b, c, d in quadruplets)
    True
    """
    n_quadruplets, rng, groups = _seeded_groups(
        y, n_quadruplets, "n_quadruplets", "quadruplets", random_state
    )
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        similar = _pairs_of_kind(groups, n_quadruplets, rng, "similar")
        dissimilar = _pairs_of_kind(groups, n_quadruplets, rng, "dissimilar")
    n = min(len(similar), len(dissimilar))
    if n == 0:
        raise ValueError("No class has two points: no quadruplet can be formed.")
    if n < n_quadruplets:
        _warn_fewer("quadruplets of distinct pairs", n, n_quadruplets)
    return np.column_stack([similar[:n], dissimilar[:n]]).astype(np.intp)


def chunks_from_labels(y, n_chunks, chunk_size, *, random_state=None):
    """Disjoint chunks of ``chunk_size`` points, each drawn from a single class.

    Chunks are the supervision of RCA-type learners: points known to share a
    class, without knowing which.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels; −1 marks unlabelled points.
    n_chunks : int
    chunk_size : int, >= 2
    random_state : int, RandomState instance or None

    Returns
    -------
    chunks : ndarray of shape (n_chunks, chunk_size), intp
        Row c holds the indices of chunk c; no index appears twice.

    Examples
    --------
    >>> from mlearn.constraints import chunks_from_labels
    >>> y = [0, 0, 0, 0, 1, 1, 1, 1]
    >>> chunks = chunks_from_labels(y, 3, 2, random_state=0)
    >>> chunks.shape, all(len({y[i] for i in chunk}) == 1 for chunk in chunks)
    ((3, 2), True)
    """
    n_chunks = check_positive_int(n_chunks, "n_chunks")
    chunk_size = check_positive_int(chunk_size, "chunk_size", minimum=2)
    rng = np.random.default_rng(check_random_state(random_state).randint(2**31))
    pool = []
    for members in _labelled_groups(y):
        usable = (len(members) // chunk_size) * chunk_size
        if usable:
            pool.append(rng.permutation(members)[:usable].reshape(-1, chunk_size))
    available = sum(len(p) for p in pool)
    if available == 0:
        raise ValueError(f"No class has {chunk_size} points: no chunk can be formed.")
    if available < n_chunks:
        _warn_fewer(f"disjoint chunks of {chunk_size}", available, n_chunks)
        n_chunks = available
    pool = np.vstack(pool)
    return pool[np.sort(rng.choice(available, n_chunks, replace=False))].astype(np.intp)


class Constraints:
    """metric-learn's interface to the generators above, for code written against it.

    ``Constraints(y).positive_negative_pairs(n)``, ``.generate_knntriplets(X, kg, ki)``
    and ``.chunks(n_chunks, chunk_size)`` return what metric-learn 0.7.0's do, drawn by
    :func:`similar_dissimilar_pairs`, :func:`knn_triplets` and
    :func:`chunks_from_labels` (the draws differ from metric-learn's; their kinds
    and sizes do not).

    Parameters
    ----------
    partial_labels : array-like of shape (n_samples,)
        Class labels; −1 marks unlabelled points, which appear in no constraint.

    Attributes
    ----------
    partial_labels : ndarray of shape (n_samples,)
        The labels given.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.constraints import Constraints
    >>> constraints = Constraints([0, 0, 0, 1, 1, 1, -1])
    >>> a, b, c, d = constraints.positive_negative_pairs(3, random_state=0)
    >>> len(a), len(c)
    (3, 3)
    >>> constraints.chunks(n_chunks=2, chunk_size=3, random_state=0).tolist()
    [0, 0, 0, 1, 1, 1, -1]
    """

    def __init__(self, partial_labels):
        self.partial_labels = np.asarray(partial_labels)

    def positive_negative_pairs(self, n_constraints, same_length=False, random_state=None):
        """``n_constraints`` similar pairs and as many dissimilar ones, as four index arrays.

        Fewer are returned, with a warning, when the labels have fewer.

        Parameters
        ----------
        n_constraints : int
            Pairs of each kind.
        same_length : bool, default=False
            Cut the longer kind to the length of the shorter.
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        a, b : ndarray of shape (n_similar,)
            First and second points of the similar pairs.
        c, d : ndarray of shape (n_dissimilar,)
            First and second points of the dissimilar pairs.
        """
        n_constraints = check_positive_int(n_constraints, "n_constraints")
        # n_constraints of each kind; the generator warns for a kind the labels lack.
        pairs, labels = similar_dissimilar_pairs(
            self.partial_labels, 2 * n_constraints, random_state=random_state
        )
        similar, dissimilar = pairs[labels == 1], pairs[labels == -1]
        if same_length:
            n = min(similar.shape[0], dissimilar.shape[0])
            similar, dissimilar = similar[:n], dissimilar[:n]
        return similar[:, 0], similar[:, 1], dissimilar[:, 0], dissimilar[:, 1]

    def generate_knntriplets(self, X, k_genuine, k_impostor):
        """Triplets from each point's nearest same-class and other-class points.

        As :func:`knn_triplets` (warning when a class is too small for
        ``k_genuine`` or the other classes for ``k_impostor``, and using fewer).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        k_genuine : int
        k_impostor : int

        Returns
        -------
        triplets : ndarray of shape (n_triplets, 3), intp
        """
        return knn_triplets(X, self.partial_labels, k_genuine, k_impostor)

    def chunks(self, n_chunks=100, chunk_size=2, random_state=None):
        """A chunk number per point: ``n_chunks`` disjoint same-class chunks, −1 elsewhere.

        Raises a ValueError when the labels hold fewer than ``n_chunks`` disjoint
        chunks of ``chunk_size``, as metric-learn does
        (:func:`chunks_from_labels` itself warns and returns the chunks there are).

        Parameters
        ----------
        n_chunks : int, default=100
        chunk_size : int, default=2
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        chunks : ndarray of shape (n_samples,), int
            The chunk of each point (0 .. n_chunks − 1), −1 for points in none.
        """
        n_chunks = check_positive_int(n_chunks, "n_chunks")
        chunk_size = check_positive_int(chunk_size, "chunk_size", minimum=2)
        available = sum(len(g) // chunk_size for g in _labelled_groups(self.partial_labels))
        if available < n_chunks:
            raise ValueError(
                f"Not enough points for n_chunks={n_chunks} disjoint chunks of "
                f"chunk_size={chunk_size} within classes: these labels hold at most "
                f"{available}."
            )
        members = chunks_from_labels(
            self.partial_labels, n_chunks, chunk_size, random_state=random_state
        )
        chunk_of_point = np.full(self.partial_labels.shape[0], -1, dtype=int)
        chunk_of_point[members] = np.arange(n_chunks)[:, None]
        return chunk_of_point
