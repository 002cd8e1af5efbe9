"""The benchmark harness behind the README's first command gives true numbers."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn import Covariance

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def _run_harness(tmp_path, *args):
    out = tmp_path / "results.csv"
    completed = subprocess.run(
        [sys.executable, str(RUN), *args, "--csv", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    with open(out, newline="") as f:
        return completed.stdout, list(csv.DictReader(f))


def _wine_accuracies():
    X, y = load_wine(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    euclidean = KNeighborsClassifier(5).fit(X_tr, y_tr).score(X_te, y_te)
    model = Covariance().fit(X_tr)
    learned = (
        KNeighborsClassifier(5).fit(model.transform(X_tr), y_tr).score(model.transform(X_te), y_te)
    )
    return euclidean, learned


def test_harness_reports_the_accuracies_of_a_direct_computation(tmp_path):
    stdout, rows = _run_harness(
        tmp_path, "--datasets", "wine", "--estimators", "Covariance", "--threads", "1"
    )
    by_library = {row["library"]: row for row in rows}
    euclidean, learned = _wine_accuracies()
    assert float(by_library["euclidean"]["knn_accuracy"]) == pytest.approx(euclidean)
    assert float(by_library["mlearn"]["knn_accuracy"]) == pytest.approx(learned)
    assert float(by_library["mlearn"]["accuracy_delta_vs_euclidean"]) == pytest.approx(
        learned - euclidean
    )
    assert float(by_library["mlearn"]["fit_time_s"]) > 0
    assert "| wine | Covariance | mlearn |" in stdout
    assert "BLAS threads pinned to 1" in stdout


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
