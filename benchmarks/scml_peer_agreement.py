"""SCML against metric-learn's: the same triplets, basis, seed and parameters.

On min-max-scaled iris, wine and digits, kNN triplets (k_genuine=3, k_impostor=10) and
the local-LDA basis are built once by mlearn and handed to both learners (metric-learn's
``SCML`` with ``preprocessor=X`` through ``_fit(triplets, basis)``, since
``SCML(basis=array).fit`` raises in 0.7.0; mlearn's with ``tol=None`` so that
both run all ``max_iter`` steps). Both draw ``RandomState(seed).randint(0, n_triplets,
(max_iter, batch_size))``, so the steps are the same and the metrics should agree to the
rounding that the thresholding amplifies. Reported: the objective F of each final metric
on all triplets (β‖w‖₁ is β tr M for unit bases), their relative difference, and
‖M − M_peer‖_F / ‖M_peer‖_F.

    OPENBLAS_NUM_THREADS=1 python benchmarks/scml_peer_agreement.py --peer-python PATH
"""

import argparse
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if (_ROOT / "mlearn" / "__init__.py").is_file():
    sys.path.insert(0, str(_ROOT))

import numpy as np  # noqa: E402
from datasets import load_dataset  # noqa: E402
from sklearn.preprocessing import minmax_scale  # noqa: E402

import mlearn  # noqa: E402
from mlearn.constraints import knn_triplets  # noqa: E402
from mlearn.scml._basis import default_lda_n_basis, lda_basis  # noqa: E402
from mlearn.scml._evaluator import TripletBasisTerms  # noqa: E402

PEER_FIT = """
import sys, warnings, numpy as np
warnings.simplefilter("ignore")
from metric_learn import SCML
data = np.load(sys.argv[1])
kw = dict(beta=float(data["beta"]), gamma=float(data["gamma"]), max_iter=int(data["max_iter"]),
          output_iter=int(data["output_iter"]), batch_size=int(data["batch_size"]))
model = SCML(preprocessor=data["X"], random_state=int(data["seed"]), **kw)
# SCML(basis=array).fit fails in metric-learn 0.7.0 (it compares the array with a string);
# _fit with the basis is the path its SCML_Supervised takes, the same solver.
model._fit(data["triplets"], basis=data["basis"], n_basis=len(data["basis"]))
np.save(sys.argv[2], model.components_.T @ model.components_)
"""


def objective(X, triplets, M, beta):
    """F of M on all triplets: the mean hinge plus β tr M (= β‖w‖₁ for unit bases)."""
    total, _ = TripletBasisTerms(X, triplets, np.eye(X.shape[1])).hinge_sum(M)
    return total / len(triplets) + beta * np.trace(M)


def compare(name, seed, params, peer_python):
    X, y = load_dataset(name)
    X = minmax_scale(X)
    triplets = knn_triplets(X, y, 3, 10)
    n_basis = default_lda_n_basis(*X.shape, len(np.unique(y)))
    basis = lda_basis(X, np.unique(y, return_inverse=True)[1], n_basis, seed)
    ours = mlearn.SCML(basis=basis, preprocessor=X, random_state=seed, tol=None, **params)
    M = ours.fit(triplets).get_mahalanobis_matrix()
    with tempfile.TemporaryDirectory() as tmp:
        request, answer = Path(tmp) / "request.npz", Path(tmp) / "M.npy"
        np.savez(request, X=X, triplets=triplets, basis=basis, seed=seed, **params)
        subprocess.run([peer_python, "-c", PEER_FIT, request, answer], check=True)
        M_peer = np.load(answer)
    F, F_peer = (
        objective(X, triplets, M, params["beta"]),
        objective(X, triplets, M_peer, params["beta"]),
    )
    return {
        "dataset": name,
        "seed": seed,
        "triplets": len(triplets),
        "bases": len(basis),
        "F mlearn": F,
        "F metric-learn": F_peer,
        "F rel. diff": abs(F - F_peer) / abs(F_peer),
        "M rel. diff": np.linalg.norm(M - M_peer) / np.linalg.norm(M_peer),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", required=True)
    parser.add_argument("--datasets", nargs="+", default=["iris", "wine", "digits"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    params = {"beta": 1e-5, "gamma": 5e-3, "max_iter": 10000, "output_iter": 500, "batch_size": 10}
    print(f"Parameters (both learners): {params}\n")
    columns = None
    for name in args.datasets:
        for seed in args.seeds:
            row = compare(name, seed, params, args.peer_python)
            if columns is None:
                columns = list(row)
                print("| " + " | ".join(columns) + " |")
                print("|" + "---|" * len(columns))
            cells = [f"{v:.3g}" if isinstance(v, float) else str(v) for v in row.values()]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
