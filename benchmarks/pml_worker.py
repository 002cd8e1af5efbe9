"""Train one pytorch-metric-learning configuration; run by the PML interpreter, not mlearn's.

Usage::

    PML_PYTHON benchmarks/pml_worker.py REQUEST.json
    PML_PYTHON benchmarks/pml_worker.py --versions

REQUEST.json holds ``{"X_train", "y_train", "X_test"}`` (paths of ``.npy`` files: the
training images as float32 rows, their labels, the test images), ``{"max_epochs",
"batch_size", "lr", "samples_per_class", "embedding_dim", "threads"}`` and ``"jobs"``, a list
of ``{"config", "seed", "embeddings"}`` (the last: where to write that job's test embeddings).
For each job the worker trains ``SmallCNN`` (``retrieval_cnn.py``, the network mlearn trains
in ``deep_retrieval.py``) with Adam, batches of ``samples_per_class`` images per class from
PML's ``MPerClassSampler``, and the loss and miner the config names, writes the test
embeddings and prints one JSON line: ``config, seed, fit_time_s, cpu_time_s, loss_curve`` or
``error``. One process runs all the jobs, so torch is imported once. The harness scores the
embeddings with ``mlearn.metrics``, as it scores mlearn's, so both are measured alike.

This file imports only the standard library, numpy, torch, pytorch-metric-learning and
``retrieval_cnn.py``: the PML interpreter has no mlearn.
"""

import json
import sys
import time
import traceback
from contextlib import redirect_stdout
from importlib.metadata import PackageNotFoundError, version

import numpy as np


def pml_parts(config):
    """(loss, miner or None) of a configuration name, at the settings PML's docs use."""
    from pytorch_metric_learning import distances, losses, miners

    if config == "triplet_semihard":
        return (
            losses.TripletMarginLoss(margin=0.2),
            miners.TripletMarginMiner(margin=0.2, type_of_triplets="semihard"),
        )
    if config == "contrastive":
        return losses.ContrastiveLoss(pos_margin=0.0, neg_margin=1.0), None
    if config == "multi_similarity":
        return (
            losses.MultiSimilarityLoss(alpha=2, beta=50, base=0.5),
            miners.MultiSimilarityMiner(epsilon=0.1),
        )
    if config == "supcon":
        return losses.SupConLoss(temperature=0.1), None
    if config == "margin":
        return (
            losses.MarginLoss(margin=0.2, nu=0.0, beta=1.2),
            miners.DistanceWeightedMiner(cutoff=0.5, nonzero_loss_cutoff=1.4),
        )
    if config == "batch_hard_raw":
        # Batch-hard on raw (unnormalised) Euclidean distances, as mlearn's old default.
        distance = distances.LpDistance(normalize_embeddings=False)
        return (
            losses.TripletMarginLoss(margin=1.0, distance=distance),
            miners.BatchHardMiner(distance=distance),
        )
    raise ValueError(f"unknown PML configuration {config!r}")


def train(request, X, y):
    """Train SmallCNN on (X, y) as the request says; return (model, seconds, CPU s, losses)."""
    import torch
    from pytorch_metric_learning.samplers import MPerClassSampler
    from retrieval_cnn import SmallCNN

    torch.manual_seed(request["seed"])
    # MPerClassSampler draws from numpy's global state, so that is what must be seeded.
    np.random.seed(request["seed"])  # noqa: NPY002
    model = SmallCNN(X.shape[1:], request["embedding_dim"])
    loss_func, miner = pml_parts(request["config"])
    optimizer = torch.optim.Adam(model.parameters(), lr=request["lr"])
    data = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    # Groups of m images of one class, classes in random order, cut into batches: a batch
    # may hold two groups of a class, as mlearn's sampler allows (PML's batch_size option
    # would need m × n_classes ≥ batch_size, which 5 classes and batches of 64 do not meet).
    sampler = MPerClassSampler(y, m=request["samples_per_class"], length_before_new_iter=len(y))
    loader = torch.utils.data.DataLoader(
        data, batch_size=request["batch_size"], sampler=sampler, drop_last=True
    )
    curve, wall, cpu = [], time.perf_counter(), time.process_time()
    for _ in range(request["max_epochs"]):
        model.train()
        total, batches = 0.0, 0
        for images, labels in loader:
            embeddings = model(images)
            tuples = miner(embeddings, labels) if miner is not None else None
            loss = loss_func(embeddings, labels, tuples)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, batches = total + float(loss), batches + 1
        curve.append(total / max(batches, 1))
    return model, time.perf_counter() - wall, time.process_time() - cpu, curve


def embed(model, X):
    import torch

    model.eval()
    with torch.no_grad():
        parts = [model(torch.from_numpy(X[i : i + 1000])) for i in range(0, len(X), 1000)]
    return torch.cat(parts).numpy()


def run_job(request, job, X, y, X_test):
    """Train and embed for one job; the JSON-ready record (``error`` when it failed)."""
    record = {"config": job["config"], "seed": job["seed"]}
    try:
        model, wall, cpu, curve = train({**request, **job}, X, y)
        np.save(job["embeddings"], embed(model, X_test))
        record.update(fit_time_s=wall, cpu_time_s=cpu, loss_curve=curve)
    except Exception as error:
        traceback.print_exc()
        record["error"] = f"{type(error).__name__}: {error}"
    return record


def run_request(request, out):
    """Run every job of the request, one JSON line each on ``out`` as it finishes."""
    import torch

    torch.set_num_threads(request["threads"])
    X = np.load(request["X_train"]).astype(np.float32)
    y = np.load(request["y_train"]).astype(np.int64)
    X_test = np.load(request["X_test"]).astype(np.float32)
    for job in request["jobs"]:
        print(json.dumps(run_job(request, job, X, y, X_test)), file=out, flush=True)


def pml_versions():
    versions = {"python": sys.version.split()[0]}
    for package in ("numpy", "torch", "pytorch-metric-learning"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return versions


def main(argv):
    """Answer ``--versions`` (one JSON line) or run one request file; return the exit status."""
    out = sys.stdout
    # Anything torch or PML prints goes to stderr, so stdout carries only the records.
    with redirect_stdout(sys.stderr):
        if argv == ["--versions"]:
            print(json.dumps({"versions": pml_versions()}), file=out)
            return 0
        (request_path,) = argv
        with open(request_path) as file:
            run_request(json.load(file), out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
