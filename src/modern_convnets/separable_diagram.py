"""A depthwise separable convolution drawn beside a regular one, from real layers.

`compare_convolutions` reads a built `SeparableConv2D` and a built `Conv2D`
in its place: the shapes of their kernels (`depthwise_kernel`,
`pointwise_kernel`, `kernel`), their biases, their output shapes
(`compute_output_shape`) and their parameters (`count_params()`).
`plot_separable_vs_regular` draws what it read: every input channel, every
filter and every output map as a square of side proportional to its height
and width, with the shapes and parameter counts written beside them. Input
channels keep one colour each through the depthwise step, which filters each
channel alone; grey marks maps that mix every channel.

Examples:
    >>> import keras
    >>> separable = keras.layers.SeparableConv2D(3, 3)
    >>> separable.build((None, 9, 9, 5))
    >>> regular = keras.layers.Conv2D(3, 3)
    >>> regular.build((None, 9, 9, 5))
    >>> comparison = compare_convolutions(separable, regular, (9, 9, 5))
    >>> comparison.depthwise.kernel_shape, comparison.pointwise.kernel_shape
    ((3, 3, 5, 1), (1, 1, 5, 3))
    >>> comparison.regular_params, comparison.separable_params
    (138, 63)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Okabe & Ito's colour-blind-safe colours, one per input channel (their
# black and yellow left out: black reads as "mixed", yellow is faint on white).
CHANNEL_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
"""The colour of each input channel in the figure, in channel order."""
MIXED_COLOUR = "#666666"
"""The colour of a map that mixes every input channel."""
MAX_DRAWN = len(CHANNEL_COLOURS)
"""The most input channels, filters or output channels the figure draws."""


@dataclass(frozen=True)
class ConvStep:
    """One convolution step as read from a layer, and as the figure draws it.

    Attributes:
        name: `"regular"`, `"depthwise"` or `"pointwise"`.
        kernel_name: The layer attribute the kernel was read from: `kernel`,
            `depthwise_kernel` or `pointwise_kernel`.
        input_shape: Height, width and channels of the step's input.
        kernel_shape: The kernel's shape, as Keras stores it: f_h, f_w,
            input channels, outputs per input channel (depthwise) or filters.
        output_shape: Height, width and channels of the step's output.
        filter_count: Filters the step applies.
        filter_shape: Height, width and depth of each filter: a depthwise
            filter sees one channel, the others every channel.
        biases: Bias parameters of the step (0 without bias).
    """

    name: str
    kernel_name: str
    input_shape: tuple[int, int, int]
    kernel_shape: tuple[int, int, int, int]
    output_shape: tuple[int, int, int]
    filter_count: int
    filter_shape: tuple[int, int, int]
    biases: int

    @property
    def weights(self) -> int:
        """Kernel weights: the product of `kernel_shape`."""
        return math.prod(self.kernel_shape)

    @property
    def params(self) -> int:
        """Weights plus biases."""
        return self.weights + self.biases


@dataclass(frozen=True)
class SeparableComparison:
    """A separable convolution's two steps beside the regular convolution.

    Attributes:
        regular: The `Conv2D`'s single step.
        depthwise: The `SeparableConv2D`'s first step.
        pointwise: Its second step, a 1 × 1 convolution.
        regular_params: The `Conv2D`'s `count_params()`.
        separable_params: The `SeparableConv2D`'s `count_params()`.
        kernel_size: f_h and f_w, shared by both layers.
    """

    regular: ConvStep
    depthwise: ConvStep
    pointwise: ConvStep
    regular_params: int
    separable_params: int
    kernel_size: tuple[int, int]

    def describe(self) -> str:
        """The figure's content in sentences, for its caption and alt text.

        Examples:
            >>> import keras
            >>> separable = keras.layers.SeparableConv2D(2, 3)
            >>> separable.build((None, 6, 6, 4))
            >>> regular = keras.layers.Conv2D(2, 3)
            >>> regular.build((None, 6, 6, 4))
            >>> print(compare_convolutions(separable, regular, (6, 6, 4)).describe())
            A regular Conv2D(2, 3) on a 6 × 6 × 4 input: 2 filters, each 3 × 3 × 4, give a 4 × 4 × 2 output with 74 parameters. The SeparableConv2D(2, 3) in its place: 4 depthwise filters of 3 × 3, one per input channel, each give one 4 × 4 map (36 weights); 2 pointwise filters of 1 × 1 × 4 mix the 4 maps into the 4 × 4 × 2 output (8 weights and 2 biases): 46 parameters.
        """  # noqa: E501
        r, d, p = self.regular, self.depthwise, self.pointwise
        size = _layer_args(r.output_shape[2], self.kernel_size)
        biases = {0: "no bias", 1: "1 bias"}.get(p.biases, f"{p.biases} biases")
        return (
            f"A regular Conv2D({size}) on a {_dims(r.input_shape)} input: "
            f"{r.filter_count} filters, each {_dims(r.filter_shape)}, give a "
            f"{_dims(r.output_shape)} output with {self.regular_params:,} "
            f"parameters. The SeparableConv2D({size}) in its place: "
            f"{d.filter_count} depthwise filters of {_dims(d.filter_shape[:2])}, "
            f"one per input channel, each give one {_dims(d.output_shape[:2])} "
            f"map ({d.weights:,} weights); {p.filter_count} pointwise filters of "
            f"{_dims(p.filter_shape)} mix the {d.output_shape[2]} maps into the "
            f"{_dims(p.output_shape)} output ({p.weights:,} weights and "
            f"{biases}): {self.separable_params:,} parameters."
        )


def _dims(shape: Sequence[int]) -> str:
    return " × ".join(str(n) for n in shape)


def _layer_args(filters: int, kernel_size: tuple[int, int]) -> str:
    fh, fw = kernel_size
    return f"{filters}, {fh}" if fh == fw else f"{filters}, ({fh}, {fw})"


def _shape(variable) -> tuple[int, ...]:
    return tuple(int(n) for n in variable.shape)


def compare_convolutions(
    separable: keras.layers.SeparableConv2D,
    regular: keras.layers.Conv2D,
    input_shape: Sequence[int],
) -> SeparableComparison:
    """Read a separable convolution and a regular one in its place, step by step.

    Every number comes from the layers: kernel shapes from `depthwise_kernel`,
    `pointwise_kernel` and `kernel`, biases from `bias`, output shapes from
    `compute_output_shape`, totals from `count_params()`.

    Args:
        separable: A built `SeparableConv2D` with depth multiplier 1 and
            channels last.
        regular: A built `Conv2D` with the same filters and kernel size,
            channels last.
        input_shape: Height, width and channels of the input both were built
            for, without the batch dimension.

    Returns:
        The three steps and both layers' parameter counts.

    Raises:
        ValueError: A layer of the wrong type, not built, with channels
            first or a depth multiplier other than 1; an `input_shape` that
            is not three positive integers or does not match the layers'
            input channels; layers whose filters or kernel sizes differ.

    Examples:
        >>> import keras
        >>> separable = keras.layers.SeparableConv2D(64, 3, padding="same")
        >>> separable.build((None, 88, 88, 32))
        >>> regular = keras.layers.Conv2D(64, 3, padding="same")
        >>> regular.build((None, 88, 88, 32))
        >>> steps = compare_convolutions(separable, regular, (88, 88, 32))
        >>> steps.depthwise.output_shape, steps.pointwise.output_shape
        ((88, 88, 32), (88, 88, 64))
        >>> steps.depthwise.params + steps.pointwise.params
        2400
    """
    from keras import layers

    for name, layer, kind in (
        ("separable", separable, layers.SeparableConv2D),
        ("regular", regular, layers.Conv2D),
    ):
        if not isinstance(layer, kind):
            raise ValueError(f"{name}={layer!r} must be a keras.layers.{kind.__name__}")
        if not layer.built:
            raise ValueError(
                f"{name}={layer.name!r} is not built: call "
                f"{name}.build((None, *input_shape)) first"
            )
        if layer.data_format != "channels_last":
            raise ValueError(
                f"{name}={layer.name!r} has data_format={layer.data_format!r}; "
                "only 'channels_last' is drawn"
            )
    if separable.depth_multiplier != 1:
        raise ValueError(
            f"separable={separable.name!r} has depth_multiplier="
            f"{separable.depth_multiplier}; the figure draws one filter per "
            "input channel, depth_multiplier=1"
        )
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(isinstance(n, int) and n > 0 for n in shape):
        raise ValueError(
            f"input_shape={input_shape!r} must be three positive integers: "
            "height, width, channels"
        )
    depthwise_kernel = _shape(separable.depthwise_kernel)
    pointwise_kernel = _shape(separable.pointwise_kernel)
    kernel = _shape(regular.kernel)
    for name, channels in (
        ("separable", depthwise_kernel[2]),
        ("regular", kernel[2]),
    ):
        if channels != shape[2]:
            raise ValueError(
                f"input_shape={input_shape!r} has {shape[2]} channels, but "
                f"{name} was built for {channels}"
            )
    if (separable.filters, tuple(separable.kernel_size)) != (
        regular.filters,
        tuple(regular.kernel_size),
    ):
        raise ValueError(
            f"regular has {regular.filters} filters of "
            f"{_dims(regular.kernel_size)}, separable {separable.filters} of "
            f"{_dims(separable.kernel_size)}: they must match"
        )

    batch = (None, *shape)
    counted = {
        "separable": (
            math.prod(depthwise_kernel) + math.prod(pointwise_kernel)
            + (separable.filters if separable.use_bias else 0),
            separable.count_params(),
        ),
        "regular": (
            math.prod(kernel) + (regular.filters if regular.use_bias else 0),
            regular.count_params(),
        ),
    }  # fmt: skip
    for name, (by_shapes, by_keras) in counted.items():
        if by_shapes != by_keras:
            raise ValueError(
                f"{name} counts {by_keras} parameters, but its kernels and "
                f"bias hold {by_shapes}: a layer with other weights is not drawn"
            )
    out_regular = tuple(int(n) for n in regular.compute_output_shape(batch)[1:])
    out_separable = tuple(int(n) for n in separable.compute_output_shape(batch)[1:])
    fh, fw, c_in, multiplier = depthwise_kernel
    maps = (*out_separable[:2], c_in * multiplier)
    return SeparableComparison(
        regular=ConvStep(
            name="regular",
            kernel_name="kernel",
            input_shape=shape,
            kernel_shape=kernel,
            output_shape=out_regular,
            filter_count=kernel[3],
            filter_shape=kernel[:3],
            biases=_shape(regular.bias)[0] if regular.use_bias else 0,
        ),
        depthwise=ConvStep(
            name="depthwise",
            kernel_name="depthwise_kernel",
            input_shape=shape,
            kernel_shape=depthwise_kernel,
            output_shape=maps,
            filter_count=c_in * multiplier,
            filter_shape=(fh, fw, 1),
            biases=0,  # Keras's SeparableConv2D has no depthwise bias
        ),
        pointwise=ConvStep(
            name="pointwise",
            kernel_name="pointwise_kernel",
            input_shape=maps,
            kernel_shape=pointwise_kernel,
            output_shape=out_separable,
            filter_count=pointwise_kernel[3],
            filter_shape=pointwise_kernel[:3],
            biases=_shape(separable.bias)[0] if separable.use_bias else 0,
        ),
        regular_params=int(regular.count_params()),
        separable_params=int(separable.count_params()),
        kernel_size=(fh, fw),
    )


# Layout, in inches: the axes fill the figure with one data unit per inch.
_WIDTH = 4.0
_PIXEL = 0.085  # side of one pixel of a map or filter
_DEPTH = 0.07  # offset between the channels of a map
_FILTER_DEPTH = 0.045  # offset between the slices of a filter
_GAP = 0.09  # between filters in their column
_COLUMNS = (0.75, 2.0, 3.25)  # centres of input, filters, output


def _tint(colour: str) -> tuple[float, float, float]:
    """The colour mixed with white, 22 % colour: an opaque light fill."""
    from matplotlib.colors import to_rgb

    return tuple(1 - 0.22 * (1 - c) for c in to_rgb(colour))  # type: ignore[return-value]


class _Drawing:
    """Draws squares back to front, each over the ones drawn before it."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        self.z = 1.0

    def square(
        self, x: float, y: float, rows: int, cols: int, colour: str, gid: str
    ) -> None:
        """One map or filter slice, `rows` × `cols` pixels, at (x, y).

        The square's lower left corner is at (x, y); thin lines mark its
        pixels.
        """
        from matplotlib.collections import LineCollection
        from matplotlib.patches import Rectangle

        w, h = cols * _PIXEL, rows * _PIXEL
        patch = Rectangle(
            (x, y), w, h, facecolor=_tint(colour), edgecolor=colour,
            linewidth=1.0, zorder=self.z,
        )  # fmt: skip
        patch.set_gid(gid)
        self.ax.add_patch(patch)
        lines = [[(x + i * _PIXEL, y), (x + i * _PIXEL, y + h)] for i in range(1, cols)]
        lines += [
            [(x, y + j * _PIXEL), (x + w, y + j * _PIXEL)] for j in range(1, rows)
        ]
        if lines:
            grid = LineCollection(
                lines, colors=colour, linewidths=0.35, alpha=0.45, zorder=self.z
            )
            grid.set_gid(f"{gid}/grid")
            self.ax.add_collection(grid)
        self.z += 0.01

    def stack(
        self,
        centre: tuple[float, float],
        shape: tuple[int, int, int],
        colours: Sequence[str],
        depth: float,
        gid: str,
    ) -> tuple[float, float, float, float]:
        """Channels as squares receding up and to the right, channel 0 in front.

        Returns:
            Left, bottom, right and top of the stack, centred on `centre`.
        """
        rows, cols, channels = shape
        width = cols * _PIXEL + (channels - 1) * depth
        height = rows * _PIXEL + (channels - 1) * depth
        left, bottom = centre[0] - width / 2, centre[1] - height / 2
        for k in reversed(range(channels)):
            self.square(
                left + k * depth, bottom + k * depth, rows, cols,
                colours[k], f"{gid}/{k}",
            )  # fmt: skip
        return left, bottom, left + width, bottom + height


def _stack_height(shape: tuple[int, int, int], depth: float) -> float:
    return shape[0] * _PIXEL + (shape[2] - 1) * depth


def _row(
    drawing: _Drawing,
    top: float,
    step: ConvStep,
    labels: tuple[str, str, str],
    colours: tuple[Sequence[str], Sequence[Sequence[str]], Sequence[str]],
) -> float:
    """Input, filters and output of one step, side by side, below `top`.

    Returns:
        The height just below the row's labels.
    """
    ax = drawing.ax
    filter_height = _stack_height(step.filter_shape, _FILTER_DEPTH)
    column = step.filter_count * filter_height + (step.filter_count - 1) * _GAP
    height = max(
        _stack_height(step.input_shape, _DEPTH),
        column,
        _stack_height(step.output_shape, _DEPTH),
    )
    middle = top - height / 2
    in_colours, filter_colours, out_colours = colours
    boxes = [
        drawing.stack(
            (_COLUMNS[0], middle), step.input_shape, in_colours, _DEPTH,
            f"{step.name}/input",
        )
    ]  # fmt: skip
    y = middle + column / 2
    for i in range(step.filter_count):
        box = drawing.stack(
            (_COLUMNS[1], y - filter_height / 2), step.filter_shape,
            filter_colours[i], _FILTER_DEPTH, f"{step.name}/filter/{i}",
        )  # fmt: skip
        y -= filter_height + _GAP
        boxes.append(box)
    boxes.append(
        drawing.stack(
            (_COLUMNS[2], middle), step.output_shape, out_colours, _DEPTH,
            f"{step.name}/output",
        )
    )  # fmt: skip
    filters_left = min(box[0] for box in boxes[1:-1])
    filters_right = max(box[2] for box in boxes[1:-1])
    arrow = {"arrowstyle": "-|>", "color": "#555555", "linewidth": 1.0,
             "mutation_scale": 10, "shrinkA": 0, "shrinkB": 0}  # fmt: skip
    for start, end in (
        (boxes[0][2] + 0.06, filters_left - 0.08),
        (filters_right + 0.08, boxes[-1][0] - 0.06),
    ):
        ax.annotate("", xy=(end, middle), xytext=(start, middle), arrowprops=arrow)
    label_top = top - height - 0.1
    lines = max(label.count("\n") + 1 for label in labels)
    for x, label in zip(_COLUMNS, labels, strict=True):
        ax.text(
            x, label_top, label, ha="center", va="top", fontsize=10.5,
            linespacing=1.2, color="#222222",
        )  # fmt: skip
    return label_top - lines * 10.5 * 1.2 * 1.2 / 72 - 0.02


def plot_separable_vs_regular(
    comparison: SeparableComparison, *, caption: str | None = None
) -> Figure:
    """Draw a regular convolution above the depthwise and pointwise steps.

    Three rows of input → filters → output: the `Conv2D` (each filter spans
    every input channel), the depthwise step (one single-channel filter per
    input channel, each giving one map in that channel's colour) and the
    pointwise step (1 × 1 filters across all the maps). Squares are drawn to
    scale, one grid cell per pixel. Under each filter column, the filters'
    shape and weights; under each row, the kernel's shape as Keras stores it
    and the bias; at the foot, both layers' parameters. The type is large
    enough to read with the figure shrunk to a phone's width.

    Args:
        comparison: From `compare_convolutions`; at most 6 input channels and
            6 filters, each drawn.
        caption: What the figure shows, for its caption and alt text (see
            `modern_convnets.figures.describe`); by default
            `comparison.describe()`.

    Returns:
        The figure, 4.0 inches wide.

    Raises:
        ValueError: More than 6 input channels or filters.

    Examples:
        >>> import keras
        >>> separable = keras.layers.SeparableConv2D(3, 3)
        >>> separable.build((None, 9, 9, 5))
        >>> regular = keras.layers.Conv2D(3, 3)
        >>> regular.build((None, 9, 9, 5))
        >>> fig = plot_separable_vs_regular(
        ...     compare_convolutions(separable, regular, (9, 9, 5))
        ... )
        >>> [text.get_text() for text in fig.axes[0].texts][-3]
        'separable: 45 + 15 + 3 = 63 parameters'
    """
    from matplotlib.figure import Figure

    r, d, p = comparison.regular, comparison.depthwise, comparison.pointwise
    for what, count in (
        ("input channels", r.input_shape[2]),
        ("filters", r.filter_count),
    ):
        if count > MAX_DRAWN:
            raise ValueError(
                f"comparison has {count} {what}; the figure draws each one, "
                f"so at most {MAX_DRAWN}: compare a smaller layer"
            )
    fig = Figure()
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    drawing = _Drawing(ax)
    channels = CHANNEL_COLOURS[: r.input_shape[2]]
    mixed = [MIXED_COLOUR] * r.output_shape[2]
    size = _layer_args(r.output_shape[2], comparison.kernel_size)
    fh, fw = comparison.kernel_size

    def line(
        y: float,
        text: str,
        fontsize: float,
        *,
        bold: bool = False,
        colour: str = "#222222",
    ) -> float:
        """A line of text from the left margin; returns the next line's top."""
        ax.text(
            0.1, y, text, fontsize=fontsize, va="top", color=colour,
            fontweight="bold" if bold else "normal",
        )  # fmt: skip
        return y - fontsize * 1.5 / 72

    def kernel_line(y: float, step: ConvStep) -> float:
        bias = f"bias ({step.biases},)" if step.biases else "no bias"
        return line(y, f"{step.kernel_name} {step.kernel_shape}, {bias}", 10.5)

    def filters(step: ConvStep) -> str:
        return (
            f"{step.filter_count} filters, each\n{_dims(step.filter_shape)}"
            f"\n= {step.weights:,} weights"
        )

    def rule(y: float) -> float:
        ax.plot([0.1, _WIDTH - 0.1], [y, y], color="#bbbbbb", linewidth=0.8)
        return y - 0.18

    y = line(-0.1, f"Regular: Conv2D({size})", 12.5, bold=True) - 0.05
    y = _row(
        drawing, y, r,
        (f"input\n{_dims(r.input_shape)}", filters(r),
         f"output\n{_dims(r.output_shape)}"),
        (channels, [channels] * r.filter_count, mixed),
    )  # fmt: skip
    y = kernel_line(y, r)
    y = line(
        y, f"regular: {r.weights:,} + {r.biases:,} = "
        f"{comparison.regular_params:,} parameters", 11, bold=True,
    )  # fmt: skip
    y = rule(y - 0.08)
    y = line(y, f"Separable: SeparableConv2D({size})", 12.5, bold=True)
    y = line(y, f"1 · depthwise: one {fh} × {fw} filter per channel", 11)
    y = _row(
        drawing, y - 0.05, d,
        (f"input\n{_dims(d.input_shape)}", filters(d),
         f"{d.output_shape[2]} maps\n{_dims(d.output_shape)}"),
        (channels, [[c] for c in channels], channels),
    )  # fmt: skip
    y = kernel_line(y, d) - 0.12
    y = line(y, "2 · pointwise: 1 × 1 filters mix the maps", 11)
    y = _row(
        drawing, y - 0.05, p,
        (f"{p.input_shape[2]} maps\n{_dims(p.input_shape)}", filters(p),
         f"output\n{_dims(p.output_shape)}"),
        (channels, [channels] * p.filter_count, mixed),
    )  # fmt: skip
    y = kernel_line(y, p)
    share = comparison.separable_params / comparison.regular_params
    y = line(
        y, f"separable: {d.weights:,} + {p.weights:,} + {p.biases:,} = "
        f"{comparison.separable_params:,} parameters", 11, bold=True,
    )  # fmt: skip
    y = line(
        y, f"{share:.0%} of the regular convolution's "
        f"{comparison.regular_params:,}", 11, bold=True,
    )  # fmt: skip
    y = line(
        y - 0.1, "A colour per input channel; grey: every channel mixed.",
        9.5, colour="#444444",
    )  # fmt: skip
    height = -(y - 0.05)
    fig.set_size_inches(_WIDTH, height)
    ax.set_xlim(0, _WIDTH)
    ax.set_ylim(-height, 0)
    fig.set_label(comparison.describe() if caption is None else caption)
    return fig


__all__ = [
    "CHANNEL_COLOURS",
    "MAX_DRAWN",
    "MIXED_COLOUR",
    "ConvStep",
    "SeparableComparison",
    "compare_convolutions",
    "plot_separable_vs_regular",
]
