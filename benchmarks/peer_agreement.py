"""LSML and SDML against metric-learn 0.7.0 on the same tuples: metrics, objectives, fit times.

For each dataset (scaled to [0, 1]) the tuples are drawn once with ``mlearn.constraints``
(metric-learn's default counts: 20·n_classes² quadruplets; as many similar and dissimilar
pairs), and both libraries fit on exactly those, through a ``preprocessor``:

- SDML is deterministic (a graphical lasso on the same P): the metrics must agree within
  1e-3 relative (Frobenius). The balance is mlearn's 'auto' value for these pairs, passed to
  both as a number, so that P is positive definite (at metric-learn's default 0.5 its
  graphical lasso fails on every dataset here). metric-learn runs through
  ``peer_compat.py`` (its SDML with the ``cov_init`` keyword its scikit-learn lacks dropped).
- LSML is iterative: both objectives f(M) = Σ w (d_ab − d_cd)₊² + tr(M M₀⁻¹) − log det M are
  evaluated by mlearn's ``lsml_objective`` at each library's metric, for the same prior.

Fit times are medians of 3 with one BLAS thread, in each library's own interpreter.

Usage (from the repository root)::

    OPENBLAS_NUM_THREADS=1 python benchmarks/peer_agreement.py --peer-python .peer-venv/bin/python \
        > benchmarks/results/lsml_sdml_peer_agreement.md
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATASETS = ("iris", "wine", "breast_cancer", "digits")
REPEATS = 3


def _median_fit_time(make, *args, **kwargs):
    times, model = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        model = make().fit(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return model, float(np.median(times))


def peer_main(path):
    """In the peer interpreter: fit metric-learn on the stored tuples, store its metrics."""
    sys.path.insert(0, str(Path(__file__).parent))
    from metric_learn import LSML
    from peer_compat import SDML

    data = dict(np.load(path))
    out = {}
    with threadpool_one():
        sdml, out["sdml_time"] = _median_fit_time(
            lambda: SDML(
                balance_param=float(data["eta"]),
                sparsity_param=0.01,
                prior="identity",
                preprocessor=data["X"],
            ),
            data["pairs"],
            data["signs"],
        )
        lsml, out["lsml_time"] = _median_fit_time(
            lambda: LSML(prior="identity", tol=1e-3, max_iter=1000, preprocessor=data["X"]),
            data["quadruplets"],
        )
    np.savez(
        path.replace(".npz", "_peer.npz"),
        sdml=sdml.get_mahalanobis_matrix(),
        lsml=lsml.get_mahalanobis_matrix(),
    )
    print(json.dumps(out))


def threadpool_one():
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def compare(name, peer_python, tmp):
    """Fit mlearn here and metric-learn in the peer on the same tuples; one table row each."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sklearn.preprocessing import minmax_scale

    from mlearn import LSML, SDML
    from mlearn.constraints import quadruplets_from_labels, similar_dissimilar_pairs
    from mlearn.datasets import load_dataset
    from mlearn.lsml._evaluator import QuadrupletResiduals
    from mlearn.lsml._solver import lsml_objective

    X, y = load_dataset(name)
    X = minmax_scale(X)
    k = len(np.unique(y))
    pairs, signs = similar_dissimilar_pairs(y, 2 * 20 * k * k, random_state=0)
    quadruplets = quadruplets_from_labels(y, 20 * k * k, random_state=0)
    eta = SDML(prior="identity", preprocessor=X).fit(pairs, signs).balance_
    path = str(Path(tmp, f"{name}.npz"))
    np.savez(path, X=X, pairs=pairs, signs=signs, quadruplets=quadruplets, eta=eta)
    answer = subprocess.run(
        [peer_python, __file__, "--peer", path], capture_output=True, text=True, check=True
    )
    peer_times = json.loads(answer.stdout.strip().splitlines()[-1])
    peer = np.load(path.replace(".npz", "_peer.npz"))
    with threadpool_one():
        sdml, sdml_time = _median_fit_time(
            lambda: SDML(balance_param=eta, sparsity_param=0.01, prior="identity", preprocessor=X),
            pairs,
            signs,
        )
        lsml, lsml_time = _median_fit_time(
            lambda: LSML(prior="identity", preprocessor=X), quadruplets
        )
    M = sdml.get_mahalanobis_matrix()
    sdml_gap = np.linalg.norm(M - peer["sdml"]) / np.linalg.norm(peer["sdml"])
    evaluator = QuadrupletResiduals(X, quadruplets)
    weights = np.full(len(quadruplets), 1.0 / len(quadruplets))
    prior = np.eye(X.shape[1])
    ours = lsml_objective(lsml.get_mahalanobis_matrix(), evaluator, weights, prior)
    theirs = lsml_objective(peer["lsml"], evaluator, weights, prior)
    start = lsml_objective(prior, evaluator, weights, prior)
    return (
        f"| {name} | SDML | {len(pairs)} pairs, eta={eta:.3g} | ‖M − M_peer‖/‖M_peer‖ = "
        f"{sdml_gap:.2e} | {sdml_time:.4f} | {peer_times['sdml_time']:.4f} | "
        f"{peer_times['sdml_time'] / sdml_time:.1f} |\n"
        f"| {name} | LSML | {len(quadruplets)} quadruplets | f = {ours:.10g} (peer {theirs:.10g}, "
        f"prior {start:.10g}; ours − peer = {ours - theirs:.2e}) | {lsml_time:.4f} | "
        f"{peer_times['lsml_time']:.4f} | {peer_times['lsml_time'] / lsml_time:.1f} |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", required=True)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    args = parser.parse_args()
    print(
        "Command: `OPENBLAS_NUM_THREADS=1 python benchmarks/peer_agreement.py "
        "--peer-python .peer-venv/bin/python` (metric-learn 0.7.0, scikit-learn 1.5.2)\n"
    )
    print("| dataset | learner | tuples | agreement | mlearn fit s | metric-learn fit s | ratio |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="mlearn-peer-") as tmp:
        for name in args.datasets.split(","):
            print(compare(name, args.peer_python, tmp), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peer"]:
        peer_main(sys.argv[2])
    else:
        main()
