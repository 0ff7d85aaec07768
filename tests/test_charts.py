import numpy as np
import pytest

from modern_convnets.charts import (
    plot_confusion_matrices,
    plot_histories,
    plot_runs,
)


def _history(epochs: int, offset: float) -> dict[str, list[float]]:
    ramp = np.linspace(0.5, 0.9, epochs)
    return {
        "accuracy": list(ramp),
        "val_accuracy": list(ramp - offset),
        "loss": list(1 - ramp),
        "val_loss": list(1 - ramp + offset),
    }


def test_plot_histories_one_column_per_run_and_marks_the_best_epoch():
    fig = plot_histories({"a": _history(5, 0.1), "b": _history(8, 0.0)})
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["a: accuracy", "b: accuracy", "a: loss", "b: loss"]
    best = fig.axes[1].lines[2]  # run b's marker
    assert best.get_xdata().tolist() == [8]
    assert best.get_label() == "best: epoch 8"
    assert fig.axes[0].get_shared_y_axes().joined(fig.axes[0], fig.axes[1])


def test_plot_histories_names_a_missing_metric():
    with pytest.raises(ValueError, match=r"histories\['a'\] has no 'val_loss'"):
        plot_histories({"a": {"loss": [1.0], "accuracy": [0.5], "val_accuracy": [0.5]}})


def test_plot_confusion_matrices_counts_and_shares():
    fig = plot_confusion_matrices({"m": np.array([[30, 10], [5, 55]])}, ["cat", "dog"])
    ax = fig.axes[0]
    assert ax.get_title() == "m: 85.0% correct"
    assert [t.get_text() for t in ax.texts] == [
        "30\n75.0%", "10\n25.0%", "5\n8.3%", "55\n91.7%",
    ]  # fmt: skip
    with pytest.raises(ValueError, match=r"matrices\['m'\] has shape \(3,\)"):
        plot_confusion_matrices({"m": np.zeros(3)}, ["cat", "dog"])


def test_plot_runs_puts_every_run_on_its_variants_row():
    runs = [
        {"variant": "full", "seed": s, "val_accuracy": v, "test_accuracy": t}
        for s, v, t in [(1, 0.8, 0.75), (2, 0.9, 0.85)]
    ] + [{"variant": "plain", "seed": 1, "val_accuracy": 0.6, "test_accuracy": 0.5}]
    fig = plot_runs(runs, labels={"full": "Full model"}, caption="Runs")
    val, test = fig.axes
    dots = [line for line in test.lines if line.get_marker() == "o"]
    assert [list(d.get_xdata()) for d in dots] == [[75.0, 85.0], [50.0]]
    assert [list(d.get_ydata()) for d in dots] == [[0, 0], [1]]
    assert [t.get_text() for t in val.get_yticklabels()] == ["Full model", "plain"]
    assert fig.get_label() == "Runs"
    with pytest.raises(ValueError, match=r"run 'plain' seed 1 has no test_accuracy"):
        plot_runs([{**runs[2], "test_accuracy": None}])
