import cvxpy as cp
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from mlearn._optim import (
    ProgressTable,
    minimize_lbfgs,
    prox_nuclear_psd,
    proximal_gradient,
    soft_threshold,
    soft_threshold_nonnegative,
)
from mlearn.psd import project_psd


def _least_squares(seed=0, n=30, d=6):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, d))
    b = rng.normal(size=n)

    def loss_and_grad(x):
        r = A @ x - b
        return 0.5 * r @ r, A.T @ r

    return A, b, loss_and_grad


def test_lbfgs_reaches_the_least_squares_solution():
    A, b, loss_and_grad = _least_squares()
    result = minimize_lbfgs(loss_and_grad, np.zeros(6), max_iter=200, tol=1e-10, ftol=1e-15)
    assert_allclose(result.x, np.linalg.lstsq(A, b, rcond=None)[0], rtol=1e-6)
    assert result.converged
    assert 0 < result.n_iter < 200
    assert result.n_evals >= result.n_iter


def test_lbfgs_respects_bounds_like_nonnegative_least_squares():
    from scipy.optimize import nnls

    A, b, loss_and_grad = _least_squares(seed=1)
    result = minimize_lbfgs(
        loss_and_grad, np.ones(6), bounds=[(0, None)] * 6, tol=1e-10, ftol=1e-15, max_iter=500
    )
    assert_allclose(result.x, nnls(A, b)[0], atol=1e-6)


def test_lbfgs_warns_and_reports_at_max_iter():
    _, _, loss_and_grad = _least_squares()
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        result = minimize_lbfgs(loss_and_grad, np.zeros(6), max_iter=2, tol=1e-12)
    assert not result.converged
    assert result.n_iter == 2


def test_lbfgs_verbose_prints_the_rule_a_row_per_iteration_and_how_it_ended(capsys):
    _, _, loss_and_grad = _least_squares()
    result = minimize_lbfgs(loss_and_grad, np.zeros(6), verbose=2, name="Demo", tol=1e-10)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "[Demo] stops when max |gradient| <= tol=1e-10, or at max_iter=100"
    assert "objective" in lines[1] and "max |gradient|" in lines[1]
    rows = lines[2:-1]
    assert [int(r.split()[1]) for r in rows] == list(range(1, result.n_iter + 1))
    # The gradient column is that of the iterate: the final one is the returned point's.
    final_gradient = np.abs(loss_and_grad(result.x)[1]).max()
    assert float(rows[-1].split()[3]) == pytest.approx(final_gradient, rel=1e-5, abs=1e-12)
    assert lines[-1].startswith(f"[Demo] converged after {result.n_iter} iterations")


def test_progress_rows_thin_out_geometrically_at_verbose_1_and_the_last_row_is_kept(capsys):
    table = ProgressTable("T", 1, ("value",), rule="stops when value <= 0")
    for i in range(1, 2501):
        table.row(i, 1.0 / i)
    table.finish(2500, converged=False)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "[T] stops when value <= 0"
    shown = [int(line.split()[1]) for line in lines[2:-1]]
    expected = [*range(1, 11), *range(20, 101, 10), *range(200, 1001, 100), 2000, 2500]
    assert shown == expected
    assert lines[-1].startswith("[T] stopped at max_iter after 2500 iterations")
    table = ProgressTable("T", 2, ("value",))
    for i in range(1, 31):
        table.row(i, 1.0)
    assert len(capsys.readouterr().out.strip().splitlines()) == 31


def _solve_lasso(loss_and_grad, d, lam, **options):
    """½‖Ax − b‖² + lam·‖x‖₁ by proximal gradient from x = 0."""
    return proximal_gradient(
        loss_and_grad,
        lambda v, t: soft_threshold(v, lam * t),
        np.zeros(d),
        nonsmooth=lambda x: lam * np.abs(x).sum(),
        **options,
    )


@pytest.mark.parametrize("accelerated", [True, False])
def test_proximal_gradient_solves_the_lasso_like_cvxpy(accelerated):
    A, b, loss_and_grad = _least_squares(seed=2, n=40, d=10)
    lam = 2.0
    result = _solve_lasso(loss_and_grad, 10, lam, max_iter=5000, tol=1e-12, accelerated=accelerated)
    x = cp.Variable(10)
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ x - b) + lam * cp.norm1(x)))
    problem.solve()
    assert result.fun == pytest.approx(problem.value, rel=1e-6)
    assert_allclose(result.x, x.value, atol=1e-4)
    assert np.sum(result.x == 0) > 0  # exact zeros from the soft threshold


def test_projected_gradient_solves_least_squares_on_the_psd_cone():
    rng = np.random.default_rng(3)
    B = rng.normal(size=(8, 4))
    C = rng.normal(size=(8, 4))

    def loss_and_grad(M):
        R = B @ M - C
        return 0.5 * np.sum(R**2), B.T @ R

    result = proximal_gradient(
        loss_and_grad, lambda V, t: project_psd(V), np.zeros((4, 4)), max_iter=5000, tol=1e-12
    )
    M = cp.Variable((4, 4), PSD=True)
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(B @ M - C)))
    problem.solve(solver=cp.CLARABEL)
    assert result.fun == pytest.approx(problem.value, rel=1e-5)
    assert np.linalg.eigvalsh(result.x).min() >= -1e-10


def test_proximal_gradient_objective_never_increases(capsys):
    _, _, loss_and_grad = _least_squares(seed=4, n=20, d=15)
    _solve_lasso(loss_and_grad, 15, 0.5, max_iter=300, tol=1e-14, verbose=2, name="lasso")
    rows = capsys.readouterr().out.strip().splitlines()[2:-1]
    objectives = np.array([float(r.split()[2]) for r in rows])
    assert len(objectives) > 5
    assert np.all(np.diff(objectives) <= 1e-9 * np.abs(objectives[:-1]))


def test_proximal_gradient_warns_at_max_iter():
    _, _, loss_and_grad = _least_squares()
    with pytest.warns(ConvergenceWarning):
        result = proximal_gradient(
            loss_and_grad, lambda v, t: v, np.zeros(6), max_iter=3, tol=1e-15
        )
    assert result.n_iter == 3 and not result.converged


def test_proximal_gradient_returns_the_step_to_warm_start_from():
    # From x = 0 the first trial point is −t∇f, and the sufficient-decrease bound of a
    # quadratic holds iff t ≤ ‖g‖² / ‖A g‖²; the step is halved until then, then grown 1.5×.
    A, b, loss_and_grad = _least_squares()
    g = loss_and_grad(np.zeros(6))[1]
    accepted = 1e3
    while accepted > (g @ g) / np.sum((A @ g) ** 2):
        accepted /= 2
    with pytest.warns(ConvergenceWarning):
        result = proximal_gradient(loss_and_grad, lambda v, t: v, np.zeros(6), step=1e3, max_iter=1)
    assert result.step == pytest.approx(1.5 * accepted, rel=1e-12)


def test_proximal_gradient_stop_test_replaces_tol_and_sees_the_gradient():
    A, b, loss_and_grad = _least_squares(seed=5)
    seen = []

    def gradient_small(x, value, grad):
        # The value and gradient handed over are those of x itself.
        assert value == pytest.approx(loss_and_grad(x)[0])
        assert_allclose(grad, loss_and_grad(x)[1])
        seen.append(np.linalg.norm(grad))
        return seen[-1] <= 1e-4

    result = proximal_gradient(
        loss_and_grad, lambda v, t: v, np.zeros(6), max_iter=5000, tol=1.0, stop=gradient_small
    )
    assert result.converged and result.n_iter > 1  # tol=1.0 alone stops at once
    assert seen[-1] <= 1e-4 < min(seen[:-1])
    assert_allclose(result.x, np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-4)


def test_soft_thresholds_match_their_closed_forms():
    x = np.array([-3.0, -0.5, 0.0, 0.2, 2.0])
    assert_allclose(soft_threshold(x, 1.0), [-2.0, 0.0, 0.0, 0.0, 1.0])
    assert_allclose(soft_threshold_nonnegative(x, 1.0), [0.0, 0.0, 0.0, 0.0, 1.0])


def test_nuclear_prox_matches_cvxpy():
    rng = np.random.default_rng(5)
    A = rng.normal(size=(5, 5))
    A = A + A.T
    t = 0.7
    X = cp.Variable((5, 5), PSD=True)
    cp.Problem(cp.Minimize(0.5 * cp.sum_squares(X - A) + t * cp.trace(X))).solve(solver=cp.CLARABEL)
    assert_allclose(prox_nuclear_psd(A, t), X.value, atol=1e-5)
