"""Training and evaluation charts: learning curves, confusion matrices, runs.

Drawn from what `modern_convnets.train` records (histories),
`modern_convnets.evaluation` computes (confusion matrices) and
`modern_convnets.ablation` collects (one record per run).

Examples:
    >>> fig = plot_confusion_matrices({"m": np.array([[9, 1], [2, 8]])},
    ...                               ["cat", "dog"], caption="Held-out photos")
    >>> fig.get_label()
    'Held-out photos'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure


def plot_histories(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    metrics: Sequence[str] = ("accuracy", "loss"),
    width: float = 9.0,
    caption: str = "",
) -> Figure:
    """Training and validation curves of several runs, side by side.

    One column per run, one row per metric; each row shares its y axis so
    the runs compare at a glance. The best validation accuracy is marked.

    Args:
        histories: Run name → metric name → one value per epoch, as saved by
            `modern_convnets.train` (`loss`, `accuracy`, `val_loss`,
            `val_accuracy`).
        metrics: Metrics to plot (each needs `name` and `val_name`).
        width: Figure width in inches.
        caption: What the figure shows, in one sentence (see
            `modern_convnets.figures.describe`).

    Returns:
        The figure.

    Raises:
        ValueError: `histories` is empty, or a run lacks a metric (the
            message lists the ones it has).

    Examples:
        >>> run = {"loss": [0.7, 0.5], "val_loss": [0.7, 0.6],
        ...        "accuracy": [0.5, 0.7], "val_accuracy": [0.5, 0.6]}
        >>> fig = plot_histories({"a": run, "b": run})
        >>> len(fig.axes)
        4
    """
    if not histories:
        raise ValueError("histories is empty: give at least one run")
    for run, history in histories.items():
        for metric in metrics:
            for key in (metric, f"val_{metric}"):
                if key not in history:
                    raise ValueError(
                        f"histories[{run!r}] has no {key!r}; it has "
                        f"{', '.join(sorted(history))}"
                    )
    fig = Figure(figsize=(width, 2.6 * len(metrics)), layout="constrained")
    axes = fig.subplots(len(metrics), len(histories), squeeze=False, sharey="row")
    for column, (run, history) in enumerate(histories.items()):
        for row, metric in enumerate(metrics):
            ax = axes[row, column]
            epochs = np.arange(1, len(history[metric]) + 1)
            ax.plot(epochs, history[metric], label="training", linewidth=1.2)
            ax.plot(epochs, history[f"val_{metric}"], label="validation", linewidth=1.2)
            if metric == "accuracy":
                best = int(np.argmax(history["val_accuracy"]))
                ax.plot(
                    best + 1,
                    history["val_accuracy"][best],
                    "o",
                    color="black",
                    label=f"best: epoch {best + 1}",
                )
            ax.set_title(f"{run}: {metric}")
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
            ax.legend(loc="best")
    fig.set_label(caption)
    return fig


def plot_confusion_matrices(
    matrices: Mapping[str, np.ndarray],
    class_names: Sequence[str],
    *,
    cell_size: float = 1.1,
    caption: str = "",
) -> Figure:
    """Confusion matrices side by side: counts, and percent of each true class.

    Args:
        matrices: Run name → (n, n) counts, rows the true class and columns
            the predicted one (`modern_convnets.evaluation.confusion_matrix`).
        class_names: The n class names.
        cell_size: Size of one cell in inches.
        caption: What the figure shows, in one sentence (see
            `modern_convnets.figures.describe`).

    Returns:
        The figure.

    Raises:
        ValueError: `matrices` is empty, or a matrix is not n × n.

    Examples:
        >>> fig = plot_confusion_matrices({"a": np.array([[9, 1], [2, 8]])},
        ...                               ["cat", "dog"])
        >>> fig.axes[0].get_title()
        'a: 85.0% correct'
    """
    if not matrices:
        raise ValueError("matrices is empty: give at least one")
    n = len(class_names)
    for run, matrix in matrices.items():
        if np.shape(matrix) != (n, n):
            raise ValueError(
                f"matrices[{run!r}] has shape {np.shape(matrix)}; expected "
                f"({n}, {n}) for class_names={list(class_names)!r}"
            )
    fig = Figure(
        figsize=(len(matrices) * (n * cell_size + 1.2), n * cell_size + 0.9),
        layout="constrained",
    )
    axes = fig.subplots(1, len(matrices), squeeze=False)[0]
    for ax, (run, matrix) in zip(axes, matrices.items(), strict=True):
        matrix = np.asarray(matrix)
        share = matrix / matrix.sum(axis=1, keepdims=True)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for i in range(n):
            for j in range(n):
                ax.text(
                    j,
                    i,
                    f"{matrix[i, j]:,}\n{100 * share[i, j]:.1f}%",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if share[i, j] > 0.6 else "#222222",
                )
        ax.set_xticks(range(n), class_names)
        ax.set_yticks(range(n), class_names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        correct = np.trace(matrix) / matrix.sum()
        ax.set_title(f"{run}: {100 * correct:.1f}% correct")
    fig.set_label(caption)
    return fig


def plot_runs(
    runs: Sequence[Mapping[str, object]],
    *,
    metrics: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    width: float = 9.0,
    caption: str = "",
) -> Figure:
    """Every run of a study as a dot, one row per variant, mean ± spread marked.

    Args:
        runs: Records with a `variant` and the metrics, e.g. the ablation's
            (`modern_convnets.ablation.load_results`).
        metrics: Record key → axis title; default validation and held-out
            accuracy.
        labels: Variant → row label; default the variant names.
        width: Figure width in inches.
        caption: What the figure shows, in one sentence (see
            `modern_convnets.figures.describe`).

    Returns:
        The figure: one panel per metric, in percent; a bar marks each
            variant's mean ± sample standard deviation.

    Raises:
        ValueError: `runs` is empty, or a run lacks a metric.

    Examples:
        >>> runs = [{"variant": v, "val_accuracy": a, "test_accuracy": a}
        ...         for v, a in [("a", 0.8), ("a", 0.9), ("b", 0.7)]]
        >>> [ax.get_title() for ax in plot_runs(runs).axes]
        ['validation accuracy', 'held-out accuracy']
    """
    metrics = metrics or {
        "val_accuracy": "validation accuracy",
        "test_accuracy": "held-out accuracy",
    }
    if not runs:
        raise ValueError("runs is empty: give at least one run")
    for run in runs:
        missing = [m for m in metrics if run.get(m) is None]
        if missing:
            raise ValueError(
                f"run {run.get('variant')!r} seed {run.get('seed')!r} has no "
                f"{', '.join(missing)}"
            )
    variants = list(dict.fromkeys(str(run["variant"]) for run in runs))
    labels = labels or {}
    fig = Figure(figsize=(width, 0.55 * len(variants) + 1.2), layout="constrained")
    axes = fig.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
    for ax, (key, title) in zip(axes, metrics.items(), strict=True):
        for row, variant in enumerate(variants):
            values = 100 * np.array(
                [float(r[key]) for r in runs if r["variant"] == variant]  # type: ignore[arg-type]
            )
            ax.plot(values, np.full(len(values), row), "o", color="C0", alpha=0.7)
            spread = values.std(ddof=1) if len(values) > 1 else 0.0
            ax.errorbar(
                values.mean(),
                row + 0.25,
                xerr=spread,
                fmt="|",
                color="black",
                capsize=3,
                markersize=10,
            )
        ax.set_title(title)
        ax.set_xlabel("%")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(variants)), [labels.get(v, v) for v in variants])
    axes[0].invert_yaxis()
    fig.set_label(caption)
    return fig


__all__ = ["plot_confusion_matrices", "plot_histories", "plot_runs"]
