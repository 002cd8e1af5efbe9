"""Tables and figure of ``deep_retrieval.py``'s runs: ``results.md`` and a PNG, from runs.jsonl.

Each table is one dataset and split: a row per (library, configuration), the mean over the
seeds ± the half-width of the 95 % confidence interval of the mean (Student t, n − 1 degrees
of freedom), the training CPU time, and the runs that failed or warned. The figure plots
MAP@R against training CPU time, one panel per table.
"""

import json
import statistics
from pathlib import Path

T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306}
"""The 97.5 % quantile of Student's t by degrees of freedom."""

COLUMNS = [
    ("map_at_r", "MAP@R"),
    ("precision_at_1", "P@1"),
    ("map_at_r_euclidean", "MAP@R (Euclidean)"),
]
ORDER = {"pixels": 0, "pml": 1, "mlearn": 2}


def mean_ci(values):
    """'mean ± half-width' of a 95 % CI; the mean alone for one value."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return f"{mean:.3f}"
    half = T_975[len(values) - 1] * statistics.stdev(values) / len(values) ** 0.5
    return f"{mean:.3f} ± {half:.3f}"


def grouped(runs):
    """{(dataset, split): {(library, config): [runs]}}, in a stable order."""
    tables = {}
    for run in runs:
        table = tables.setdefault((run["dataset"], run["split"]), {})
        same = table.setdefault((run["library"], run["config"]), [])
        # Processes measuring one split side by side may both write a run (the pixel
        # baseline, a seed): the first is kept.
        if all(other["seed"] != run["seed"] for other in same):
            same.append(run)
    return tables


def table_lines(rows):
    header = "| library | configuration | seeds | " + " | ".join(t for _, t in COLUMNS)
    lines = [header + " | training CPU s | notes |", "|" + "---|" * (len(COLUMNS) + 5)]
    for (library, config), runs in sorted(rows.items(), key=lambda i: (ORDER[i[0][0]], i[0][1])):
        ok = [r for r in runs if "error" not in r]
        notes = sorted({r["error"][:90] for r in runs if "error" in r})
        notes += sorted({w[:90] for r in ok for w in r.get("warnings", [])})
        if any(r.get("carried_over") for r in ok):
            notes.append("carried over from the previous run (seeded: bit-identical)")
        ignored = sorted({p for r in ok for p in r.get("params_ignored", [])})
        if ignored:
            notes.append(f"not a parameter of this mlearn: {', '.join(ignored)}")
        cells = [mean_ci([r[c] for r in ok]) if ok else "—" for c, _ in COLUMNS]
        cpu = f"{statistics.fmean(r['cpu_time_s'] for r in ok):.1f}" if ok else "—"
        seeds = ",".join(str(r["seed"]) for r in ok) if library != "pixels" else "—"
        lines.append(
            f"| {library} | {config} | {seeds} | " + " | ".join(cells) + f" | {cpu} | "
            f"{'; '.join(notes).replace('|', '/')} |"
        )
    return lines


def _ci_half(values):
    if len(values) < 2:
        return 0.0
    return T_975[len(values) - 1] * statistics.stdev(values) / len(values) ** 0.5


def write_figure(tables, path):
    """MAP@R (mean ± 95 % CI over the seeds) against mean training CPU time, per table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    configs = sorted({c for rows in tables.values() for (lib, c) in rows if lib != "pixels"})
    colour = {c: plt.get_cmap("tab10")(i) for i, c in enumerate(configs)}
    markers = {"pml": "s", "mlearn": "o"}
    fig, axes = plt.subplots(1, len(tables), figsize=(4.2 * len(tables), 3.6), squeeze=False)
    for ax, ((dataset, split), rows) in zip(axes[0], sorted(tables.items()), strict=True):
        for (library, config), runs in sorted(rows.items()):
            ok = [r for r in runs if "error" not in r]
            if not ok:
                continue
            maps = [r["map_at_r"] for r in ok]
            if library == "pixels":
                ax.axhline(maps[0], color="grey", ls=":", label="pixels")
                continue
            ax.errorbar(
                statistics.fmean(r["cpu_time_s"] for r in ok),
                statistics.fmean(maps),
                yerr=_ci_half(maps),
                fmt=markers[library],
                color=colour[config],
                capsize=3,
                label=f"{library} {config}",
            )
        ax.set_title(f"{dataset}, {split} split")
        ax.set_xlabel("training CPU time (s, one thread)")
        ax.set_ylabel("MAP@R (test set)")
        ax.grid(alpha=0.3)
    handles = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=6, fontsize=8)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.savefig(path, dpi=110)


def write_report(out):
    """Write ``out/results.md`` and ``out/map_at_r_vs_time.png`` from ``out/runs.jsonl``."""
    out = Path(out)
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines() if line]
    commands = list(dict.fromkeys((out / "commands.txt").read_text().strip().splitlines()))
    tables = grouped(runs)
    epochs = sorted({(r["dataset"], r["epochs"]) for r in runs})
    sources = sorted({r["mlearn"] for r in runs if r.get("mlearn")})
    pml = next((r["pml"] for r in runs if r.get("pml")), {})
    lines = [
        "# Deep metric learning, Reality Check protocol: mlearn and pytorch-metric-learning",
        "",
        "Measured with (in this order, appending to runs.jsonl; then `--report`):",
        "",
        *(f"    {command}" for command in commands),
        "",
        f"mlearn measured: {', '.join(sources) or '—'}. "
        f"PML: {', '.join(f'{k} {v}' for k, v in pml.items())}. "
        f"Epochs: {', '.join(f'{d} {e}' for d, e in epochs)}. "
        "Network: SmallCNN (benchmarks/retrieval_cnn.py) for every method. "
        "MAP@R and P@1 on L2-normalised test embeddings (cosine ranking), each test image "
        "querying the rest of the test set; mean ± 95 % CI over the seeds. The mlearn runs "
        "imported mlearn from the tree that --mlearn-source names (on PYTHONPATH); commands "
        "that ran side by side measured disjoint parts, and a run measured twice counts once.",
        "",
    ]
    for (dataset, split), rows in sorted(tables.items()):
        lines += [f"## {dataset}, {split} split", "", *table_lines(rows), ""]
    (out / "results.md").write_text("\n".join(lines))
    write_figure(tables, out / "map_at_r_vs_time.png")
