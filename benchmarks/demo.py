"""Where a learned metric pays: kNN accuracy before and after, on data that ships, in two minutes.

Five datasets, each a case a newcomer meets: raw wine (features in units four orders of
magnitude apart), two informative features among eight of noise, features scaled from 1e-3 to
1e3, concentric circles (no linear map separates them) and digits (where Euclidean kNN is
already good). For each, stratified 5-fold cross-validation of a 3-nearest-neighbour
classifier on the raw features, then on the features each learner maps them to (fitted on the
train folds only), beside the two baselines a careful user tries first: Euclidean kNN, and
Euclidean kNN after standardising each feature. When metric-learn's interpreter is there
(``bash benchmarks/make-peer-venv.sh`` makes ``.peer-venv``), its counterparts are timed on the
same raw-wine folds, for the speed-up.

Prints the table and a one-line takeaway; writes ``results.md`` and ``demo.png`` to ``--out``
(default ``demo-output/``, which git ignores, so that a user's run leaves the committed one in
``benchmarks/results/demo``, which the README quotes, as it is; that one is made with
``--out benchmarks/results/demo``). ``python benchmarks/demo.py --help`` for the options.
"""

import argparse
import sys
from pathlib import Path
from types import SimpleNamespace

_HERE = Path(__file__).resolve().parent
# Measure the checkout this script lives in, not whichever mlearn happens to be installed.
if (_HERE.parent / "mlearn" / "__init__.py").is_file():
    sys.path.insert(0, str(_HERE.parent))

from datasets import load_dataset, stratified_test_folds  # noqa: E402
from measure import measure_cv  # noqa: E402
from peer import peer_versions  # noqa: E402
from registry import EUCLIDEAN, get_benchmark, registered_names  # noqa: E402
from report import MLEARN, Result  # noqa: E402
from run import euclidean_result, mlearn_result, peer_result  # noqa: E402

CASES = {
    "wine": "raw wine",
    "informative_noise": "2 informative + 8 noise features",
    "badly_scaled": "features scaled 1e-3 … 1e3",
    "circles": "3 circles + 2 noise features",
    "digits": "digits",
}
LEARNERS = ("LMNN", "NCA", "LFDA", "ITMLSupervised", "Covariance", "KernelLMNN")
"""The learners shown, those of them that are registered."""
KERNEL_LEARNERS = {"KernelLMNN"}
KERNEL_MAX_SAMPLES = 1000
"""KernelLMNN works on the n × n kernel matrix: it runs on the small cases only (on digits,
1,797 points, one fit takes longer than the whole demo may)."""
PEER_CASE = "wine"
PEER_QUOTED_S = 0.1
STANDARDISED = "standardised"
FOLDS, KNN_K = 5, 3


def _shown(path):
    """``path`` relative to the repository when it lies there (results files are committed)."""
    try:
        return str(path.resolve().relative_to(_HERE.parent))
    except ValueError:
        return str(path)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--peer-python",
        help="interpreter with metric-learn (default: .peer-venv/bin/python when it exists)",
    )
    parser.add_argument("--no-peer", action="store_true", help="do not run metric-learn")
    parser.add_argument(
        "--out", default=str(_HERE.parent / "demo-output"), help="folder for results.md, demo.png"
    )
    args = parser.parse_args(argv)
    default_peer = _HERE.parent / ".peer-venv" / "bin" / "python"
    if args.no_peer:
        args.peer_python = None
    elif args.peer_python is None and default_peer.is_file():
        args.peer_python = str(default_peer)
    return args


def standardised_result(case, data):
    """Euclidean kNN after a per-fold StandardScaler: the baseline that needs no learning."""
    measured = measure_cv(
        None,
        data["X"],
        data["y"],
        data["test_fold"],
        scale="standard",
        supervised=True,
        repeats=1,
        n_neighbors=KNN_K,
    )
    return Result(case, STANDARDISED, STANDARDISED, accuracy=measured.accuracy)


def run_demo(args):
    """Measure every case; return the results (baselines, learners, peers)."""
    settings = SimpleNamespace(
        threads=None, repeats=1, knn_k=KNN_K, peer_python=args.peer_python, timeout=300.0
    )
    learners = [get_benchmark(name) for name in LEARNERS if name in registered_names()]
    results = []
    for case in CASES:
        X, y = load_dataset(case)
        data = {"X": X, "y": y, "test_fold": stratified_test_folds(y, FOLDS), "scale": "none"}
        results += [euclidean_result(case, data, settings), standardised_result(case, data)]
        for learner in learners:
            if learner.name in KERNEL_LEARNERS and X.shape[0] > KERNEL_MAX_SAMPLES:
                continue
            results.append(mlearn_result(case, data, learner, settings))
            print(_progress_line(results[-1]), file=sys.stderr, flush=True)
            if case == PEER_CASE and args.peer_python and learner.peer is not None:
                results.append(peer_result(case, data, learner, settings))
                print(_progress_line(results[-1]), file=sys.stderr, flush=True)
    return results


def _progress_line(result):
    if result.accuracy is None:
        return f"{result.dataset} {result.estimator} {result.library}: failed ({result.notes})"
    return (
        f"{result.dataset} {result.estimator} {result.library}: accuracy {result.accuracy:.3f}, "
        f"fit {result.fit_time_s:.3g} s per fold"
    )


def _accuracy(results, case, estimator, library=MLEARN):
    for r in results:
        if (r.dataset, r.estimator) == (case, estimator) and r.library in (library, estimator):
            return r.accuracy
    return None


def accuracy_table(results):
    """Markdown: a row per case, the baselines and each learner's accuracy, the best in bold."""
    learners = list(dict.fromkeys(r.estimator for r in results if r.library == MLEARN))
    header = ["data", "Euclidean", "standardised", *learners, "best − Euclidean"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for case, title in CASES.items():
        scores = [_accuracy(results, case, name) for name in (EUCLIDEAN, STANDARDISED, *learners)]
        best = max(s for s in scores if s is not None)
        cells = [
            "–" if s is None else (f"**{s:.3f}**" if s == best else f"{s:.3f}") for s in scores
        ]
        learned = [s for s in scores[2:] if s is not None]
        gain = f"{max(learned) - scores[0]:+.3f}" if learned else "–"
        lines.append("| " + " | ".join([title, *cells, gain]) + " |")
    return "\n".join(lines)


def _ratio(ratio):
    """A speed-up as it reads best: 36×, 3.1×, 0.34×."""
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.2g}×"


def peer_table(results):
    """Markdown: fit time of each learner and of metric-learn's on the peer case, the ratio."""
    peers = {r.estimator: r for r in results if r.library != MLEARN and r.dataset == PEER_CASE}
    peers = {name: r for name, r in peers.items() if r.library not in (EUCLIDEAN, STANDARDISED)}
    if not peers:
        return ""
    lines = [
        f"| {CASES[PEER_CASE]}: learner | mlearn fit (s) | metric-learn fit (s) | speed-up "
        "| mlearn accuracy | metric-learn accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for name, peer in peers.items():
        ours = next(
            r for r in results if (r.dataset, r.estimator, r.library) == (PEER_CASE, name, MLEARN)
        )
        if peer.fit_time_s is None or ours.fit_time_s is None:
            lines.append(f"| {name} | {ours.fit_time_s} | failed: {'; '.join(peer.notes)} | | | |")
            continue
        lines.append(
            f"| {name} | {ours.fit_time_s:.3g} | {peer.fit_time_s:.3g} | "
            f"{_ratio(peer.fit_time_s / ours.fit_time_s)} | {ours.accuracy:.3f} | "
            f"{peer.accuracy:.3f} |"
        )
    return "\n".join(lines)


def takeaway(results):
    """One sentence: where a learned metric wins, by how much, and the speed-up."""
    learners = list(dict.fromkeys(r.estimator for r in results if r.library == MLEARN))
    gains = []
    for case, title in CASES.items():
        scored = [(_accuracy(results, case, n), n) for n in learners]
        scored = [(s, n) for s, n in scored if s is not None]
        best, name = max(scored)
        gains.append((best - _accuracy(results, case, EUCLIDEAN), title, name, case))
    wins = sum(g > 0.005 for g, *_ in gains)
    beats_standardised = sum(
        max(s for n in learners if (s := _accuracy(results, case, n)) is not None)
        > _accuracy(results, case, STANDARDISED) + 0.005
        for case in CASES
    )
    gain, title, name, case = max(gains)
    before = _accuracy(results, case, EUCLIDEAN)
    sentence = (
        f"A learned metric beats Euclidean kNN on {wins} of {len(CASES)} datasets and "
        f"standardised kNN on {beats_standardised}; the largest gain is on {title}: "
        f"{before:.2f} → {before + gain:.2f} with {name}."
    )
    # Fits the peer does in milliseconds (Covariance, LFDA) are timed by their input checks:
    # the speed-up is quoted where metric-learn takes more than PEER_QUOTED_S.
    speedups = sorted(
        (p.fit_time_s / o.fit_time_s, p.estimator)
        for p in results
        if p.dataset == PEER_CASE
        and p.library not in (MLEARN, EUCLIDEAN, STANDARDISED)
        and p.fit_time_s
        and p.fit_time_s > PEER_QUOTED_S
        for o in results
        if (o.dataset, o.estimator, o.library) == (PEER_CASE, p.estimator, MLEARN) and o.fit_time_s
    )
    if speedups:
        quoted = ", ".join(f"{name} {_ratio(ratio)}" for ratio, name in speedups)
        sentence += f" On {CASES[PEER_CASE]}, mlearn fits faster than metric-learn: {quoted}."
    return sentence


def accuracy_figure(results, path):
    """Grouped bars: per case, the two baselines (grey) and each learner's kNN accuracy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    learners = list(dict.fromkeys(r.estimator for r in results if r.library == MLEARN))
    series = [EUCLIDEAN, STANDARDISED, *learners]
    colours = ["0.35", "0.7", *plt.get_cmap("tab10").colors[: len(learners)]]
    fig, ax = plt.subplots(figsize=(10, 4.2), layout="constrained")
    width = 0.8 / len(series)
    for i, (name, colour) in enumerate(zip(series, colours, strict=True)):
        for j, case in enumerate(CASES):
            score = _accuracy(results, case, name)
            if score is not None:
                ax.bar(
                    j + (i - len(series) / 2 + 0.5) * width,
                    score,
                    width,
                    color=colour,
                    label=name if j == 0 or name in KERNEL_LEARNERS else None,
                )
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(
        unique.values(),
        unique.keys(),
        ncol=min(len(series), 4),
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        frameon=False,
    )
    ax.set_xticks(
        range(len(CASES)),
        [title.replace(" + ", " +\n").replace("d 1e", "d\n1e") for title in CASES.values()],
        fontsize=9,
    )
    ax.set_ylabel(f"{KNN_K}-NN accuracy ({FOLDS}-fold CV)")
    ax.set_ylim(0.0, 1.02)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    if args.peer_python:
        info = peer_versions(args.peer_python)
        if "error" in info:
            print(f"metric-learn not run: {info['error']}", file=sys.stderr)
            args.peer_python = None
    results = run_demo(args)
    text = "\n\n".join(
        part for part in (accuracy_table(results), peer_table(results), takeaway(results)) if part
    )
    print("\n" + text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/demo.py" + ("" if args.peer_python else " --no-peer")
    if out.resolve() != (_HERE.parent / "demo-output").resolve():
        command += f" --out {_shown(out)}"
    (out / "results.md").write_text(f"Produced by `{command}`.\n\n{text}\n")
    accuracy_figure(results, out / "demo.png")
    print(f"\nwritten: {out / 'results.md'}, {out / 'demo.png'}")


if __name__ == "__main__":
    main()
