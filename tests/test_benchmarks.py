"""The benchmark harness behind the README's first command gives true numbers."""

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MinMaxScaler

from mlearn import Covariance

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
RUN = BENCHMARKS / "run.py"


@pytest.fixture
def harness(monkeypatch):
    """Import the harness modules the way run.py does (they live in benchmarks/)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import datasets
    import peer
    import registry
    import report
    import run

    return {"datasets": datasets, "peer": peer, "registry": registry, "report": report, "run": run}


def _run_harness(tmp_path, *args):
    out = tmp_path / "results" / "results.csv"
    completed = subprocess.run(
        [sys.executable, str(RUN), *args, "--out", str(out.parent)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    with open(out, newline="") as f:
        return completed.stdout, list(csv.DictReader(f))


def _wine_accuracies():
    """The documented protocol written out: 10 shuffled stratified folds, min-max, 3-NN."""
    X, y = load_wine(return_X_y=True)
    euclidean, learned = [], []
    for train, test in StratifiedKFold(10, shuffle=True, random_state=0).split(X, y):
        scaler = MinMaxScaler().fit(X[train])
        X_tr, X_te = scaler.transform(X[train]), scaler.transform(X[test])
        euclidean.append(KNeighborsClassifier(3).fit(X_tr, y[train]).score(X_te, y[test]))
        model = Covariance().fit(X_tr)
        knn = KNeighborsClassifier(3).fit(model.transform(X_tr), y[train])
        learned.append(knn.score(model.transform(X_te), y[test]))
    return np.mean(euclidean), np.mean(learned), np.std(learned)


def test_harness_reports_the_accuracies_of_a_direct_computation(tmp_path):
    stdout, rows = _run_harness(
        tmp_path, "--datasets", "wine", "--estimators", "Covariance", "--threads", "1"
    )
    by_library = {row["library"]: row for row in rows}
    euclidean, learned, learned_std = _wine_accuracies()
    assert float(by_library["euclidean"]["knn_accuracy"]) == pytest.approx(euclidean)
    assert float(by_library["mlearn"]["knn_accuracy"]) == pytest.approx(learned)
    assert float(by_library["mlearn"]["knn_accuracy_std"]) == pytest.approx(learned_std)
    assert len(by_library["mlearn"]["fit_times_s"].split()) == 10
    assert float(by_library["mlearn"]["accuracy_delta_vs_euclidean"]) == pytest.approx(
        learned - euclidean
    )
    assert float(by_library["mlearn"]["fit_time_s"]) > 0
    assert "| wine | Covariance | mlearn |" in stdout
    assert "BLAS threads pinned to 1" in stdout
    assert "stratified 10-fold CV" in stdout and "kNN k=3" in stdout
    # --out also writes the table with its header, and the figure.
    table = (tmp_path / "results" / "results.md").read_text()
    assert "stratified 10-fold CV" in table and "| wine | Covariance | mlearn |" in table
    assert (tmp_path / "results" / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_harness_reports_an_unavailable_peer_in_its_row(tmp_path):
    _, rows = _run_harness(
        tmp_path,
        "--datasets",
        "iris",
        "--estimators",
        "Covariance",
        "--peer-python",
        str(tmp_path / "no-such-python"),
    )
    peer = [row for row in rows if row["library"] == "metric-learn"]
    assert len(peer) == 1 and peer[0]["notes"]
    assert peer[0]["knn_accuracy"] == ""


def test_random_state_reaches_the_learners_and_peers_that_take_one(harness):
    args = harness["run"].parse_args(
        ["--estimators", "ITMLSupervised,Covariance", "--random-state", "3"]
    )
    itml, covariance = args.estimators
    assert itml.params["random_state"] == 3 and itml.peer.kwargs["random_state"] == 3
    assert itml.new_estimator().random_state == 3
    assert "random_state" not in covariance.params
    registered = harness["registry"].get_benchmark("ITMLSupervised")
    assert registered.params["random_state"] == 0  # the registry itself is unchanged
    assert any("random_state: 3" in line for line in harness["run"].header_lines(args, None))
    assert harness["run"].parse_args([]).random_state is None


def test_stratified_test_folds_keep_class_proportions(harness):
    y = np.repeat([0, 1, 2], [50, 30, 20])
    test_fold = harness["datasets"].stratified_test_folds(y, n_folds=10)
    assert sorted(np.unique(test_fold)) == list(range(10))
    for fold in range(10):
        np.testing.assert_array_equal(np.bincount(y[test_fold == fold]), [5, 3, 2])


def test_peer_worker_scores_the_same_folds_as_the_harness(harness):
    X, y = load_wine(return_X_y=True)
    data = {
        "X": X,
        "y": y,
        "test_fold": harness["datasets"].stratified_test_folds(y),
        "scale": "minmax",
    }
    # The worker run in this very interpreter on mlearn's Covariance must reproduce the
    # direct computation: the protocol, not just the transport, is shared.
    answer = harness["peer"].run_peer(
        sys.executable,
        harness["registry"].PeerCounterpart("mlearn", "Covariance", {}),
        data,
        supervised=False,
        threads=1,
        repeats=1,
        n_neighbors=3,
        timeout=120,
    )
    assert answer.error is None
    _, learned, learned_std = _wine_accuracies()
    assert answer.accuracy == pytest.approx(learned)
    assert answer.accuracy_std == pytest.approx(learned_std)
    assert len(answer.fit_times_s) == 10


def test_quick_runs_the_shipped_data_with_the_registered_quick_estimators(harness):
    args = harness["run"].parse_args(["--quick"])
    assert args.datasets == ["iris", "wine", "breast_cancer", "digits"]
    names = [b.name for b in args.estimators]
    assert "Covariance" in names
    assert set(names) <= set(harness["run"].QUICK_ESTIMATORS)
    assert (args.folds, args.scale, args.knn_k, args.repeats) == (5, "minmax", 3, 1)
    full = harness["run"].parse_args([])
    assert (full.folds, full.scale, full.knn_k) == (10, "minmax", 3)
    assert "mnist_digits" in full.datasets


def test_figure_has_a_log_time_panel_per_dataset_with_the_baseline_line(harness):
    report = harness["report"]
    Result = report.Result
    results = [
        Result("iris", "euclidean", "euclidean", accuracy=0.95),
        Result("iris", "Covariance", "mlearn", 0.001, [0.001], 0.91),
        Result("iris", "Covariance", "metric-learn", 0.002, [0.002], 0.91),
        Result("wine", "euclidean", "euclidean", accuracy=0.97),
        Result("wine", "Covariance", "mlearn", 0.01, [0.01], 0.93),
        Result("wine", "Broken", "mlearn", notes=["ValueError: no"]),
    ]
    fig = report.accuracy_time_figure(report.table_rows(results, {}))
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["iris", "wine"]
    assert all(ax.get_xscale() == "log" for ax in panels)
    iris_points = np.vstack([c.get_offsets() for c in panels[0].collections])
    np.testing.assert_allclose(iris_points, [[0.001, 0.91], [0.002, 0.91]])
    assert len(panels[1].collections) == 1  # the failed learner has no marker
    assert [line.get_ydata()[0] for line in panels[1].get_lines()] == [0.97]


@pytest.fixture
def demo(harness, monkeypatch):
    import demo

    return demo


def _demo_results(report, demo):
    R = report.Result
    rows = []
    for case in demo.CASES:
        rows += [
            R(case, "euclidean", "euclidean", accuracy=0.5),
            R(case, demo.STANDARDISED, demo.STANDARDISED, accuracy=0.8),
            R(case, "LMNN", report.MLEARN, fit_time_s=0.1, accuracy=0.9 if case == "wine" else 0.4),
        ]
    rows.append(R("wine", "LMNN", report.PEER, fit_time_s=4.0, accuracy=0.85))
    return rows


def test_demo_table_marks_the_best_and_the_gain_over_euclidean(harness, demo):
    table = demo.accuracy_table(_demo_results(harness["report"], demo)).splitlines()
    wine = next(line for line in table if line.startswith("| raw wine"))
    assert wine == "| raw wine | 0.500 | 0.800 | **0.900** | +0.400 |"
    digits = next(line for line in table if line.startswith("| digits"))
    assert digits == "| digits | 0.500 | **0.800** | 0.400 | -0.100 |"


def test_demo_takeaway_counts_wins_and_quotes_the_measured_speedup(harness, demo):
    sentence = demo.takeaway(_demo_results(harness["report"], demo))
    assert sentence.startswith("A learned metric beats Euclidean kNN on 1 of 5 datasets and ")
    assert "standardised kNN on 1;" in sentence
    assert "0.50 → 0.90 with LMNN" in sentence
    assert sentence.endswith("mlearn fits faster than metric-learn: LMNN 40×.")
    peer = demo.peer_table(_demo_results(harness["report"], demo))
    assert "| LMNN | 0.1 | 4 | 40× | 0.900 | 0.850 |" in peer


def test_deep_retrieval_class_disjoint_split_tests_only_unseen_classes(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import deep_retrieval

    rng = np.random.default_rng(0)
    images = (rng.random((40, 16)), np.arange(40) % 10, rng.random((20, 16)), np.arange(20) % 10)
    X_tr, y_tr, X_te, y_te = deep_retrieval.split(images, "disjoint")
    assert set(y_tr) == {0, 1, 2, 3, 4} and set(y_te) == {5, 6, 7, 8, 9}
    np.testing.assert_array_equal(X_te, images[2][images[3] >= 5])
    usual = deep_retrieval.split(images, "usual")
    assert all(a is b for a, b in zip(usual, images, strict=True))


def test_deep_retrieval_report_gives_the_student_t_interval(monkeypatch):
    from scipy import stats

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import deep_retrieval_report

    values = [0.91, 0.895, 0.888]
    low, high = stats.t.interval(0.95, len(values) - 1, np.mean(values), stats.sem(values))
    assert (
        deep_retrieval_report.mean_ci(values) == f"{np.mean(values):.3f} ± {(high - low) / 2:.3f}"
    )


def test_results_name_the_peer_interpreter_without_the_machines_paths(harness):
    shown = harness["run"]._path_in_repository
    assert shown(".peer-venv/bin/python") == ".peer-venv/bin/python"
    assert shown(str(BENCHMARKS.parent / ".peer-venv" / "bin" / "python")) == str(
        Path(".peer-venv/bin/python")
    )
    assert shown("/opt/elsewhere/bin/python") == "PEER"
