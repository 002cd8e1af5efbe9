"""Learners of chunks: groups of points known to share a class (RCA)."""

import numpy as np
from sklearn.utils.validation import validate_data

from .._dask import labels_in_memory
from .._validation import is_dask_array
from ._points import points_of


def check_chunks(chunks, n_samples):
    """Validate chunk labels, one per sample: −1 for no chunk, any other integer ≥ 0 a chunk.

    Returns
    -------
    chunks : ndarray of shape (n_samples,), intp
        The chunks renumbered 0..n_chunks − 1 in increasing order of their labels,
        −1 kept for the points in no chunk.
    """
    chunks = np.asarray(chunks)
    if chunks.ndim == 2 and chunks.shape[1] == 1:
        chunks = chunks.ravel()
    if chunks.ndim != 1:
        raise ValueError(
            f"chunks must be a 1-D array of one label per sample, got shape {chunks.shape}."
        )
    if chunks.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but chunks has {chunks.shape[0]} labels.")
    if chunks.dtype.kind not in "iuf" or (
        chunks.dtype.kind == "f" and not np.all(np.isfinite(chunks) & (chunks == np.round(chunks)))
    ):
        raise ValueError(
            f"Unknown label type for chunks: they must be integer labels (−1 for no chunk), "
            f"got dtype {chunks.dtype}."
        )
    if np.any(chunks < -1):
        raise ValueError(f"chunks must be −1 (no chunk) or ≥ 0, got {chunks.min()}.")
    in_chunk = chunks >= 0
    encoded = np.unique(chunks[in_chunk], return_inverse=True)[1]
    renumbered = np.full(n_samples, -1, dtype=np.intp)
    renumbered[in_chunk] = encoded
    if not np.any(np.bincount(encoded, minlength=1) >= 2):
        raise ValueError(
            "No chunk has two samples: chunks must group points known to share a class."
        )
    return renumbered


def chunks_of_indices(chunk_indices, n_samples):
    """Chunk labels per sample (−1: none) from an (n_chunks, chunk_size) array of indices."""
    chunk_indices = np.asarray(chunk_indices)
    chunks = np.full(n_samples, -1, dtype=np.intp)
    chunks[chunk_indices.ravel()] = np.repeat(
        np.arange(chunk_indices.shape[0]), chunk_indices.shape[1]
    )
    return chunks


class ChunksMixin:
    """Face of learners that fit on points X and chunks: groups of points known to share a class.

    ``fit(X, y)`` takes in y one chunk label per sample, −1 for a point in no
    chunk (metric-learn's convention, where the argument is called ``chunks``);
    :func:`mlearn.constraints.chunks_from_labels` draws chunks from class labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from mlearn.base import ChunksMixin, MahalanobisMixin
    >>> class ChunkSpread(ChunksMixin, MahalanobisMixin, BaseEstimator):
    ...     def fit(self, X, y):
    ...         X, chunks = self._validate_chunks(X, y)
    ...         inside = X[chunks >= 0]
    ...         self.components_ = np.diag(1 / inside.std(axis=0))
    ...         return self
    >>> X = np.array([[0.0, 0.0], [2.0, 1.0], [9.0, 9.0], [0.0, 5.0]])
    >>> np.diag(ChunkSpread().fit(X, [0, 0, -1, -1]).components_).tolist()
    [1.0, 2.0]
    """

    def _validate_chunks(self, X, chunks):
        """Validate (X, chunks); return X and the chunks renumbered 0..n_chunks − 1 (−1: none).

        A dask X is returned as it is (checked for shape and dtype) for a learner
        whose fit keeps it on the cluster (``_fits_on_dask``); the chunks are
        brought into memory.
        """
        X = points_of(self, X)
        if is_dask_array(X) and getattr(self, "_fits_on_dask", False):
            if X.ndim != 2 or X.dtype.kind not in "biuf":
                raise ValueError(f"Expected a 2-D numeric dask array X, got {X.ndim}-D {X.dtype}.")
            self.n_features_in_ = X.shape[1]
            return X, check_chunks(labels_in_memory(chunks), X.shape[0])
        X, chunks = validate_data(
            self, X, chunks, dtype=[np.float64, np.float32], ensure_min_samples=2, y_numeric=False
        )
        return X, check_chunks(chunks, X.shape[0])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
