"""Fit and score one peer-library estimator; run by the peer interpreter, not by mlearn's.

Usage::

    .peer-venv/bin/python benchmarks/peer_worker.py REQUEST.json
    .peer-venv/bin/python benchmarks/peer_worker.py --versions

REQUEST.json holds ``{"data": NPZ, "module", "class_name", "kwargs", "scale", "supervised",
"threads", "repeats", "n_neighbors"}``; NPZ holds the unscaled ``X, y`` and ``test_fold`` (the
fold index of each sample) exactly as the harness drew them, and the folds are scaled by the
same ``measure.scaled_folds``, so both libraries see the same data. The worker prints one JSON
line on stdout: ``fit_time_s, fit_times_s, accuracy, accuracy_std, warnings, versions`` or
``error``.

The peer interpreter has metric-learn on an older scikit-learn and no mlearn, so this file
imports only the standard library, numpy and ``measure.py`` (which is kept free of mlearn for
this reason); ``measure.py`` times and scores both libraries the same way.
"""

import json
import sys
import traceback
from contextlib import redirect_stdout
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

import numpy as np
from measure import blas_threads, measure_cv


def peer_versions():
    """Return the versions of the peer interpreter's python and libraries."""
    versions = {"python": sys.version.split()[0]}
    for package in ("numpy", "scikit-learn", "metric-learn"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return versions


def run_request(request):
    """Fit and score the estimator a request names on every fold; return the JSON-ready result."""
    with np.load(request["data"]) as data:
        X, y, test_fold = data["X"], data["y"], data["test_fold"]
    estimator_class = getattr(import_module(request["module"]), request["class_name"])
    with blas_threads(request["threads"]):
        measured = measure_cv(
            lambda: estimator_class(**request["kwargs"]),
            X,
            y,
            test_fold,
            scale=request["scale"],
            supervised=request["supervised"],
            repeats=request["repeats"],
            n_neighbors=request["n_neighbors"],
        )
    return measured._asdict()


def main(argv):
    """Answer ``--versions`` or one request file with a JSON line; return the exit status."""
    status = 0
    # Anything the peer library prints goes to stderr, so stdout carries only the result.
    with redirect_stdout(sys.stderr):
        try:
            if argv == ["--versions"]:
                result = {}
            else:
                (request_path,) = argv
                with open(request_path) as file:
                    result = run_request(json.load(file))
        except Exception as error:
            traceback.print_exc()
            result, status = {"error": f"{type(error).__name__}: {error}"}, 1
    result["versions"] = peer_versions()
    print(json.dumps(result))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
