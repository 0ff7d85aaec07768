import inspect

import pytest
from matplotlib.figure import Figure

from modern_convnets import (
    activation_plots,
    charts,
    diagram,
    gradcam,
    grids,
    heatmaps,
    separable_diagram,
)
from modern_convnets.figures import STYLE, describe

DRAWING_MODULES = (activation_plots, charts, diagram, grids, separable_diagram)


def test_describe_prefers_the_label_then_the_titles():
    fig = Figure()
    for title in ["a", "b", "a", "c", "d", "e"]:
        fig.add_subplot().set_title(title)
    fig.suptitle("Runs")
    assert describe(fig) == "Runs; a; b; c; … (5 panels)"
    fig.set_label("Five runs")
    assert describe(fig) == "Five runs"


def test_the_style_file_ships_with_the_package():
    assert STYLE.is_file()
    assert STYLE.suffix == ".mplstyle"


def _figure_functions():
    for module in DRAWING_MODULES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__:
                continue
            if inspect.signature(function).return_annotation in ("Figure", Figure):
                yield pytest.param(function, id=f"{module.__name__}.{name}")


FIGURE_FUNCTIONS = list(_figure_functions())


def test_every_drawing_module_is_searched():
    names = {p.id.rsplit(".", 1)[1] for p in FIGURE_FUNCTIONS}
    assert {
        "image_grid",
        "show_image",
        "plot_channel_grid",
        "plot_diagram",
        "plot_histories",
        "plot_runs",
        "plot_separable_vs_regular",
        "plot_stages",
    } <= names
    assert len(names) == 12


@pytest.mark.parametrize("function", FIGURE_FUNCTIONS)
def test_every_figure_function_takes_a_caption(function):
    assert "caption" in inspect.signature(function).parameters


@pytest.mark.parametrize(
    "module", [*DRAWING_MODULES, heatmaps, gradcam], ids=lambda m: m.__name__
)
def test_one_colour_map_keyword(module):
    for name, function in inspect.getmembers(module, inspect.isfunction):
        parameters = inspect.signature(function).parameters
        assert not {"colormap", "color_map", "colour_map"} & set(parameters), name
