"""LMNN's passes: fits whose target neighbours are re-selected in the metric just learned.

Weinberger & Saul (2009, §6.1) refit LMNN with new target neighbours, the k nearest
same-class points under the metric the previous fit learned. Each pass starts from the
previous L; the passes stop once at most ``SETTLED_TARGETS`` of the targets change.

How many passes pay depends on the data, and ``n_passes='auto'`` decides it:

- With fewer than ``POINTS_PER_ENTRY`` points per entry of L, one pass: the metric of a pass
  is then fitted partly to noise in its own points, and the targets it picks carry that into
  the next (breast cancer, 455 points for 900 entries, 5-fold: 3-NN 0.970 with one pass,
  0.956 with two).
- Otherwise several passes, and from 10,000 points on (in memory or a dask X), up to
  ``HELD_OUT_PASSES``, their number chosen on held-out points: a stratified
  ``HELD_OUT_FRACTION`` of the points (at most ``MAX_HELD_OUT``) is left out of the fit,
  and each pass's metric classifies them by kNN against the fitted points (on a dask X,
  the same rows, drawn from y alone: the others stay in their row blocks, and the kNN is
  each block's nearest, merged). The passes go on
  while that accuracy does not fall below the best so far; the best pass is kept when it
  gets clearly more of the held-out points right than the first pass (a sign test on the
  points the two classify differently, :func:`significantly_better`), and the first pass
  otherwise. The gain can be large and is not visible in the fit itself: on the 50-feature,
  20-class problem of ``benchmarks/dask_scale.py`` at 100,000 points one pass scores 3-NN
  0.951 (LDA 0.983) and six 0.982, while the number of targets each re-selection moves
  first falls, then rises (``benchmarks/lmnn_passes_check.py``). Gains of a few held-out
  points are not kept: on Fashion-MNIST (PCA 50) the first passes' held-out accuracies
  (0.851, 0.856) and the test set's (0.8535, 0.8518) disagree on their order, and 87 points
  won against 66 lost is within chance.
- Fewer points keep the rule that needs no held-out points: up to
  ``AUTO_PASSES`` passes, which go on while each re-selection moves more targets than the
  one before, keeping the pass before the first that moves fewer (the passes are then
  settling back around the first metric's neighbourhoods: breast cancer, digits, wine).
"""

import numpy as np

from .._blocks import class_votes
from .._optim import warn_not_converged

# The passes stop early once at most this fraction of the target neighbours
# changes from one pass to the next (the metric has stopped moving them).
SETTLED_TARGETS = 0.01
# n_passes='auto': at most AUTO_PASSES under the targets' rule, HELD_OUT_PASSES under the
# held-out one, which stops by itself once the passes stop gaining; on the 100,000 × 50
# problem of benchmarks/lmnn_scale.py they gain to the eighth (3-NN 0.784 after five, 0.814
# after eight), and 8 passes keep that fit under two minutes of one core (89 s).
AUTO_PASSES = 5
HELD_OUT_PASSES = 8
POINTS_PER_ENTRY = 4
# n_passes='auto': the held-out share that chooses the number of passes,
# taken only when it makes at least MIN_HELD_OUT points (n ≥ 10,000), whose kNN accuracy is
# then known to about ±0.015; smaller data keep the targets' rule below and all their points.
HELD_OUT_FRACTION = 0.1
MIN_HELD_OUT = 1000
MAX_HELD_OUT = 5000
# Passes beyond the first are kept only when their held-out gain over the first is at least
# this many standard deviations of a sign test (:func:`significantly_better`).
MIN_GAIN_IN_SD = 2.0


def resolved_n_passes(n_passes, n_samples, shape, held_out=False):
    """``n_passes``, with 'auto' resolved from the points per entry of L (of ``shape``)
    and whether held-out points choose the passes."""
    if n_passes != "auto":
        return n_passes
    if n_samples < POINTS_PER_ENTRY * shape[0] * shape[1]:
        return 1
    return HELD_OUT_PASSES if held_out else AUTO_PASSES


def held_out_rows(y, n_neighbors, random_state):
    """A stratified mask of the points that choose the number of passes.

    About ``HELD_OUT_FRACTION`` of each class (``MAX_HELD_OUT`` points in all at the most),
    drawn with ``random_state``; a class keeps at least n_neighbors + 1 points in the fit,
    so that held-out points never cost a point its k target neighbours.
    """
    fraction = min(HELD_OUT_FRACTION, MAX_HELD_OUT / y.shape[0])
    mask = np.zeros(y.shape[0], dtype=bool)
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        count = min(int(fraction * members.size), members.size - (n_neighbors + 1))
        if count > 0:
            mask[random_state.choice(members, count, replace=False)] = True
    return mask


class HeldOutAccuracy:
    """Which held-out points the kNN rule gets right against the fitted ones, under a map L.

    ``neighbours`` is the fit's evaluator: its ``nearest_rows(queries, L, k)`` finds each
    held-out point's k nearest fitted points, in memory or over the row blocks of a dask X
    where they are (each block's nearest, merged), so that the fitted points never gather.
    The vote is scikit-learn's ``KNeighborsClassifier`` (uniform weights): the most
    frequent class among the k, the smallest label of a tie.
    """

    def __init__(self, neighbours, y_fit, X_held, y_held, n_neighbors):
        self.neighbours, self.y_fit = neighbours, y_fit
        self.X_held, self.y_held = X_held, y_held
        self.n_neighbors = n_neighbors

    def __call__(self, L):
        _, nearest = self.neighbours.nearest_rows(self.X_held, L, self.n_neighbors)
        labels = self.y_fit[nearest]
        n_classes = int(max(self.y_fit.max(), self.y_held.max())) + 1
        return class_votes(labels, n_classes).argmax(axis=1) == self.y_held


def wins_and_losses(correct, best):
    """(points ``correct`` gets right and ``best`` wrong, points the other way round)."""
    return int(np.count_nonzero(correct & ~best)), int(np.count_nonzero(best & ~correct))


def significantly_better(correct, best):
    """Whether the points ``correct`` gets right beat ``best``'s by more than chance.

    A sign test on the held-out points the two metrics classify differently: of those,
    the new metric must win ``MIN_GAIN_IN_SD`` standard deviations more than it loses
    (b + c discordant points, c − b ≥ z √(b + c)), so that passes are not kept for a gain
    of a few points that another draw of the held-out part would not repeat.
    """
    gained, lost = wins_and_losses(correct, best)
    return gained > lost and gained - lost >= MIN_GAIN_IN_SD * np.sqrt(gained + lost)


def fit_passes(
    evaluator, L, *, one_pass, max_passes, auto, max_iter, rescale_first, dtype, held_out, verbose
):
    """Up to ``max_passes`` LMNN fits, each pass's targets the kNN in the last metric.

    ``one_pass(L, max_iter)`` fits one pass from L and returns its
    :class:`~mlearn.lmnn._solver.ActiveSetFit`. ``held_out`` (a :class:`HeldOutAccuracy`,
    or None) scores each pass; without it and with ``auto``, the targets' moves decide
    (see the module's docstring). Returns the fit of the pass kept with its counts summed
    over all passes run, the number of passes up to the one kept, and the held-out score
    of every pass run (empty without ``held_out``).
    """
    totals, n_passes, kept, before, fitted = np.zeros(3, dtype=int), 0, None, None, None
    scores, first, best = [], None, None
    while n_passes < max_passes and totals[0] < max_iter:
        if n_passes:
            evaluator.select_targets(L)
            changed, slots = evaluator.target_changes()
            if verbose:
                print(f"[LMNN] pass {n_passes + 1}: {changed} of {slots} targets changed")
            if changed <= SETTLED_TARGETS * slots:
                break
            if auto and held_out is None and before is not None and changed < before[0]:
                # Fewer targets moved than after the pass before: keep that pass.
                kept, n_passes = before[1], n_passes - 1
                break
            before = (changed, fitted)
        if n_passes or rescale_first:
            L = unit_target_scale(L, evaluator, dtype)
        fitted = one_pass(L, max_iter - totals[0])
        L, n_passes = fitted.components, n_passes + 1
        totals += (fitted.n_iter, fitted.n_loss_evals, fitted.n_searches)
        if held_out is not None:
            correct = held_out(L)
            scores.append(float(correct.mean()))
            if verbose:
                k, versus = held_out.n_neighbors, ""
                if first is not None:
                    gained, lost = wins_and_losses(correct, first[0])
                    versus = f" (against pass 1: {gained} more right, {lost} more wrong)"
                print(f"[LMNN] pass {n_passes}: held-out {k}-NN accuracy {scores[-1]:.4f}{versus}")
            first = first or (correct, fitted, n_passes)
            if best is None or scores[-1] > best[0].mean():
                best = (correct, fitted, n_passes)
            elif scores[-1] < best[0].mean():
                break  # below the best so far: the passes have stopped gaining
    if best is not None:
        # The best pass, when it is clearly better than the first; else the first.
        chosen = best if significantly_better(best[0], first[0]) else first
        kept, n_passes = chosen[1], chosen[2]
    fitted = fitted if kept is None else kept
    fitted.n_iter, fitted.n_loss_evals, fitted.n_searches = (int(t) for t in totals)
    if fitted.n_iter >= max_iter:
        warn_not_converged("LMNN", max_iter)
    return fitted, n_passes, scores


def unit_target_scale(L, evaluator, dtype):
    """L scaled so that the mean squared distance to target neighbours is 1."""
    total, count = evaluator.target_distance_sum(L)
    mean = total / max(count, 1)
    if not np.isfinite(mean) or mean <= 0:
        return L
    return (L / np.sqrt(mean)).astype(dtype, copy=False)
