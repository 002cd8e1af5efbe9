"""LMNN at scale against the cheap strong baselines, measured in the same run.

Cases (``--case``):

- ``classification``: ``make_classification(--n-samples + --n-test, 50 features,
  --n-informative (10) informative, 10 classes, random_state=--seed)``, scikit-learn's defaults
  otherwise (2 redundant features, 2 clusters per class, ``class_sep=1``, 1 % flipped labels);
  ``--n-test`` (20,000) points split off stratified are held out;
- ``fashion``: Fashion-MNIST, the 60,000 training images (pixels / 255) reduced by PCA to
  ``--pca`` (50) dimensions, scored on the 10,000 test images (read from the idx files under
  ``--fashion-dir``);
- ``mnist``: the 5,000 MNIST digits of :func:`mlearn.datasets.load_mnist_digits` at 784
  dimensions (pixels / 255), a stratified 70/30 split;
- ``small``: ``LMNN(random_state=0)`` (with ``--lmnn-init``; and each ``--lmnn-variant``) on
  iris, wine, breast cancer and digits, stratified 5-fold (shuffled, ``random_state=0``),
  min-max scaled per fold: the mean and standard deviation of the 3-NN accuracy, the median
  CPU time and iterations per fold.

``--fit-subset N`` fits every learner on the first N training points only (the 3-NN reference
stays all of them); ``--with-lda-start`` adds ``LMNN(init='lda')`` (all components, the padded
LDA start); ``--lmnn-variant n_passes=1,push_weight=0.5`` adds LMNN with those parameters (the
former defaults, here), and may be repeated; ``--per-pass`` also scores every LMNN fit's
metric at the end of each of its passes (the fit time up to then; one fit gives all pass
counts).

Learners, each fitted on the training points and scored by 3-NN accuracy on the held-out points
with every training point as a reference: Euclidean (no learning), PCA to n_classes − 1
dimensions, scikit-learn's ``LinearDiscriminantAnalysis``, scikit-learn's
``NeighborhoodComponentsAnalysis`` on a stratified ``--nca-subsample`` (5,000), ``LMNN()`` at its
defaults, ``LMNN(n_components=n_classes − 1)`` (its 'auto' start is then 'lda'), and, with
``--with-mlearn-nca``, ``mlearn.NCA`` on the same subsample. Each line gives
the fit's wall and CPU time; LMNN's also its iterations, searches and whether the final impostor set
was a sample. Run on one core::

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/lmnn_scale.py --case classification
    OPENBLAS_NUM_THREADS=1 python benchmarks/lmnn_scale.py --case fashion --pca 100
    OPENBLAS_NUM_THREADS=1 python benchmarks/lmnn_scale.py --case mnist --skip nca

``--plot RESULT.txt ... --out FIGURE.png`` draws the 3-NN accuracies of result files (this
script's output, one panel per file) as the bar chart of the user guide's LMNN page.

The fit time includes loading numba's compiled kernels from the on-disk cache (a fraction of
a second; compiling them, on the very first run of a checkout, takes a few seconds more).
"""

import argparse
import contextlib
import gzip
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def _read_idx(path):
    """An idx file (gzipped) as an ndarray: big-endian header, then unsigned bytes."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    n_dims = data[3]
    shape = np.frombuffer(data, dtype=">u4", count=n_dims, offset=4).astype(int)
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(shape)


def _fashion(args):
    from sklearn.decomposition import PCA

    def images(name):
        return _read_idx(os.path.join(args.fashion_dir, name)).reshape(-1, 784) / 255.0

    X_train, X_test = images("train-images-idx3-ubyte.gz"), images("t10k-images-idx3-ubyte.gz")
    y_train = _read_idx(os.path.join(args.fashion_dir, "train-labels-idx1-ubyte.gz"))
    y_test = _read_idx(os.path.join(args.fashion_dir, "t10k-labels-idx1-ubyte.gz"))
    pca = PCA(n_components=args.pca, random_state=0).fit(X_train)
    return pca.transform(X_train), pca.transform(X_test), y_train.astype(int), y_test.astype(int)


def _load(args):
    from sklearn.model_selection import train_test_split

    if args.case == "classification":
        from sklearn.datasets import make_classification

        X, y = make_classification(
            n_samples=args.n_samples + args.n_test,
            n_features=50,
            n_informative=args.n_informative,
            n_classes=10,
            random_state=args.seed,
        )
        return train_test_split(X, y, test_size=args.n_test, stratify=y, random_state=0)
    if args.case == "fashion":
        return _fashion(args)
    from mlearn.datasets import load_mnist_digits

    X, y = load_mnist_digits()
    return train_test_split(X / 255.0, y, test_size=0.3, stratify=y, random_state=0)


def knn_accuracy(Z_train, y_train, Z_test, y_test, k=3):
    """k-NN test accuracy from one neighbour query (ties: smallest label)."""
    from sklearn.neighbors import NearestNeighbors

    neighbors = NearestNeighbors(n_neighbors=k).fit(Z_train).kneighbors(Z_test)[1]
    votes = np.zeros((neighbors.shape[0], y_train.max() + 1))
    np.add.at(votes, (np.arange(neighbors.shape[0])[:, None], y_train[neighbors]), 1)
    return float(np.mean(votes.argmax(axis=1) == y_test))


def _subsample(X, y, size):
    from sklearn.model_selection import train_test_split

    if size >= X.shape[0]:
        return X, y
    X_sub, _, y_sub, _ = train_test_split(X, y, train_size=size, stratify=y, random_state=0)
    return X_sub, y_sub


def _learners(args, n_classes):
    """(name, estimator factory, fitted on the NCA subsample?) for each learner run."""
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.neighbors import NeighborhoodComponentsAnalysis

    from mlearn import LMNN

    learners = [
        ("euclidean", None, False),
        (f"PCA({n_classes - 1})", lambda: PCA(n_components=n_classes - 1, random_state=0), False),
        ("LDA", LinearDiscriminantAnalysis, False),
        ("LMNN()", lambda: LMNN(random_state=0, verbose=args.verbose), False),
        (
            f"LMNN(n_components={n_classes - 1})",
            lambda: LMNN(n_components=n_classes - 1, random_state=0, verbose=args.verbose),
            False,
        ),
        (
            f"sklearn NCA on {args.nca_subsample}",
            lambda: NeighborhoodComponentsAnalysis(random_state=0),
            True,
        ),
    ]
    if args.with_lda_start:
        learners.insert(4, ("LMNN(init='lda')", lambda: LMNN(init="lda", random_state=0), False))
    for variant in args.lmnn_variant:
        # e.g. "n_passes=1,push_weight=0.5": LMNN with those parameters (numbers or words).
        options = {k: _number_or_word(v) for k, v in (kv.split("=") for kv in variant.split(","))}
        learners.insert(
            4,
            (
                f"LMNN({variant.replace(',', ', ')})",
                lambda o=options: LMNN(random_state=0, verbose=args.verbose, **o),
                False,
            ),
        )
    if args.with_mlearn_nca:
        from mlearn import NCA

        # Before scikit-learn's NCA, the slowest learner here.
        learners.insert(
            -1, (f"mlearn NCA on {args.nca_subsample}", lambda: NCA(random_state=0), True)
        )
    return [entry for entry in learners if not any(s in entry[0] for s in args.skip)]


@contextlib.contextmanager
def _passes_recorded(record):
    """A list that receives (L, wall, cpu) at the end of every LMNN pass but the last.

    Each pass after the first starts by re-selecting the targets under the metric the
    previous pass learned (``select_targets``); that call is observed, nothing changed.
    """
    from mlearn.lmnn._evaluator import RowBlockObjective

    passes, select = [], RowBlockObjective.select_targets

    def observed(self, L):
        passes.append((L.copy(), time.perf_counter(), time.process_time()))
        select(self, L)

    if record:
        RowBlockObjective.select_targets = observed
    try:
        yield passes
    finally:
        RowBlockObjective.select_targets = select


def _number_or_word(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"None": None}.get(text, text)


def _lmnn_details(model):
    return (
        f", {getattr(model, 'n_passes_', 1)} passes, {model.n_iter_} L-BFGS iterations, "
        f"{model.n_searches_} searches, "
        f"{model.n_impostor_pairs_} impostor pairs "
        f"({'sampled' if model.impostors_sampled_ else 'exact'})"
    )


def run_small(args):
    from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import MinMaxScaler

    from mlearn import LMNN

    loaders = [load_iris, load_wine, load_breast_cancer, load_digits]
    configs = [("LMNN()", {"init": args.lmnn_init})]
    for variant in args.lmnn_variant:
        options = {k: _number_or_word(v) for k, v in (kv.split("=") for kv in variant.split(","))}
        configs.append((f"LMNN({variant})", {"init": args.lmnn_init, **options}))
    for load in loaders:
        X, y = load(return_X_y=True)
        for label, options in configs:
            accuracies, seconds, iterations = [], [], []
            for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
                scaler = MinMaxScaler().fit(X[train])
                A, B = scaler.transform(X[train]), scaler.transform(X[test])
                start = time.process_time()
                model = LMNN(random_state=0, **options).fit(A, y[train])
                seconds.append(time.process_time() - start)
                iterations.append(model.n_iter_)
                accuracies.append(
                    knn_accuracy(model.transform(A), y[train], model.transform(B), y[test])
                )
            print(
                f"{load.__name__[5:]:>14} {label:>32}: 3-NN {np.mean(accuracies):.4f} ± "
                f"{np.std(accuracies):.4f}, cpu per fold {np.median(seconds):.2f} s, "
                f"iterations {int(np.median(iterations))}",
                flush=True,
            )


def run(args):
    sys.path.insert(0, str(ROOT))
    if args.case == "small":
        run_small(args)
        return
    X_train, X_test, y_train, y_test = _load(args)
    n_classes = int(np.max(y_train)) + 1
    X_fit, y_fit = X_train[: args.fit_subset], y_train[: args.fit_subset]
    print(
        f"# {args.case}: {X_fit.shape[0]} x {X_train.shape[1]} fitted, {X_test.shape[0]} "
        f"held out; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    X_sub, y_sub = _subsample(X_fit, y_fit, args.nca_subsample)
    for name, make, on_subsample in _learners(args, n_classes):
        elapsed, cpu, details = 0.0, 0.0, ""
        if make is None:
            Z_train, Z_test = X_train, X_test
        else:
            model = make()
            start, cpu = time.perf_counter(), time.process_time()
            cpu_start = cpu
            with _passes_recorded(args.per_pass and name.startswith("LMNN")) as passes:
                model.fit(*((X_sub, y_sub) if on_subsample else (X_fit, y_fit)))
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            for p, (L, wall, cpu_then) in enumerate(passes[: getattr(model, "n_passes_", 1) - 1]):
                accuracy = knn_accuracy(X_train @ L.T, y_train, X_test @ L.T, y_test)
                label = f"{name} pass {p + 1}"
                print(
                    f"{label:>28}: fit {wall - start:7.1f} s (cpu {cpu_then - cpu_start:.1f} s), "
                    f"3-NN {accuracy:.4f}",
                    flush=True,
                )
            Z_train, Z_test = model.transform(X_train), model.transform(X_test)
            if name.startswith("LMNN"):
                details = _lmnn_details(model)
        accuracy = knn_accuracy(Z_train, y_train, Z_test, y_test)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(
            f"{name:>28}: fit {elapsed:7.1f} s (cpu {cpu:.1f} s), 3-NN {accuracy:.4f}, "
            f"peak RSS so far {rss:.2f} GB{details}",
            flush=True,
        )


def _parse(path):
    """(title, [(learner, fit CPU seconds, 3-NN accuracy)]) from one result file."""
    title, rows = "", []
    for line in Path(path).read_text().splitlines():
        if line.startswith("# ") and " fitted, " in line and not title:
            title = line[2:].split(";")[0]
        elif ": fit " in line and "3-NN" in line:
            name, rest = line.split(": fit ", 1)
            # CPU seconds where the line has them (wall time on a loaded machine misleads).
            cpu = rest.split("(cpu ")
            seconds = float(cpu[1].split(" s")[0]) if len(cpu) > 1 else float(rest.split(" s")[0])
            accuracy = float(rest.split("3-NN ")[1].split(",")[0])
            rows.append((name.strip(), seconds, accuracy))
    return title, rows


def plot(paths, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(paths), figsize=(5.5 * len(paths), 3.6), squeeze=False)
    for ax, path in zip(axes[0], paths, strict=True):
        title, rows = _parse(path)
        names = [f"{n} ({t:.{0 if t >= 10 else 1}f} s)" if t else n for n, t, _ in rows]
        accuracies = [a for _, _, a in rows]
        colors = ["tab:orange" if n.startswith("LMNN") else "tab:gray" for n, _, _ in rows]
        ax.barh(names, accuracies, color=colors)
        ax.set_xlim(min(accuracies) - 0.05, min(1.0, max(accuracies) + 0.03))
        ax.invert_yaxis()
        ax.set_xlabel("3-NN accuracy, held out (fit CPU time, one core)")
        ax.set_title(title, fontsize=9)
        for y, a in enumerate(accuracies):
            ax.text(a, y, f" {a:.3f}", va="center", fontsize=8)
    fig.tight_layout()
    # bbox_inches: the second panel's long learner names pushed its title and axis label
    # past the figure's right edge.
    fig.savefig(out, dpi=110, bbox_inches="tight")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=["classification", "fashion", "mnist", "small"])
    parser.add_argument("--plot", nargs="*", help="result files to draw instead of running")
    parser.add_argument("--out", default="lmnn_scale.png", help="the figure --plot writes")
    parser.add_argument("--n-samples", type=int, default=100_000, help="points fitted")
    parser.add_argument("--n-test", type=int, default=20_000, help="points held out")
    parser.add_argument("--n-informative", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0, help="make_classification's seed")
    parser.add_argument("--pca", type=int, default=50, help="Fashion-MNIST's dimensions")
    parser.add_argument("--fashion-dir", default=FASHION_DIR)
    parser.add_argument("--nca-subsample", type=int, default=5000)
    parser.add_argument("--fit-subset", type=int, default=None, help="fit on the first N")
    parser.add_argument("--with-lda-start", action="store_true", help="also LMNN(init='lda')")
    parser.add_argument("--lmnn-init", default="auto", help="LMNN's init in --case small")
    parser.add_argument("--with-mlearn-nca", action="store_true", help="also mlearn.NCA")
    parser.add_argument(
        "--lmnn-variant",
        action="append",
        default=[],
        help="also LMNN with these parameters, e.g. n_passes=1,push_weight=0.5 (repeatable)",
    )
    parser.add_argument(
        "--skip", nargs="*", default=[], help="skip the learners whose name contains these"
    )
    parser.add_argument("--per-pass", action="store_true", help="LMNN's 3-NN after every pass, too")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    if args.plot:
        plot(args.plot, args.out)
    elif args.case is None:
        parser.error("--case is required unless --plot is given")
    else:
        run(args)


if __name__ == "__main__":
    main()
