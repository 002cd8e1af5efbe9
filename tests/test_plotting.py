"""The plots show what they claim: the right points, matrix, eigenvalues and labels."""

import sys

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.decomposition import PCA

from mlearn import Covariance
from mlearn.plotting import effective_rank, plot_embedding, plot_metric, plot_spectrum

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, y, Covariance().fit(X)


def _render_png(fig, path):
    fig.savefig(path, format="png", dpi=50)
    with open(path, "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 2000


def _points(ax):
    return [collection.get_offsets() for collection in ax.collections]


def test_embedding_draws_every_point_once_per_class(iris, tmp_path):
    X, y, model = iris
    ax = plot_embedding(model, X, y)
    points = _points(ax)
    assert [len(p) for p in points] == list(np.bincount(y))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1", "2"]
    assert ax.get_title() == "Covariance"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("PC 1", "PC 2")
    _render_png(ax.figure, tmp_path / "embedding.png")


def test_embedding_coordinates_are_the_leading_pcs_of_the_transform(iris):
    X, y, model = iris
    ax = plot_embedding(model, X, y)
    expected = PCA(n_components=2).fit_transform(model.transform(X))
    np.testing.assert_allclose(ax.collections[0].get_offsets(), expected[y == 0])


def test_two_dimensional_embedding_is_drawn_as_is():
    X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    ax = plot_embedding(None, X, [0, 1, 1])
    np.testing.assert_array_equal(ax.collections[1].get_offsets(), X[1:])
    assert ax.get_title() == "input space"


def test_before_after_puts_input_and_embedding_side_by_side(iris, tmp_path):
    X, y, model = iris
    axes = plot_embedding(model, X, y, before_after=True, title="whitened")
    assert len(axes) == 2 and axes[0].figure is axes[1].figure
    assert len(axes[0].figure.axes) == 2
    assert [a.get_title() for a in axes] == ["before: input space", "after: whitened"]
    np.testing.assert_allclose(
        np.vstack(_points(axes[0])), PCA(2).fit_transform(X)[np.argsort(y, kind="stable")]
    )
    assert sum(map(len, _points(axes[1]))) == len(X)
    _render_png(axes[0].figure, tmp_path / "before_after.png")


def test_a_precomputed_embedding_is_drawn_after_its_input():
    X, y = np.random.default_rng(0).normal(size=(12, 3)), np.repeat([0, 1], 6)
    Z = X[:, :2] * 10
    before, after = plot_embedding(Z, X, y, before_after=True)
    np.testing.assert_array_equal(np.vstack(_points(after)), Z[np.argsort(y, kind="stable")])
    assert after.get_title() == "after: embedding"
    with pytest.raises(ValueError, match="one row per sample"):
        plot_embedding(Z[:5], X, y)


def test_embedding_draws_into_given_axes():
    fig, ax = plt.subplots()
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.repeat([0, 1], 10)
    assert plot_embedding(None, X, y, ax=ax) is ax
    assert len(fig.axes) == 1


def test_embedding_rejects_unfitted_estimator_and_mismatched_labels():
    X = np.zeros((4, 2))
    with pytest.raises(Exception, match="not fitted"):
        plot_embedding(Covariance(), X, [0, 0, 1, 1])
    with pytest.raises(ValueError, match="one row per label"):
        plot_embedding(None, X, [0, 1])


def test_metric_heatmap_shows_M_on_a_symmetric_scale_with_a_colorbar(iris, tmp_path):
    X, _, model = iris
    ax = plot_metric(model, feature_names=["a", "b", "c", "d"])
    np.testing.assert_allclose(ax.images[0].get_array(), model.get_mahalanobis_matrix())
    low, high = ax.images[0].get_clim()
    assert low == -high == -np.abs(model.get_mahalanobis_matrix()).max()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c", "d"]
    assert ax.get_title() == "Mahalanobis matrix M"
    colorbars = [a for a in ax.figure.axes if a is not ax]
    assert len(colorbars) == 1 and colorbars[0].get_ylabel() == "M_ij"
    _render_png(ax.figure, tmp_path / "metric.png")


def test_metric_heatmap_labels_ticks_with_fitted_feature_names():
    pandas = pytest.importorskip("pandas")
    X = pandas.DataFrame(np.random.default_rng(0).normal(size=(30, 2)), columns=["x", "y"])
    ax = plot_metric(Covariance().fit(X), colorbar=False)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y"]
    assert len(ax.figure.axes) == 1


def test_spectrum_bars_are_the_sorted_eigenvalues_and_mark_the_effective_rank(tmp_path):
    rng = np.random.default_rng(0)
    Q = np.linalg.qr(rng.normal(size=(4, 4)))[0]
    eigenvalues = np.array([8.0, 4.0, 1.0, 0.5])
    M = Q @ np.diag(eigenvalues) @ Q.T
    ax = plot_spectrum(M)
    np.testing.assert_allclose([bar.get_height() for bar in ax.patches], eigenvalues)
    p = eigenvalues / eigenvalues.sum()
    rank = np.exp(-np.sum(p * np.log(p)))
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), [rank, rank])
    assert ax.get_legend().get_texts()[0].get_text() == f"effective rank {rank:.2f}"
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "eigenvalue index"
    _render_png(ax.figure, tmp_path / "spectrum.png")


@pytest.mark.parametrize(
    "eigenvalues, expected",
    [([1.0, 1.0, 1.0], 3.0), ([5.0, 0.0, 0.0], 1.0), ([1.0, 1.0, 0.0, 0.0], 2.0), ([0, 0], 0)],
)
def test_effective_rank_counts_equal_directions(eigenvalues, expected):
    assert effective_rank(np.diag(eigenvalues)) == pytest.approx(expected)


def test_effective_rank_lies_between_one_and_the_dimension():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(6, 6))
    assert 1.0 < effective_rank(A @ A.T) < 6.0


@pytest.mark.parametrize("plot", [plot_metric, plot_spectrum])
def test_matrix_plots_reject_non_square_or_non_finite_input(plot):
    with pytest.raises(ValueError, match="square"):
        plot(np.ones((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        plot(np.array([[1.0, np.nan], [np.nan, 1.0]]))


def test_missing_matplotlib_raises_an_import_error_naming_the_plot_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"mlearn-metric\[plot\]"):
        plot_metric(np.eye(2))
