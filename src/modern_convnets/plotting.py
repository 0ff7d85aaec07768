"""Drawing helpers shared by the guide's pages.

Every function returns a `matplotlib.figure.Figure` built without pyplot, so
nothing is shown or saved behind the caller's back: in a notebook the figure
displays as the cell's value; in a script, call `fig.savefig(...)`.

The guide's figures use one style, `STYLE` (`matplotlib.style.use(STYLE)`),
and carry a one-line description (`describe`) that the site shows as the
figure's caption and alternative text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from modern_convnets.activations import LayerSparsity
    from modern_convnets.diagram import Diagram


STYLE = Path(__file__).resolve().with_name("guide.mplstyle")
"""The guide's matplotlib style file."""


def describe(fig: Figure) -> str:
    """A one-line description of a figure, for its caption and alt text.

    The figure's label (`fig.set_label("...")`) if it has one; otherwise its
    suptitle and the titles of its axes.

    Examples:
        >>> fig = Figure()
        >>> fig.add_subplot().set_title("loss")
        Text(0.5, 1.0, 'loss')
        >>> describe(fig)
        'loss'
        >>> fig.set_label("Training loss per epoch")
        >>> describe(fig)
        'Training loss per epoch'
    """
    if fig.get_label():
        return fig.get_label()
    parts = []
    if fig.get_suptitle():
        parts.append(fig.get_suptitle())
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    unique = list(dict.fromkeys(titles))
    if len(unique) > 4:
        unique = [*unique[:3], f"… ({len(unique)} panels)"]
    parts.extend(unique)
    return "; ".join(parts)


def to_display(image: np.ndarray) -> np.ndarray:
    """Scale an array to [0, 1] for display, guarding against a constant image.

    Args:
        image: Any real array (pixels, filter weights, activations).

    Returns:
        A float array of the same shape in [0, 1]; all zeros if `image` is
            constant.

    Examples:
        >>> to_display(np.array([2.0, 4.0])).tolist()
        [0.0, 1.0]
    """
    image = np.asarray(image, dtype="float64")
    low, high = image.min(), image.max()
    if high - low == 0:
        return np.zeros_like(image)
    return (image - low) / (high - low)


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    *,
    ncols: int = 8,
    titles: Sequence[str] | None = None,
    cell_size: float = 1.6,
    normalise: bool = False,
    interpolation: str = "antialiased",
    caption: str = "",
) -> Figure:
    """Lay images out on a grid, without axes.

    Args:
        images: Images of shape (h, w) or (h, w, 3): uint8 in [0, 255], or
            floats in [0, 1] (or any range with `normalise=True`).
        ncols: Images per row.
        titles: One short title per image.
        cell_size: Width of one cell, in inches.
        normalise: Stretch each image to its own [min, max] first (for filter
            weights or activations).
        interpolation: Passed to `imshow`; `"nearest"` shows single pixels
            as crisp squares (small kernels).
        caption: What the figure shows, in one sentence: kept as the figure's
            label (see `describe`).

    Returns:
        The figure.

    Raises:
        ValueError: `images` is empty, `ncols` < 1, or `titles` has the wrong
            length.

    Examples:
        >>> fig = image_grid(np.zeros((4, 8, 8, 3)), ncols=2)
        >>> len(fig.axes)
        4
    """
    images = list(images)
    if not images:
        raise ValueError("images is empty: give at least one image")
    if ncols < 1:
        raise ValueError(f"ncols={ncols!r} must be a positive integer")
    if titles is not None and len(titles) != len(images):
        raise ValueError(
            f"titles has {len(titles)} entries for {len(images)} images; give one each"
        )
    ncols = min(ncols, len(images))
    nrows = -(-len(images) // ncols)
    height, width = np.shape(images[0])[:2]
    title_space = 0.25 if titles else 0.0
    fig = Figure(
        figsize=(ncols * cell_size, nrows * (cell_size * height / width + title_space)),
        layout="constrained",
    )
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index >= len(images):
            continue
        image = np.asarray(images[index])
        if normalise:
            image = to_display(image)
        ax.imshow(
            image, cmap="gray" if image.ndim == 2 else None, interpolation=interpolation
        )
        if titles:
            ax.set_title(titles[index], fontsize=9)
    fig.set_label(caption)
    return fig


def show_image(
    image: np.ndarray,
    *,
    title: str | None = None,
    width: float = 8.0,
    caption: str = "",
) -> Figure:
    """One image, without axes, `width` inches wide.

    Args:
        image: (h, w) or (h, w, 3) array, uint8 or floats in [0, 1].
        title: Optional title above the image.
        width: Figure width in inches; the height follows the aspect ratio.
        caption: What the figure shows, in one sentence (see `describe`).

    Returns:
        The figure.

    Examples:
        >>> fig = show_image(np.zeros((10, 20, 3)), title="black")
        >>> fig.get_size_inches().round(2).tolist()
        [8.0, 4.3]
    """
    image = np.asarray(image)
    height = width * image.shape[0] / image.shape[1] + (0.3 if title else 0.0)
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    fig.set_label(caption)
    return fig


BLANK_COLOUR = "#b0b0b0"
"""Colour of blank (all-zero) channels in activation plots."""


def channel_mosaic(
    maps: np.ndarray, ncols: int, *, cmap: str = "viridis", margin: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Tile (h, w, c) feature maps into one RGBA image, coloured by `cmap`.

    Each channel is stretched to its own [min, max]; blank channels (all
    zero) are filled with `BLANK_COLOUR`; the margins are transparent.

    Args:
        maps: One photo's feature maps, (h, w, c).
        ncols: Channels per row.
        cmap: A matplotlib colormap name.
        margin: Pixels between cells.

    Returns:
        The RGBA image (floats in [0, 1]) and a boolean array marking the
            blank channels.

    Examples:
        >>> image, blank = channel_mosaic(np.zeros((2, 2, 3)), ncols=3)
        >>> image.shape, blank.tolist()
        ((2, 8, 4), [True, True, True])
    """
    import matplotlib
    from matplotlib.colors import to_rgba

    colours = matplotlib.colormaps[cmap]
    height, width, channels = maps.shape
    nrows = -(-channels // ncols)
    mosaic = np.zeros(
        (nrows * (height + margin) - margin, ncols * (width + margin) - margin, 4)
    )
    blank = ~np.any(maps, axis=(0, 1))
    for index in range(channels):
        row, col = divmod(index, ncols)
        top, left = row * (height + margin), col * (width + margin)
        cell = mosaic[top : top + height, left : left + width]
        if blank[index]:
            cell[:] = to_rgba(BLANK_COLOUR)
        else:
            cell[:] = colours(to_display(maps[:, :, index]))
    return mosaic, blank


def plot_channel(
    activation: np.ndarray,
    channel: int,
    *,
    layer_name: str = "activation",
    cmap: str = "viridis",
    width: float = 4.0,
    caption: str = "",
) -> Figure:
    """One channel of one photo's feature maps, with a colour bar.

    Args:
        activation: Feature maps (1, h, w, c) or (h, w, c).
        channel: Which channel, 0-based.
        layer_name: For the title and error messages.
        cmap: A matplotlib colormap name.
        width: Figure width in inches.
        caption: What the figure shows, in one sentence (see `describe`).

    Returns:
        The figure.

    Raises:
        ValueError: `activation` is not one photo's 4-D feature map, or
            `channel` is out of range.

    Examples:
        >>> fig = plot_channel(np.ones((1, 6, 6, 2)), 1, layer_name="conv")
        >>> fig.axes[0].get_title()
        'conv, channel 1'
    """
    from modern_convnets.activations import channel_maps

    maps = channel_maps(activation, layer_name)
    if not 0 <= channel < maps.shape[-1]:
        raise ValueError(
            f"channel={channel!r} is out of range for {layer_name} with "
            f"{maps.shape[-1]} channels; valid: 0 to {maps.shape[-1] - 1}"
        )
    fig = Figure(figsize=(width, width * 0.85), layout="constrained")
    ax = fig.add_subplot()
    shown = ax.matshow(maps[:, :, channel], cmap=cmap)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{layer_name}, channel {channel}")
    fig.colorbar(shown, ax=ax, shrink=0.85)
    fig.set_label(caption)
    return fig


def plot_channel_grid(
    activation: np.ndarray,
    *,
    layer_name: str = "activation",
    ncols: int | None = None,
    cmap: str = "viridis",
    width: float = 9.0,
    caption: str = "",
) -> Figure:
    """Every channel of one photo's feature maps on one grid.

    Each channel is stretched to its own [min, max] (a constant channel is
    drawn as zeros rather than divided by zero); blank channels, all zero,
    are drawn in grey and counted in the title.

    Args:
        activation: Feature maps (1, h, w, c) or (h, w, c).
        layer_name: For the title and error messages.
        ncols: Channels per row; default 16 from 64 channels up, else 8.
        cmap: A matplotlib colormap name.
        width: Figure width in inches.
        caption: What the figure shows, in one sentence (see `describe`).

    Returns:
        The figure.

    Raises:
        ValueError: `activation` is not one photo's 4-D feature map, or
            `ncols` < 1.

    Examples:
        >>> maps = np.ones((1, 7, 7, 256))
        >>> maps[..., :3] = 0
        >>> plot_channel_grid(maps, layer_name="block5_conv").axes[0].get_title()
        'block5_conv (7, 7, 256): 3 of 256 channels blank (grey)'
    """
    from modern_convnets.activations import channel_maps

    maps = channel_maps(activation, layer_name)
    channels = maps.shape[-1]
    if ncols is None:
        ncols = 16 if channels >= 64 else 8
    if ncols < 1:
        raise ValueError(f"ncols={ncols!r} must be a positive integer")
    ncols = min(ncols, channels)
    mosaic, blank = channel_mosaic(
        maps, ncols, cmap=cmap, margin=max(1, maps.shape[0] // 16)
    )
    height = width * mosaic.shape[0] / mosaic.shape[1] + 0.4
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(mosaic, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(
        f"{layer_name} {maps.shape}: {int(blank.sum())} of {channels} "
        "channels blank (grey)"
    )
    fig.set_label(caption)
    return fig


def plot_activation_overview(
    activations: Mapping[str, np.ndarray],
    *,
    channels: int = 8,
    cmap: str = "viridis",
    width: float = 9.0,
    caption: str = "",
) -> Figure:
    """The first few channels of every layer, one row per layer.

    Args:
        activations: Layer name → one photo's feature maps, as returned by
            `modern_convnets.activations.get_activations` for one photo.
        channels: Channels shown per layer (fewer if a layer has fewer).
        cmap: A matplotlib colormap name.
        width: Figure width in inches.
        caption: What the figure shows, in one sentence (see `describe`);
            default: what it always shows, the first channels of each layer.

    Returns:
        The figure; blank channels are grey, as in `plot_channel_grid`.

    Raises:
        ValueError: `activations` is empty, `channels` < 1, or a layer's
            output is not one photo's 4-D feature map.

    Examples:
        >>> maps = {"conv": np.ones((1, 8, 8, 4)), "pool": np.ones((1, 4, 4, 4))}
        >>> len(plot_activation_overview(maps, channels=4).axes)
        2
    """
    from modern_convnets.activations import channel_maps

    if not activations:
        raise ValueError("activations is empty: give at least one layer")
    if channels < 1:
        raise ValueError(f"channels={channels!r} must be a positive integer")
    rows = len(activations)
    fig = Figure(figsize=(width, rows * width / channels * 0.9), layout="constrained")
    axes = fig.subplots(rows, 1, squeeze=False)[:, 0]
    for ax, (name, value) in zip(axes, activations.items(), strict=True):
        maps = channel_maps(value, name)
        shown = maps[:, :, :channels]
        mosaic, _ = channel_mosaic(
            shown, shown.shape[-1], cmap=cmap, margin=max(1, maps.shape[0] // 16)
        )
        ax.imshow(mosaic, interpolation="nearest", aspect="equal")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_ylabel(
            f"{name}\n{maps.shape[0]}×{maps.shape[1]}×{maps.shape[2]}",
            rotation=0,
            ha="right",
            va="center",
            fontsize=9,
        )
    fig.set_label(
        caption or f"The first {channels} channels of each layer, one row per layer"
    )
    return fig


def plot_sparsity(
    stats: Sequence[LayerSparsity], *, width: float = 8.0, caption: str = ""
) -> Figure:
    """Zero activations and blank channels per layer, in percent.

    Args:
        stats: From `modern_convnets.activations.sparsity_over` (or
            `sparsity`).
        width: Figure width in inches.
        caption: What the figure shows, in one sentence (see `describe`).

    Returns:
        The figure.

    Raises:
        ValueError: `stats` is empty.

    Examples:
        >>> from modern_convnets.activations import sparsity
        >>> fig = plot_sparsity(sparsity({"conv": np.zeros((2, 4, 4, 3))}))
        >>> fig.axes[0].get_ylabel()
        '% of the layer'
    """
    if not stats:
        raise ValueError("stats is empty: give at least one layer")
    names = [s.layer for s in stats]
    x = np.arange(len(stats))
    fig = Figure(figsize=(width, width * 0.45), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(
        x, [100 * s.zero_fraction for s in stats], "o-", label="activations that are 0"
    )
    ax.plot(
        x,
        [100 * s.blank_fraction for s in stats],
        "s-",
        label="channels blank on a photo",
    )
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of the layer")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="center right")
    ax.set_title(f"Sparsity over {stats[0].images:,} photos")
    fig.set_label(caption)
    return fig


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
        diagram: From `modern_convnets.diagram.model_diagram`.
        width: Figure width in inches (default: 4.4; 5.0 with skips along
            the main path, 6.4 with side branches).
        caption: What the figure shows, in one sentence (see `describe`).

    Returns:
        The figure.

    Raises:
        ValueError: The diagram has no boxes.

    Examples:
        >>> from modern_convnets.diagram import model_diagram
        >>> from modern_convnets.models import small_convnet
        >>> fig = plot_diagram(model_diagram(small_convnet()))
        >>> fig.get_size_inches().round(2).tolist()
        [4.4, 9.59]
    """
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
        caption: What the figure shows, in one sentence (see `describe`).

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
        caption: What the figure shows, in one sentence (see `describe`).

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
        caption: What the figure shows, in one sentence (see `describe`).

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
