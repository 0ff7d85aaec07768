"""How a model's layers connect: a plain-text table, and a diagram's layout.

`layer_graph` prints one row per layer with the layers it takes inputs from.

`model_diagram` turns a functional Keras model into a `Diagram`: one `Box` per
layer (or per group of layers, with `collapse`), the edges between them, and a
layout with the main path in column 0 and side branches (a residual
projection) in column 1. `plot_diagram` draws it with matplotlib; no
Graphviz needed.

Examples:
    >>> import keras
    >>> from modern_convnets.blocks import residual_block
    >>> inputs = keras.Input((32, 32, 3), name="input")
    >>> x = keras.layers.Conv2D(32, 3, name="C1")(inputs)
    >>> model = keras.Model(inputs, residual_block(x, 64, name="C2"))
    >>> diagram = model_diagram(model)
    >>> [(box.name, box.column) for box in diagram.boxes][-2:]
    [('C2_residual', 1), ('C2_add', 0)]
    >>> ("C1", "C2_residual") in diagram.edges
    True
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modern_convnets._keras_internals import model_graph

if TYPE_CHECKING:
    import keras
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Box:
    """One box of a diagram: a layer, or a group of consecutive layers.

    Attributes:
        name: The layer's name, or the group's.
        kind: The layer's class name, or `"group"`.
        detail: A short description: filters, kernel and stride for a
            convolution, layer counts for a group.
        output_shape: The output shape, batch dimension included (`None`).
        params: Parameter count.
        column: 0 on the main path, 1 for a side branch.
        row: Vertical position, 0 at the top; a side branch shares the row
            of the main-path box beside it.
    """

    name: str
    kind: str
    detail: str
    output_shape: tuple[int | None, ...]
    params: int
    column: int
    row: int


@dataclass(frozen=True)
class Diagram:
    """Boxes in model order, and edges `(from_name, to_name)` between them."""

    title: str
    boxes: tuple[Box, ...]
    edges: tuple[tuple[str, str], ...]


def inbound_layers(model: keras.Model) -> dict[str, list[str]]:
    """For each layer of a model, the names of the layers whose outputs it takes.

    Read from the model's own config, which describes the model's graph and
    nothing else: calling its layers in another graph (as `tap_model` does)
    or on new inputs changes nothing here.

    Args:
        model: A functional or Sequential Keras model.

    Returns:
        Layer name → names of its input layers, in call order; a model's
            input layers take none.

    Raises:
        ValueError: `model` is neither functional nor Sequential.

    Examples:
        >>> import keras
        >>> inputs = keras.Input((4,), name="x")
        >>> dense = keras.layers.Dense(2, name="d")
        >>> model = keras.Model(inputs, dense(inputs))
        >>> _ = dense(keras.Input((4,), name="elsewhere"))
        >>> inbound_layers(model)
        {'x': [], 'd': ['x']}
    """
    return {layer.name: layer.inbound for layer in model_graph(model).layers}


def layer_graph(model: keras.Model) -> str:
    """A plain-text table of a functional model's layers and how they connect.

    One row per layer: name, type, output shape, parameters, and the layers
    whose outputs it takes, so a branch and its merge read off directly
    (unlike `model.summary()`, it needs no wide terminal or rich display).

    Args:
        model: A functional Keras model.

    Returns:
        The table, one line per layer, with a header.

    Examples:
        >>> import keras
        >>> inputs = keras.Input((8, 8, 3), name="in")
        >>> x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
        >>> print(layer_graph(keras.Model(inputs, x)))
        layer  type        output shape         params  takes
        in     InputLayer  (None, 8, 8, 3)           0
        conv   Conv2D      (None, 6, 6, 4)         112  in
    """
    inbound = inbound_layers(model)
    rows = [("layer", "type", "output shape", "params", "takes")]
    for layer in model.layers:
        rows.append(
            (
                layer.name,
                type(layer).__name__,
                str(tuple(layer.output.shape)),
                f"{layer.count_params():,}",
                ", ".join(inbound.get(layer.name, [])),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for name, kind, shape, params, takes in rows:
        line = (
            f"{name:<{widths[0]}}  {kind:<{widths[1]}}  {shape:<{widths[2]}}  "
            f"{params:>{widths[3]}}  {takes}"
        )
        lines.append(line.rstrip())
    return "\n".join(lines)


def _pair(value) -> str:
    a, b = (value, value) if isinstance(value, int) else tuple(value)
    return f"{a}×{b}" if a != b else f"{a}×{a}"


def layer_detail(layer: keras.Layer) -> str:
    """A few words on what a layer does, for its box.

    Examples:
        >>> import keras
        >>> layer_detail(keras.layers.Conv2D(64, 1, strides=2))
        '64 filters 1×1, stride 2'
        >>> layer_detail(keras.layers.Activation("relu"))
        'relu'
    """
    import keras
    from keras import layers

    detail = ""
    if isinstance(layer, (layers.Conv2D, layers.SeparableConv2D)):
        detail = f"{layer.filters} filters {_pair(layer.kernel_size)}"
        if max(layer.strides) > 1:
            detail += f", stride {max(layer.strides)}"
        if layer.activation.__name__ != "linear":
            detail += f", {layer.activation.__name__}"
    elif isinstance(layer, (layers.MaxPooling2D, layers.AveragePooling2D)):
        detail = _pair(layer.pool_size)
        if max(layer.strides) > 1:
            detail += f", stride {max(layer.strides)}"
    elif isinstance(layer, layers.Dense):
        detail = f"{layer.units} unit{'s' if layer.units != 1 else ''}"
        if layer.activation is not None:
            detail += f", {layer.activation.__name__}"
    elif isinstance(layer, layers.Activation):
        detail = getattr(layer.activation, "__name__", str(layer.activation))
    elif isinstance(layer, layers.Dropout):
        detail = f"rate {layer.rate:g}"
    elif isinstance(layer, layers.Rescaling):
        scale = float(layer.scale)
        detail = f"× 1/{1 / scale:g}" if 0 < scale < 1 else f"× {scale:g}"
    elif isinstance(layer, keras.Model):
        detail = f"{len(layer.layers)} layers"
    return detail


_SHORT = {
    "BatchNormalization": "BN",
    "SeparableConv2D": "SepConv2D",
    "MaxPooling2D": "MaxPool",
    "AveragePooling2D": "AvgPool",
}


def _short_kind(layer: keras.Layer) -> str:
    """A layer's class in a few letters, or the function of an Activation."""
    kind = type(layer).__name__
    if kind == "Activation":
        name = layer_detail(layer)
        return {"relu": "ReLU"}.get(name, name)
    return _SHORT.get(kind, kind)


def _group_of(name: str, pattern: re.Pattern[str] | None) -> str | None:
    if pattern is None:
        return None
    match = pattern.match(name)
    return match.group(1) if match else None


def model_diagram(model: keras.Model, *, collapse: str | None = None) -> Diagram:
    r"""The boxes, edges and layout of a functional model's diagram.

    A box goes to column 1 (a side branch) when it takes no input from the
    main-path box just above it, as a residual projection does; every other
    box continues the main path in column 0, one row each.

    Args:
        model: A functional Keras model (Sequential models work too).
        collapse: A regular expression whose first group names a group, e.g.
            `r"(block\d+)_"`: consecutive layers in the same group become one
            box listing what they contain.

    Returns:
        The diagram; draw it with `plot_diagram`.

    Raises:
        ValueError: `collapse` is not a valid regular expression with a group.

    Examples:
        >>> from modern_convnets.models import mini_xception
        >>> diagram = model_diagram(mini_xception(), collapse=r"(block\d+)_")
        >>> [box.name for box in diagram.boxes][2:5]
        ['stem_conv', 'block1', 'block2']
    """
    try:
        pattern = re.compile(collapse) if collapse is not None else None
    except re.error as error:
        raise ValueError(
            f"collapse={collapse!r} is not a valid regular expression: {error}"
        ) from None
    if pattern is not None and pattern.groups < 1:
        raise ValueError(
            f"collapse={collapse!r} has no group: put the group name in "
            r"parentheses, e.g. r'(block\d+)_'"
        )

    # Merge consecutive layers of one group; map every layer to its box.
    members: list[tuple[str, list[keras.Layer]]] = []
    for layer in model.layers:
        group = _group_of(layer.name, pattern)
        if group is not None and members and members[-1][0] == group:
            members[-1][1].append(layer)
        else:
            members.append((group or layer.name, [layer]))
    box_of = {layer.name: name for name, group in members for layer in group}

    inbound = inbound_layers(model)
    edges: list[tuple[str, str]] = []
    for name, group in members:
        for layer in group:
            for source in inbound.get(layer.name, []):
                edge = (box_of.get(source, source), name)
                if edge[0] != name and edge not in edges:
                    edges.append(edge)

    boxes = []
    row = -1
    main_above: str | None = None
    for name, group in members:
        inputs = [a for a, b in edges if b == name]
        side = bool(inputs) and main_above is not None and main_above not in inputs
        if not side:
            row += 1
            main_above = name
        last = group[-1]
        if len(group) == 1:
            kind, detail = type(last).__name__, layer_detail(last)
        else:
            counts = Counter(_short_kind(layer) for layer in group)
            kind = "group"
            detail = ", ".join(f"{n} {k}" if n > 1 else k for k, n in counts.items())
        boxes.append(
            Box(
                name=name,
                kind=kind,
                detail=detail,
                output_shape=tuple(last.output.shape),
                params=sum(layer.count_params() for layer in group),
                column=1 if side else 0,
                row=max(row, 0),
            )
        )
    return Diagram(model.name, tuple(boxes), tuple(edges))


_BOX_COLOURS = {
    "Conv2D": "#cfe3f3",
    "SeparableConv2D": "#cfe3f3",
    "DepthwiseConv2D": "#cfe3f3",
    "BatchNormalization": "#fbe3c4",
    "MaxPooling2D": "#d5eedf",
    "AveragePooling2D": "#d5eedf",
    "GlobalAveragePooling2D": "#d5eedf",
    "Add": "#f3d3e4",
    "group": "#e4e4f2",
}


def _shape_text(shape: Sequence[int | None]) -> str:
    return " × ".join(str(s) for s in shape if s is not None)


def plot_diagram(
    diagram: Diagram, *, width: float | None = None, caption: str = ""
) -> Figure:
    """Draw a model diagram: one box per layer or group, arrows between them.

    Main-path boxes form a column; side branches (a residual projection) sit
    to the right of it. Each box shows the name, what the layer does, its
    output shape (without the batch dimension) and its parameters. Colours:
    blue convolutions, orange batch normalisation, green pooling, pink
    additions, lilac groups of layers.

    Args:
        diagram: From `model_diagram`.
        width: Figure width in inches (default: 4.4; 5.0 with skips along
            the main path, 6.4 with side branches).
        caption: What the figure shows, in one sentence (see
            `modern_convnets.figures.describe`).

    Returns:
        The figure.

    Raises:
        ValueError: The diagram has no boxes.

    Examples:
        >>> from modern_convnets.models import small_convnet
        >>> fig = plot_diagram(model_diagram(small_convnet()))
        >>> fig.get_size_inches().round(2).tolist()
        [4.4, 9.59]
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    if not diagram.boxes:
        raise ValueError("diagram has no boxes: the model has no layers")
    sides = any(box.column for box in diagram.boxes)
    rows = max(box.row for box in diagram.boxes) + 1
    at = {box.name: box for box in diagram.boxes}
    skips = any(  # main-path edges that jump rows bow out to the right
        at[a].column == at[b].column == 0 and abs(at[b].row - at[a].row) > 1
        for a, b in diagram.edges
        if a in at and b in at
    )
    width = width if width is not None else (6.4 if sides else 5.0 if skips else 4.4)
    row_height = 0.68  # inches: three lines of 9-point text and a gap
    fig = Figure(figsize=(width, (rows + 0.1) * row_height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    # Data units: one row per unit; column 0 spans [0, 1], column 1 [1.15, 1.85].
    span = 1.9 if sides else 1.15 if skips else 1.0
    ax.set_xlim(-0.02, span + 0.02)
    ax.set_ylim(rows - 0.45, -0.55)
    half_height = 0.39
    left_of = {0: 0.0, 1: 1.15}
    width_of = {0: 1.0, 1: 0.7}
    place = {}
    for box in diagram.boxes:
        x0, w, y = left_of[box.column], width_of[box.column], box.row
        place[box.name] = (x0, w, y)
        ax.add_patch(
            FancyBboxPatch(
                (x0, y - half_height),
                w,
                2 * half_height,
                boxstyle="round,pad=0,rounding_size=0.08",
                facecolor=_BOX_COLOURS.get(box.kind, "#eeeeee"),
                edgecolor="#555555",
                linewidth=0.8,
            )
        )
        what = box.detail if box.kind == "group" else box.kind
        if box.detail and box.kind != "group":
            what += f": {box.detail}"
        params = f"  ·  {box.params:,} params" if box.params else ""
        centre = x0 + w / 2
        ax.text(
            centre,
            y - 0.22,
            box.name,
            ha="center",
            va="center",
            fontsize=9.5,
            fontweight="bold",
        )
        ax.text(centre, y, what, ha="center", va="center", fontsize=8.5)
        ax.text(
            centre,
            y + 0.22,
            _shape_text(box.output_shape) + params,
            ha="center",
            va="center",
            fontsize=8.5,
            color="#444444",
        )
    arrow = {
        "arrowstyle": "-|>",
        "color": "#555555",
        "linewidth": 0.9,
        "shrinkA": 0,
        "shrinkB": 0,
        "mutation_scale": 9,
    }
    for source, target in diagram.edges:
        if source not in place or target not in place:
            continue
        (sx, sw, sy), (tx, tw, ty) = place[source], place[target]
        if sx == tx and ty == sy + 1:  # straight down the same column
            start, end, style = (
                (sx + sw / 2, sy + half_height),
                (tx + tw / 2, ty - half_height),
                "arc3",
            )
        elif tx > sx:  # out to a side branch: right, then down
            start, end = (sx + sw, sy), (tx + tw / 2, ty - half_height)
            style = "angle,angleA=0,angleB=90,rad=0"
        elif sx > tx:  # back from a side branch: down, then left
            start, end = (sx + sw / 2, sy + half_height), (tx + tw, ty)
            style = "angle,angleA=-90,angleB=180,rad=0"
        else:  # a skip along the main path: bow out to the right
            start, end = (sx + sw, sy), (tx + tw, ty)
            style = f"arc3,rad={-0.35 if ty > sy else 0.35}"
        ax.annotate(
            "", xy=end, xytext=start, arrowprops={**arrow, "connectionstyle": style}
        )
    fig.set_label(caption)
    return fig
