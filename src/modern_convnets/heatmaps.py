"""Heatmaps on photos: resized to the photo, coloured, and blended over it.

A heatmap (a Grad-CAM map, say) is coarser than its photo: `resize_heatmap`
brings it to the photo's size, bilinearly with half-pixel centres, as
`tf.image.resize` does (and as the photos themselves are resized, with
`modern_convnets.photos.resize_bilinear`); `overlay` draws it over the photo.
Both are NumPy, on any Keras backend.

Examples:
    >>> resize_heatmap(np.array([[0.0, 1.0]]), (1, 4)).tolist()
    [[0.0, 0.25, 0.75, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from modern_convnets.photos import resize_bilinear


def resize_heatmap(heatmap: np.ndarray, size: Sequence[int]) -> np.ndarray:
    """Resize a 2-D map bilinearly, as `tf.image.resize` does, in NumPy.

    Args:
        heatmap: (h, w) values.
        size: (height, width) of the result.

    Returns:
        float32 values of shape `size`.

    Raises:
        ValueError: `heatmap` is not 2-D, or `size` is not two positive
            integers.

    Examples:
        >>> resize_heatmap(np.eye(2), (4, 4))
        array([[1.   , 0.75 , 0.25 , 0.   ],
               [0.75 , 0.625, 0.375, 0.25 ],
               [0.25 , 0.375, 0.625, 0.75 ],
               [0.   , 0.25 , 0.75 , 1.   ]], dtype=float32)
    """
    heatmap = np.asarray(heatmap)
    if heatmap.ndim != 2:
        raise ValueError(f"heatmap has shape {heatmap.shape}; expected (height, width)")
    return resize_bilinear(heatmap[..., None], size)[..., 0]


def overlay(
    image: np.ndarray,
    heatmap: np.ndarray,
    *,
    alpha: float = 0.4,
    cmap: str = "jet",
) -> np.ndarray:
    """Colour a heatmap and blend it over its photo.

    Args:
        image: The photo, (h, w, 3), pixels in [0, 255].
        heatmap: (h', w') values in [0, 1]; resized to (h, w) with
            `resize_heatmap`.
        alpha: Weight of the coloured map; the photo gets 1 − alpha.
        cmap: A matplotlib colormap name.

    Returns:
        uint8 RGB pixels, (h, w, 3).

    Raises:
        ValueError: Shapes that are not a photo and a 2-D map, or alpha
            outside [0, 1].

    Examples:
        >>> overlay(np.zeros((20, 30, 3)), np.ones((5, 5)), alpha=0.5)[0, 0].tolist()
        [64, 0, 0]
    """
    import matplotlib

    image = np.asarray(image, dtype="float32")
    heatmap = np.asarray(heatmap, dtype="float32")
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"image has shape {image.shape}; expected (height, width, 3)")
    if heatmap.ndim != 2:
        raise ValueError(f"heatmap has shape {heatmap.shape}; expected (height, width)")
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha={alpha!r} must be between 0 and 1")
    resized = resize_heatmap(heatmap, image.shape[:2])
    colours = matplotlib.colormaps[cmap](np.clip(resized, 0, 1))[..., :3] * 255
    blended = (1 - alpha) * image + alpha * colours
    return np.clip(np.round(blended), 0, 255).astype("uint8")


__all__ = ["overlay", "resize_heatmap"]
