"""Measurements behind DeepMetricLearner's defaults: 1-NN accuracy of the embedding.

Each run trains one configuration on a 70/30 stratified split of a dataset and
reports the 1-NN accuracy of the test points against the training points, in the
embedding and on the pixels, the fit time and whether the embedding collapsed
(an EmbeddingCollapseWarning). One torch thread, as the learner's default.

    python benchmarks/deep_defaults.py --data digits mnist5k --network mlp cnn \
        --config defaults old --seeds 0 1 --out runs.jsonl

Runs are JSON lines; those measured since the batches are dealt in class rounds
(``mlearn.deep.samplers``) carry ``"batches": "rounds"``, and the table marks the others
"(before)": they ran at the defaults of their day (triplet loss, lr 10⁻³, constant).

Datasets: 'digits' (scikit-learn, 1,797 8×8), 'mnist5k'
(mlearn.datasets.load_mnist_digits), 'fashion5k' (the first 5,000 images of
Fashion-MNIST's training file, idx files under --fashion-dir).
"""

import argparse
import gzip
import json
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn.datasets import load_mnist_digits
from mlearn.deep import DeepMetricLearner, EmbeddingCollapseWarning

# One change at a time from the defaults (and the old defaults, which collapse).
CONFIGS = {
    "defaults": {},
    "old": dict(distance="euclidean", miner="batch_hard", margin=1.0, lr=3e-3, embedding_dim=16),
    "raw_semihard": dict(distance="euclidean", margin=1.0),
    "batch_hard": dict(miner="batch_hard"),
    "batch_easy_hard": dict(miner="batch_easy_hard"),
    "all_tuples": dict(miner=None),
    "margin_0.1": dict(margin=0.1),
    "margin_0.4": dict(margin=0.4),
    "lr_3e-3": dict(lr=3e-3),
    "lr_3e-4": dict(lr=3e-4),
    "dim_16": dict(embedding_dim=16),
    "dim_64": dict(embedding_dim=64),
    "spc_8": dict(samples_per_class=8),
    "batch_128": dict(batch_size=128),
    "epochs_10": dict(max_epochs=10),
    "cosine_lr": dict(lr_schedule="cosine"),
}
LOSS_NAMES = [
    "triplet", "contrastive", "margin", "multi_similarity", "ntxent", "supcon",
    "proxy_anchor", "arcface", "lmnn",
]  # fmt: skip


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(name, fashion_dir):
    if name == "digits":
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
    elif name == "mnist5k":
        X, y = load_mnist_digits()
        X = X / 255.0
    else:
        images = _read_idx(Path(fashion_dir) / "train-images-idx3-ubyte.gz")[:5000]
        y = _read_idx(Path(fashion_dir) / "train-labels-idx1-ubyte.gz")[:5000].astype(int)
        X = images.reshape(5000, -1) / 255.0
    return train_test_split(X.astype(np.float32), y, test_size=0.3, random_state=0, stratify=y)


def one_nn(train, y_train, test, y_test):
    return float(KNeighborsClassifier(1).fit(train, y_train).score(test, y_test))


def run(data, network, loss, config, seed, split):
    X_train, X_test, y_train, y_test = split
    params = {"network": network, "loss": loss, "random_state": seed, **CONFIGS[config]}
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EmbeddingCollapseWarning)
        learner = DeepMetricLearner(**params).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    collapsed = any(issubclass(w.category, EmbeddingCollapseWarning) for w in caught)
    accuracy = one_nn(learner.transform(X_train), y_train, learner.transform(X_test), y_test)
    return {
        "data": data, "network": network, "loss": loss, "config": config, "seed": seed,
        "knn": accuracy, "pixels": one_nn(X_train, y_train, X_test, y_test),
        "seconds": round(seconds, 2), "collapse_warning": collapsed,
        "final_loss": learner.loss_curve_[-1], "active": learner.active_fraction_[-1],
        "batches": "rounds",
    }  # fmt: skip


def table(rows):
    """A markdown table: one line per (data, network, loss, config), seeds side by side."""
    groups = {}
    for row in rows:
        # Runs from before the batches were dealt in class rounds say so.
        config = row["config"] + ("" if row.get("batches") == "rounds" else " (before)")
        key = (row["data"], row["network"], row["loss"], config)
        groups.setdefault(key, []).append(row)
    lines = [
        "| data | network | loss | config | 1-NN per seed | mean | pixels | collapse | fit s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (data, network, loss, config), runs in groups.items():
        runs = sorted(runs, key=lambda r: r["seed"])
        knn = [r["knn"] for r in runs]
        lines.append(
            f"| {data} | {network} | {loss} | {config} | "
            + " / ".join(f"{v:.3f}" for v in knn)
            + f" | {np.mean(knn):.3f} | {runs[0]['pixels']:.3f} | "
            + ("**yes**" if any(r["collapse_warning"] for r in runs) else "no")
            + f" | {np.median([r['seconds'] for r in runs]):.0f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["digits", "mnist5k"])
    parser.add_argument("--network", nargs="+", default=["mlp", "cnn"])
    parser.add_argument("--loss", nargs="+", default=["triplet"])
    parser.add_argument("--config", nargs="+", default=["defaults"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--fashion-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--out", default=None, help="append JSON lines here")
    parser.add_argument("--table", nargs="+", default=None, help="summarise JSON-line files")
    args = parser.parse_args()
    if args.table:
        print(table([json.loads(line) for path in args.table for line in open(path)]))
        return
    torch.set_num_threads(1)
    losses = LOSS_NAMES if args.loss == ["every"] else args.loss
    for data in args.data:
        split = load(data, args.fashion_dir)
        for network in args.network:
            for loss in losses:
                for config in args.config:
                    for seed in args.seeds:
                        row = run(data, network, loss, config, seed, split)
                        line = json.dumps(row)
                        print(line, flush=True)
                        if args.out:
                            with open(args.out, "a") as f:
                                f.write(line + "\n")


if __name__ == "__main__":
    main()
