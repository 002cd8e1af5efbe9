"""One-change runs: why the same loss scored lower in mlearn than in PML (deep_retrieval.py).

Each variant changes ONE thing in how ``DeepMetricLearner`` is trained on the benchmark's
data (``deep_retrieval.py``: same SmallCNN, epochs, batch size, m, Adam lr, embedding
dimension, seeds) and reports MAP@R on the usual split:

- ``shuffled_groups``: the batches mlearn built before this change — every class's samples
  cut into groups of m, the groups of all classes shuffled together and packed 16 to a
  batch, so a batch holds a random draw of classes (on 10 classes, a batch of 16 groups
  missed 1.8 classes on average, up to 4);
- ``rounds`` (mlearn's batches now): the groups dealt in rounds, one group of every class
  per round in a random order, so a batch covers as many distinct classes as it can (all
  10 in a batch of 16 groups), each sample still visited once per epoch;
- ``pml_sampler``: PML's ``MPerClassSampler`` rebuilt in numpy (rounds of one group per
  class, each group drawn anew, with replacement across groups; the last partial batch
  dropped), to show that the class coverage, not the drawing, is what counts;
- ``drop_last``: ``rounds`` with the last partial batch dropped.

``--configs`` names ``deep_retrieval.py``'s mlearn configurations or the candidate defaults of
``CANDIDATES`` (measured with ``--variants rounds``).

Usage::

    python benchmarks/deep_batch_ablation.py --datasets fashion mnist5k --configs supcon \\
        --variants shuffled_groups rounds pml_sampler --seeds 0 1 2 \\
        --out benchmarks/results/deep_batch_ablation.jsonl
    python benchmarks/deep_batch_ablation.py --report \\
        --out benchmarks/results/deep_batch_ablation.jsonl

``--report`` prints the Markdown table (mean ± sd over the seeds) from the JSON lines.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deep_retrieval import (  # noqa: E402
    MLEARN_CONFIGS,
    append_run,
    load_images,
    load_runs,
    scores,
    split,
)
from retrieval_cnn import SmallCNN  # noqa: E402

import mlearn.deep._metric_learner as metric_learner  # noqa: E402
from mlearn.deep import DeepMetricLearner  # noqa: E402
from mlearn.deep.samplers import class_balanced_batches  # noqa: E402


def shuffled_groups(labels, batch_size, m, rng):
    """mlearn's batches before the change: groups of all classes shuffled together."""
    groups = []
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        n_groups = -(-members.shape[0] // m)
        shortfall = n_groups * m - members.shape[0]
        if shortfall and members.shape[0] >= m:
            fill = rng.choice(members[: -(members.shape[0] % m)], shortfall, replace=False)
            members = np.concatenate([members, fill])
        groups += np.array_split(members, n_groups)
    order = rng.permutation(len(groups))
    per_batch = max(batch_size // m, 1)
    return [
        np.concatenate([groups[g] for g in order[start : start + per_batch]])
        for start in range(0, len(order), per_batch)
    ]


def pml_sampler(labels, batch_size, m, rng):
    """PML's MPerClassSampler(labels, m, length_before_new_iter=len(labels)) and a
    DataLoader with drop_last=True, in numpy."""
    classes = np.unique(labels)
    members = [np.flatnonzero(labels == c) for c in classes]
    order = []
    for _ in range(len(labels) // (m * len(classes))):
        for c in rng.permutation(len(classes)):
            order.append(rng.choice(members[c], m, replace=members[c].shape[0] < m))
    order = np.concatenate(order)
    return [order[s : s + batch_size] for s in range(0, len(order) - batch_size + 1, batch_size)]


def drop_last(labels, batch_size, m, rng):
    batches = class_balanced_batches(labels, batch_size, m, rng)
    full = (batch_size // m) * m
    return [b for b in batches if b.shape[0] == full] or batches


_SUPCON = {"loss": "supcon", "embedding_dim": 32, "lr": 1e-3, "lr_schedule": "constant"}
CANDIDATES = {
    # The estimator's defaults before this change (triplet loss, semi-hard mining).
    "triplet_old_defaults": {**_SUPCON, "loss": "triplet"},
    "supcon_defaults": _SUPCON,
    "supcon_dim64": {**_SUPCON, "embedding_dim": 64},
    "supcon_cosine_lr": {**_SUPCON, "lr_schedule": "cosine"},
    "supcon_lr2e-3": {**_SUPCON, "lr": 2e-3},
    "supcon_lr2e-3_cosine_lr": {**_SUPCON, "lr": 2e-3, "lr_schedule": "cosine"},
    "supcon_dim64_cosine_lr": {**_SUPCON, "embedding_dim": 64, "lr_schedule": "cosine"},
}
"""Candidate defaults, spelled out (every other parameter at the estimator's defaults:
batches of 64 = 16 groups of 4, Adam, miner 'auto', 'normalized_euclidean')."""

VARIANTS = {
    "rounds": class_balanced_batches,
    "shuffled_groups": shuffled_groups,
    "pml_sampler": pml_sampler,
    "drop_last": drop_last,
}


def run(dataset, config, variant, seed, epochs):
    data = split(load_images(dataset), "usual")
    X_tr, y_tr, X_te, y_te = data
    metric_learner.class_balanced_batches = VARIANTS[variant]
    learner = DeepMetricLearner(
        network=SmallCNN, max_epochs=epochs, random_state=seed, n_threads=1,
        **{**MLEARN_CONFIGS, **CANDIDATES}[config],
    )  # fmt: skip
    cpu = time.process_time()
    learner.fit(X_tr, y_tr)
    cpu = time.process_time() - cpu
    with torch.no_grad():
        record = scores(learner.transform(X_te), y_te)
    return {"dataset": dataset, "config": config, "variant": variant, "seed": seed,
            "epochs": epochs, "cpu_time_s": cpu, **record}  # fmt: skip


def report(path):
    runs = load_runs(path)
    cells = {}
    for r in runs:
        cells.setdefault((r["dataset"], r["config"], r["variant"]), {})[r["seed"]] = r["map_at_r"]
    print("| dataset | configuration | batches | seeds | MAP@R mean ± sd | per seed |")
    print("|---|---|---|---|---|---|")
    for (dataset, config, variant), by_seed in sorted(cells.items()):
        values = np.array([by_seed[s] for s in sorted(by_seed)])
        sd = values.std(ddof=1) if values.size > 1 else 0.0
        seeds = ",".join(str(s) for s in sorted(by_seed))
        each = " ".join(f"{v:.3f}" for v in values)
        print(f"| {dataset} | {config} | {variant} | {seeds} | {values.mean():.3f} ± {sd:.3f} "
              f"| {each} |")  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["fashion"])
    parser.add_argument("--configs", nargs="+", default=["supcon"])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args(argv)
    if args.report:
        report(args.out)
        return
    torch.set_num_threads(1)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    done = {(r["dataset"], r["config"], r["variant"], r["seed"]) for r in load_runs(args.out)}
    for dataset in args.datasets:
        epochs = {"mnist5k": 5, "fashion": 3}[dataset]
        for config in args.configs:
            for seed in args.seeds:
                for variant in args.variants:
                    if (dataset, config, variant, seed) in done:
                        continue
                    record = run(dataset, config, variant, seed, epochs)
                    append_run(args.out, record, ("dataset", "config", "variant", "seed"))


if __name__ == "__main__":
    main()
