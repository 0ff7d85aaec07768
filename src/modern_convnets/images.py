"""Turn photos into model input: from a file, a PIL image or an array.

Every model in this guide takes raw RGB pixels in [0, 255], so preparing a
photo means only: read it, make it RGB, resize it to the model's input size,
and add the batch axis. Resizing is bilinear, as in the training pipeline
(`modern_convnets.data.make_dataset`), so a photo is seen exactly as during
training.

Examples:
    >>> batch = image_batch(np.zeros((50, 40)), size=(32, 32))
    >>> batch.shape, batch.dtype
    ((1, 32, 32, 3), dtype('float32'))
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from modern_convnets.data import load_image, resize_bilinear

if TYPE_CHECKING:
    import keras

ImageLike = str | os.PathLike | Image.Image | np.ndarray
"""A path to an image file, a PIL image, or an array of pixels."""


LUMA = np.array([0.299, 0.587, 0.114], dtype="float32")
"""RGB → grayscale weights (ITU-R BT.601, as PIL's "L" conversion)."""


def to_rgb(image: ImageLike) -> np.ndarray:
    """One image as a float32 RGB array of shape (height, width, 3).

    Args:
        image: A file path, a PIL image, or an array of shape (h, w)
            (grayscale), (h, w, 1), (h, w, 3) or (h, w, 4) (alpha dropped).
            Values are kept as they are (pixels in [0, 255] for the guide's
            models).

    Returns:
        The pixels as float32.

    Raises:
        ValueError: The array's rank or channel count is not one of those.
        FileNotFoundError: The path does not exist.

    Examples:
        >>> to_rgb(np.zeros((4, 5, 4), dtype="uint8")).shape
        (4, 5, 3)
    """
    if isinstance(image, str | os.PathLike):
        return load_image(image).astype("float32")
    if isinstance(image, Image.Image):
        return np.asarray(image.convert("RGB"), dtype="float32")
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"image has shape {array.shape}; expected (height, width) or "
            "(height, width, channels) with 1, 3 or 4 channels"
        )
    if array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    return array[..., :3].astype("float32")


def input_size(model: keras.Model) -> tuple[int, int] | None:
    """The (height, width) a model expects, or None if it takes any size.

    Examples:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((28, 32, 3)), keras.layers.ReLU()])
        >>> input_size(model)
        (28, 32)
    """
    try:
        shape = model.inputs[0].shape
    except (AttributeError, ValueError) as error:  # an unbuilt Sequential model
        raise ValueError(
            f"model {model.name!r} has no input yet; start it with keras.Input(...)"
        ) from error
    if len(shape) != 4:
        raise ValueError(
            f"model {model.name!r} takes input of shape {tuple(shape)}, not images "
            "(batch, height, width, channels)"
        )
    height, width = shape[1], shape[2]
    if height is None or width is None:
        return None
    return int(height), int(width)


def image_batch(
    images: ImageLike | Sequence[ImageLike],
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Stack photos into one float32 batch of shape (n, height, width, 3).

    Args:
        images: One image or a sequence of them (see `to_rgb`). A 4-D array is
            taken as a batch already.
        size: Resize every image to this (height, width), bilinearly. Without
            it all images must share one size.

    Returns:
        The batch, pixel values unchanged apart from resizing.

    Raises:
        ValueError: No images, an image of an unusable shape, a non-positive
            size, or images of different sizes without `size`.

    Examples:
        >>> image_batch([np.zeros((10, 10)), np.ones((20, 30, 3))], (8, 8)).shape
        (2, 8, 8, 3)
    """
    if isinstance(images, np.ndarray) and images.ndim == 4:
        items: list[ImageLike] = list(images)
    elif isinstance(images, list | tuple):
        items = list(images)
    else:
        items = [images]  # type: ignore[list-item]
    if not items:
        raise ValueError("images is empty: give at least one image")
    if size is not None:
        size = tuple(size)  # type: ignore[assignment]
        if len(size) != 2 or min(size) < 1:
            raise ValueError(
                f"size={size!r} must be (height, width) with positive integers"
            )
    rgb = [to_rgb(item) for item in items]
    if size is not None:
        rgb = [
            resize_bilinear(image, size) if image.shape[:2] != size else image
            for image in rgb
        ]
    shapes = {image.shape for image in rgb}
    if len(shapes) > 1:
        raise ValueError(
            f"images have different sizes {sorted(shapes)}; pass size=(height, width)"
        )
    return np.stack(rgb).astype("float32")


def model_batch(
    model: keras.Model, images: ImageLike | Sequence[ImageLike]
) -> np.ndarray:
    """Photos prepared for `model`: resized to its input size and batched.

    RGB, or grayscale if the model takes one channel.

    Args:
        model: A model taking images (its input size is read from it).
        images: One image or a sequence of them (see `to_rgb`).

    Returns:
        A float32 batch of raw pixels, ready for `model.predict`.

    Examples:
        ```python
        model = load_trained("small_convnet")
        model_batch(model, "cat.2000.jpg").shape
        # (1, 180, 180, 3)
        ```
    """
    batch = image_batch(images, input_size(model))
    channels = model.inputs[0].shape[-1]
    if channels == 1:  # a grayscale model: luminance, as PIL's "L" mode
        return (batch @ LUMA)[..., None].astype("float32")
    if channels not in (3, None):
        raise ValueError(
            f"model {model.name!r} takes {channels}-channel images; model_batch "
            "prepares RGB (3) or grayscale (1) input"
        )
    return batch
