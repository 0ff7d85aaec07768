"""Images side by side: tiled into one array, or laid out in a figure.

`tile` is the one way the package puts images next to each other in pixels
(filter patterns, channels of feature maps); `image_grid` and `show_image`
draw images as figures, following `modern_convnets.figures`'s conventions.

Examples:
    >>> tile(np.ones((3, 2, 2, 3), "uint8"), ncols=2, margin=1)[..., 0]
    array([[1, 1, 0, 1, 1],
           [1, 1, 0, 1, 1],
           [0, 0, 0, 0, 0],
           [1, 1, 0, 0, 0],
           [1, 1, 0, 0, 0]], dtype=uint8)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure


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


def tile(
    images: Sequence[np.ndarray] | np.ndarray, ncols: int = 8, *, margin: int = 0
) -> np.ndarray:
    """Tile images row by row into one array, `margin` zero pixels apart.

    Margins and the cells after the last image are zeros: black for pixels,
    transparent for RGBA. The result keeps the images' dtype.

    Args:
        images: n images of one shape, (h, w) or (h, w, channels), as an
            (n, h, w[, channels]) array or a sequence.
        ncols: Images per row. The grid is always this wide, even for fewer
            images: pass `min(ncols, n)` for a narrower one.
        margin: Pixels between neighbours (none around the edge).

    Returns:
        An array (rows · h + (rows − 1) · margin, ncols · w + (ncols − 1) ·
            margin[, channels]), rows = ⌈n / ncols⌉; e.g. 8 × 8 patterns of
            150 px with 5 px margins give 1,235 × 1,235 pixels.

    Raises:
        ValueError: `images` is not a non-empty stack of 2-D or 3-D images,
            `ncols` < 1 or `margin` < 0.

    Examples:
        >>> tile(np.zeros((4, 10, 10, 3), "uint8"), ncols=2, margin=1).shape
        (21, 21, 3)
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(
            f"images has shape {images.shape}; expected (n, height, width) or "
            "(n, height, width, channels) with n ≥ 1"
        )
    if ncols < 1:
        raise ValueError(f"ncols={ncols!r} must be a positive integer")
    if margin < 0:
        raise ValueError(f"margin={margin!r} must be 0 or more pixels")
    n, height, width = images.shape[:3]
    nrows = -(-n // ncols)
    out = np.zeros(
        (
            nrows * (height + margin) - margin,
            ncols * (width + margin) - margin,
            *images.shape[3:],
        ),
        dtype=images.dtype,
    )
    for index, image in enumerate(images):
        row, col = divmod(index, ncols)
        top, left = row * (height + margin), col * (width + margin)
        out[top : top + height, left : left + width] = image
    return out


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
    """Lay images out on a grid of axes, without axes lines, titled one by one.

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
            label (see `modern_convnets.figures.describe`).

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
        caption: What the figure shows, in one sentence (see
            `modern_convnets.figures.describe`).

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


__all__ = ["image_grid", "show_image", "tile", "to_display"]
