"""How a model's layers connect: a plain-text table, and a diagram's layout.

`layer_graph` prints one row per layer with the layers it takes inputs from.

`model_diagram` turns a functional Keras model into a `Diagram`: one `Box` per
layer (or per group of layers, with `collapse`), the edges between them, and a
layout with the main path in column 0 and side branches (a residual
projection) in column 1. `plot_diagram` draws it with matplotlib; no
Graphviz needed.

`model_stages` reads a model as its stem, blocks and head, each block with
the widths of its convolutions and its shortcut (a projection, the identity,
or none), found from the graph; `flows` splits Xception's stages into its
entry, middle and exit flows, and `plot_stages` draws models side by side.

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
from collections.abc import Mapping, Sequence
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
    pattern = _pattern(collapse)

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


@dataclass(frozen=True)
class Stage:
    """One stage of a model: a residual block or another named block, or a layer.

    Attributes:
        name: The block's name (the `collapse` group), or the layer's.
        kind: `"block"`, or the layer's class name.
        detail: What a layer on its own does (`layer_detail`); `""` for a
            block.
        convolutions: The convolutions on the main path, in order, as
            `(class name, filters)`; a shortcut's projection is not among them.
        shortcut: `"projection"` (a convolution on the shortcut),
            `"identity"` (the block's input added unchanged), or `None` (no
            residual connection).
        projection: What the shortcut's convolution does (`layer_detail`),
            `""` without one.
        output_shape: The last layer's output shape, batch dimension included.
        params: Parameters of every layer in the stage, the shortcut's
            included.
        layers: How many layers the stage holds.
    """

    name: str
    kind: str
    detail: str
    convolutions: tuple[tuple[str, int], ...]
    shortcut: str | None
    projection: str
    output_shape: tuple[int | None, ...]
    params: int
    layers: int

    @property
    def widths(self) -> tuple[int, ...]:
        """The filters of each main-path convolution, in order."""
        return tuple(filters for _, filters in self.convolutions)


_CONVOLUTIONS = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D")


def _chain(name: str, inbound: dict[str, list[str]]) -> list[str]:
    """`name`, then its input, its input's input, …, up to a layer with not one."""
    chain = [name]
    while len(inbound.get(chain[-1], [])) == 1:
        chain.append(inbound[chain[-1]][0])
    return chain


def model_stages(
    model: keras.Model, *, collapse: str = r"(block\d+)_"
) -> tuple[Stage, ...]:
    r"""A model as its stem, blocks and head: one `Stage` per block or layer.

    Layers whose names match `collapse` form blocks, as in `model_diagram`.
    Each `Add` of two branches that split at one layer is a residual
    connection: the shorter branch is the shortcut, the longer the main path,
    and the block that the main path's layers name takes the `Add` and the
    shortcut's layers, named or not (Keras's own Xception leaves them
    unnamed: `conv2d`, `batch_normalization`, `add`). A shortcut with a
    convolution is a projection; one with no layers is the identity.

    Args:
        model: A functional Keras model.
        collapse: A regular expression whose first group names a block.

    Returns:
        The stages in model order; their parameters add up to the model's.

    Raises:
        ValueError: `collapse` is not a valid regular expression with a group.

    Examples:
        >>> from modern_convnets.models import mini_xception
        >>> stages = model_stages(mini_xception())
        >>> [stage.name for stage in stages][2:4]
        ['stem_conv', 'block1']
        >>> block5 = stages[7]
        >>> block5.widths, block5.shortcut, block5.projection
        ((512, 512), 'projection', '512 filters 1×1, stride 2')
    """
    pattern = _pattern(collapse)
    inbound = inbound_layers(model)
    layer_of = {layer.name: layer for layer in model.layers}
    group = {name: _group_of(name, pattern) for name in layer_of}

    owner: dict[str, str] = {}  # Add and shortcut layers -> their block
    shortcuts: dict[str, tuple[str, list[str]]] = {}  # block -> kind, layers
    for layer in model.layers:
        sources = inbound.get(layer.name, [])
        if type(layer).__name__ != "Add" or len(sources) != 2:
            continue
        chains = [_chain(source, inbound) for source in sources]
        fork = next((n for n in chains[0] if n in chains[1]), None)
        if fork is None:
            continue  # two branches from different inputs: not a residual
        paths = sorted((chain[: chain.index(fork)] for chain in chains), key=len)
        short, main = paths
        block = next((group[n] for n in main if group[n] is not None), None)
        if block is None:
            continue
        for name in [layer.name, *short]:
            owner[name] = block
        convolution = any(type(layer_of[n]).__name__ in _CONVOLUTIONS for n in short)
        shortcuts[block] = ("projection" if convolution else "identity", short)

    members: dict[str, list[keras.Layer]] = {}
    for layer in model.layers:
        key = group[layer.name] or owner.get(layer.name) or layer.name
        members.setdefault(key, []).append(layer)

    stages = []
    for name, layers in members.items():
        is_block = any(group[layer.name] == name for layer in layers)
        kind, short = shortcuts.get(name, (None, []))
        convolutions = tuple(
            (type(layer).__name__, int(layer.filters))
            for layer in layers
            if type(layer).__name__ in _CONVOLUTIONS and layer.name not in short
        )
        projection = next(
            (
                layer_detail(layer_of[n])
                for n in short
                if type(layer_of[n]).__name__ in _CONVOLUTIONS
            ),
            "",
        )
        stages.append(
            Stage(
                name=name,
                kind="block" if is_block else type(layers[0]).__name__,
                detail="" if is_block else layer_detail(layers[0]),
                convolutions=convolutions,
                shortcut=kind,
                projection=projection,
                output_shape=tuple(layers[-1].output.shape),
                params=sum(layer.count_params() for layer in layers),
                layers=len(layers),
            )
        )
    return tuple(stages)


def _pattern(collapse: str | None) -> re.Pattern[str] | None:
    """`collapse` compiled, or a ValueError naming what is wrong with it."""
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
    return pattern


def flows(stages: Sequence[Stage]) -> dict[str, tuple[Stage, ...]]:
    """Xception's three flows, read off its stages (Chollet, 2017).

    The middle flow is the longest run of consecutive blocks with an identity
    shortcut, blocks that keep their input's shape; the entry flow is every
    stage before it, the exit flow every stage after it.

    Args:
        stages: From `model_stages`.

    Returns:
        `{"entry": …, "middle": …, "exit": …}`, each a tuple of stages.

    Raises:
        ValueError: No stage has an identity shortcut, so there is no middle
            flow.

    Examples:
        >>> import keras
        >>> xception = keras.applications.Xception(weights=None)
        >>> parts = flows(model_stages(xception))
        >>> [(part, len(found)) for part, found in parts.items()]
        [('entry', 5), ('middle', 8), ('exit', 4)]
    """
    best, run_start = (0, 0), None
    for i, stage in enumerate([*stages, None]):
        identity = stage is not None and stage.shortcut == "identity"
        if identity and run_start is None:
            run_start = i
        elif not identity and run_start is not None:
            if i - run_start > best[1] - best[0]:
                best = (run_start, i)
            run_start = None
    start, end = best
    if start == end:
        names = [stage.name for stage in stages]
        raise ValueError(
            f"stages: none of {names} has an identity shortcut, so there is "
            "no middle flow; flows() reads Xception-like models"
        )
    return {
        "entry": tuple(stages[:start]),
        "middle": tuple(stages[start:end]),
        "exit": tuple(stages[end:]),
    }


_STAGE_KINDS = {
    **_SHORT,
    "Conv2D": "Conv",
    "SeparableConv2D": "SepConv",
    "GlobalAveragePooling2D": "GlobalAvgPool",
}


def _stage_lines(run: Sequence[Stage]) -> tuple[str, str, str]:
    """A box's name, what it does, and its output shape and parameters."""
    first, last = run[0], run[-1]
    name = first.name if len(run) == 1 else f"{first.name} … {last.name}"
    if first.kind == "block":
        kinds = Counter(_STAGE_KINDS.get(k, k) for k, _ in first.convolutions)
        widths = first.widths
        if len(kinds) == 1 and len(set(widths)) == 1 and len(widths) > 1:
            what = f"{len(widths)} × {next(iter(kinds))} {widths[0]:,}"
        else:
            what = " + ".join(
                f"{_STAGE_KINDS.get(k, k)} {w:,}" for k, w in first.convolutions
            )
        if len(run) > 1:
            what = f"{len(run)} blocks of {what}"
    else:
        what = {"GlobalAveragePooling2D": "GlobalAvgPool"}.get(first.kind, first.kind)
        if first.detail:
            what += f": {first.detail}"
    params = sum(stage.params for stage in run)
    shown = _shape_text(last.output_shape) + (
        f"  ·  {params:,} params" if params else ""
    )
    return name, what, shown


def _runs(stages: Sequence[Stage], repeat: int) -> list[list[Stage]]:
    """Stages in boxes: `repeat` or more identical blocks in a row share one."""
    runs: list[list[Stage]] = []
    for stage in stages:
        if (
            runs
            and stage.kind == "block"
            and all(
                getattr(stage, f) == getattr(runs[-1][0], f)
                for f in ("kind", "convolutions", "shortcut", "output_shape", "params")
            )
        ):
            runs[-1].append(stage)
        else:
            runs.append([stage])
    boxes = []
    for run in runs:
        boxes.extend([run] if len(run) >= repeat else [[stage] for stage in run])
    return boxes


def plot_stages(
    columns: Mapping[str, Sequence[Stage]],
    *,
    repeat: int = 3,
    caption: str = "",
) -> Figure:
    """Draw models stage by stage, side by side: blocks, shortcuts, flows.

    Each column is one model, one box per stage from the input down: its
    name, its convolutions and their widths (or what the layer does), its
    output shape and parameters. A curved arrow to the right of a block is
    its residual connection: solid for a shortcut through a convolution,
    dashed for the identity, with a key below the columns. Where a column
    has a middle flow (`flows`), brackets on its left name the entry, middle
    and exit flows.

    Args:
        columns: Column title → the model's stages (`model_stages`).
        repeat: This many identical blocks in a row, or more, share one box
            (Xception's middle flow); at least 2.
        caption: What the figure shows, in one sentence.

    Returns:
        The figure.

    Raises:
        ValueError: `columns` is empty or a column has no stages, or
            `repeat` is below 2.

    Examples:
        >>> from modern_convnets.models import mini_xception
        >>> fig = plot_stages({"Mini-Xception": model_stages(mini_xception())})
        >>> [t.get_text() for t in fig.axes[0].texts][:2]
        ['Mini-Xception', 'pixels']
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    if not columns or not all(columns.values()):
        raise ValueError(
            f"columns: need at least one column and stages in each, got "
            f"{ {title: len(stages) for title, stages in columns.items()} }"
        )
    if repeat < 2:
        raise ValueError(f"repeat={repeat!r}: must be at least 2")
    boxes = {title: _runs(stages, repeat) for title, stages in columns.items()}
    parts = {}
    for title, stages in columns.items():
        try:
            parts[title] = flows(stages)
        except ValueError:
            parts[title] = None
    # Data units: a box is 1 wide (2.2 inches) and a row 1 high (0.6 inches).
    bracket, box_width, aside, gap = 0.16, 1.0, 0.14, 0.08
    column_width = bracket + box_width + aside
    rows = max(len(b) for b in boxes.values())
    span = len(columns) * column_width + (len(columns) - 1) * gap
    fig = Figure(figsize=(2.2 * (span + 0.04), 0.6 * (rows + 1.5)))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(-0.02, span + 0.02)
    ax.set_ylim(rows + 0.35, -1.15)
    half = 0.36
    line = {"color": "#555555", "linewidth": 0.9}
    legend: dict[str, str] = {}  # shortcut label -> line style
    for c, (title, column) in enumerate(boxes.items()):
        x0 = c * (column_width + gap) + bracket
        centre = x0 + box_width / 2
        ax.text(
            centre,
            -0.85,
            title,
            ha="center",
            va="center",
            fontsize=10.5,
            fontweight="bold",
        )
        row_of = {}
        for row, run in enumerate(column):
            for stage in run:
                row_of[stage.name] = row
            kind = run[0].kind
            colour = _BOX_COLOURS.get("group" if kind == "block" else kind, "#eeeeee")
            ax.add_patch(
                FancyBboxPatch(
                    (x0, row - half),
                    box_width,
                    2 * half,
                    boxstyle="round,pad=0,rounding_size=0.06",
                    facecolor=colour,
                    edgecolor="#555555",
                    linewidth=0.8,
                )
            )
            name, what, shown = _stage_lines(run)
            ax.text(
                centre,
                row - 0.2,
                name,
                ha="center",
                va="center",
                fontsize=9,
                fontweight="bold",
            )
            ax.text(centre, row, what, ha="center", va="center", fontsize=8)
            ax.text(
                centre,
                row + 0.2,
                shown,
                ha="center",
                va="center",
                fontsize=7.5,
                color="#444444",
            )
            if row:
                ax.annotate(
                    "",
                    xy=(centre, row - half),
                    xytext=(centre, row - 1 + half),
                    arrowprops={
                        **line,
                        "arrowstyle": "-|>",
                        "mutation_scale": 8,
                        "shrinkA": 0,
                        "shrinkB": 0,
                    },
                )
            shortcut = run[0].shortcut
            if shortcut is not None:
                right = x0 + box_width
                ax.annotate(
                    "",
                    xy=(right, row + half - 0.08),
                    xytext=(right, row - half - 0.12),
                    arrowprops={
                        **line,
                        "arrowstyle": "-|>",
                        "mutation_scale": 8,
                        "shrinkA": 0,
                        "shrinkB": 0,
                        "linestyle": "-" if shortcut == "projection" else "--",
                        "connectionstyle": "arc3,rad=-0.6",
                    },
                )
                label = (
                    re.sub(
                        r"^\d+ filters ([^,\s]+)", r"\1 convolution", run[0].projection
                    )
                    if shortcut == "projection"
                    else "identity"
                )
                legend.setdefault(label, "-" if shortcut == "projection" else "--")
        if parts[title] is None:
            continue
        for part, stages in parts[title].items():
            if not stages:
                continue
            top, bottom = row_of[stages[0].name] - half, row_of[stages[-1].name] + half
            x = x0 - 0.05
            ax.plot([x + 0.03, x, x, x + 0.03], [top, top, bottom, bottom], **line)
            ax.text(
                x - 0.03,
                (top + bottom) / 2,
                f"{part} flow",
                rotation=90,
                ha="right",
                va="center",
                fontsize=8.5,
            )
    # The key to the curved arrows: one entry per kind of shortcut drawn.
    for i, (label, style) in enumerate(legend.items()):
        x = i * span / max(len(legend), 1) + 0.05
        ax.plot([x, x + 0.12], [rows + 0.05] * 2, linestyle=style, **line)
        ax.text(
            x + 0.16,
            rows + 0.05,
            f"shortcut: {label}",
            ha="left",
            va="center",
            fontsize=8,
            color="#444444",
        )
    fig.set_label(caption)
    return fig
