"""One-change runs from ``DeepMetricLearner``'s defaults, on both splits of deep_retrieval.py.

The defaults (SupCon, τ = 0.1, 32 dimensions, Adam at lr 2·10⁻³ annealed by a cosine) beat
pytorch-metric-learning's best configuration on the usual split but not on the
class-disjoint one (train on classes 0–4, test on 5–9). Each variant here changes ONE thing
from the defaults (or, in the ``combo_*`` rows, the few that the one-change runs point to)
and is measured under ``deep_retrieval.py``'s protocol: its data, splits, SmallCNN, epochs
and scores (MAP@R with the cosine ranking of the test set against itself), seeds 0–2.

Usage::

    python benchmarks/deep_disjoint_ablation.py --datasets mnist5k fashion \\
        --splits usual disjoint --variants defaults tau_0.2 dim_64 --seeds 0 1 2 \\
        --out benchmarks/results/deep_disjoint_ablation.jsonl
    python benchmarks/deep_disjoint_ablation.py --report \\
        --out benchmarks/results/deep_disjoint_ablation.jsonl

Runs are appended as JSON lines (a run already there is skipped); ``--report`` prints the
Markdown table (mean ± 95 % CI, Student t, over the runs of ``--seeds``; "n=" where a cell
has fewer) with PML's best configuration of each cell read from ``deep_retrieval/runs.jsonl``
(seeds 0–2) and the number of cells whose mean reaches it.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deep_retrieval import append_run, load_images, load_runs, scores, split  # noqa: E402
from retrieval_cnn import SmallCNN  # noqa: E402

from mlearn.deep import DeepMetricLearner  # noqa: E402
from mlearn.deep.distances import CosineSimilarity  # noqa: E402
from mlearn.deep.losses import BaseMetricLoss, MultiSimilarityLoss, SupConLoss  # noqa: E402
from mlearn.deep.reducers import MeanReducer  # noqa: E402

HERE = Path(__file__).resolve().parent
EPOCHS = {"mnist5k": 5, "fashion": 3}
"""deep_retrieval.py's budget."""


class SupConAndMultiSimilarity(BaseMetricLoss):
    """An experiment, not an mlearn loss: SupCon (τ = 0.1) plus the multi-similarity loss
    (its paper's α, β, λ) over every pair of the batch, each a mean over anchors."""

    def __init__(self):
        super().__init__()
        self.supcon, self.ms = SupConLoss(), MultiSimilarityLoss()

    def default_distance(self):
        return CosineSimilarity()  # as both parts': transform returns unit vectors

    def default_reducer(self):
        return MeanReducer()

    def compute_losses(self, embeddings, labels, indices_tuple):
        parts = self.supcon.compute_losses(embeddings, labels, indices_tuple)
        ms = self.ms.compute_losses(embeddings, labels, indices_tuple)
        return {"supcon": parts["anchors"], "ms": ms["anchors"]}


def _supcon(temperature):
    return lambda: {"loss": SupConLoss(temperature=temperature)}


VARIANTS = {
    "defaults": dict,
    **{f"tau_{t}": _supcon(t) for t in (0.05, 0.2, 0.3, 0.5)},
    **{f"dim_{k}": (lambda k=k: {"embedding_dim": k}) for k in (64, 128)},
    "constant_lr": lambda: {"lr_schedule": "constant"},
    **{f"lr_{lr:g}": (lambda lr=lr: {"lr": lr}) for lr in (5e-4, 1e-3, 5e-3)},
    "multi_similarity": lambda: {"loss": "multi_similarity"},
    "contrastive": lambda: {"loss": "contrastive"},
    **{
        name: (lambda name=name: {"loss": name})
        for name in ("ntxent", "triplet", "margin", "proxy_anchor", "arcface", "lmnn")
    },
    "samples_per_class_8": lambda: {"samples_per_class": 8},
    "batch_128": lambda: {"batch_size": 128},
    "adamw": lambda: {"optimizer": "adamw"},
    "miner_multi_similarity": lambda: {"miner": "multi_similarity"},
    "miner_pair_margin": lambda: {"miner": "pair_margin"},
    # Combinations of what the one-change runs point to.
    "combo_ms_dim64": lambda: {"loss": "multi_similarity", "embedding_dim": 64},
    "combo_contrastive_dim64": lambda: {"loss": "contrastive", "embedding_dim": 64},
    "combo_ms_miner_dim64": lambda: {"miner": "multi_similarity", "embedding_dim": 64},
    "combo_dim64_lr1e-3": lambda: {"embedding_dim": 64, "lr": 1e-3},
    "combo_ms_dim64_lr1e-3": lambda: {
        "loss": "multi_similarity",
        "embedding_dim": 64,
        "lr": 1e-3,
    },
    "combo_pair_margin_dim64": lambda: {"miner": "pair_margin", "embedding_dim": 64},
    "combo_pair_margin_lr1e-3": lambda: {"miner": "pair_margin", "lr": 1e-3},
    "combo_pair_margin_dim64_lr1e-3": lambda: {
        "miner": "pair_margin",
        "embedding_dim": 64,
        "lr": 1e-3,
    },
    "combo_ms_dim128_lr1e-3": lambda: {
        "loss": "multi_similarity",
        "embedding_dim": 128,
        "lr": 1e-3,
    },
    "combo_tau0.3_dim128_lr1e-3": lambda: {
        "loss": SupConLoss(temperature=0.3),
        "embedding_dim": 128,
        "lr": 1e-3,
    },
    "combo_ms_dim64_lr5e-4": lambda: {
        "loss": "multi_similarity",
        "embedding_dim": 64,
        "lr": 5e-4,
    },
    "combo_dim64_lr5e-4": lambda: {"embedding_dim": 64, "lr": 5e-4},
    "supcon_plus_ms": lambda: {"loss": SupConAndMultiSimilarity()},
    "combo_supcon_plus_ms_dim64": lambda: {"loss": SupConAndMultiSimilarity(), "embedding_dim": 64},
    "combo_margin_dim64_lr1e-3": lambda: {"loss": "margin", "embedding_dim": 64, "lr": 1e-3},
    "combo_proxy_anchor_dim64_lr1e-3": lambda: {
        "loss": "proxy_anchor",
        "embedding_dim": 64,
        "lr": 1e-3,
    },
    "combo_contrastive_dim64_lr1e-3": lambda: {
        "loss": "contrastive",
        "embedding_dim": 64,
        "lr": 1e-3,
    },
}
"""Variant name → the parameters it changes (a function, so loss objects are built anew)."""


def run(data, dataset, split_name, variant, seed):
    X_tr, y_tr, X_te, y_te = data
    learner = DeepMetricLearner(
        network=SmallCNN, max_epochs=EPOCHS[dataset], random_state=seed, n_threads=1,
        **VARIANTS[variant](),
    )  # fmt: skip
    cpu = time.process_time()
    learner.fit(X_tr, y_tr)
    cpu = time.process_time() - cpu
    with torch.no_grad():
        record = scores(learner.transform(X_te), y_te)
    return {"dataset": dataset, "split": split_name, "variant": variant, "seed": seed,
            "epochs": EPOCHS[dataset], "cpu_time_s": cpu, **record}  # fmt: skip


def mean_ci(values):
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return values.mean(), 0.0
    half = stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return values.mean(), half


def pml_best(retrieval_runs):
    """{(dataset, split): (config, mean MAP@R)} of PML's best configuration per cell."""
    cells = {}
    for r in load_runs(retrieval_runs):
        if r["library"] == "pml" and "map_at_r" in r:
            key = (r["dataset"], r["split"])
            cells.setdefault(key, {}).setdefault(r["config"], []).append(r["map_at_r"])
    return {
        key: max(((c, np.mean(v)) for c, v in configs.items()), key=lambda cv: cv[1])
        for key, configs in cells.items()
    }


def report(path, retrieval_runs, seeds):
    cells = {}
    for r in load_runs(path):
        if r["seed"] not in seeds:
            continue
        cells.setdefault(r["variant"], {}).setdefault((r["dataset"], r["split"]), []).append(
            (r["seed"], r["map_at_r"])
        )
    columns = [(d, s) for d in ("mnist5k", "fashion") for s in ("usual", "disjoint")]
    best = pml_best(retrieval_runs)
    print("| variant | " + " | ".join(f"{d} {s}" for d, s in columns) + " | cells ≥ PML |")
    print("|---|" + "---|" * len(columns) + "---|")
    row = [f"{best[c][1]:.3f} ({best[c][0]})" if c in best else "—" for c in columns]
    print("| PML best | " + " | ".join(row) + " | |")
    for variant in VARIANTS:
        if variant not in cells:
            continue
        row, wins = [], 0
        for column in columns:
            runs = sorted(cells[variant].get(column, []))
            if not runs:
                row.append("—")
                continue
            mean, half = mean_ci([v for _, v in runs])
            wins += column in best and mean >= best[column][1]
            shown = "" if len(runs) == len(seeds) else f" (n={len(runs)})"
            row.append(f"{mean:.3f} ± {half:.3f}{shown}")
        print(f"| {variant} | " + " | ".join(row) + f" | {wins} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["mnist5k", "fashion"])
    parser.add_argument("--splits", nargs="+", default=["usual", "disjoint"])
    parser.add_argument("--variants", nargs="+", default=["defaults"], choices=VARIANTS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--retrieval-runs", type=Path, default=HERE / "results" / "deep_retrieval" / "runs.jsonl"
    )
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args(argv)
    if args.report:
        report(args.out, args.retrieval_runs, set(args.seeds))
        return
    torch.set_num_threads(1)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # torch._dynamo's import, untimed
    done = {(r["dataset"], r["split"], r["variant"], r["seed"]) for r in load_runs(args.out)}
    for dataset in args.datasets:
        images = load_images(dataset)
        for split_name in args.splits:
            data = split(images, split_name)
            for variant in args.variants:
                for seed in args.seeds:
                    if (dataset, split_name, variant, seed) in done:
                        continue
                    record = run(data, dataset, split_name, variant, seed)
                    append_run(args.out, record, ("dataset", "split", "variant", "seed"))


if __name__ == "__main__":
    main()
