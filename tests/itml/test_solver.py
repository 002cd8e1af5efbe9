"""The sweep loop: shrinking reaches the optimum of full sweeps, and it stops on tol."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mlearn.itml._solver import _itml_solve

from ._helpers import small_problem


def test_shrinking_reaches_the_same_optimum_as_full_sweeps():
    X, pairs, signs = small_problem(9, d=4, n_pairs=40)
    solutions = [
        _itml_solve(
            X, pairs, signs, np.eye(4), (1.0, 6.0), 1.0, max_iter=100_000, tol=1e-10, shrink=shrink
        )
        for shrink in (False, True)
    ]
    (M_full, _, dual_full, n_full), (M_shrunk, _, dual_shrunk, n_shrunk) = solutions
    assert 0 < np.count_nonzero(dual_full) < len(signs)  # some constraints are shrunk away
    np.testing.assert_allclose(M_shrunk, M_full, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dual_shrunk, dual_full, rtol=1e-5, atol=1e-9)


def test_stops_at_the_first_full_sweep_whose_dual_change_is_within_tol(capsys):
    X, pairs, signs = small_problem(9, d=4, n_pairs=40)
    args = (X, pairs, signs, np.eye(4), (1.0, 6.0), 1.0)
    *_, n_iter = _itml_solve(*args, max_iter=100_000, tol=1e-6, shrink=False, verbose=2)
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:-1]]
    changes = [float(row[2]) for row in rows]
    assert len(changes) == n_iter > 2
    assert changes[-1] <= 1e-6 < min(changes[:-1])
    assert all(int(row[3]) == len(signs) for row in rows)  # every sweep a full one
    with pytest.warns(ConvergenceWarning, match="ITML did not converge"):
        _itml_solve(*args, max_iter=n_iter - 1, tol=1e-6, shrink=False)
