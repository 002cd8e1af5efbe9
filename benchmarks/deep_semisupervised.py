"""Semi-supervised DeepMetricLearner: what the unlabelled points (label −1) add.

A 70/30 stratified split of a dataset (fixed); a stratified ``--labelled`` share of
the training points keeps its label (drawn per seed), the others get −1. Each seed
trains, on one torch thread:

- ``labelled_only``: the labelled points alone, ``max_epochs`` epochs (what a user
  without the semi-supervised mode would do: ``unlabelled='ignore'``);
- ``labelled_only_steps``: the same, with ``max_epochs`` × (n_train / n_labelled)
  epochs, i.e. at least as many optimiser steps as the semi-supervised fit takes
  (each of its epochs holds at most every training point), for the "is it only
  more steps?" question;
- ``pseudo_label``: every training point, the unlabelled ones through
  pseudo-labels (``unlabelled='pseudo_label'``), ``max_epochs`` epochs;
- ``all_labels``: every training point with its true label (the ceiling).

Scores on the held-out 30 %: 1-NN accuracy of the test points against the
*labelled* training points (the reference a user has), and MAP@R of the test
points among themselves (Musgrave et al. 2020, ``mlearn.metrics.map_at_r``); the
pixels give the floor. Also: the fit's CPU seconds, the share of unlabelled
points that trained under a pseudo-label in the last epoch, and how many of those
pseudo-labels were right.

    python benchmarks/deep_semisupervised.py --data mnist5k fashion5k --seeds 0 1 2 \
        --out benchmarks/results/deep_semisupervised.jsonl
    python benchmarks/deep_semisupervised.py \
        --table benchmarks/results/deep_semisupervised.jsonl
"""

import argparse
import json
import time
import warnings

import numpy as np
import torch
from deep_defaults import load, one_nn
from sklearn.model_selection import train_test_split

from mlearn.deep import DeepMetricLearner, EmbeddingCollapseWarning
from mlearn.metrics import map_at_r

MODES = ("labelled_only", "labelled_only_steps", "pseudo_label", "all_labels")


def hide_labels(y, share, seed):
    """y with −1 on all but a stratified ``share`` of the points."""
    kept, _ = train_test_split(
        np.arange(y.shape[0]), train_size=share, stratify=y, random_state=seed
    )
    partial = np.full_like(y, -1)
    partial[kept] = y[kept]
    return partial


def fit_mode(mode, X, y, partial, params):
    labelled = partial != -1
    if mode == "all_labels":
        return DeepMetricLearner(**params).fit(X, y)
    if mode == "pseudo_label":
        return DeepMetricLearner(**params, unlabelled="pseudo_label").fit(X, partial)
    epochs = params["max_epochs"]
    if mode == "labelled_only_steps":
        epochs = int(round(epochs * y.shape[0] / labelled.sum()))
    learner = DeepMetricLearner(**{**params, "max_epochs": epochs}, unlabelled="ignore")
    return learner.fit(X, partial)


def run(data, mode, seed, split, args):
    X_train, X_test, y_train, y_test = split
    partial = hide_labels(y_train, args.labelled, seed)
    params = dict(
        network=args.network, max_epochs=args.epochs, random_state=seed,
        pseudo_label_neighbors=args.neighbors, pseudo_label_threshold=args.threshold,
    )  # fmt: skip
    start = time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EmbeddingCollapseWarning)
        learner = fit_mode(mode, X_train, y_train, partial, params)
    seconds = time.process_time() - start
    labelled = partial != -1
    train, test = learner.transform(X_train), learner.transform(X_test)
    row = {
        "data": data, "network": args.network, "mode": mode, "seed": seed,
        "labelled": args.labelled, "epochs": args.epochs, "neighbors": args.neighbors,
        "threshold": args.threshold,
        "knn": one_nn(train[labelled], y_train[labelled], test, y_test),
        "map_at_r": float(map_at_r(test, y_test)),
        "pixels_knn": one_nn(X_train[labelled], y_train[labelled], X_test, y_test),
        "pixels_map_at_r": float(map_at_r(X_test, y_test)),
        "cpu_s": round(seconds, 2),
        "collapse_warning": any(issubclass(w.category, EmbeddingCollapseWarning) for w in caught),
    }  # fmt: skip
    if mode == "pseudo_label":
        pseudo = learner.pseudo_labels_
        used = pseudo != -1
        row["pseudo_used"] = float(used.mean())
        row["pseudo_correct"] = float((pseudo[used] == y_train[~labelled][used]).mean())
    return row


def _mean_sd(values):
    sd = np.std(values, ddof=1) if len(values) > 1 else 0.0
    return f"{np.mean(values):.3f} ± {sd:.3f}"


def table(rows):
    """Markdown: one line per (data, network, labelled share, mode), mean ± sd over seeds."""
    groups = {}
    for row in rows:
        key = (row["data"], row["network"], row["labelled"], row["mode"])
        groups.setdefault(key, []).append(row)
    lines = [
        "| data | network | labels | mode | seeds | 1-NN | MAP@R | CPU s | pseudo-labelled "
        "(right) | collapse |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    order = {mode: i for i, mode in enumerate(MODES)}
    pixels = {}
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2], order[k[3]])):
        runs = groups[key]
        data, network, share, mode = key
        if (data, share) not in pixels:
            pixels[(data, share)] = runs
            knn, mapr = [r["pixels_knn"] for r in runs], [r["pixels_map_at_r"] for r in runs]
            lines.append(
                f"| {data} | — | {share:.0%} | pixels | {len(runs)} | {_mean_sd(knn)} | "
                f"{np.mean(mapr):.3f} | — | — | — |"
            )
        pseudo = "—"
        if mode == "pseudo_label":
            used = [r["pseudo_used"] for r in runs]
            right = [r["pseudo_correct"] for r in runs]
            pseudo = f"{np.mean(used):.0%} ({np.mean(right):.1%})"
        lines.append(
            f"| {data} | {network} | {share:.0%} | {mode} | {len(runs)} | "
            f"{_mean_sd([r['knn'] for r in runs])} | {_mean_sd([r['map_at_r'] for r in runs])} | "
            f"{np.median([r['cpu_s'] for r in runs]):.0f} | {pseudo} | "
            + ("**yes**" if any(r["collapse_warning"] for r in runs) else "no")
            + " |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["mnist5k"])
    parser.add_argument("--network", default="mlp")
    parser.add_argument("--mode", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--labelled", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--neighbors", type=int, default=10)
    parser.add_argument("--threshold", type=float, default=1.0)
    parser.add_argument("--fashion-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--out", default=None, help="append JSON lines here")
    parser.add_argument("--table", nargs="+", default=None, help="summarise JSON-line files")
    args = parser.parse_args()
    if args.table:
        print(table([json.loads(line) for path in args.table for line in open(path)]))
        return
    torch.set_num_threads(1)
    for data in args.data:
        split = load(data, args.fashion_dir)
        for seed in args.seeds:
            for mode in args.mode:
                line = json.dumps(run(data, mode, seed, split, args))
                print(line, flush=True)
                if args.out:
                    with open(args.out, "a") as f:
                        f.write(line + "\n")


if __name__ == "__main__":
    main()
