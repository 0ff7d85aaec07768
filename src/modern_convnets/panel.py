"""What the lab page and `python -m modern_convnets explain` show, and how.

Both explain a photo the same way: the shipped models trained from scratch
(`MODELS`), the probability of each class (`CLASSES`), Grad-CAM overlays at
chosen layers (`GRADCAM_LAYERS`, blended with `OVERLAY_ALPHA` and the
`COLORMAPS`), and a mosaic of a layer's channels (`mosaic_columns` per row,
`MOSAIC_MARGIN` pixels apart). The command line (`modern_convnets.explain`)
draws with these values; the web export (`modern_convnets.lab`) writes them
into the page's manifest, which the page's JavaScript reads.

Examples:
    >>> CLASSES
    ('cat', 'dog')
    >>> mosaic_columns(32), mosaic_columns(64)
    (8, 16)
"""

from __future__ import annotations

from numbers import Integral

from modern_convnets.data import CLASS_NAMES

CLASSES: tuple[str, ...] = tuple(name.removesuffix("s") for name in CLASS_NAMES)
"""Class names by class index: ("cat", "dog"). The models output P(dog)."""

GRADCAM_LAYERS: dict[str, tuple[str, ...]] = {
    "small_convnet": ("block5_conv", "block4_conv"),
    "mini_xception": ("block5_add", "block4_add", "block3_add"),
}
"""The layers each model is explained at: the last feature map first, then
earlier blocks, whose finer maps show where the evidence sits before it is
pooled."""

MODELS: tuple[str, ...] = tuple(GRADCAM_LAYERS)
"""The shipped models explained (`modern_convnets.shipped`), in page order."""

OVERLAY_ALPHA = 0.4
"""Weight of the coloured map in a Grad-CAM overlay (`heatmaps.overlay`)."""

COLORMAPS: dict[str, str] = {"activations": "viridis", "gradcam": "jet"}
"""Matplotlib colour maps: of the activation mosaics and the overlays."""

MOSAIC_MARGIN = 1
"""Pixels between the channels of a mosaic (`activation_plots.channel_mosaic`)."""


def mosaic_columns(channels: int) -> int:
    """Channels per row of a layer's mosaic: 8 (or fewer) up to 32 channels, else 16.

    Raises:
        ValueError: `channels` is not a positive integer.

    Examples:
        >>> [mosaic_columns(n) for n in (3, 32, 33, 256)]
        [3, 8, 16, 16]
    """
    if isinstance(channels, bool) or not isinstance(channels, Integral) or channels < 1:
        raise ValueError(f"channels={channels!r} must be a positive integer")
    return int(min(channels, 8 if channels <= 32 else 16))


__all__ = [
    "CLASSES",
    "COLORMAPS",
    "GRADCAM_LAYERS",
    "MODELS",
    "MOSAIC_MARGIN",
    "OVERLAY_ALPHA",
    "mosaic_columns",
]
