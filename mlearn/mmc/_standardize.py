"""The features' scale over the similar pairs, and the degenerate input it reveals.

Both solvers work on the features divided by their spread over the similar
pairs, so that their relative tolerances do not depend on the features' units;
features on which every similar pair agrees are left out (weight 0). A metric
moves between the two scales by M_standardized = C M C, C = diag(spread).
"""

import warnings

import numpy as np

# Share of the dissimilar pairs' squared differences lying where every similar pair
# agrees, above which the objective is reported unbounded there (not rounding).
UNBOUNDED_RTOL = 1e-8


def warn_unbounded(n_directions):
    """Warn that the objective is unbounded on ``n_directions`` directions, given weight 0."""
    warnings.warn(
        f"Some dissimilar pairs differ within the {n_directions}-dimensional subspace along "
        f"which every similar pair agrees, where the MMC objective is unbounded; the "
        f"learned metric gives that subspace weight 0.",
        UserWarning,
        stacklevel=4,
    )


def no_dissimilar_spread():
    """The error raised when no dissimilar pair differs where the metric may be nonzero."""
    return ValueError(
        "No dissimilar pair differs along the span of the similar pairs' differences: "
        "the MMC objective is zero for every metric."
    )


def standardize(pairs):
    """Divide each feature by its spread over the similar pairs, in ``pairs``.

    Features on which every similar pair agrees are left out (their weight is 0).
    Returns the spreads and the kept mask.
    """
    spread = np.sqrt(pairs.squared_difference_sum("similar"))
    keep = spread > 0
    if not np.any(keep):
        raise ValueError("All similar pairs join identical points: f(M) = 0 for every M.")
    if not np.all(keep):
        dropped = pairs.squared_difference_sum("dissimilar")[~keep]
        if np.any(dropped > 0):
            warn_unbounded(int(np.sum(~keep)))
    pairs.rescale(keep, spread)
    return spread, keep


def to_standardized(M, spread, keep):
    """A metric on the original features, expressed on the kept, standardized ones."""
    return M[np.ix_(keep, keep)] * np.outer(spread[keep], spread[keep])


def from_standardized(M_standardized, spread, keep):
    """A metric on the standardized features, on the original ones (0 on those left out)."""
    n_features = keep.shape[0]
    M = np.zeros((n_features, n_features))
    M[np.ix_(keep, keep)] = M_standardized / np.outer(spread[keep], spread[keep])
    return M
