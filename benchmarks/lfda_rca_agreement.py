"""LFDA and RCA against metric-learn 0.7.0: the same metric M = LᵀL on the same data.

For iris, wine and digits (its 3 constant pixels dropped: metric-learn's LFDA and RCA need a
definite within-class scatter) this fits mlearn's LFDA and RCA and metric-learn's in the peer
interpreter on exactly the same points, labels and chunks, and prints the relative
difference ‖M − M_peer‖_F / ‖M_peer‖_F (L itself is defined up to signs and rotations).

LFDA's 'weighted' metric is compared as M_weighted + 2 M_plain: metric-learn forms S_b with
+S_lw where the authors' code has −S_lw, which shifts its eigenvalues by 2 and so scales each
eigenvector by √(λ + 2) instead of √λ (see ``mlearn/lfda/__init__.py``); the row "as is"
gives the difference itself. RCA's chunks are drawn once by
``mlearn.constraints.chunks_from_labels`` and given to both (n/4 chunks of 2, so that the
within-chunk covariance is full rank: with fewer, metric-learn's components hold NaN on digits,
whose border pixels rarely vary within a chunk).
The last column solves our eigenproblem (``mlearn.lfda._embedding.lfda_components``) on the
very scatter matrices metric-learn hands to its eigensolver (S_lb taken as its S_b − 2 S_w):
it isolates the eigen-solution from the two ways metric-learn forms the scatters differently
from the paper (the sign above, and a local scale σ_i read from the k-th *column* of the
partitioned distance matrix, ``np.partition(dist, k, axis=0)[:, k]``, rather than each
point's k-th neighbour distance).

    OPENBLAS_NUM_THREADS=1 python benchmarks/lfda_rca_agreement.py \
        --peer-python .peer-venv/bin/python
"""

import argparse
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(_ROOT))

from mlearn import LFDA, RCA  # noqa: E402
from mlearn.base import chunks_of_indices  # noqa: E402
from mlearn.constraints import chunks_from_labels  # noqa: E402
from mlearn.datasets import load_dataset  # noqa: E402
from mlearn.lfda._embedding import lfda_components  # noqa: E402

# Run by the peer interpreter: fits each request and saves its components_, and for LFDA
# the two scatter matrices metric-learn hands to its eigensolver.
PEER_SCRIPT = """
import json, sys, warnings
import numpy as np
import metric_learn
import metric_learn.lfda as lfda_module
warnings.simplefilter("ignore")
requests = json.load(open(sys.argv[1]))
out, seen = {}, {}
solve = lfda_module._eigh
def recording_eigh(a, b, dim):
    seen["Sb"], seen["Sw"] = a.copy(), b.copy()
    return solve(a, b, dim)
lfda_module._eigh = recording_eigh
for key, (cls, kwargs, data) in requests.items():
    with np.load(data) as d:
        X, y = d["X"], d["y"]
    seen.clear()
    out[key] = getattr(metric_learn, cls)(**kwargs).fit(X, y).components_
    for name, value in seen.items():
        out[key + "|" + name] = value
np.savez(sys.argv[2], **out)
"""


def _datasets():
    for name in ("iris", "wine", "digits"):
        X, y = load_dataset(name)
        varying = X.std(axis=0) > 0
        yield name, X[:, varying].astype(np.float64), y


def _cases(name, X, y):
    """(label, mlearn estimator, fit target, metric-learn class, kwargs, how M is compared)."""
    d = X.shape[1]
    k = min(7, d - 1)  # metric-learn's default on these data: 3 on iris, 7 elsewhere
    # n/4 chunks of 2: enough for a full-rank within-chunk covariance on each data set
    # (metric-learn's components are NaN otherwise).
    chunks = chunks_of_indices(chunks_from_labels(y, len(y) // 4, 2, random_state=0), len(y))
    for n_components in (2, d):
        for embedding in ("plain", "orthonormalized", "weighted"):
            params = {"n_components": n_components, "k": k, "embedding_type": embedding}
            yield (
                f"LFDA {embedding}, n_components={n_components}",
                LFDA(**params),
                y,
                "LFDA",
                params,
                embedding,
            )
        yield (
            f"RCA, n_components={n_components}",
            RCA(n_components=n_components),
            chunks,
            "RCA",
            {"n_components": n_components},
            None,
        )


def _relative(M, M_peer):
    return float(np.linalg.norm(M - M_peer) / np.linalg.norm(M_peer))


def _solve_on_peer_scatters(Sb, Sw, X, kwargs):
    """M from our eigenproblem on metric-learn's (S_b, S_w), as metric-learn weights it."""
    centred = X - X.mean(axis=0)
    n_components, embedding = kwargs["n_components"], kwargs["embedding_type"]
    scatters = (Sb - 2 * Sw, Sw, centred.T @ centred)
    L, _ = lfda_components(*scatters, n_components, embedding)
    M = L.T @ L
    if embedding == "weighted":
        L_plain, _ = lfda_components(*scatters, n_components, "plain")
        M = M + 2 * L_plain.T @ L_plain
    return M


def _run_peer(python, requests, tmp):
    request_path, out_path = Path(tmp, "requests.json"), Path(tmp, "out.npz")
    request_path.write_text(json.dumps(requests))
    subprocess.run([python, "-c", PEER_SCRIPT, str(request_path), str(out_path)], check=True)
    with np.load(out_path) as out:
        return {key: out[key] for key in out.files}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", required=True)
    parser.add_argument("--out", help="also write the table (markdown) here")
    args = parser.parse_args(argv)
    rows, ours, requests = [], {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, X, y in _datasets():
            for label, estimator, target, cls, kwargs, embedding in _cases(name, X, y):
                key = f"{name}|{label}"
                data = Path(tmp, f"{len(requests)}.npz")
                np.savez(data, X=X, y=target)
                requests[key] = (cls, kwargs, str(data))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    M = estimator.fit(X, target).get_mahalanobis_matrix()
                    if embedding == "weighted":
                        plain = LFDA(**{**kwargs, "embedding_type": "plain"}).fit(X, target)
                        ours[key] = (M, M + 2 * plain.get_mahalanobis_matrix(), X, kwargs)
                    else:
                        ours[key] = (M, M, X, kwargs)
        peer = _run_peer(args.peer_python, requests, tmp)
    for key, (M, M_compared, X, kwargs) in ours.items():
        name, label = key.split("|")
        L_peer = peer[key]
        M_peer = L_peer.T @ L_peer
        finite = bool(np.all(np.isfinite(M_peer)))
        compared = _relative(M_compared, M_peer) if finite else float("nan")
        as_is = _relative(M, M_peer) if finite else float("nan")
        solver = "n/a"
        if f"{key}|Sb" in peer:
            M_solver = _solve_on_peer_scatters(peer[f"{key}|Sb"], peer[f"{key}|Sw"], X, kwargs)
            solver = f"{_relative(M_solver, M_peer):.2e}"
        rows.append(f"| {name} | {label} | {compared:.2e} | {as_is:.2e} | {solver} |")
    table = "\n".join(
        [
            "| dataset | learner | M vs peer (weighted: M + 2 M_plain) | as is "
            "| our eigen-solution on the peer's scatters |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    if args.out:
        header = (
            "# benchmarks/lfda_rca_agreement.py\n\n"
            "Command: `OPENBLAS_NUM_THREADS=1 python benchmarks/lfda_rca_agreement.py "
            "--peer-python .peer-venv/bin/python --out benchmarks/results/lfda_rca_agreement.md`"
            " (metric-learn 0.7.0 on scikit-learn 1.5.2 in the peer interpreter). "
            "‖M − M_peer‖_F / ‖M_peer‖_F; digits without its 3 constant pixels (61 features).\n\n"
        )
        Path(args.out).write_text(header + table + "\n")


if __name__ == "__main__":
    main()
