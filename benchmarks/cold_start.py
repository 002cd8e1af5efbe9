"""What a script that fits once pays: import, first fit in a fresh process, and a warm fit.

For each learner, a fresh interpreter imports the library, fits once on digits (the first fit
also loads compiled kernels from numba's cache), then fits again (warm). Both libraries import
scikit-learn, so a script pays scikit-learn's import whichever it uses; the import is timed in
two parts (``sklearn.base`` first, then the library), and the last column is the cold speed-up
mlearn would reach if its own import and its fit took no time at all: the peer's cold time over
scikit-learn's import alone. mlearn runs in this
interpreter's environment, metric-learn in the peer interpreter
(``bash benchmarks/make-peer-venv.sh`` makes ``.peer-venv``). Medians over ``--repeats``
fresh processes; one BLAS thread in both.

    OPENBLAS_NUM_THREADS=1 python benchmarks/cold_start.py --peer-python .peer-venv/bin/python \\
        [--repeats 3] [--out benchmarks/results/cold_start.md]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (mlearn class, metric-learn class, shared constructor keywords)
LEARNERS = [
    ("LMNN", "LMNN", {"n_neighbors": 3, "random_state": 0}),
    ("ITMLSupervised", "ITML_Supervised", {"random_state": 0}),
    ("NCA", "NCA", {"max_iter": 100}),
]

CHILD = """
import json, sys, time
start = time.perf_counter()
import sklearn.base
sklearn_imported = time.perf_counter()
import {module}
imported = time.perf_counter()
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X = X / 16.0
Learner = getattr({module}, {name!r})
t0 = time.perf_counter(); Learner(**{kwargs!r}).fit(X, y); first = time.perf_counter() - t0
t0 = time.perf_counter(); Learner(**{kwargs!r}).fit(X, y); warm = time.perf_counter() - t0
print(json.dumps({{"import_s": imported - start, "sklearn_import_s": sklearn_imported - start,
                  "first_fit_s": first, "warm_fit_s": warm}}))
"""


def run_child(python, module, name, kwargs):
    code = CHILD.format(module=module, name=name, kwargs=kwargs)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [python, "-W", "ignore", "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def medians(python, module, name, kwargs, repeats):
    runs = [run_child(python, module, name, kwargs) for _ in range(repeats)]
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    lines = [
        f"Produced by `OPENBLAS_NUM_THREADS=1 python benchmarks/cold_start.py --peer-python "
        f".peer-venv/bin/python --repeats {args.repeats}`: digits (1,797 × 64), medians over "
        f"{args.repeats} fresh processes. Cold = import + first fit in a fresh process.",
        "",
        "| learner | mlearn import s | of which scikit-learn's | mlearn first fit s | mlearn warm "
        "fit s | metric-learn import s | metric-learn first fit s | cold speed-up | warm speed-up "
        "| cold speed-up bound |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for ours, theirs, kwargs in LEARNERS:
        m = medians(sys.executable, "mlearn", ours, kwargs, args.repeats)
        p = medians(args.peer_python, "metric_learn", theirs, kwargs, args.repeats)
        cold = (p["import_s"] + p["first_fit_s"]) / (m["import_s"] + m["first_fit_s"])
        warm = p["warm_fit_s"] / m["warm_fit_s"]
        bound = (p["import_s"] + p["first_fit_s"]) / m["sklearn_import_s"]
        lines.append(
            f"| {ours} | {m['import_s']:.2f} | {m['sklearn_import_s']:.2f} | "
            f"{m['first_fit_s']:.3f} | {m['warm_fit_s']:.3f} | {p['import_s']:.2f} | "
            f"{p['first_fit_s']:.3f} | {cold:.1f}× | {warm:.1f}× | {bound:.1f}× |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        "Both libraries import scikit-learn; *of which scikit-learn's* is `import sklearn.base` "
        "alone, timed first in the same process. *Cold speed-up bound* is the peer's cold time "
        "over that import: the cold speed-up mlearn would show if its own import and its first "
        "fit took no time. The first fit pays more than the warm one for numba's compiled "
        "kernels (imported and loaded from its cache on first use).",
    ]
    text = "\n".join(lines) + "\n"
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
