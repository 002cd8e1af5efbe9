import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mlearn import FARM, FARMSupervised
from mlearn.constraints import knn_triplets
from mlearn.psd import is_psd

from ._helpers import informative_and_noise


def test_l1_on_weights_zeroes_exactly_the_noise_features():
    # With only 240 points noise features fit some kNN triplets by chance; twice the
    # default weight penalty removes all 20 of them.
    X, y = informative_and_noise()
    farm = FARMSupervised(alpha_weights=0.02).fit(X, y)
    assert np.all(farm.feature_weights_[:3] > 0.1 * farm.feature_weights_.max())
    assert np.all(farm.feature_weights_[3:] == 0.0)
    assert np.all(farm.components_[:, 3:] == 0.0)
    assert is_psd(farm.get_mahalanobis_matrix())


def test_knn_after_transform_beats_euclidean_on_noisy_features():
    X, y = informative_and_noise(n=300, n_noise=30)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    euclidean = KNeighborsClassifier(3).fit(X_tr, y_tr).score(X_te, y_te)
    oracle = KNeighborsClassifier(3).fit(X_tr[:, :3], y_tr).score(X_te[:, :3], y_te)
    farm = FARMSupervised().fit(X_tr, y_tr)
    learned = (
        KNeighborsClassifier(3).fit(farm.transform(X_tr), y_tr).score(farm.transform(X_te), y_te)
    )
    assert learned >= max(euclidean + 0.1, oracle - 0.05), (learned, euclidean, oracle)


def test_supervised_twin_runs_the_same_solver_on_knn_triplets():
    X, y = informative_and_noise(n=90, n_noise=4)
    supervised = FARMSupervised(penalty="nuclear").fit(X, y)
    triplets = FARM(penalty="nuclear", preprocessor=X).fit(knn_triplets(X, y))
    assert_allclose(supervised.components_, triplets.components_, rtol=1e-12, atol=1e-14)
    assert supervised.n_iter_ == triplets.n_iter_


def test_max_iter_warns_and_keeps_the_last_iterate():
    X, y = informative_and_noise(n=90, n_noise=4)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        farm = FARMSupervised(max_iter=2).fit(X, y)
    assert farm.n_iter_ == 2
    longer = FARMSupervised().fit(X, y)
    assert longer.objective_ <= farm.objective_


def test_verbose_prints_one_row_per_iteration(capsys):
    X, y = informative_and_noise(n=90, n_noise=4)
    farm = FARMSupervised(verbose=2).fit(X, y)
    rows = [line for line in capsys.readouterr().out.splitlines() if "[FARMSupervised]" in line]
    assert len(rows) == farm.n_iter_ + 3  # the rule, the header, the rows, how it ended


def test_init_options_and_bad_init_shape():
    X, y = informative_and_noise(n=90, n_noise=2)
    for init in ["covariance", "random", np.eye(5)]:
        farm = FARMSupervised(init=init, random_state=0).fit(X, y)
        assert is_psd(farm.get_mahalanobis_matrix())
    with pytest.raises(ValueError, match="init must have shape"):
        FARMSupervised(init=np.eye(3)).fit(X, y)
    with pytest.raises(ValueError, match="n_components"):
        FARMSupervised(n_components=6).fit(X, y)


def test_too_strong_weight_penalty_warns_and_gives_the_zero_metric():
    X, y = informative_and_noise(n=90, n_noise=2)
    with pytest.warns(UserWarning, match="every feature weight is zero"):
        farm = FARMSupervised(alpha_weights=10.0).fit(X, y)
    assert np.all(farm.feature_weights_ == 0) and np.all(farm.components_ == 0)


def test_feature_benchmark_reports_farm_next_to_the_euclidean_baseline():
    root = Path(__file__).resolve().parents[2]
    # The script must import this checkout's mlearn, not an installed one.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    completed = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "farm_features.py"), "--datasets", "iris"]
        + ["--penalty", "nuclear"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = [line.split("|")[1:-1] for line in completed.stdout.splitlines()[2:]]
    methods = {cells[2].strip(): cells for cells in rows}
    assert {"euclidean", "FARMSupervised(nuclear)"} <= methods.keys()
    farm = methods["FARMSupervised(nuclear)"]
    assert float(farm[4]) >= float(methods["euclidean"][4]) - 0.05
    assert 1 <= int(farm[5]) <= 4
