"""NCA and MLKR against metric-learn 0.7.0: the same start, the same parameters, the same data.

For each learner and dataset the training part (70 %, stratified for classes, seed 0) is
fitted by mlearn here and by metric-learn in the peer interpreter, both from the same initial
L (mlearn's ``init='auto'`` start, passed to both as an array) with the same ``max_iter`` and
``tol=1e-5`` (both pass it to scipy's L-BFGS-B as its ``tol``: relative decrease and largest
gradient entry; metric-learn's default, ``tol=None``, runs on to scipy's ftol of 2.2e-9).
Reported: fit time (median of the repeats, one BLAS thread on both sides), the objective
value at each library's L evaluated by the same brute-force formula, their relative
difference, and the held-out score: kNN (k=3) accuracy for NCA, kNN regression (k=10) R² for
MLKR, with the Euclidean score beside them. For NCA, scikit-learn's
NeighborhoodComponentsAnalysis is timed too, from the same start with the same ``max_iter`` and
``tol`` (the same objective, its n × n matrices formed whole).

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/nca_mlkr_peer.py --peer-python .peer-venv/bin/python \\
        [--repeats 3] [--out benchmarks/results/nca_mlkr_peer.md]
    python benchmarks/nca_mlkr_peer.py --peer-python .peer-venv/bin/python --blas-threads 0

(``--blas-threads 0``: each library's default BLAS threads, the second table of the results.)

The peer side is this same file run as
``.peer-venv/bin/python nca_mlkr_peer.py --peer REQUEST.json``;
it imports numpy, scikit-learn and metric-learn only.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np

# The learners, their metric-learn class, the datasets and the scorer.
# MLKR's early stopping (mlearn's default) is off in the compared fits, so that both sides
# minimise the same objective on the same points; the 'default score' column is mlearn's
# fit with its own defaults (init='auto', early stopping for MLKR, random_state=0).
CASES = [
    ("NCA", "NCA", "digits", {"max_iter": 100, "tol": 1e-5}),
    ("NCA", "NCA", "wine", {"max_iter": 100, "tol": 1e-5}),
    ("NCA", "NCA", "iris", {"max_iter": 100, "tol": 1e-5}),
    ("MLKR", "MLKR", "diabetes", {"max_iter": 1000, "tol": 1e-5}),
    ("MLKR", "MLKR", "friedman1", {"max_iter": 1000, "tol": 1e-5}),
]
OURS_ONLY = {"MLKR": {"early_stopping": False}}


def load(name):
    """(X_train, X_test, y_train, y_test), scaled to [0, 1] on the train part."""
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    if name == "friedman1":
        X, y = datasets.make_friedman1(400, n_features=10, random_state=0)
    else:
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    stratify = None if name in ("diabetes", "friedman1") else y
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=stratify, random_state=0
    )
    scaler = MinMaxScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def timed_fits(make, X, y, repeats):
    """(median wall seconds, median CPU seconds, the last fitted estimator) over the fits.

    CPU seconds (``time.process_time``) count only this process's own work, so that they
    are disturbed less than wall seconds by other jobs on a shared machine.
    """
    import warnings

    times, cpu_times = [], []
    for _ in range(repeats):
        estimator = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start, cpu_start = time.perf_counter(), time.process_time()
            estimator.fit(X, y)
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
    return median(times), median(cpu_times), estimator


def peer_main(request_path):
    """Peer side: fit metric-learn's class from the given start; print one JSON line."""
    import metric_learn
    from threadpoolctl import threadpool_limits

    request = json.loads(Path(request_path).read_text())
    with np.load(request["data"]) as data:
        X, y, init = data["X"], data["y"], data["init"]
    cls = getattr(metric_learn, request["class_name"])
    with threadpool_limits(request["blas_threads"], user_api="blas"):
        seconds, cpu_seconds, model = timed_fits(
            lambda: cls(init=init, **request["kwargs"]), X, y, request["repeats"]
        )
    answer = {"fit_s": seconds, "cpu_s": cpu_seconds, "n_iter": model.n_iter_}
    print(json.dumps({**answer, "L": model.components_.tolist()}))


def run_peer(python, class_name, X, y, init, kwargs, repeats, blas_threads):
    with tempfile.TemporaryDirectory() as tmp:
        data, request = Path(tmp, "data.npz"), Path(tmp, "request.json")
        np.savez(data, X=X, y=y, init=init)
        fields = {"class_name": class_name, "kwargs": kwargs, "repeats": repeats}
        fields.update(data=str(data), blas_threads=blas_threads)
        request.write_text(json.dumps(fields))
        out = subprocess.run(
            [python, __file__, "--peer", str(request)], capture_output=True, text=True, check=True
        )
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    return answer["fit_s"], answer["cpu_s"], np.array(answer["L"]), answer["n_iter"]


def objective(learner, L, X, y):
    """NCA's −Σ p_i or MLKR's Σ (ŷ_i − y_i)² at L, from the full n × n softmax."""
    Z = X @ L.T
    D = np.maximum(np.sum(Z**2, 1)[:, None] + np.sum(Z**2, 1)[None, :] - 2 * Z @ Z.T, 0)
    np.fill_diagonal(D, np.inf)
    K = np.exp(-(D - D.min(axis=1, keepdims=True)))
    P = K / K.sum(axis=1, keepdims=True)
    if learner == "NCA":
        return -float(np.sum(P * (y[:, None] == y[None, :])))
    return float(np.sum((P @ y - y) ** 2))


def score(learner, Z_train, Z_test, y_train, y_test):
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    knn = KNeighborsClassifier(3) if learner == "NCA" else KNeighborsRegressor(10)
    return float(knn.fit(Z_train, y_train).score(Z_test, y_test))


def sklearn_nca(*, init, max_iter, tol):
    """scikit-learn's NeighborhoodComponentsAnalysis from the same start (the same objective)."""
    from sklearn.neighbors import NeighborhoodComponentsAnalysis

    return NeighborhoodComponentsAnalysis(init=init, max_iter=max_iter, tol=tol)


def measure(learner, peer_class, dataset, kwargs, python, repeats, blas_threads):
    from threadpoolctl import threadpool_limits

    import mlearn
    from mlearn._init import initial_components

    X_train, X_test, y_train, y_test = load(dataset)
    labels = np.unique(y_train, return_inverse=True)[1] if learner == "NCA" else None
    init = initial_components("auto", X_train, labels)
    ours_kwargs = {**kwargs, **OURS_ONLY.get(learner, {})}
    with threadpool_limits(blas_threads, user_api="blas"):
        ours_s, ours_cpu_s, ours = timed_fits(
            lambda: getattr(mlearn, learner)(init=init, **ours_kwargs), X_train, y_train, repeats
        )
        default = getattr(mlearn, learner)(random_state=0).fit(X_train, y_train)
        sklearn_s = sklearn_cpu_s = None
        if learner == "NCA":
            sklearn_s, sklearn_cpu_s, _ = timed_fits(
                lambda: sklearn_nca(init=init, **kwargs), X_train, y_train, repeats
            )
    peer_s, peer_cpu_s, peer_L, peer_iter = run_peer(
        python, peer_class, X_train, y_train, init, kwargs, repeats, blas_threads
    )
    f_ours = objective(learner, ours.components_, X_train, y_train)
    f_peer = objective(learner, peer_L, X_train, y_train)
    return {
        "learner": learner,
        "dataset": f"{dataset} ({X_train.shape[0]} × {X_train.shape[1]})",
        "fit s": ours_s,
        "peer fit s": peer_s,
        "speed-up": peer_s / ours_s,
        "fit CPU s": ours_cpu_s,
        "peer fit CPU s": peer_cpu_s,
        "CPU speed-up": peer_cpu_s / ours_cpu_s,
        "scikit-learn fit s": sklearn_s or "",
        "scikit-learn fit CPU s": sklearn_cpu_s or "",
        "CPU speed-up vs scikit-learn": sklearn_cpu_s / ours_cpu_s if sklearn_s else "",
        "iters": f"{ours.n_iter_} / {peer_iter}",
        "objective": f_ours,
        "peer objective": f_peer,
        "relative difference": abs(f_ours - f_peer) / abs(f_peer),
        "score": score(learner, ours.transform(X_train), ours.transform(X_test), y_train, y_test),
        "peer score": score(learner, X_train @ peer_L.T, X_test @ peer_L.T, y_train, y_test),
        "euclidean score": score(learner, X_train, X_test, y_train, y_test),
        "default score": score(
            learner, default.transform(X_train), default.transform(X_test), y_train, y_test
        ),
    }


def markdown(rows, header):
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(header + [""] + lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS threads on both sides (0: each library's default; mlearn's NCA and MLKR "
        "take one thread below 256 features whatever this says)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    blas_threads = args.blas_threads or None
    rows = []
    for case in CASES:
        rows.append(measure(*case, args.peer_python, args.repeats, blas_threads))
        print(rows[-1], file=sys.stderr, flush=True)
    threads = "one BLAS thread" if args.blas_threads == 1 else "each library's default BLAS threads"
    header = [
        "# NCA and MLKR against metric-learn 0.7.0 (same start, same parameters)",
        "",
        f"Command: `{'OPENBLAS_NUM_THREADS=1 ' if args.blas_threads == 1 else ''}"
        "python benchmarks/nca_mlkr_peer.py "
        f"--peer-python PEER --repeats {args.repeats} --blas-threads {args.blas_threads}`. "
        f"Fit seconds are medians of {args.repeats} fits on {threads}"
        " (wall seconds, and CPU seconds of the fitting "
        "process, which other jobs on a shared machine disturb less); score is kNN (k=3) "
        "accuracy for NCA and kNN regression (k=10) R² for MLKR on the held-out 30 %; "
        "'iters' is mlearn / metric-learn.",
    ]
    text = markdown(rows, header)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peer"]:
        peer_main(sys.argv[2])
    else:
        main()
