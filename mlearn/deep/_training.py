"""What an epoch reports: the validation score, the embedding's spread (collapse
detection) and the progress display."""

import warnings

import numpy as np
import torch

from .._optim import ProgressTable

__all__ = [
    "EmbeddingCollapseWarning",
    "embedding_spread",
    "collapse_message",
    "Progress",
]

# Spread below this fraction of its value before training (or of the embeddings' mean
# norm) is a collapse: all points at one place, every distance zero.
_COLLAPSE_RATIO = 1e-2


class EmbeddingCollapseWarning(UserWarning):
    """Training mapped (almost) every point to the same embedding, or found no tuple to learn
    from; the message names the cause and the fix.

    Examples
    --------
    Turned into an error, a collapse stops the fit (e.g. in a hyper-parameter search):

    >>> import warnings
    >>> import numpy as np
    >>> from mlearn.deep import DeepMetricLearner, EmbeddingCollapseWarning
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 20)
    >>> X = rng.normal(size=(40, 4)) + 3.0 * y[:, None]
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", EmbeddingCollapseWarning)
    ...     learner = DeepMetricLearner(max_epochs=2, random_state=0).fit(X, y)
    >>> learner.n_iter_
    2
    """


def embedding_spread(embeddings):
    """(mean distance to the centroid, mean norm) of a set of embeddings."""
    with torch.no_grad():
        spread = (embeddings - embeddings.mean(dim=0)).norm(dim=1).mean()
        return float(spread), float(embeddings.norm(dim=1).mean())


def collapse_message(name, epoch, spread, start_spread, norm, loss, active):
    """The warning text when the embedding has collapsed at ``epoch``; None otherwise."""
    # Shrunk to next to nothing against its start, or — not grown, and next to nothing
    # against the embeddings' norm — every point at one place away from the origin.
    collapsed = spread < _COLLAPSE_RATIO * start_spread or (
        spread <= start_spread and spread < 1e-3 * norm
    )
    if collapsed:
        return (
            f"{name}: the embedding collapsed at epoch {epoch}: the spread of the embedded "
            f"training points fell to {spread:.3g} from {start_spread:.3g} (loss {loss:.4g}; "
            f"a margin loss sits at its margin when every distance is 0). The usual cause is "
            f"hard mining (miner='batch_hard' or 'hard') on unnormalised distances with a "
            f"large learning rate, or too little or constant input. Fix: use "
            f"distance='normalized_euclidean' (the default), miner='semihard', or a lower lr."
        )
    if active == 0.0 and epoch == 1:
        return (
            f"{name}: no active tuples in epoch {epoch}: the miner found no tuple that "
            f"violates the margin, so the loss gives no gradient. Fix: a larger margin, or "
            f"a miner that keeps hard tuples (miner='semihard' or 'batch_hard')."
        )
    return None


def warn_collapse(message):
    warnings.warn(message, EmbeddingCollapseWarning, stacklevel=4)


class Progress:
    """A tqdm bar over epochs showing loss, active fraction and validation score
    (verbose > 0; without tqdm, a printed table); silent at verbose=0."""

    def __init__(self, name, verbose, epochs):
        self.bar = self.table = None
        if not verbose:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:  # tqdm is in the deep extra, but a bare torch install lacks it
            self.table = ProgressTable(name, verbose, ("loss", "active tuples", "validation"))
            return
        self.bar = tqdm(total=epochs, desc=name, unit="epoch", leave=True)

    def update(self, epoch, loss, active, validation):
        shown = np.nan if validation is None else validation
        if self.table is not None:
            self.table.row(epoch, loss, active, shown)
        if self.bar is not None:
            postfix = {"loss": f"{loss:.4g}", "active": f"{active:.2f}"}
            if validation is not None:
                postfix["MAP@R"] = f"{validation:.3f}"
            self.bar.set_postfix(postfix, refresh=False)
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()
