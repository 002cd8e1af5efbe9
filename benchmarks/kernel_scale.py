"""Kernel learners: fit time and memory against n_train, and accuracy next to the linear ones.

Part 1 (scale): nested spheres in 10-D (three classes on shells of radius 1, 2, 3 in
the first 5 coordinates, 5 noise coordinates), n_train in {1,000, 5,000, 20,000};
exact kernel PCA and the native learners up to 5,000, the Nyström map at 20,000.
Reports fit seconds, the peak of memory allocated by numpy during the fit
(tracemalloc), and 3-NN accuracy on 2,000 held-out points.

Part 2 (accuracy): the shipped sklearn datasets, 70/30 stratified split
(random_state=0), min-max scaled, 3-NN test accuracy of each kernel learner next
to its linear counterpart and Euclidean.

    OPENBLAS_NUM_THREADS=1 python benchmarks/kernel_scale.py [--sizes 1000 5000 20000]
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MinMaxScaler

from mlearn import LMNN, ITMLSupervised, KernelITML, KernelLMNN, KernelMetricLearner


def nested_spheres(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    direction = rng.normal(size=(n, 5))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    shells = direction * (1.0 + y)[:, None] + 0.15 * rng.normal(size=(n, 5))
    return np.hstack([shells, rng.normal(size=(n, 5))]), y


def knn_accuracy(model, X_train, y_train, X_test, y_test):
    knn = KNeighborsClassifier(3).fit(model.transform(X_train), y_train)
    return knn.score(model.transform(X_test), y_test)


def timed_fit(model, X, y):
    tracemalloc.start()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 2**20


def scale_learners(n):
    gamma = 0.1
    learners = {}
    if n <= 5000:
        learners["LMNN (linear)"] = LMNN(n_components=5, random_state=0)
        learners["KernelMetricLearner(LMNN), KPCA m=100"] = KernelMetricLearner(
            LMNN(n_components=5, random_state=0), gamma=gamma, random_state=0
        )
        learners["KernelLMNN"] = KernelLMNN(n_components=5, gamma=gamma, rank_rtol=1e-4)
    if n <= 1000:
        learners["KernelITML"] = KernelITML(gamma=gamma, rank_rtol=1e-4, random_state=0)
    learners["KernelMetricLearner(LMNN), Nystroem m=200"] = KernelMetricLearner(
        LMNN(n_components=5, random_state=0),
        gamma=gamma,
        approximation="nystroem",
        n_kernel_components=200,
        random_state=0,
    )
    return learners


def run_scale(sizes):
    print("| n_train | learner | fit s | peak MiB | 3-NN acc |")
    print("|---|---|---|---|---|")
    X_test, y_test = nested_spheres(2000, seed=1)
    for n in sizes:
        X, y = nested_spheres(n)
        for name, model in scale_learners(n).items():
            seconds, peak = timed_fit(model, X, y)
            acc = knn_accuracy(model, X, y, X_test, y_test)
            print(f"| {n} | {name} | {seconds:.2f} | {peak:.0f} | {acc:.3f} |", flush=True)


def run_accuracy():
    datasets = {
        "iris": load_iris,
        "wine": load_wine,
        "breast_cancer": load_breast_cancer,
        "digits": load_digits,
    }
    pairs = {
        "LMNN": lambda: LMNN(random_state=0),
        "KernelLMNN": lambda: KernelLMNN(),
        "KernelMetricLearner(LMNN)": lambda: KernelMetricLearner(
            LMNN(random_state=0), random_state=0
        ),
        "ITMLSupervised": lambda: ITMLSupervised(random_state=0),
        "KernelITML": lambda: KernelITML(rank_rtol=1e-4, random_state=0),
    }
    print("\n| dataset | Euclidean | " + " | ".join(pairs) + " |")
    print("|---|---|" + "---|" * len(pairs))
    for name, load in datasets.items():
        X, y = load(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, stratify=y, random_state=0
        )
        scaler = MinMaxScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        euclid = KNeighborsClassifier(3).fit(X_train, y_train).score(X_test, y_test)
        cells = []
        for make in pairs.values():
            model = make()
            seconds, _ = timed_fit(model, X_train, y_train)
            acc = knn_accuracy(model, X_train, y_train, X_test, y_test)
            cells.append(f"{acc:.3f} ({seconds:.1f} s)")
        print(f"| {name} | {euclid:.3f} | " + " | ".join(cells) + " |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000, 20000])
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    run_scale(args.sizes)
    if not args.skip_accuracy:
        run_accuracy()


if __name__ == "__main__":
    main()
