"""A separable convolution beside a regular one: what is read, what is drawn."""

import keras
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from modern_convnets.figures import describe
from modern_convnets.separable_diagram import (
    CHANNEL_COLOURS,
    MIXED_COLOUR,
    compare_convolutions,
    plot_separable_vs_regular,
)


def _layers(filters=3, kernel_size=3, input_shape=(9, 9, 5), **options):
    separable = keras.layers.SeparableConv2D(filters, kernel_size, **options)
    separable.build((None, *input_shape))
    regular = keras.layers.Conv2D(filters, kernel_size, **options)
    regular.build((None, *input_shape))
    return separable, regular


def _page_example():
    """The separable-convolutions page's example: 3 filters, 3 × 3, 5 channels."""
    return compare_convolutions(*_layers(), (9, 9, 5))


def test_the_steps_are_read_from_the_kernels():
    comparison = _page_example()
    regular, depthwise, pointwise = (
        comparison.regular,
        comparison.depthwise,
        comparison.pointwise,
    )
    assert regular.kernel_shape == (3, 3, 5, 3)
    assert (regular.weights, regular.biases, regular.params) == (135, 3, 138)
    assert (regular.filter_count, regular.filter_shape) == (3, (3, 3, 5))
    assert regular.output_shape == (7, 7, 3)
    assert depthwise.kernel_shape == (3, 3, 5, 1)
    assert (depthwise.weights, depthwise.biases) == (45, 0)
    assert (depthwise.filter_count, depthwise.filter_shape) == (5, (3, 3, 1))
    assert depthwise.output_shape == (7, 7, 5)
    assert pointwise.input_shape == (7, 7, 5)
    assert pointwise.kernel_shape == (1, 1, 5, 3)
    assert (pointwise.weights, pointwise.biases) == (15, 3)
    assert (pointwise.filter_count, pointwise.filter_shape) == (3, (1, 1, 5))
    assert pointwise.output_shape == (7, 7, 3)
    assert (comparison.regular_params, comparison.separable_params) == (138, 63)


def test_padding_strides_and_no_bias_are_read_too():
    separable, regular = _layers(
        4, 3, (8, 8, 2), padding="same", strides=2, use_bias=False
    )
    comparison = compare_convolutions(separable, regular, (8, 8, 2))
    assert comparison.depthwise.output_shape == (4, 4, 2)
    assert comparison.pointwise.output_shape == (4, 4, 4)
    assert comparison.regular.output_shape == (4, 4, 4)
    assert comparison.pointwise.biases == comparison.regular.biases == 0
    assert (comparison.regular_params, comparison.separable_params) == (72, 26)


def _texts(fig):
    """The figure's words, in drawing order (the arrows are empty annotations)."""
    return [text.get_text() for text in fig.axes[0].texts if text.get_text()]


def test_six_arrows_lead_from_input_to_filters_to_output():
    fig = plot_separable_vs_regular(_page_example())
    assert sum(not text.get_text() for text in fig.axes[0].texts) == 3 * 2


def test_the_figure_writes_the_shapes_and_counts_it_read():
    texts = _texts(plot_separable_vs_regular(_page_example()))
    assert texts == [
        "Regular: Conv2D(3, 3)",
        "input\n9 × 9 × 5",
        "3 filters, each\n3 × 3 × 5\n= 135 weights",
        "output\n7 × 7 × 3",
        "kernel (3, 3, 5, 3), bias (3,)",
        "regular: 135 + 3 = 138 parameters",
        "Separable: SeparableConv2D(3, 3)",
        "1 · depthwise: one 3 × 3 filter per channel",
        "input\n9 × 9 × 5",
        "5 filters, each\n3 × 3 × 1\n= 45 weights",
        "5 maps\n7 × 7 × 5",
        "depthwise_kernel (3, 3, 5, 1), no bias",
        "2 · pointwise: 1 × 1 filters mix the maps",
        "5 maps\n7 × 7 × 5",
        "3 filters, each\n1 × 1 × 5\n= 15 weights",
        "output\n7 × 7 × 3",
        "pointwise_kernel (1, 1, 5, 3), bias (3,)",
        "separable: 45 + 15 + 3 = 63 parameters",
        "46% of the regular convolution's 138",
        "A colour per input channel; grey: every channel mixed.",
    ]


def test_every_word_fits_inside_the_figure():
    fig = plot_separable_vs_regular(_page_example())
    renderer = FigureCanvasAgg(fig).get_renderer()
    width, height = fig.get_size_inches() * fig.dpi
    for text in fig.axes[0].texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0, text.get_text()
        assert box.x1 <= width, text.get_text()
        assert box.y0 >= 0, text.get_text()
        assert box.y1 <= height, text.get_text()


def _squares(fig):
    """Drawn squares by gid: `step/part[/filter]/channel` → Rectangle."""
    return {
        patch.get_gid(): patch
        for patch in fig.axes[0].patches
        if isinstance(patch, Rectangle) and patch.get_gid()
    }


def test_every_channel_and_filter_is_a_square_drawn_to_scale():
    squares = _squares(plot_separable_vs_regular(_page_example()))
    parts = {}
    for gid in squares:
        part = gid.rsplit("/", 1)[0]
        if "/filter/" in part:
            part = part.rsplit("/", 1)[0]
        parts[part] = parts.get(part, 0) + 1
    assert parts == {
        "regular/input": 5,
        "regular/filter": 3 * 5,  # 3 filters of 5 slices
        "regular/output": 3,
        "depthwise/input": 5,
        "depthwise/filter": 5 * 1,  # 5 filters of 1 slice
        "depthwise/output": 5,
        "pointwise/input": 5,
        "pointwise/filter": 3 * 5,
        "pointwise/output": 3,
    }
    pixel = squares["regular/input/0"].get_width() / 9
    sizes = {
        "regular/input/0": 9,
        "regular/filter/2/4": 3,
        "regular/output/2": 7,
        "depthwise/filter/4/0": 3,
        "depthwise/output/4": 7,
        "pointwise/filter/0/4": 1,
        "pointwise/output/0": 7,
    }
    for gid, side in sizes.items():
        assert squares[gid].get_width() == pytest.approx(side * pixel), gid
        assert squares[gid].get_height() == pytest.approx(side * pixel), gid


def test_colours_follow_the_channels_until_the_maps_mix():
    squares = _squares(plot_separable_vs_regular(_page_example()))

    def edge(gid):
        r, g, b, _ = squares[gid].get_edgecolor()
        return f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"

    for k in range(5):
        assert edge(f"depthwise/filter/{k}/0") == CHANNEL_COLOURS[k]
        assert edge(f"depthwise/output/{k}") == CHANNEL_COLOURS[k]
        assert edge(f"regular/filter/0/{k}") == CHANNEL_COLOURS[k]
        assert edge(f"pointwise/filter/2/{k}") == CHANNEL_COLOURS[k]
    for k in range(3):
        assert edge(f"regular/output/{k}") == MIXED_COLOUR
        assert edge(f"pointwise/output/{k}") == MIXED_COLOUR


def test_each_square_has_its_pixel_grid():
    fig = plot_separable_vs_regular(_page_example())
    grids = {
        c.get_gid(): len(c.get_segments())
        for c in fig.axes[0].collections
        if isinstance(c, LineCollection)
    }
    assert grids["regular/input/0/grid"] == 8 + 8  # 9 × 9: 8 lines each way
    assert grids["depthwise/filter/0/0/grid"] == 2 + 2
    assert "pointwise/filter/0/0/grid" not in grids  # 1 × 1: no inner lines


def test_caption_and_alt_text_describe_the_figure():
    comparison = _page_example()
    fig = plot_separable_vs_regular(comparison)
    assert describe(fig) == comparison.describe()
    assert describe(fig) == (
        "A regular Conv2D(3, 3) on a 9 × 9 × 5 input: 3 filters, each "
        "3 × 3 × 5, give a 7 × 7 × 3 output with 138 parameters. The "
        "SeparableConv2D(3, 3) in its place: 5 depthwise filters of 3 × 3, "
        "one per input channel, each give one 7 × 7 map (45 weights); 3 "
        "pointwise filters of 1 × 1 × 5 mix the 5 maps into the 7 × 7 × 3 "
        "output (15 weights and 3 biases): 63 parameters."
    )
    fig = plot_separable_vs_regular(comparison, caption="Two convolutions")
    assert describe(fig) == "Two convolutions"


def test_the_figure_is_narrow_enough_for_a_phone():
    fig = plot_separable_vs_regular(_page_example())
    width, height = fig.get_size_inches()
    assert width == pytest.approx(4.0)
    assert height == pytest.approx(9.6458, abs=1e-4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda s, r: compare_convolutions(r, r, (9, 9, 5)),
            "separable=.* must be a keras.layers.SeparableConv2D",
        ),
        (
            lambda s, r: compare_convolutions(s, s, (9, 9, 5)),
            "regular=.* must be a keras.layers.Conv2D",
        ),
        (
            lambda s, r: compare_convolutions(
                keras.layers.SeparableConv2D(3, 3), r, (9, 9, 5)
            ),
            r"separable=.* is not built: call separable.build",
        ),
        (
            lambda s, r: compare_convolutions(s, r, (9, 9)),
            r"input_shape=\(9, 9\) must be three positive integers",
        ),
        (
            lambda s, r: compare_convolutions(s, r, (9, 9, 4)),
            r"input_shape=\(9, 9, 4\) has 4 channels, but separable was built for 5",
        ),
        (
            lambda s, r: compare_convolutions(s, _layers(4)[1], (9, 9, 5)),
            "regular has 4 filters of 3 × 3, separable 3 of 3 × 3: they must match",
        ),
    ],
)
def test_bad_input_is_named(call, message):
    separable, regular = _layers()
    with pytest.raises(ValueError, match=message):
        call(separable, regular)


def test_a_depth_multiplier_is_refused():
    separable = keras.layers.SeparableConv2D(3, 3, depth_multiplier=2)
    separable.build((None, 9, 9, 5))
    with pytest.raises(ValueError, match="depth_multiplier=2; the figure draws"):
        compare_convolutions(separable, _layers()[1], (9, 9, 5))


def test_too_many_channels_to_draw():
    comparison = compare_convolutions(*_layers(3, 3, (9, 9, 7)), (9, 9, 7))
    with pytest.raises(ValueError, match="comparison has 7 input channels"):
        plot_separable_vs_regular(comparison)
