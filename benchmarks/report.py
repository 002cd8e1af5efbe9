"""Results of a benchmark run, the comparisons between them, and their Markdown / CSV forms."""

import csv
from dataclasses import dataclass, field

from registry import EUCLIDEAN

MLEARN, PEER = "mlearn", "metric-learn"

COLUMNS = {
    "dataset": "dataset",
    "estimator": "estimator",
    "library": "library",
    "fit_time_s": "fit time (s)",
    "knn_accuracy": "kNN accuracy",
    "knn_accuracy_std": "± std",
    "speedup_vs_metric_learn": "speed-up vs metric-learn",
    "accuracy_delta_vs_euclidean": "Δ accuracy vs euclidean",
    "notes": "notes",
}
CSV_ONLY_COLUMNS = ("fit_times_s", "folds", "scale", "threads", "repeats", "knn_k")


@dataclass
class Result:
    """One measured row: a library's estimator (or the baseline) on one dataset.

    ``fit_time_s`` is the median over folds of each fold's median fit time and ``fit_times_s``
    those per-fold medians; both are empty for the Euclidean baseline, which fits nothing.
    ``accuracy`` is the mean kNN accuracy over the folds and ``accuracy_std`` their standard
    deviation; it is None when the fit failed, and ``notes`` then carries the error;
    otherwise notes are captured warnings.
    """

    dataset: str
    estimator: str
    library: str
    fit_time_s: float | None = None
    fit_times_s: list = field(default_factory=list)
    accuracy: float | None = None
    notes: list = field(default_factory=list)
    accuracy_std: float | None = None


def speedup_vs_peer(result, results):
    """Return peer fit time / mlearn fit time for an mlearn result, or None without a peer."""
    if result.library != MLEARN or not result.fit_time_s:
        return None
    for other in results:
        if (other.dataset, other.estimator, other.library) == (
            result.dataset,
            result.estimator,
            PEER,
        ) and other.fit_time_s is not None:
            return other.fit_time_s / result.fit_time_s
    return None


def accuracy_delta_vs_euclidean(result, results):
    """Return the result's kNN accuracy minus the Euclidean baseline's on the same dataset."""
    if result.library == EUCLIDEAN or result.accuracy is None:
        return None
    for other in results:
        if other.dataset == result.dataset and other.library == EUCLIDEAN:
            return result.accuracy - other.accuracy
    return None


def table_rows(results, config):
    """Return one dict per result with every column, comparisons computed within the run.

    Parameters
    ----------
    results : list of Result
    config : dict
        Run settings repeated on every row (keys of ``CSV_ONLY_COLUMNS`` but ``fit_times_s``).

    Returns
    -------
    list of dict
        Raw numbers (None where not applicable), keyed by ``COLUMNS`` and
        ``CSV_ONLY_COLUMNS``.
    """
    return [
        {
            "dataset": result.dataset,
            "estimator": result.estimator,
            "library": result.library,
            "fit_time_s": result.fit_time_s,
            "knn_accuracy": result.accuracy,
            "knn_accuracy_std": result.accuracy_std,
            "speedup_vs_metric_learn": speedup_vs_peer(result, results),
            "accuracy_delta_vs_euclidean": accuracy_delta_vs_euclidean(result, results),
            "notes": "; ".join(result.notes),
            "fit_times_s": " ".join(f"{t:.6f}" for t in result.fit_times_s),
            **config,
        }
        for result in results
    ]


def _markdown_cell(key, value):
    """Format one value for the Markdown table."""
    if value is None or value == "":
        return ""
    if key == "fit_time_s":
        return f"{value:.3g}"
    if key in ("knn_accuracy", "knn_accuracy_std"):
        return f"{value:.3f}"
    if key == "speedup_vs_metric_learn":
        return f"{value:.2f}×"
    if key == "accuracy_delta_vs_euclidean":
        return f"{value:+.3f}"
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 120 else text[:117] + "..."


def markdown_table(rows):
    """Return the rows as a Markdown table with the columns of ``COLUMNS``."""
    lines = [
        "| " + " | ".join(COLUMNS.values()) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_markdown_cell(k, row[k]) for k in COLUMNS) + " |")
    return "\n".join(lines)


def write_csv(rows, path):
    """Write the rows with raw numbers (full precision, empty where not applicable)."""
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=[*COLUMNS, *CSV_ONLY_COLUMNS])
        writer.writeheader()
        writer.writerows(rows)


def write_figure(rows, path):
    """Save `accuracy_time_figure` of the rows to ``path``; return the path."""
    import matplotlib.pyplot as plt

    fig = accuracy_time_figure(rows)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def accuracy_time_figure(rows):
    """Plot kNN accuracy against fit time (log x), one panel per dataset; return the Figure.

    Each learner and library is one marker (filled for mlearn, hollow for metric-learn, same
    colour for the same estimator); the Euclidean baseline is a dashed horizontal line.
    Failed rows are left out. matplotlib is imported here, so the table needs no plotting.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    datasets = list(dict.fromkeys(row["dataset"] for row in rows))
    estimators = list(
        dict.fromkeys(row["estimator"] for row in rows if row["library"] != EUCLIDEAN)
    )
    colours = dict(zip(estimators, plt.get_cmap("tab10").colors * 3, strict=False))
    n_cols = min(3, len(datasets))
    n_rows = -(-len(datasets) // n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(4.2 * n_cols, 3.6 * n_rows), squeeze=False, layout="constrained"
    )
    for ax, dataset in zip(axes.ravel(), datasets, strict=False):
        for row in rows:
            if row["dataset"] != dataset or row["knn_accuracy"] is None:
                continue
            if row["library"] == EUCLIDEAN:
                ax.axhline(row["knn_accuracy"], color="grey", linestyle="--", label=EUCLIDEAN)
            elif row["fit_time_s"]:
                colour = colours[row["estimator"]]
                ax.scatter(
                    row["fit_time_s"],
                    row["knn_accuracy"],
                    s=45,
                    color=colour if row["library"] == MLEARN else "none",
                    edgecolors=colour,
                    label=f"{row['estimator']} ({row['library']})",
                )
        ax.set(xscale="log", title=dataset, xlabel="fit time per fold (s)", ylabel="kNN accuracy")
        ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels collide on short ranges
        ax.margins(x=0.15)
        ax.legend(fontsize="x-small")
    for ax in axes.ravel()[len(datasets) :]:
        ax.set_visible(False)
    return fig
