import numpy as np
import pytest
from matplotlib.figure import Figure

from modern_convnets.plotting import image_grid, show_image, to_display


def test_to_display_stretches_and_guards_constant_images():
    np.testing.assert_allclose(to_display(np.array([-1.0, 0.0, 3.0])), [0.0, 0.25, 1.0])
    assert to_display(np.full((2, 2), 7.0)).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_image_grid_layout_and_titles():
    images = np.zeros((5, 10, 20, 3), "uint8")
    fig = image_grid(images, ncols=2, titles=list("abcde"))
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 6  # 3 rows of 2; the last cell is left empty
    assert [ax.get_title() for ax in fig.axes] == [*"abcde", ""]
    assert [len(ax.images) for ax in fig.axes] == [1, 1, 1, 1, 1, 0]


def test_image_grid_normalises_each_image():
    images = np.stack([np.arange(4.0).reshape(2, 2), 10 * np.arange(4.0).reshape(2, 2)])
    fig = image_grid(images, normalise=True)
    shown = [ax.images[0].get_array() for ax in fig.axes]
    np.testing.assert_allclose(shown[0], shown[1])
    assert shown[0].max() == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"images": []}, "images is empty"),
        (
            {"images": np.zeros((2, 4, 4)), "ncols": 0},
            "ncols=0 must be a positive integer",
        ),
        (
            {"images": np.zeros((2, 4, 4)), "titles": ["x"]},
            "titles has 1 entries for 2 images",
        ),
    ],
)
def test_image_grid_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        image_grid(**kwargs)


def test_show_image_keeps_the_aspect_ratio():
    fig = show_image(np.zeros((50, 100, 3)), width=6)
    np.testing.assert_allclose(fig.get_size_inches(), [6.0, 3.0])
    assert fig.axes[0].get_title() == ""


def _history(epochs: int, offset: float) -> dict[str, list[float]]:
    ramp = np.linspace(0.5, 0.9, epochs)
    return {
        "accuracy": list(ramp),
        "val_accuracy": list(ramp - offset),
        "loss": list(1 - ramp),
        "val_loss": list(1 - ramp + offset),
    }


def test_plot_histories_one_column_per_run_and_marks_the_best_epoch():
    from modern_convnets.plotting import plot_histories

    fig = plot_histories({"a": _history(5, 0.1), "b": _history(8, 0.0)})
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["a: accuracy", "b: accuracy", "a: loss", "b: loss"]
    best = fig.axes[1].lines[2]  # run b's marker
    assert best.get_xdata().tolist() == [8]
    assert best.get_label() == "best: epoch 8"
    assert fig.axes[0].get_shared_y_axes().joined(fig.axes[0], fig.axes[1])


def test_plot_histories_names_a_missing_metric():
    from modern_convnets.plotting import plot_histories

    with pytest.raises(ValueError, match=r"histories\['a'\] has no 'val_loss'"):
        plot_histories({"a": {"loss": [1.0], "accuracy": [0.5], "val_accuracy": [0.5]}})


def test_plot_confusion_matrices_counts_and_shares():
    from modern_convnets.plotting import plot_confusion_matrices

    fig = plot_confusion_matrices({"m": np.array([[30, 10], [5, 55]])}, ["cat", "dog"])
    ax = fig.axes[0]
    assert ax.get_title() == "m: 85.0% correct"
    assert [t.get_text() for t in ax.texts] == [
        "30\n75.0%", "10\n25.0%", "5\n8.3%", "55\n91.7%",
    ]  # fmt: skip
    with pytest.raises(ValueError, match=r"matrices\['m'\] has shape \(3,\)"):
        plot_confusion_matrices({"m": np.zeros(3)}, ["cat", "dog"])


def test_every_plot_function_takes_a_caption_and_one_colour_map_keyword():
    import inspect

    from modern_convnets import gradcam, plotting

    plots = [f for name, f in vars(plotting).items() if name.startswith("plot_")]
    assert len(plots) >= 7
    for function in plots:
        assert "caption" in inspect.signature(function).parameters, function.__name__
    for module in (plotting, gradcam):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            parameters = inspect.signature(function).parameters
            assert not {"colormap", "color_map", "colour_map"} & set(parameters), name


def test_plot_runs_puts_every_run_on_its_variants_row():
    from modern_convnets.plotting import plot_runs

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
