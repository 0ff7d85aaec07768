"""Activations drawn: every channel of a layer, the layers side by side, sparsity.

The figures of the activations page, from the arrays that
`modern_convnets.activations` computes. Each channel is stretched to its own
[min, max]; blank channels (all zero on the photo) are drawn in
`BLANK_COLOUR` and counted.

Examples:
    >>> maps = np.ones((1, 7, 7, 32))
    >>> maps[..., 0] = 0
    >>> plot_channel_grid(maps, layer_name="conv").axes[0].get_title()
    'conv (7, 7, 32): 1 of 32 channels blank (grey)'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from modern_convnets.activations import LayerSparsity, channel_maps
from modern_convnets.grids import tile, to_display

BLANK_COLOUR = "#b0b0b0"
"""Colour of blank (all-zero) channels in activation plots."""


def channel_mosaic(
    maps: np.ndarray, ncols: int, *, cmap: str = "viridis", margin: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Tile (h, w, c) feature maps into one RGBA image, coloured by `cmap`.

    Each channel is stretched to its own [min, max]; blank channels (all
    zero) are filled with `BLANK_COLOUR`; the cells are laid out by
    `modern_convnets.grids.tile`, so the margins are transparent.

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
    blank = ~np.any(maps, axis=(0, 1))
    cells = np.empty((maps.shape[-1], *maps.shape[:2], 4))
    for index, is_blank in enumerate(blank):
        if is_blank:
            cells[index] = to_rgba(BLANK_COLOUR)
        else:
            cells[index] = colours(to_display(maps[:, :, index]))
    return tile(cells, ncols, margin=margin), blank


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
        caption: What the figure shows, in one sentence (see
            `modern_convnets.figures.describe`).

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
        caption: What the figure shows, in one sentence (see
            `modern_convnets.figures.describe`).

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
        caption: What the figure shows, in one sentence (see
            `modern_convnets.figures.describe`);
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
        caption: What the figure shows, in one sentence (see
            `modern_convnets.figures.describe`).

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


__all__ = [
    "BLANK_COLOUR",
    "channel_mosaic",
    "plot_activation_overview",
    "plot_channel",
    "plot_channel_grid",
    "plot_sparsity",
]
