"""Where a LSMLSupervised / SDMLSupervised fit on digits spends its time, stage by stage, here
and in metric-learn 0.7.0.

Each stage is a function the fit calls (parameter validation, input validation, constraint
generation, the prior, the solver, the M → L conversion, ...); the script wraps each one with
a ``process_time`` timer (CPU time of the process: on a shared machine wall-clock times of a
few milliseconds vary several-fold with the load; a few microseconds per call) and runs
whole fits with default parameters on digits scaled to [0, 1], one BLAS thread, after one
warm-up fit. It reports, per stage, the median over the fits of the milliseconds spent in it,
and "rest" (the whole fit minus the listed stages: attribute checks, bookkeeping). Sub-stages
(indented) are counted inside their parent. metric-learn's SDML runs through ``peer_compat.py``
with the balance mlearn's 'auto' picks on digits (3.6e-4), as in ``registry.py``.

Usage (from the repository root)::

    OPENBLAS_NUM_THREADS=1 python benchmarks/lsml_sdml_profile.py \
        --peer-python .peer-venv/bin/python > benchmarks/results/lsml_sdml/profile.md
"""

import argparse
import contextlib
import importlib
import json
import subprocess
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import minmax_scale
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
FITS = 15


class StageTimer:
    """Wraps ``owner.attribute`` callables so that the time spent in them is added up per fit."""

    def __init__(self):
        self.spent = defaultdict(float)
        self.order = []

    def wrap(self, label, owner, attribute, *, context=False):
        original = getattr(owner, attribute)
        spent = self.spent
        self.order.append(label)

        if context:  # a function returning a context manager: time entering and leaving

            def timed(*args, **kwargs):
                start = time.process_time()
                manager = original(*args, **kwargs)
                spent[label] += time.process_time() - start
                return _TimedContext(manager, spent, label)

        else:

            def timed(*args, **kwargs):
                start = time.process_time()
                try:
                    return original(*args, **kwargs)
                finally:
                    spent[label] += time.process_time() - start

        setattr(owner, attribute, timed)


class _TimedContext:
    def __init__(self, manager, spent, label):
        self.manager, self.spent, self.label = manager, spent, label

    def __enter__(self):
        start = time.process_time()
        value = self.manager.__enter__()
        self.spent[self.label] += time.process_time() - start
        return value

    def __exit__(self, *exc):
        start = time.process_time()
        result = self.manager.__exit__(*exc)
        self.spent[self.label] += time.process_time() - start
        return result


def _mlearn_stages(which, timer):
    import sklearn.base

    import mlearn.base

    timer.wrap(
        "parameter validation (_fit_context)", sklearn.base.BaseEstimator, "_validate_params"
    )
    timer.wrap(
        "input validation (validate_data, labels)",
        mlearn.base.SupervisedMixin,
        "_validate_supervised",
    )
    if which == "LSML":
        module = importlib.import_module("mlearn.lsml._lsml")
        timer.wrap("constraints (quadruplets_from_labels)", module, "quadruplets_from_labels")
        timer.wrap("prior", module, "strictly_definite_prior")
        timer.wrap("evaluator (re-indexing the points)", module, "QuadrupletResiduals")
        timer.wrap("BLAS thread limit", module, "blas_threads_for", context=True)
        timer.wrap("solver", module, "solve_lsml")
        evaluator = importlib.import_module("mlearn.lsml._evaluator").QuadrupletResiduals
        timer.wrap("  of which loss + gradient evaluations", evaluator, "loss_and_gradient")
        timer.wrap("M → L (psd.components_from_metric)", module, "components_from_metric")
        from mlearn import LSMLSupervised

        return lambda: LSMLSupervised(random_state=0)
    module = importlib.import_module("mlearn.sdml._sdml")
    timer.wrap("constraints (similar_dissimilar_pairs)", module, "similar_dissimilar_pairs")
    timer.wrap("prior", module, "strictly_definite_prior")
    timer.wrap("pair scatter (evaluator + Xᵀ Lap X)", module, "PairDifferenceScatter")
    scatter = importlib.import_module("mlearn.sdml._evaluator").PairDifferenceScatter
    timer.wrap("pair scatter: the product", scatter, "scatter")
    timer.wrap("balance ('auto': one eigvalsh)", module, "balance_of")
    timer.wrap("P definite? (one eigh)", module, "definite_or_shifted")
    timer.wrap("BLAS thread limit", module, "blas_threads_for", context=True)
    timer.wrap("solver (graphical lasso)", module, "solve_sdml")
    timer.wrap("objective", module, "sdml_objective")
    timer.wrap("M → L (psd.components_from_metric)", module, "components_from_metric")
    from mlearn import SDMLSupervised

    return lambda: SDMLSupervised(random_state=0)


def _peer_stages(which, timer):
    import metric_learn
    import metric_learn.base_metric
    import metric_learn.constraints

    timer.wrap(
        "input validation (_prepare_inputs)",
        metric_learn.base_metric.MahalanobisMixin,
        "_prepare_inputs",
    )
    timer.wrap(
        "constraints (positive_negative_pairs)",
        metric_learn.constraints.Constraints,
        "positive_negative_pairs",
    )
    if which == "LSML":
        import metric_learn.lsml as module

        timer.wrap("prior", module, "_initialize_metric_mahalanobis")
        timer.wrap("loss evaluations", module._BaseLSML, "_total_loss")
        timer.wrap("gradients", module._BaseLSML, "_gradient")
        timer.wrap("PSD projections (eigh)", module.scipy.linalg, "eigh")
        timer.wrap("M → L (components_from_metric)", module, "components_from_metric")
        return lambda: metric_learn.LSML_Supervised(random_state=0)
    sys.path.insert(0, str(HERE))
    import metric_learn.sdml as module
    from peer_compat import SDML_Supervised

    timer.wrap("pairs to points (wrap_pairs)", module, "wrap_pairs")
    timer.wrap("prior", module, "_initialize_metric_mahalanobis")
    timer.wrap("solver (graphical lasso)", module, "graphical_lasso")
    timer.wrap("M → L (components_from_metric)", module, "components_from_metric")
    return lambda: SDML_Supervised(balance_param=3.6e-4, random_state=0)


def profile(which, peer):
    """{stage: median ms per fit}, the total as 'whole fit', in this interpreter."""
    X, y = load_digits(return_X_y=True)
    X = minmax_scale(X)
    timer = StageTimer()
    make = (_peer_stages if peer else _mlearn_stages)(which, timer)
    per_fit = defaultdict(list)
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore")
        make().fit(X, y)  # warm-up: lazy imports, numba's cache
        for _ in range(FITS):
            timer.spent.clear()
            model = make()
            start = time.process_time()
            model.fit(X, y)
            total = time.process_time() - start
            top = sum(v for k, v in timer.spent.items() if not k.startswith(" "))
            for label in timer.order:
                per_fit[label].append(timer.spent.get(label, 0.0))
            per_fit["rest"].append(total - top)
            per_fit["whole fit"].append(total)
    return {label: 1000 * float(np.median(v)) for label, v in per_fit.items()}


def _table(title, stages):
    total = stages["whole fit"]
    lines = [f"### {title}", "", "| stage | ms per fit | share |", "|---|---:|---:|"]
    for label, ms in stages.items():
        share = "" if label == "whole fit" else f"{100 * ms / total:.0f} %"
        name = f"**{label}**" if label == "whole fit" else label.replace("  ", "&nbsp;&nbsp;")
        lines.append(f"| {name} | {ms:.2f} | {share} |")
    return "\n".join(lines + [""])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", help="interpreter with metric-learn 0.7.0")
    parser.add_argument("--worker", choices=["mlearn", "peer"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        peer = args.worker == "peer"
        if not peer:
            sys.path.insert(0, str(HERE.parent))
        print(json.dumps({which: profile(which, peer) for which in ("LSML", "SDML")}))
        return
    sys.path.insert(0, str(HERE.parent))
    ours = profile("LSML", False), profile("SDML", False)
    print(f"# Stage profile of one fit on digits (1797 × 64), one BLAS thread, median of {FITS}")
    print(
        "\nCommand: `OPENBLAS_NUM_THREADS=1 python benchmarks/lsml_sdml_profile.py "
        "--peer-python .peer-venv/bin/python`\n"
    )
    print(_table("mlearn LSMLSupervised", ours[0]))
    print(_table("mlearn SDMLSupervised", ours[1]))
    if args.peer_python:
        out = subprocess.run(
            [args.peer_python, __file__, "--worker", "peer"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        theirs = json.loads(out.strip().splitlines()[-1])
        print(_table("metric-learn LSML_Supervised", theirs["LSML"]))
        print(_table("metric-learn SDML_Supervised (peer_compat)", theirs["SDML"]))


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        main()
