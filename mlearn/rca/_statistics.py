"""RCA's evaluator: the chunk sums and scatters of a block of rows.

Everything RCA needs of the data is a sum over the points in chunks: per chunk
the count and the sum of its points (hence the chunk means), then the scatter
about the grand mean of the chunked points and about each point's chunk mean.
So one :class:`ChunkStatistics` per row block (on its worker, for a dask X)
and a sum over the blocks give exactly the in-memory statistics.
"""

import numpy as np

from .._evaluator import across_shards

__all__ = ["ChunkStatistics"]


class ChunkStatistics:
    """Chunk counts, sums and scatters of the rows of one block that lie in a chunk.

    Parameters
    ----------
    offset : int
        Index of the block's first row in X (0 in memory).
    X : ndarray of shape (n_rows, n_features)
    chunks : ndarray of shape (n_rows,), int
        Chunk of each row, 0..n_chunks − 1 over all of X; −1 for no chunk.
    """

    def __init__(self, offset, X, chunks):
        chunks = np.asarray(chunks, dtype=np.intp)
        inside = chunks >= 0
        self.offset = offset
        self.X = np.asarray(X, dtype=np.float64)[inside]
        self.chunks = chunks[inside]

    @across_shards("sum")
    def chunk_sums(self, n_chunks):
        """Per chunk: its number of points (float64) and the sum of its points (n_chunks × d)."""
        counts = np.bincount(self.chunks, minlength=n_chunks).astype(np.float64)
        sums = np.zeros((n_chunks, self.X.shape[1]))
        np.add.at(sums, self.chunks, self.X)
        return counts, sums

    @across_shards("sum")
    def centred_scatters(self, mean, chunk_means):
        """Scatter about ``mean`` and about each point's chunk mean (both d × d, float64)."""
        total, within = self.X - mean, self.X - chunk_means[self.chunks]
        return total.T @ total, within.T @ within
